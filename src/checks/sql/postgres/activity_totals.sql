-- Sessions hidden from this role (and the role, for the GRANT that shows them), and the
-- session holding back the xmin horizon the most.
SELECT (SELECT count(*) FROM pg_stat_activity
         WHERE backend_type IS NULL AND usesysid IS NOT NULL AND datid IS NOT NULL) AS hidden,
       x.pid::int8, age(x.backend_xmin)::int8, current_user::text AS role
  FROM (SELECT 1) one
  LEFT JOIN LATERAL (SELECT pid, backend_xmin FROM pg_stat_activity
                      WHERE backend_xmin IS NOT NULL AND pid <> pg_backend_pid()
                      ORDER BY age(backend_xmin) DESC LIMIT 1) x ON true
