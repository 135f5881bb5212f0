-- The account (for the GRANT a missing privilege needs) and the database the URL connects to
-- (the one a dump by hand takes, as pg_dump takes the URL's); empty without one.
SELECT CURRENT_USER() AS account, COALESCE(DATABASE(), '') AS current_database
