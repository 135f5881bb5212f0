
use builtin;
use str;

set edit:completion:arg-completer[dbrunbook] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'dbrunbook'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'dbrunbook'= {
            cand --url 'Connection URL: postgres://user:<password>@host:5432/db, mysql://user:<password>@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console'
            cand --format 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line, the Prometheus text'
            cand --runbooks 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2'
            cand --connect-timeout 'Give up connecting after this long (e.g. 500ms, 5s). Default: the URL''s connect_timeout if it has one, else 5s'
            cand --timeout 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN. Untyped, a check waiting an --interval (slow) gets the interval on top of the 30s'
            cand --color 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never'
            cand --config 'The fleet file naming the targets of --all, --tag and serve. Default: ./dbrunbook.yaml, else $XDG_CONFIG_HOME/dbrunbook/dbrunbook.yaml (~/.config when unset)'
            cand -v 'Log what the tool does to stderr (-v); passwords are never logged'
            cand --verbose 'Log what the tool does to stderr (-v); passwords are never logged'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand diagnose 'Every check over one connection, with the runbooks'' default thresholds: the one to type first in an incident, and to run from cron or monitoring (`check` is the same command). The status is the worst check''s'
            cand check 'Every check over one connection, with the runbooks'' default thresholds: the one to type first in an incident, and to run from cron or monitoring (`check` is the same command). The status is the worst check''s'
            cand restore-check 'Restore a backup file into a scratch database it creates, count its tables and rows, compare them with the source (--url), report the restore time, and drop the scratch copy'
            cand end 'End sessions the safe way: by the session references a report prints (pg:PID@..., my:THREAD@...), or in bulk for a leaked pool (--application/--user with --state and --older-than)'
            cand serve 'A Prometheus exporter for the fleet file''s targets, in the multi-target pattern of postgres_exporter: GET /probe?target=NAME diagnoses the named target (names from the fleet file only, never URLs) and answers in the Prometheus text format; /metrics is the exporter''s own health. Stops cleanly on SIGTERM or Ctrl-C'
            cand runbooks 'List, show and validate runbooks'
            cand completions 'Print a shell completion script to stdout'
            cand connect 'The connection itself: name resolution, TCP, TLS, startup and authentication, each timed, and which one failed; server uptime (a recent restart), primary or replica, and the settings that drop idle connections'
            cand pool 'Connection-pool status: connections used against the server''s limit, by state and by holder; PgBouncer pools and waiting clients; a server too full to let us in'
            cand queries 'Long-running statements, long transactions and sessions idle in a transaction: who runs them (pid, user, database, application, client), for how long, and what they wait on'
            cand locks 'Lock contention: who waits for whom, as trees from the root blockers down; metadata locks on MySQL; deadlocks; the lock settings that decide how waits end'
            cand migrations 'Migration revision: which tool''s history tables the database has (Alembic, Flyway, Liquibase, golang-migrate, Rails, dbmate, Ecto, Django, sqlx, Diesel, Prisma, goose, Knex, TypeORM, Atlas, db-migrate, node-pg-migrate, sequelize-cli, yoyo), the revision the schema is at, half-applied migrations, stuck migration locks, and with --expect or --dir whether that is where the deploy expects it and whether applied files changed since'
            cand backups 'Backups: the newest dump per database in --dir (age, size drop, completeness read from the content: pg_dump plain/custom/directory/tar, pg_dumpall, mysqldump; gzip, zstd, xz, bzip2 streamed), a pgBackRest stanza''s backups and archive, and the server''s WAL archiving or binary logs: whether point-in-time recovery is possible'
            cand slow 'The statements that cost the most time, from pg_stat_statements or performance_schema: calls, total and mean time, rows, cache hits; with --interval, what is slow now'
            cand size 'How big it is and whether it is about to run out of room: database sizes, the largest tables with their indexes and TOAST, bloat estimates, transaction ID age against wraparound (PostgreSQL), and with --interval the growth in bytes per second'
            cand replication 'Replication from whichever side it is connected to: replica lag (in time, with an idle primary not counted as lag, and in bytes), broken replicas (no WAL receiver; MySQL/MariaDB IO and SQL threads with their errors), replication slots keeping WAL until the disk fills, synchronous standbys gone, semi-sync fallen back; with --interval each slot''s growth and time left'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'dbrunbook;diagnose'= {
            cand --limit 'Rows of detail per list; the counts stay exact'
            cand --only 'Run only this check (repeatable); all of them by default'
            cand --watch 'Rerun every DURATION (at least 1s) until Ctrl-C, like `watch`'
            cand --tag 'Diagnose the fleet file''s targets carrying this tag (repeatable: any of them)'
            cand --jobs 'Targets diagnosed at once, over all servers. Each holds one connection and a few hundred KiB while it runs, far below file descriptor limits'
            cand --server-jobs 'Targets of one server (the same host and port) diagnosed at once, so that a fleet of databases on one server never takes --jobs of its connection slots and CPUs at once. A server that does not answer within the connect timeout has nothing to protect: its other targets are then tried all at once, so they too end within one more deadline'
            cand --url 'Connection URL: postgres://user:<password>@host:5432/db, mysql://user:<password>@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console'
            cand --format 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line, the Prometheus text'
            cand --runbooks 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2'
            cand --connect-timeout 'Give up connecting after this long (e.g. 500ms, 5s). Default: the URL''s connect_timeout if it has one, else 5s'
            cand --timeout 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN. Untyped, a check waiting an --interval (slow) gets the interval on top of the 30s'
            cand --color 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never'
            cand --config 'The fleet file naming the targets of --all, --tag and serve. Default: ./dbrunbook.yaml, else $XDG_CONFIG_HOME/dbrunbook/dbrunbook.yaml (~/.config when unset)'
            cand --all 'Diagnose every target of the fleet file (see --config), concurrently'
            cand --brief 'One screen: the status block, the root or top holder and the first commands. The default on a terminal the full report would overflow, and for --watch'
            cand --full 'The whole report (every table, note and runbook step), even on a small terminal'
            cand -v 'Log what the tool does to stderr (-v); passwords are never logged'
            cand --verbose 'Log what the tool does to stderr (-v); passwords are never logged'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'dbrunbook;check'= {
            cand --limit 'Rows of detail per list; the counts stay exact'
            cand --only 'Run only this check (repeatable); all of them by default'
            cand --watch 'Rerun every DURATION (at least 1s) until Ctrl-C, like `watch`'
            cand --tag 'Diagnose the fleet file''s targets carrying this tag (repeatable: any of them)'
            cand --jobs 'Targets diagnosed at once, over all servers. Each holds one connection and a few hundred KiB while it runs, far below file descriptor limits'
            cand --server-jobs 'Targets of one server (the same host and port) diagnosed at once, so that a fleet of databases on one server never takes --jobs of its connection slots and CPUs at once. A server that does not answer within the connect timeout has nothing to protect: its other targets are then tried all at once, so they too end within one more deadline'
            cand --url 'Connection URL: postgres://user:<password>@host:5432/db, mysql://user:<password>@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console'
            cand --format 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line, the Prometheus text'
            cand --runbooks 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2'
            cand --connect-timeout 'Give up connecting after this long (e.g. 500ms, 5s). Default: the URL''s connect_timeout if it has one, else 5s'
            cand --timeout 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN. Untyped, a check waiting an --interval (slow) gets the interval on top of the 30s'
            cand --color 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never'
            cand --config 'The fleet file naming the targets of --all, --tag and serve. Default: ./dbrunbook.yaml, else $XDG_CONFIG_HOME/dbrunbook/dbrunbook.yaml (~/.config when unset)'
            cand --all 'Diagnose every target of the fleet file (see --config), concurrently'
            cand --brief 'One screen: the status block, the root or top holder and the first commands. The default on a terminal the full report would overflow, and for --watch'
            cand --full 'The whole report (every table, note and runbook step), even on a small terminal'
            cand -v 'Log what the tool does to stderr (-v); passwords are never logged'
            cand --verbose 'Log what the tool does to stderr (-v); passwords are never logged'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'dbrunbook;restore-check'= {
            cand --scratch-url 'The server to restore into (postgres://... or mysql://...). Its database is only where the tool connects to create the scratch one (PostgreSQL: e.g. postgres)'
            cand --row-tolerance 'How far a table''s row count may differ from the source before it is CRITICAL rather than WARNING, in percent of the source''s count'
            cand --url 'Connection URL: postgres://user:<password>@host:5432/db, mysql://user:<password>@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console'
            cand --format 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line, the Prometheus text'
            cand --runbooks 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2'
            cand --connect-timeout 'Give up connecting after this long (e.g. 500ms, 5s). Default: the URL''s connect_timeout if it has one, else 5s'
            cand --timeout 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN. Untyped, a check waiting an --interval (slow) gets the interval on top of the 30s'
            cand --color 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never'
            cand --config 'The fleet file naming the targets of --all, --tag and serve. Default: ./dbrunbook.yaml, else $XDG_CONFIG_HOME/dbrunbook/dbrunbook.yaml (~/.config when unset)'
            cand --keep 'Keep the scratch database afterwards (its name is in the report) instead of dropping it'
            cand --i-know-this-is-production 'Allow the scratch server and database to be the source''s (--url): without it the tool refuses to restore into the server and database it would compare against'
            cand --trust-backup 'Allow a --scratch-url account with superuser (PostgreSQL) or global (MariaDB/MySQL) privileges. The dump''s own code (functions, triggers, COPY ... PROGRAM, statements about other databases) then runs with them on the scratch server: only for a backup you trust. Without it, use an account that may only create databases (PostgreSQL: CREATEDB; MariaDB: ALL on `dbrunbook\_restore\_%`.*)'
            cand -v 'Log what the tool does to stderr (-v); passwords are never logged'
            cand --verbose 'Log what the tool does to stderr (-v); passwords are never logged'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'dbrunbook;end'= {
            cand --application 'Bulk: the sessions of this application (PostgreSQL application_name; MySQL the client''s program_name, when performance_schema is on)'
            cand --user 'Bulk: the sessions of this database user'
            cand --state 'Bulk: only sessions in this state'
            cand --older-than 'Bulk: only sessions in their state (or transaction) for at least this long'
            cand --grace 'How long to wait after cancelling a statement before terminating the session'
            cand --audit-log 'The audit log to append to. Default: $XDG_STATE_HOME/dbrunbook/end-audit.jsonl (else ~/.local/state/dbrunbook/end-audit.jsonl)'
            cand --evidence-dir 'Where the evidence files go. Default: $XDG_STATE_HOME/dbrunbook/evidence (else ~/.local/state/dbrunbook/evidence)'
            cand --url 'Connection URL: postgres://user:pass@host:5432/db, mysql://user:pass@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console'
            cand --format 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line, the Prometheus text'
            cand --runbooks 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2'
            cand --connect-timeout 'Give up connecting after this long (e.g. 500ms, 5s). Default: the URL''s connect_timeout if it has one, else 5s'
            cand --timeout 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN'
            cand --color 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never'
            cand --config 'The fleet file naming the targets of --all, --tag and serve. Default: ./dbrunbook.yaml, else $XDG_CONFIG_HOME/dbrunbook/dbrunbook.yaml (~/.config when unset)'
            cand --yes 'Send without asking (needed when not on a terminal)'
            cand --dry-run 'Only show what would be done; send nothing'
            cand -v 'Log what the tool does to stderr (-v); passwords are never logged'
            cand --verbose 'Log what the tool does to stderr (-v); passwords are never logged'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'dbrunbook;serve'= {
            cand --listen 'Address to listen on, e.g. 127.0.0.1:9187 or [::]:9187'
            cand --max-probes 'Probes running at once; one more is answered 503 at once (Prometheus counts a failed scrape) rather than queued behind a slow target past the scrape timeout'
            cand --url 'Connection URL: postgres://user:<password>@host:5432/db, mysql://user:<password>@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console'
            cand --format 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line, the Prometheus text'
            cand --runbooks 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2'
            cand --connect-timeout 'Give up connecting after this long (e.g. 500ms, 5s). Default: the URL''s connect_timeout if it has one, else 5s'
            cand --timeout 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN. Untyped, a check waiting an --interval (slow) gets the interval on top of the 30s'
            cand --color 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never'
            cand --config 'The fleet file naming the targets of --all, --tag and serve. Default: ./dbrunbook.yaml, else $XDG_CONFIG_HOME/dbrunbook/dbrunbook.yaml (~/.config when unset)'
            cand -v 'Log what the tool does to stderr (-v); passwords are never logged'
            cand --verbose 'Log what the tool does to stderr (-v); passwords are never logged'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'dbrunbook;runbooks'= {
            cand --url 'Connection URL: postgres://user:<password>@host:5432/db, mysql://user:<password>@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console'
            cand --format 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line, the Prometheus text'
            cand --runbooks 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2'
            cand --connect-timeout 'Give up connecting after this long (e.g. 500ms, 5s). Default: the URL''s connect_timeout if it has one, else 5s'
            cand --timeout 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN. Untyped, a check waiting an --interval (slow) gets the interval on top of the 30s'
            cand --color 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never'
            cand --config 'The fleet file naming the targets of --all, --tag and serve. Default: ./dbrunbook.yaml, else $XDG_CONFIG_HOME/dbrunbook/dbrunbook.yaml (~/.config when unset)'
            cand -v 'Log what the tool does to stderr (-v); passwords are never logged'
            cand --verbose 'Log what the tool does to stderr (-v); passwords are never logged'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand list 'List the runbooks in effect (built-in plus --runbooks directories)'
            cand show 'Print one runbook in full'
            cand validate 'Check runbook files (directories or single files): YAML syntax, fields, thresholds and placeholders. Reports every problem as file:line:column and exits 1 if there are any'
            cand export 'Write the runbooks in another tool''s format to stdout. `--format prometheus-rules`: a Prometheus rules file with one alerting rule per runbook, on the metrics of `--format prometheus`, whose annotations link the alert to its runbook'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'dbrunbook;runbooks;list'= {
            cand --url 'Connection URL: postgres://user:<password>@host:5432/db, mysql://user:<password>@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console'
            cand --format 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line, the Prometheus text'
            cand --runbooks 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2'
            cand --connect-timeout 'Give up connecting after this long (e.g. 500ms, 5s). Default: the URL''s connect_timeout if it has one, else 5s'
            cand --timeout 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN. Untyped, a check waiting an --interval (slow) gets the interval on top of the 30s'
            cand --color 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never'
            cand --config 'The fleet file naming the targets of --all, --tag and serve. Default: ./dbrunbook.yaml, else $XDG_CONFIG_HOME/dbrunbook/dbrunbook.yaml (~/.config when unset)'
            cand -v 'Log what the tool does to stderr (-v); passwords are never logged'
            cand --verbose 'Log what the tool does to stderr (-v); passwords are never logged'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'dbrunbook;runbooks;show'= {
            cand --url 'Connection URL: postgres://user:<password>@host:5432/db, mysql://user:<password>@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console'
            cand --format 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line, the Prometheus text'
            cand --runbooks 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2'
            cand --connect-timeout 'Give up connecting after this long (e.g. 500ms, 5s). Default: the URL''s connect_timeout if it has one, else 5s'
            cand --timeout 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN. Untyped, a check waiting an --interval (slow) gets the interval on top of the 30s'
            cand --color 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never'
            cand --config 'The fleet file naming the targets of --all, --tag and serve. Default: ./dbrunbook.yaml, else $XDG_CONFIG_HOME/dbrunbook/dbrunbook.yaml (~/.config when unset)'
            cand -v 'Log what the tool does to stderr (-v); passwords are never logged'
            cand --verbose 'Log what the tool does to stderr (-v); passwords are never logged'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'dbrunbook;runbooks;validate'= {
            cand --url 'Connection URL: postgres://user:<password>@host:5432/db, mysql://user:<password>@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console'
            cand --format 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line, the Prometheus text'
            cand --runbooks 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2'
            cand --connect-timeout 'Give up connecting after this long (e.g. 500ms, 5s). Default: the URL''s connect_timeout if it has one, else 5s'
            cand --timeout 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN. Untyped, a check waiting an --interval (slow) gets the interval on top of the 30s'
            cand --color 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never'
            cand --config 'The fleet file naming the targets of --all, --tag and serve. Default: ./dbrunbook.yaml, else $XDG_CONFIG_HOME/dbrunbook/dbrunbook.yaml (~/.config when unset)'
            cand -v 'Log what the tool does to stderr (-v); passwords are never logged'
            cand --verbose 'Log what the tool does to stderr (-v); passwords are never logged'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'dbrunbook;runbooks;export'= {
            cand --format 'The format to write'
            cand --runbook-url 'The URL of a runbook''s page, `{id}` standing for the runbook id, e.g. ''https://wiki.example.com/runbooks/{id}'': the alerts'' runbook_url annotation'
            cand --for 'How long a check must stay in a runbook''s status before its alert fires'
            cand --url 'Connection URL: postgres://user:<password>@host:5432/db, mysql://user:<password>@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console'
            cand --runbooks 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2'
            cand --connect-timeout 'Give up connecting after this long (e.g. 500ms, 5s). Default: the URL''s connect_timeout if it has one, else 5s'
            cand --timeout 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN. Untyped, a check waiting an --interval (slow) gets the interval on top of the 30s'
            cand --color 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never'
            cand --config 'The fleet file naming the targets of --all, --tag and serve. Default: ./dbrunbook.yaml, else $XDG_CONFIG_HOME/dbrunbook/dbrunbook.yaml (~/.config when unset)'
            cand -v 'Log what the tool does to stderr (-v); passwords are never logged'
            cand --verbose 'Log what the tool does to stderr (-v); passwords are never logged'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'dbrunbook;runbooks;help'= {
            cand list 'List the runbooks in effect (built-in plus --runbooks directories)'
            cand show 'Print one runbook in full'
            cand validate 'Check runbook files (directories or single files): YAML syntax, fields, thresholds and placeholders. Reports every problem as file:line:column and exits 1 if there are any'
            cand export 'Write the runbooks in another tool''s format to stdout. `--format prometheus-rules`: a Prometheus rules file with one alerting rule per runbook, on the metrics of `--format prometheus`, whose annotations link the alert to its runbook'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'dbrunbook;runbooks;help;list'= {
        }
        &'dbrunbook;runbooks;help;show'= {
        }
        &'dbrunbook;runbooks;help;validate'= {
        }
        &'dbrunbook;runbooks;help;export'= {
        }
        &'dbrunbook;runbooks;help;help'= {
        }
        &'dbrunbook;completions'= {
            cand --url 'Connection URL: postgres://user:<password>@host:5432/db, mysql://user:<password>@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console'
            cand --format 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line, the Prometheus text'
            cand --runbooks 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2'
            cand --connect-timeout 'Give up connecting after this long (e.g. 500ms, 5s). Default: the URL''s connect_timeout if it has one, else 5s'
            cand --timeout 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN. Untyped, a check waiting an --interval (slow) gets the interval on top of the 30s'
            cand --color 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never'
            cand --config 'The fleet file naming the targets of --all, --tag and serve. Default: ./dbrunbook.yaml, else $XDG_CONFIG_HOME/dbrunbook/dbrunbook.yaml (~/.config when unset)'
            cand -v 'Log what the tool does to stderr (-v); passwords are never logged'
            cand --verbose 'Log what the tool does to stderr (-v); passwords are never logged'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'dbrunbook;connect'= {
            cand --restarted-within 'WARNING when the server started less than this long ago (a crash, a restart or a failover) (default 10m).'
            cand --connection-errors 'MySQL/MariaDB: WARNING at this many failed connection attempts (Aborted_connects, less MariaDB''s hang-ups before authentication, and Connection_errors_*) per hour of uptime, averaged over at least one hour (default 600).'
            cand --expect 'primary or replica: CRITICAL when a primary was expected and this is a replica, WARNING when a primary is read-only or a replica was expected'
            cand --limit 'Rows of detail per list; the counts stay exact.'
            cand --watch 'Rerun every DURATION (at least 1s) until Ctrl-C, like `watch`.'
            cand --url 'Connection URL: postgres://user:<password>@host:5432/db, mysql://user:<password>@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console'
            cand --format 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line, the Prometheus text'
            cand --runbooks 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2'
            cand --connect-timeout 'Give up connecting after this long (e.g. 500ms, 5s). Default: the URL''s connect_timeout if it has one, else 5s'
            cand --timeout 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN. Untyped, a check waiting an --interval (slow) gets the interval on top of the 30s'
            cand --color 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never'
            cand --config 'The fleet file naming the targets of --all, --tag and serve. Default: ./dbrunbook.yaml, else $XDG_CONFIG_HOME/dbrunbook/dbrunbook.yaml (~/.config when unset)'
            cand --brief 'One screen: the status block, the root or top holder and the first commands.'
            cand --full 'The whole report (every table, note and runbook step), even on a small terminal.'
            cand -v 'Log what the tool does to stderr (-v); passwords are never logged'
            cand --verbose 'Log what the tool does to stderr (-v); passwords are never logged'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'dbrunbook;pool'= {
            cand --warning 'WARNING at this share of usable connections (default 80%).'
            cand --critical 'CRITICAL at this share of usable connections (default 95%).'
            cand --wait-warning 'PgBouncer: WARNING when a client has waited this long for a server connection (default 1s).'
            cand --wait-critical 'PgBouncer: CRITICAL when a client has waited this long (default 10s).'
            cand --leaked-after 'A session idle in its transaction for longer than this is leaked: the age the bulk steps end (a healthy transaction is idle for milliseconds between statements) (default 1m).'
            cand --limit 'Rows of detail per list; the counts stay exact.'
            cand --watch 'Rerun every DURATION (at least 1s) until Ctrl-C, like `watch`.'
            cand --url 'Connection URL: postgres://user:<password>@host:5432/db, mysql://user:<password>@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console'
            cand --format 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line, the Prometheus text'
            cand --runbooks 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2'
            cand --connect-timeout 'Give up connecting after this long (e.g. 500ms, 5s). Default: the URL''s connect_timeout if it has one, else 5s'
            cand --timeout 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN. Untyped, a check waiting an --interval (slow) gets the interval on top of the 30s'
            cand --color 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never'
            cand --config 'The fleet file naming the targets of --all, --tag and serve. Default: ./dbrunbook.yaml, else $XDG_CONFIG_HOME/dbrunbook/dbrunbook.yaml (~/.config when unset)'
            cand --brief 'One screen: the status block, the root or top holder and the first commands.'
            cand --full 'The whole report (every table, note and runbook step), even on a small terminal.'
            cand -v 'Log what the tool does to stderr (-v); passwords are never logged'
            cand --verbose 'Log what the tool does to stderr (-v); passwords are never logged'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'dbrunbook;queries'= {
            cand --warning 'WARNING when a statement has run, or a transaction been open, this long (default 1m).'
            cand --critical 'CRITICAL when a statement has run, or a transaction been open, this long (default 5m).'
            cand --idle-warning 'WARNING when a session has sat idle inside a transaction this long (default 1m).'
            cand --idle-critical 'CRITICAL when a session has sat idle inside a transaction this long (default 10m).'
            cand --limit 'Rows of detail per list; the counts stay exact.'
            cand --watch 'Rerun every DURATION (at least 1s) until Ctrl-C, like `watch`.'
            cand --url 'Connection URL: postgres://user:<password>@host:5432/db, mysql://user:<password>@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console'
            cand --format 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line, the Prometheus text'
            cand --runbooks 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2'
            cand --connect-timeout 'Give up connecting after this long (e.g. 500ms, 5s). Default: the URL''s connect_timeout if it has one, else 5s'
            cand --timeout 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN. Untyped, a check waiting an --interval (slow) gets the interval on top of the 30s'
            cand --color 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never'
            cand --config 'The fleet file naming the targets of --all, --tag and serve. Default: ./dbrunbook.yaml, else $XDG_CONFIG_HOME/dbrunbook/dbrunbook.yaml (~/.config when unset)'
            cand --brief 'One screen: the status block, the root or top holder and the first commands.'
            cand --full 'The whole report (every table, note and runbook step), even on a small terminal.'
            cand -v 'Log what the tool does to stderr (-v); passwords are never logged'
            cand --verbose 'Log what the tool does to stderr (-v); passwords are never logged'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'dbrunbook;locks'= {
            cand --warning 'WARNING when a session has waited this long for a lock (default 10s).'
            cand --critical 'CRITICAL when a session has waited this long for a lock (default 60s).'
            cand --blocked-critical 'CRITICAL when this many sessions are blocked, however short the waits (default 5).'
            cand --deadlocks-warning 'WARNING when deadlocks repeat this many times a minute or more (two or more in the window measured) (default 1).'
            cand --deadlocks-critical 'CRITICAL when deadlocks repeat this many times a minute or more (default 30).'
            cand --interval 'Read the deadlock counter twice this far apart, for a rate over that window (below --timeout)'
            cand --limit 'Rows of detail per list; the counts stay exact.'
            cand --watch 'Rerun every DURATION (at least 1s) until Ctrl-C, like `watch`.'
            cand --url 'Connection URL: postgres://user:<password>@host:5432/db, mysql://user:<password>@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console'
            cand --format 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line, the Prometheus text'
            cand --runbooks 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2'
            cand --connect-timeout 'Give up connecting after this long (e.g. 500ms, 5s). Default: the URL''s connect_timeout if it has one, else 5s'
            cand --timeout 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN. Untyped, a check waiting an --interval (slow) gets the interval on top of the 30s'
            cand --color 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never'
            cand --config 'The fleet file naming the targets of --all, --tag and serve. Default: ./dbrunbook.yaml, else $XDG_CONFIG_HOME/dbrunbook/dbrunbook.yaml (~/.config when unset)'
            cand --brief 'One screen: the status block, the root or top holder and the first commands.'
            cand --full 'The whole report (every table, note and runbook step), even on a small terminal.'
            cand -v 'Log what the tool does to stderr (-v); passwords are never logged'
            cand --verbose 'Log what the tool does to stderr (-v); passwords are never logged'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'dbrunbook;migrations'= {
            cand --lock-warning 'WARNING when a migration lock (Liquibase) has been held this long; a Knex lock, which records no time, is WARNING whenever held (default 5m).'
            cand --lock-critical 'CRITICAL when a migration lock has been held this long (default 30m).'
            cand --behind-critical 'with --dir: CRITICAL when this many migrations are pending (one is WARNING) (default 5).'
            cand --framework 'Read only this tool''s table: alembic, flyway, liquibase, golang-migrate, rails, dbmate, ecto, django, sqlx, diesel, prisma, goose, knex, typeorm, atlas, db-migrate, node-pg-migrate, sequelize, yoyo'
            cand --table 'The history table''s name (or schema.table) when it was renamed; with --framework'
            cand --expect 'The revision the deploy expects: CRITICAL when the database is elsewhere. Liquibase: the changeset id (`2`), `id::author` or `file::id::author` of the last changeset'
            cand --dir 'The deploy''s migrations directory, parsed, never run: pending and unknown revisions, and files changed after they ran (Flyway, sqlx, Prisma checksums); on MySQL/MariaDB, the objects a pending migration creates that exist already (half-applied). Liquibase: formatted-SQL changelogs only, checksums not compared'
            cand --limit 'Rows of detail per list; the counts stay exact.'
            cand --watch 'Rerun every DURATION (at least 1s) until Ctrl-C, like `watch`.'
            cand --url 'Connection URL: postgres://user:<password>@host:5432/db, mysql://user:<password>@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console'
            cand --format 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line, the Prometheus text'
            cand --runbooks 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2'
            cand --connect-timeout 'Give up connecting after this long (e.g. 500ms, 5s). Default: the URL''s connect_timeout if it has one, else 5s'
            cand --timeout 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN. Untyped, a check waiting an --interval (slow) gets the interval on top of the 30s'
            cand --color 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never'
            cand --config 'The fleet file naming the targets of --all, --tag and serve. Default: ./dbrunbook.yaml, else $XDG_CONFIG_HOME/dbrunbook/dbrunbook.yaml (~/.config when unset)'
            cand --brief 'One screen: the status block, the root or top holder and the first commands.'
            cand --full 'The whole report (every table, note and runbook step), even on a small terminal.'
            cand -v 'Log what the tool does to stderr (-v); passwords are never logged'
            cand --verbose 'Log what the tool does to stderr (-v); passwords are never logged'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'dbrunbook;backups'= {
            cand --max-age-warning 'WARNING when the newest backup (per database in --dir, of any type in pgBackRest) is this old (default 26h).'
            cand --max-age-critical 'CRITICAL when the newest backup is this old (default 50h).'
            cand --size-drop-warning 'WARNING when the newest dump is smaller than this share of the median of the previous 5 (default 50%).'
            cand --wal-max-age 'PostgreSQL: WARNING when a finished WAL segment has waited this long to be archived (default 1h).'
            cand --full-max-age 'pgBackRest: WARNING when the newest full backup is this old (default 8d).'
            cand --dir 'A directory of dumps, read by content (repeatable); a glob in the last part picks files: --dir ''/backups/*.dump'''
            cand --pitr 'required: no point-in-time recovery (archiving off, log_bin off) is a WARNING; optional (default): it is only said'
            cand --pgbackrest-stanza 'A pgBackRest stanza, read with `pgbackrest info --output=json` (never `check`); PGBACKREST_CONFIG picks the configuration'
            cand --limit 'Rows of detail per list; the counts stay exact.'
            cand --watch 'Rerun every DURATION (at least 1s) until Ctrl-C, like `watch`.'
            cand --url 'Connection URL: postgres://user:<password>@host:5432/db, mysql://user:<password>@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console'
            cand --format 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line, the Prometheus text'
            cand --runbooks 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2'
            cand --connect-timeout 'Give up connecting after this long (e.g. 500ms, 5s). Default: the URL''s connect_timeout if it has one, else 5s'
            cand --timeout 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN. Untyped, a check waiting an --interval (slow) gets the interval on top of the 30s'
            cand --color 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never'
            cand --config 'The fleet file naming the targets of --all, --tag and serve. Default: ./dbrunbook.yaml, else $XDG_CONFIG_HOME/dbrunbook/dbrunbook.yaml (~/.config when unset)'
            cand --brief 'One screen: the status block, the root or top holder and the first commands.'
            cand --full 'The whole report (every table, note and runbook step), even on a small terminal.'
            cand -v 'Log what the tool does to stderr (-v); passwords are never logged'
            cand --verbose 'Log what the tool does to stderr (-v); passwords are never logged'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'dbrunbook;slow'= {
            cand --warning 'WARNING when a statement''s mean time (in the --interval window, else since the last reset) reaches this (default 500ms).'
            cand --critical 'CRITICAL when a statement''s mean time reaches this (default 5s).'
            cand --core-warning 'WARNING when one statement (called more than once) takes this share of one core''s time over the window (--interval, else since the statistics were reset), whatever its mean (default 50%).'
            cand --core-critical 'CRITICAL when one statement takes this share of one core''s time over the window (default 100%).'
            cand --by 'Order the statements by total time (default), mean time or calls'
            cand --interval 'Take two snapshots this far apart and report what ran between them (below --timeout)'
            cand --limit 'Rows of detail per list; the counts stay exact.'
            cand --watch 'Rerun every DURATION (at least 1s) until Ctrl-C, like `watch`.'
            cand --url 'Connection URL: postgres://user:<password>@host:5432/db, mysql://user:<password>@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console'
            cand --format 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line, the Prometheus text'
            cand --runbooks 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2'
            cand --connect-timeout 'Give up connecting after this long (e.g. 500ms, 5s). Default: the URL''s connect_timeout if it has one, else 5s'
            cand --timeout 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN. Untyped, a check waiting an --interval (slow) gets the interval on top of the 30s'
            cand --color 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never'
            cand --config 'The fleet file naming the targets of --all, --tag and serve. Default: ./dbrunbook.yaml, else $XDG_CONFIG_HOME/dbrunbook/dbrunbook.yaml (~/.config when unset)'
            cand --brief 'One screen: the status block, the root or top holder and the first commands.'
            cand --full 'The whole report (every table, note and runbook step), even on a small terminal.'
            cand -v 'Log what the tool does to stderr (-v); passwords are never logged'
            cand --verbose 'Log what the tool does to stderr (-v); passwords are never logged'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'dbrunbook;size'= {
            cand --xid-warning 'WARNING when a database''s transaction ID (or multixact) age reaches this share of the 2^31 wraparound limit (default 50%).'
            cand --xid-critical 'CRITICAL when a database''s transaction ID (or multixact) age reaches this share of the 2^31 wraparound limit (default 75%).'
            cand --bloat-warning 'WARNING when this share of a table or index over --bloat-min-size is estimated to be bloat (MySQL: DATA_FREE) (default 50%).'
            cand --bloat-critical 'CRITICAL when this share of a table or index over --bloat-min-size is estimated to be bloat (MySQL: DATA_FREE) (default 80%).'
            cand --interval 'Take two snapshots this far apart and report growth in bytes per second'
            cand --databases 'Size the connected database only (current, the default) or every database on the server (all: reads every file of every database, which is slow on a big server and repeated for each target of a fleet on that server). Transaction ID ages are read for every database either way; on MySQL a URL without a database sizes every schema'
            cand --bloat-min-size 'Judge bloat only on tables and indexes at least this big (default 100MB; 500kB, 10MB, 2GB)'
            cand --limit 'Rows of detail per list; the counts stay exact.'
            cand --watch 'Rerun every DURATION (at least 1s) until Ctrl-C, like `watch`.'
            cand --url 'Connection URL: postgres://user:<password>@host:5432/db, mysql://user:<password>@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console'
            cand --format 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line, the Prometheus text'
            cand --runbooks 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2'
            cand --connect-timeout 'Give up connecting after this long (e.g. 500ms, 5s). Default: the URL''s connect_timeout if it has one, else 5s'
            cand --timeout 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN. Untyped, a check waiting an --interval (slow) gets the interval on top of the 30s'
            cand --color 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never'
            cand --config 'The fleet file naming the targets of --all, --tag and serve. Default: ./dbrunbook.yaml, else $XDG_CONFIG_HOME/dbrunbook/dbrunbook.yaml (~/.config when unset)'
            cand --brief 'One screen: the status block, the root or top holder and the first commands.'
            cand --full 'The whole report (every table, note and runbook step), even on a small terminal.'
            cand -v 'Log what the tool does to stderr (-v); passwords are never logged'
            cand --verbose 'Log what the tool does to stderr (-v); passwords are never logged'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'dbrunbook;replication'= {
            cand --lag-warning 'WARNING when a replica''s replay is this far behind its primary (a replica of an idle primary is not behind) (default 1m).'
            cand --lag-critical 'CRITICAL when a replica''s replay is this far behind its primary (default 5m).'
            cand --lag-bytes-warning 'WARNING when a replica has received (or its primary has sent) this much not yet replayed (default 256MB).'
            cand --lag-bytes-critical 'CRITICAL when a replica has this much WAL or binary log not yet replayed (default 1GB).'
            cand --slot-retained-warning 'WARNING when a replication slot keeps this much WAL on the primary''s disk (default 1GB).'
            cand --slot-retained-critical 'CRITICAL when a replication slot keeps this much WAL on the primary''s disk (default 10GB).'
            cand --slot-inactive 'WARNING when a replication slot has had no consumer this long (PostgreSQL 18 says since when; before 18 an inactive slot is judged by the WAL it keeps) (default 1h).'
            cand --interval 'Take two snapshots this far apart and report each slot''s WAL growth per second and the time until max_slot_wal_keep_size cuts it off'
            cand --limit 'Rows of detail per list; the counts stay exact.'
            cand --watch 'Rerun every DURATION (at least 1s) until Ctrl-C, like `watch`.'
            cand --url 'Connection URL: postgres://user:pass@host:5432/db, mysql://user:pass@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console'
            cand --format 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line, the Prometheus text'
            cand --runbooks 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2'
            cand --connect-timeout 'Give up connecting after this long (e.g. 500ms, 5s). Default: the URL''s connect_timeout if it has one, else 5s'
            cand --timeout 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN'
            cand --color 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never'
            cand --config 'The fleet file naming the targets of --all, --tag and serve. Default: ./dbrunbook.yaml, else $XDG_CONFIG_HOME/dbrunbook/dbrunbook.yaml (~/.config when unset)'
            cand -v 'Log what the tool does to stderr (-v); passwords are never logged'
            cand --verbose 'Log what the tool does to stderr (-v); passwords are never logged'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'dbrunbook;help'= {
            cand diagnose 'Every check over one connection, with the runbooks'' default thresholds: the one to type first in an incident, and to run from cron or monitoring (`check` is the same command). The status is the worst check''s'
            cand restore-check 'Restore a backup file into a scratch database it creates, count its tables and rows, compare them with the source (--url), report the restore time, and drop the scratch copy'
            cand end 'End sessions the safe way: by the session references a report prints (pg:PID@..., my:THREAD@...), or in bulk for a leaked pool (--application/--user with --state and --older-than)'
            cand serve 'A Prometheus exporter for the fleet file''s targets, in the multi-target pattern of postgres_exporter: GET /probe?target=NAME diagnoses the named target (names from the fleet file only, never URLs) and answers in the Prometheus text format; /metrics is the exporter''s own health. Stops cleanly on SIGTERM or Ctrl-C'
            cand runbooks 'List, show and validate runbooks'
            cand completions 'Print a shell completion script to stdout'
            cand connect 'The connection itself: name resolution, TCP, TLS, startup and authentication, each timed, and which one failed; server uptime (a recent restart), primary or replica, and the settings that drop idle connections'
            cand pool 'Connection-pool status: connections used against the server''s limit, by state and by holder; PgBouncer pools and waiting clients; a server too full to let us in'
            cand queries 'Long-running statements, long transactions and sessions idle in a transaction: who runs them (pid, user, database, application, client), for how long, and what they wait on'
            cand locks 'Lock contention: who waits for whom, as trees from the root blockers down; metadata locks on MySQL; deadlocks; the lock settings that decide how waits end'
            cand migrations 'Migration revision: which tool''s history tables the database has (Alembic, Flyway, Liquibase, golang-migrate, Rails, dbmate, Ecto, Django, sqlx, Diesel, Prisma, goose, Knex, TypeORM, Atlas, db-migrate, node-pg-migrate, sequelize-cli, yoyo), the revision the schema is at, half-applied migrations, stuck migration locks, and with --expect or --dir whether that is where the deploy expects it and whether applied files changed since'
            cand backups 'Backups: the newest dump per database in --dir (age, size drop, completeness read from the content: pg_dump plain/custom/directory/tar, pg_dumpall, mysqldump; gzip, zstd, xz, bzip2 streamed), a pgBackRest stanza''s backups and archive, and the server''s WAL archiving or binary logs: whether point-in-time recovery is possible'
            cand slow 'The statements that cost the most time, from pg_stat_statements or performance_schema: calls, total and mean time, rows, cache hits; with --interval, what is slow now'
            cand size 'How big it is and whether it is about to run out of room: database sizes, the largest tables with their indexes and TOAST, bloat estimates, transaction ID age against wraparound (PostgreSQL), and with --interval the growth in bytes per second'
            cand replication 'Replication from whichever side it is connected to: replica lag (in time, with an idle primary not counted as lag, and in bytes), broken replicas (no WAL receiver; MySQL/MariaDB IO and SQL threads with their errors), replication slots keeping WAL until the disk fills, synchronous standbys gone, semi-sync fallen back; with --interval each slot''s growth and time left'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'dbrunbook;help;diagnose'= {
        }
        &'dbrunbook;help;restore-check'= {
        }
        &'dbrunbook;help;end'= {
        }
        &'dbrunbook;help;serve'= {
        }
        &'dbrunbook;help;runbooks'= {
            cand list 'List the runbooks in effect (built-in plus --runbooks directories)'
            cand show 'Print one runbook in full'
            cand validate 'Check runbook files (directories or single files): YAML syntax, fields, thresholds and placeholders. Reports every problem as file:line:column and exits 1 if there are any'
            cand export 'Write the runbooks in another tool''s format to stdout. `--format prometheus-rules`: a Prometheus rules file with one alerting rule per runbook, on the metrics of `--format prometheus`, whose annotations link the alert to its runbook'
        }
        &'dbrunbook;help;runbooks;list'= {
        }
        &'dbrunbook;help;runbooks;show'= {
        }
        &'dbrunbook;help;runbooks;validate'= {
        }
        &'dbrunbook;help;runbooks;export'= {
        }
        &'dbrunbook;help;completions'= {
        }
        &'dbrunbook;help;connect'= {
        }
        &'dbrunbook;help;pool'= {
        }
        &'dbrunbook;help;queries'= {
        }
        &'dbrunbook;help;locks'= {
        }
        &'dbrunbook;help;migrations'= {
        }
        &'dbrunbook;help;backups'= {
        }
        &'dbrunbook;help;slow'= {
        }
        &'dbrunbook;help;size'= {
        }
        &'dbrunbook;help;replication'= {
        }
        &'dbrunbook;help;help'= {
        }
    ]
    $completions[$command]
}
