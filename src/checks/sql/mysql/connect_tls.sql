-- This session's TLS: empty when the connection is in plain text.
SHOW SESSION STATUS WHERE Variable_name IN ('Ssl_version', 'Ssl_cipher')
