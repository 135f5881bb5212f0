-- What a restore by this account could change outside its scratch database, one line per
-- thing, sorted: this role's attributes, memberships and settings, and the databases it owns
-- (but scratch ones) with their settings. A superuser (--trust-backup) owns the whole server,
-- whose databases others create and drop meanwhile: its databases are left out. Read before the restore, again inside the
-- restore's transaction before COMMIT, and once more after the run. Every operator and
-- function is schema-qualified: the dump may have put its own ahead of pg_catalog.
WITH me AS (
    SELECT r.oid, r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) session_user
), dbs AS (
    SELECT d.oid FROM pg_catalog.pg_database d, me
     WHERE NOT pg_catalog.starts_with(d.datname::text, 'dbrunbook_restore_')
       AND d.datdba OPERATOR(pg_catalog.=) me.oid AND NOT me.rolsuper
)
SELECT pg_catalog.string_agg(line, E'\n' ORDER BY line) FROM (
    SELECT pg_catalog.format('database %I owner %I acl %s connections %s limit %s template %s comment %L',
               d.datname, pg_catalog.pg_get_userbyid(d.datdba), d.datacl::text, d.datallowconn,
               d.datconnlimit, d.datistemplate, pg_catalog.shobj_description(d.oid, 'pg_database')) AS line
      FROM pg_catalog.pg_database d
     WHERE d.oid OPERATOR(pg_catalog.=) ANY (SELECT oid FROM dbs)
    UNION ALL
    SELECT pg_catalog.format('role %I superuser %s createrole %s createdb %s login %s replication %s '
               'bypassrls %s limit %s valid until %s comment %L', r.rolname, r.rolsuper, r.rolcreaterole,
               r.rolcreatedb, r.rolcanlogin, r.rolreplication, r.rolbypassrls, r.rolconnlimit,
               r.rolvaliduntil, pg_catalog.shobj_description(r.oid, 'pg_authid'))
      FROM pg_catalog.pg_roles r
     WHERE r.oid OPERATOR(pg_catalog.=) ANY (SELECT oid FROM me)
    UNION ALL
    SELECT pg_catalog.format('membership of %I in %I admin %s', pg_catalog.pg_get_userbyid(m.member),
               pg_catalog.pg_get_userbyid(m.roleid), m.admin_option)
      FROM pg_catalog.pg_auth_members m
     WHERE m.member OPERATOR(pg_catalog.=) ANY (SELECT oid FROM me)
        OR m.roleid OPERATOR(pg_catalog.=) ANY (SELECT oid FROM me)
    UNION ALL
    SELECT pg_catalog.format('setting of role %s in database %s: %s',
               CASE WHEN s.setrole OPERATOR(pg_catalog.=) 0 THEN 'all' ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(s.setrole)::text) END,
               CASE WHEN s.setdatabase OPERATOR(pg_catalog.=) 0 THEN 'all' ELSE pg_catalog.quote_ident(d.datname::text) END,
               s.setconfig::text)
      FROM pg_catalog.pg_db_role_setting s
      LEFT JOIN pg_catalog.pg_database d ON d.oid OPERATOR(pg_catalog.=) s.setdatabase
     WHERE s.setrole OPERATOR(pg_catalog.=) ANY (SELECT oid FROM me)
        OR s.setdatabase OPERATOR(pg_catalog.=) ANY (SELECT oid FROM dbs)
) AS lines
