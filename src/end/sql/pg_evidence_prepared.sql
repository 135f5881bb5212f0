-- Evidence: prepared transactions (two-phase commit), which hold locks with no session.
SELECT row_to_json(p)::text AS row FROM pg_prepared_xacts p
