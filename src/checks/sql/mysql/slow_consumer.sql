-- Whether performance_schema fills the digest table: its consumer can be off at runtime.
SELECT ENABLED AS enabled FROM performance_schema.setup_consumers WHERE NAME = 'statements_digest'
