
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'dbrunbook' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'dbrunbook'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'dbrunbook' {
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Connection URL: postgres://user:<password>@host:5432/db, mysql://user:<password>@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line, the Prometheus text')
            [CompletionResult]::new('--runbooks', '--runbooks', [CompletionResultType]::ParameterName, 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up connecting after this long (e.g. 500ms, 5s). Default: the URL''s connect_timeout if it has one, else 5s')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN. Untyped, a check waiting an --interval (slow) gets the interval on top of the 30s')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The fleet file naming the targets of --all, --tag and serve. Default: ./dbrunbook.yaml, else $XDG_CONFIG_HOME/dbrunbook/dbrunbook.yaml (~/.config when unset)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the report to FILE instead of stdout: in one step (a temporary file beside it, then a rename), and only a complete report, so a run that fails or is killed leaves the old file. With --format prometheus the file also says whether the run succeeded and when (dbrunbook_last_run_success, dbrunbook_last_run_timestamp_seconds): a failed run keeps the old numbers with dbrunbook_last_run_success 0')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log what the tool does to stderr (-v); passwords are never logged')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log what the tool does to stderr (-v); passwords are never logged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('diagnose', 'diagnose', [CompletionResultType]::ParameterValue, 'Every check over one connection, with the runbooks'' default thresholds: the one to type first in an incident, and to run from cron or monitoring (`check` is the same command). The status is the worst check''s')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Every check over one connection, with the runbooks'' default thresholds: the one to type first in an incident, and to run from cron or monitoring (`check` is the same command). The status is the worst check''s')
            [CompletionResult]::new('restore-check', 'restore-check', [CompletionResultType]::ParameterValue, 'Restore a backup file into a scratch database it creates, count its tables and rows, compare them with the source (--url), report the restore time, and drop the scratch copy')
            [CompletionResult]::new('end', 'end', [CompletionResultType]::ParameterValue, 'End sessions the safe way: by the session references a report prints (pg:PID@..., my:THREAD@...), or in bulk for a leaked pool (--application/--user with --state and --older-than)')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'A Prometheus exporter for the fleet file''s targets, in the multi-target pattern of postgres_exporter: GET /probe?target=NAME diagnoses the named target (names from the fleet file only, never URLs) and answers in the Prometheus text format; /metrics is the exporter''s own health. Stops cleanly on SIGTERM or Ctrl-C')
            [CompletionResult]::new('runbooks', 'runbooks', [CompletionResultType]::ParameterValue, 'List, show and validate runbooks')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script to stdout')
            [CompletionResult]::new('connect', 'connect', [CompletionResultType]::ParameterValue, 'The connection itself: name resolution, TCP, TLS, startup and authentication, each timed, and which one failed; server uptime (a recent restart), primary or replica, and the settings that drop idle connections')
            [CompletionResult]::new('pool', 'pool', [CompletionResultType]::ParameterValue, 'Connection-pool status: connections used against the server''s limit, by state and by holder; PgBouncer pools and waiting clients; a server too full to let us in')
            [CompletionResult]::new('queries', 'queries', [CompletionResultType]::ParameterValue, 'Long-running statements, long transactions and sessions idle in a transaction: who runs them (pid, user, database, application, client), for how long, and what they wait on')
            [CompletionResult]::new('locks', 'locks', [CompletionResultType]::ParameterValue, 'Lock contention: who waits for whom, as trees from the root blockers down; metadata locks on MySQL; deadlocks; the lock settings that decide how waits end')
            [CompletionResult]::new('migrations', 'migrations', [CompletionResultType]::ParameterValue, 'Migration revision: which tool''s history tables the database has (Alembic, Flyway, Liquibase, golang-migrate, Rails, dbmate, Ecto, Django, sqlx, Diesel, Prisma, goose, Knex, TypeORM, Atlas, db-migrate, node-pg-migrate, sequelize-cli, yoyo), the revision the schema is at, half-applied migrations, stuck migration locks, and with --expect or --dir whether that is where the deploy expects it and whether applied files changed since')
            [CompletionResult]::new('backups', 'backups', [CompletionResultType]::ParameterValue, 'Backups: the newest dump per database in --dir (age, size drop, completeness read from the content: pg_dump plain/custom/directory/tar, pg_dumpall, mysqldump; gzip, zstd, xz, bzip2 streamed), a pgBackRest stanza''s backups and archive, and the server''s WAL archiving or binary logs: whether point-in-time recovery is possible')
            [CompletionResult]::new('slow', 'slow', [CompletionResultType]::ParameterValue, 'The statements that cost the most time, from pg_stat_statements or performance_schema: calls, total and mean time, rows, cache hits; with --interval, what is slow now')
            [CompletionResult]::new('size', 'size', [CompletionResultType]::ParameterValue, 'How big it is and whether it is about to run out of room: database sizes, the largest tables with their indexes and TOAST, bloat estimates, transaction ID age against wraparound (PostgreSQL), and with --interval the growth in bytes per second')
            [CompletionResult]::new('replication', 'replication', [CompletionResultType]::ParameterValue, 'Replication from whichever side it is connected to: replica lag (in time, with an idle primary not counted as lag, and in bytes), broken replicas (no WAL receiver; MySQL/MariaDB IO and SQL threads with their errors), replication slots keeping WAL until the disk fills, synchronous standbys gone, semi-sync fallen back; with --interval each slot''s growth and time left')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'dbrunbook;diagnose' {
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Rows of detail per list; the counts stay exact')
            [CompletionResult]::new('--only', '--only', [CompletionResultType]::ParameterName, 'Run only this check (repeatable); all of them by default')
            [CompletionResult]::new('--watch', '--watch', [CompletionResultType]::ParameterName, 'Rerun every DURATION (at least 1s) until Ctrl-C, like `watch`')
            [CompletionResult]::new('--tag', '--tag', [CompletionResultType]::ParameterName, 'Diagnose the fleet file''s targets carrying this tag (repeatable: any of them)')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Diagnose the fleet file''s target of this name (repeatable), with its thresholds and options from the file: the name a Prometheus alert''s `target` label carries')
            [CompletionResult]::new('--jobs', '--jobs', [CompletionResultType]::ParameterName, 'Targets diagnosed at once, over all servers. Each holds one connection and a few hundred KiB while it runs, far below file descriptor limits')
            [CompletionResult]::new('--server-jobs', '--server-jobs', [CompletionResultType]::ParameterName, 'Targets of one server (the same host and port) diagnosed at once, so that a fleet of databases on one server never takes --jobs of its connection slots and CPUs at once. A server that does not answer within the connect timeout has nothing to protect: its other targets are then tried all at once, so they too end within one more deadline')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Connection URL: postgres://user:<password>@host:5432/db, mysql://user:<password>@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line, the Prometheus text')
            [CompletionResult]::new('--runbooks', '--runbooks', [CompletionResultType]::ParameterName, 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up connecting after this long (e.g. 500ms, 5s). Default: the URL''s connect_timeout if it has one, else 5s')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN. Untyped, a check waiting an --interval (slow) gets the interval on top of the 30s')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The fleet file naming the targets of --all, --tag and serve. Default: ./dbrunbook.yaml, else $XDG_CONFIG_HOME/dbrunbook/dbrunbook.yaml (~/.config when unset)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the report to FILE instead of stdout: in one step (a temporary file beside it, then a rename), and only a complete report, so a run that fails or is killed leaves the old file. With --format prometheus the file also says whether the run succeeded and when (dbrunbook_last_run_success, dbrunbook_last_run_timestamp_seconds): a failed run keeps the old numbers with dbrunbook_last_run_success 0')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Diagnose every target of the fleet file (see --config), concurrently')
            [CompletionResult]::new('--brief', '--brief', [CompletionResultType]::ParameterName, 'One screen: the status block, the root or top holder and the first commands. The default on a terminal the full report would overflow, and for --watch')
            [CompletionResult]::new('--full', '--full', [CompletionResultType]::ParameterName, 'The whole report (every table, note and runbook step), even on a small terminal')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log what the tool does to stderr (-v); passwords are never logged')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log what the tool does to stderr (-v); passwords are never logged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'dbrunbook;check' {
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Rows of detail per list; the counts stay exact')
            [CompletionResult]::new('--only', '--only', [CompletionResultType]::ParameterName, 'Run only this check (repeatable); all of them by default')
            [CompletionResult]::new('--watch', '--watch', [CompletionResultType]::ParameterName, 'Rerun every DURATION (at least 1s) until Ctrl-C, like `watch`')
            [CompletionResult]::new('--tag', '--tag', [CompletionResultType]::ParameterName, 'Diagnose the fleet file''s targets carrying this tag (repeatable: any of them)')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Diagnose the fleet file''s target of this name (repeatable), with its thresholds and options from the file: the name a Prometheus alert''s `target` label carries')
            [CompletionResult]::new('--jobs', '--jobs', [CompletionResultType]::ParameterName, 'Targets diagnosed at once, over all servers. Each holds one connection and a few hundred KiB while it runs, far below file descriptor limits')
            [CompletionResult]::new('--server-jobs', '--server-jobs', [CompletionResultType]::ParameterName, 'Targets of one server (the same host and port) diagnosed at once, so that a fleet of databases on one server never takes --jobs of its connection slots and CPUs at once. A server that does not answer within the connect timeout has nothing to protect: its other targets are then tried all at once, so they too end within one more deadline')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Connection URL: postgres://user:<password>@host:5432/db, mysql://user:<password>@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line, the Prometheus text')
            [CompletionResult]::new('--runbooks', '--runbooks', [CompletionResultType]::ParameterName, 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up connecting after this long (e.g. 500ms, 5s). Default: the URL''s connect_timeout if it has one, else 5s')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN. Untyped, a check waiting an --interval (slow) gets the interval on top of the 30s')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The fleet file naming the targets of --all, --tag and serve. Default: ./dbrunbook.yaml, else $XDG_CONFIG_HOME/dbrunbook/dbrunbook.yaml (~/.config when unset)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the report to FILE instead of stdout: in one step (a temporary file beside it, then a rename), and only a complete report, so a run that fails or is killed leaves the old file. With --format prometheus the file also says whether the run succeeded and when (dbrunbook_last_run_success, dbrunbook_last_run_timestamp_seconds): a failed run keeps the old numbers with dbrunbook_last_run_success 0')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Diagnose every target of the fleet file (see --config), concurrently')
            [CompletionResult]::new('--brief', '--brief', [CompletionResultType]::ParameterName, 'One screen: the status block, the root or top holder and the first commands. The default on a terminal the full report would overflow, and for --watch')
            [CompletionResult]::new('--full', '--full', [CompletionResultType]::ParameterName, 'The whole report (every table, note and runbook step), even on a small terminal')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log what the tool does to stderr (-v); passwords are never logged')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log what the tool does to stderr (-v); passwords are never logged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'dbrunbook;restore-check' {
            [CompletionResult]::new('--scratch-url', '--scratch-url', [CompletionResultType]::ParameterName, 'The server to restore into (postgres://... or mysql://...). Its database is only where the tool connects to create the scratch one (PostgreSQL: e.g. postgres)')
            [CompletionResult]::new('--row-tolerance', '--row-tolerance', [CompletionResultType]::ParameterName, 'How far a table''s row count may differ from the source before it is CRITICAL rather than WARNING, in percent of the source''s count')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Connection URL: postgres://user:<password>@host:5432/db, mysql://user:<password>@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line, the Prometheus text')
            [CompletionResult]::new('--runbooks', '--runbooks', [CompletionResultType]::ParameterName, 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up connecting after this long (e.g. 500ms, 5s). Default: the URL''s connect_timeout if it has one, else 5s')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN. Untyped, a check waiting an --interval (slow) gets the interval on top of the 30s')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The fleet file naming the targets of --all, --tag and serve. Default: ./dbrunbook.yaml, else $XDG_CONFIG_HOME/dbrunbook/dbrunbook.yaml (~/.config when unset)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the report to FILE instead of stdout: in one step (a temporary file beside it, then a rename), and only a complete report, so a run that fails or is killed leaves the old file. With --format prometheus the file also says whether the run succeeded and when (dbrunbook_last_run_success, dbrunbook_last_run_timestamp_seconds): a failed run keeps the old numbers with dbrunbook_last_run_success 0')
            [CompletionResult]::new('--keep', '--keep', [CompletionResultType]::ParameterName, 'Keep the scratch database afterwards (its name is in the report) instead of dropping it')
            [CompletionResult]::new('--i-know-this-is-production', '--i-know-this-is-production', [CompletionResultType]::ParameterName, 'Allow the scratch server and database to be the source''s (--url): without it the tool refuses to restore into the server and database it would compare against')
            [CompletionResult]::new('--trust-backup', '--trust-backup', [CompletionResultType]::ParameterName, 'Allow a --scratch-url account with superuser (PostgreSQL) or global (MariaDB/MySQL) privileges. The dump''s own code (functions, triggers, COPY ... PROGRAM, statements about other databases) then runs with them on the scratch server: only for a backup you trust. Without it, use an account that may only create databases (PostgreSQL: CREATEDB; MariaDB: ALL on `dbrunbook\_restore\_%`.*)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log what the tool does to stderr (-v); passwords are never logged')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log what the tool does to stderr (-v); passwords are never logged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'dbrunbook;end' {
            [CompletionResult]::new('--application', '--application', [CompletionResultType]::ParameterName, 'Bulk: the sessions of this application (PostgreSQL application_name; MySQL the client''s program_name, when performance_schema is on)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Bulk: the sessions of this database user')
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'Bulk: only sessions in this state')
            [CompletionResult]::new('--older-than', '--older-than', [CompletionResultType]::ParameterName, 'Bulk: only sessions in their state (or transaction) for at least this long')
            [CompletionResult]::new('--grace', '--grace', [CompletionResultType]::ParameterName, 'How long to wait after cancelling a statement before terminating the session')
            [CompletionResult]::new('--audit-log', '--audit-log', [CompletionResultType]::ParameterName, 'The audit log to append to. Default: $XDG_STATE_HOME/dbrunbook/end-audit.jsonl (else ~/.local/state/dbrunbook/end-audit.jsonl)')
            [CompletionResult]::new('--evidence-dir', '--evidence-dir', [CompletionResultType]::ParameterName, 'Where the evidence files go. Default: $XDG_STATE_HOME/dbrunbook/evidence (else ~/.local/state/dbrunbook/evidence)')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Connection URL: postgres://user:<password>@host:5432/db, mysql://user:<password>@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line, the Prometheus text')
            [CompletionResult]::new('--runbooks', '--runbooks', [CompletionResultType]::ParameterName, 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up connecting after this long (e.g. 500ms, 5s). Default: the URL''s connect_timeout if it has one, else 5s')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN. Untyped, a check waiting an --interval (slow) gets the interval on top of the 30s')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The fleet file naming the targets of --all, --tag and serve. Default: ./dbrunbook.yaml, else $XDG_CONFIG_HOME/dbrunbook/dbrunbook.yaml (~/.config when unset)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the report to FILE instead of stdout: in one step (a temporary file beside it, then a rename), and only a complete report, so a run that fails or is killed leaves the old file. With --format prometheus the file also says whether the run succeeded and when (dbrunbook_last_run_success, dbrunbook_last_run_timestamp_seconds): a failed run keeps the old numbers with dbrunbook_last_run_success 0')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Send without asking (needed when not on a terminal)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Only show what would be done; send nothing')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log what the tool does to stderr (-v); passwords are never logged')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log what the tool does to stderr (-v); passwords are never logged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'dbrunbook;serve' {
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'Address to listen on, e.g. 127.0.0.1:9187 or [::]:9187')
            [CompletionResult]::new('--max-probes', '--max-probes', [CompletionResultType]::ParameterName, 'Probes running at once; one more is answered 503 at once (Prometheus counts a failed scrape) rather than queued behind a slow target past the scrape timeout')
            [CompletionResult]::new('--keep-connections', '--keep-connections', [CompletionResultType]::ParameterName, 'PostgreSQL and MySQL/MariaDB sessions kept open between probes, one per target, at most N in all (0: connect for every probe). A kept session runs the next probe''s queries without a new connection (on PostgreSQL, with its statements already prepared); the connect check still times a new connection made alongside. Each is read-only, like every session of the tool, and counts against the server''s connections')
            [CompletionResult]::new('--keep-idle', '--keep-idle', [CompletionResultType]::ParameterName, 'A kept session unused this long is closed')
            [CompletionResult]::new('--size-every', '--size-every', [CompletionResultType]::ParameterName, 'On a kept session, the size check (every table''s size on disk, transaction ID ages: figures that change over minutes and cost the server most of a probe) measures at most this often; probes in between answer the last measurement and say its age (0s: every probe). A check given --interval always measures')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Connection URL: postgres://user:<password>@host:5432/db, mysql://user:<password>@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line, the Prometheus text')
            [CompletionResult]::new('--runbooks', '--runbooks', [CompletionResultType]::ParameterName, 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up connecting after this long (e.g. 500ms, 5s). Default: the URL''s connect_timeout if it has one, else 5s')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN. Untyped, a check waiting an --interval (slow) gets the interval on top of the 30s')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The fleet file naming the targets of --all, --tag and serve. Default: ./dbrunbook.yaml, else $XDG_CONFIG_HOME/dbrunbook/dbrunbook.yaml (~/.config when unset)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the report to FILE instead of stdout: in one step (a temporary file beside it, then a rename), and only a complete report, so a run that fails or is killed leaves the old file. With --format prometheus the file also says whether the run succeeded and when (dbrunbook_last_run_success, dbrunbook_last_run_timestamp_seconds): a failed run keeps the old numbers with dbrunbook_last_run_success 0')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log what the tool does to stderr (-v); passwords are never logged')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log what the tool does to stderr (-v); passwords are never logged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'dbrunbook;runbooks' {
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Connection URL: postgres://user:<password>@host:5432/db, mysql://user:<password>@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line, the Prometheus text')
            [CompletionResult]::new('--runbooks', '--runbooks', [CompletionResultType]::ParameterName, 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up connecting after this long (e.g. 500ms, 5s). Default: the URL''s connect_timeout if it has one, else 5s')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN. Untyped, a check waiting an --interval (slow) gets the interval on top of the 30s')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The fleet file naming the targets of --all, --tag and serve. Default: ./dbrunbook.yaml, else $XDG_CONFIG_HOME/dbrunbook/dbrunbook.yaml (~/.config when unset)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the report to FILE instead of stdout: in one step (a temporary file beside it, then a rename), and only a complete report, so a run that fails or is killed leaves the old file. With --format prometheus the file also says whether the run succeeded and when (dbrunbook_last_run_success, dbrunbook_last_run_timestamp_seconds): a failed run keeps the old numbers with dbrunbook_last_run_success 0')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log what the tool does to stderr (-v); passwords are never logged')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log what the tool does to stderr (-v); passwords are never logged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the runbooks in effect (built-in plus --runbooks directories)')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print one runbook in full')
            [CompletionResult]::new('validate', 'validate', [CompletionResultType]::ParameterValue, 'Check runbook files (directories or single files): YAML syntax, fields, thresholds and placeholders. Reports every problem as file:line:column and exits 1 if there are any')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Write the runbooks in another tool''s format to stdout. `--format prometheus-rules`: a Prometheus rules file with one alerting rule per runbook, on the metrics of `--format prometheus`, whose annotations link the alert to its runbook')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'dbrunbook;runbooks;list' {
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Connection URL: postgres://user:<password>@host:5432/db, mysql://user:<password>@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line, the Prometheus text')
            [CompletionResult]::new('--runbooks', '--runbooks', [CompletionResultType]::ParameterName, 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up connecting after this long (e.g. 500ms, 5s). Default: the URL''s connect_timeout if it has one, else 5s')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN. Untyped, a check waiting an --interval (slow) gets the interval on top of the 30s')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The fleet file naming the targets of --all, --tag and serve. Default: ./dbrunbook.yaml, else $XDG_CONFIG_HOME/dbrunbook/dbrunbook.yaml (~/.config when unset)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the report to FILE instead of stdout: in one step (a temporary file beside it, then a rename), and only a complete report, so a run that fails or is killed leaves the old file. With --format prometheus the file also says whether the run succeeded and when (dbrunbook_last_run_success, dbrunbook_last_run_timestamp_seconds): a failed run keeps the old numbers with dbrunbook_last_run_success 0')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log what the tool does to stderr (-v); passwords are never logged')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log what the tool does to stderr (-v); passwords are never logged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'dbrunbook;runbooks;show' {
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Connection URL: postgres://user:<password>@host:5432/db, mysql://user:<password>@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line, the Prometheus text')
            [CompletionResult]::new('--runbooks', '--runbooks', [CompletionResultType]::ParameterName, 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up connecting after this long (e.g. 500ms, 5s). Default: the URL''s connect_timeout if it has one, else 5s')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN. Untyped, a check waiting an --interval (slow) gets the interval on top of the 30s')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The fleet file naming the targets of --all, --tag and serve. Default: ./dbrunbook.yaml, else $XDG_CONFIG_HOME/dbrunbook/dbrunbook.yaml (~/.config when unset)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the report to FILE instead of stdout: in one step (a temporary file beside it, then a rename), and only a complete report, so a run that fails or is killed leaves the old file. With --format prometheus the file also says whether the run succeeded and when (dbrunbook_last_run_success, dbrunbook_last_run_timestamp_seconds): a failed run keeps the old numbers with dbrunbook_last_run_success 0')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log what the tool does to stderr (-v); passwords are never logged')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log what the tool does to stderr (-v); passwords are never logged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'dbrunbook;runbooks;validate' {
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Connection URL: postgres://user:<password>@host:5432/db, mysql://user:<password>@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line, the Prometheus text')
            [CompletionResult]::new('--runbooks', '--runbooks', [CompletionResultType]::ParameterName, 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up connecting after this long (e.g. 500ms, 5s). Default: the URL''s connect_timeout if it has one, else 5s')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN. Untyped, a check waiting an --interval (slow) gets the interval on top of the 30s')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The fleet file naming the targets of --all, --tag and serve. Default: ./dbrunbook.yaml, else $XDG_CONFIG_HOME/dbrunbook/dbrunbook.yaml (~/.config when unset)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the report to FILE instead of stdout: in one step (a temporary file beside it, then a rename), and only a complete report, so a run that fails or is killed leaves the old file. With --format prometheus the file also says whether the run succeeded and when (dbrunbook_last_run_success, dbrunbook_last_run_timestamp_seconds): a failed run keeps the old numbers with dbrunbook_last_run_success 0')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log what the tool does to stderr (-v); passwords are never logged')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log what the tool does to stderr (-v); passwords are never logged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'dbrunbook;runbooks;export' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'The format to write')
            [CompletionResult]::new('--runbook-url', '--runbook-url', [CompletionResultType]::ParameterName, 'The URL of a runbook''s page, `{id}` standing for the runbook id, e.g. ''https://wiki.example.com/runbooks/{id}'': the alerts'' runbook_url annotation')
            [CompletionResult]::new('--report-url', '--report-url', [CompletionResultType]::ParameterName, 'The URL of a target''s live diagnosis page, `{target}` standing for the fleet name, e.g. ''http://dbrunbook-exporter:9187/report?target={target}'' (serve''s /report): the alerts'' report_url annotation and a line of their description')
            [CompletionResult]::new('--for', '--for', [CompletionResultType]::ParameterName, 'How long a check must stay in a runbook''s status before its alert fires')
            [CompletionResult]::new('--hold', '--hold', [CompletionResultType]::ParameterName, 'How long an alert keeps firing on its target''s last status once the target is no longer scraped (exporter down, probe timed out, textfile gone); DbrunbookProbeFailed fires meanwhile')
            [CompletionResult]::new('--job', '--job', [CompletionResultType]::ParameterName, 'The Prometheus scrape job of serve''s /probe, as in the README''s scrape config')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Connection URL: postgres://user:<password>@host:5432/db, mysql://user:<password>@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console')
            [CompletionResult]::new('--runbooks', '--runbooks', [CompletionResultType]::ParameterName, 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up connecting after this long (e.g. 500ms, 5s). Default: the URL''s connect_timeout if it has one, else 5s')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN. Untyped, a check waiting an --interval (slow) gets the interval on top of the 30s')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The fleet file naming the targets of --all, --tag and serve. Default: ./dbrunbook.yaml, else $XDG_CONFIG_HOME/dbrunbook/dbrunbook.yaml (~/.config when unset)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the report to FILE instead of stdout: in one step (a temporary file beside it, then a rename), and only a complete report, so a run that fails or is killed leaves the old file. With --format prometheus the file also says whether the run succeeded and when (dbrunbook_last_run_success, dbrunbook_last_run_timestamp_seconds): a failed run keeps the old numbers with dbrunbook_last_run_success 0')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log what the tool does to stderr (-v); passwords are never logged')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log what the tool does to stderr (-v); passwords are never logged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'dbrunbook;runbooks;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the runbooks in effect (built-in plus --runbooks directories)')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print one runbook in full')
            [CompletionResult]::new('validate', 'validate', [CompletionResultType]::ParameterValue, 'Check runbook files (directories or single files): YAML syntax, fields, thresholds and placeholders. Reports every problem as file:line:column and exits 1 if there are any')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Write the runbooks in another tool''s format to stdout. `--format prometheus-rules`: a Prometheus rules file with one alerting rule per runbook, on the metrics of `--format prometheus`, whose annotations link the alert to its runbook')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'dbrunbook;runbooks;help;list' {
            break
        }
        'dbrunbook;runbooks;help;show' {
            break
        }
        'dbrunbook;runbooks;help;validate' {
            break
        }
        'dbrunbook;runbooks;help;export' {
            break
        }
        'dbrunbook;runbooks;help;help' {
            break
        }
        'dbrunbook;completions' {
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Connection URL: postgres://user:<password>@host:5432/db, mysql://user:<password>@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line, the Prometheus text')
            [CompletionResult]::new('--runbooks', '--runbooks', [CompletionResultType]::ParameterName, 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up connecting after this long (e.g. 500ms, 5s). Default: the URL''s connect_timeout if it has one, else 5s')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN. Untyped, a check waiting an --interval (slow) gets the interval on top of the 30s')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The fleet file naming the targets of --all, --tag and serve. Default: ./dbrunbook.yaml, else $XDG_CONFIG_HOME/dbrunbook/dbrunbook.yaml (~/.config when unset)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the report to FILE instead of stdout: in one step (a temporary file beside it, then a rename), and only a complete report, so a run that fails or is killed leaves the old file. With --format prometheus the file also says whether the run succeeded and when (dbrunbook_last_run_success, dbrunbook_last_run_timestamp_seconds): a failed run keeps the old numbers with dbrunbook_last_run_success 0')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log what the tool does to stderr (-v); passwords are never logged')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log what the tool does to stderr (-v); passwords are never logged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'dbrunbook;connect' {
            [CompletionResult]::new('--restarted-within', '--restarted-within', [CompletionResultType]::ParameterName, 'WARNING when the server started less than this long ago (a crash, a restart or a failover) (default 10m).')
            [CompletionResult]::new('--connection-errors', '--connection-errors', [CompletionResultType]::ParameterName, 'MySQL/MariaDB: WARNING at this many failed connection attempts (Aborted_connects, less MariaDB''s hang-ups before authentication, and Connection_errors_*) per hour of uptime, averaged over at least one hour (default 600).')
            [CompletionResult]::new('--expect', '--expect', [CompletionResultType]::ParameterName, 'primary or replica: CRITICAL when a primary was expected and this is a replica, WARNING when a primary is read-only or a replica was expected')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Rows of detail per list; the counts stay exact.')
            [CompletionResult]::new('--watch', '--watch', [CompletionResultType]::ParameterName, 'Rerun every DURATION (at least 1s) until Ctrl-C, like `watch`.')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Connection URL: postgres://user:<password>@host:5432/db, mysql://user:<password>@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line, the Prometheus text')
            [CompletionResult]::new('--runbooks', '--runbooks', [CompletionResultType]::ParameterName, 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up connecting after this long (e.g. 500ms, 5s). Default: the URL''s connect_timeout if it has one, else 5s')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN. Untyped, a check waiting an --interval (slow) gets the interval on top of the 30s')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The fleet file naming the targets of --all, --tag and serve. Default: ./dbrunbook.yaml, else $XDG_CONFIG_HOME/dbrunbook/dbrunbook.yaml (~/.config when unset)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the report to FILE instead of stdout: in one step (a temporary file beside it, then a rename), and only a complete report, so a run that fails or is killed leaves the old file. With --format prometheus the file also says whether the run succeeded and when (dbrunbook_last_run_success, dbrunbook_last_run_timestamp_seconds): a failed run keeps the old numbers with dbrunbook_last_run_success 0')
            [CompletionResult]::new('--brief', '--brief', [CompletionResultType]::ParameterName, 'One screen: the status block, the root or top holder and the first commands.')
            [CompletionResult]::new('--full', '--full', [CompletionResultType]::ParameterName, 'The whole report (every table, note and runbook step), even on a small terminal.')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log what the tool does to stderr (-v); passwords are never logged')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log what the tool does to stderr (-v); passwords are never logged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'dbrunbook;pool' {
            [CompletionResult]::new('--warning', '--warning', [CompletionResultType]::ParameterName, 'WARNING at this share of usable connections (default 80%).')
            [CompletionResult]::new('--critical', '--critical', [CompletionResultType]::ParameterName, 'CRITICAL at this share of usable connections (default 95%).')
            [CompletionResult]::new('--wait-warning', '--wait-warning', [CompletionResultType]::ParameterName, 'PgBouncer: WARNING when a client has waited this long for a server connection (default 1s).')
            [CompletionResult]::new('--wait-critical', '--wait-critical', [CompletionResultType]::ParameterName, 'PgBouncer: CRITICAL when a client has waited this long (default 10s).')
            [CompletionResult]::new('--leaked-after', '--leaked-after', [CompletionResultType]::ParameterName, 'A session idle in its transaction for longer than this is leaked: the age the bulk steps end (a healthy transaction is idle for milliseconds between statements) (default 1m).')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Rows of detail per list; the counts stay exact.')
            [CompletionResult]::new('--watch', '--watch', [CompletionResultType]::ParameterName, 'Rerun every DURATION (at least 1s) until Ctrl-C, like `watch`.')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Connection URL: postgres://user:<password>@host:5432/db, mysql://user:<password>@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line, the Prometheus text')
            [CompletionResult]::new('--runbooks', '--runbooks', [CompletionResultType]::ParameterName, 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up connecting after this long (e.g. 500ms, 5s). Default: the URL''s connect_timeout if it has one, else 5s')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN. Untyped, a check waiting an --interval (slow) gets the interval on top of the 30s')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The fleet file naming the targets of --all, --tag and serve. Default: ./dbrunbook.yaml, else $XDG_CONFIG_HOME/dbrunbook/dbrunbook.yaml (~/.config when unset)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the report to FILE instead of stdout: in one step (a temporary file beside it, then a rename), and only a complete report, so a run that fails or is killed leaves the old file. With --format prometheus the file also says whether the run succeeded and when (dbrunbook_last_run_success, dbrunbook_last_run_timestamp_seconds): a failed run keeps the old numbers with dbrunbook_last_run_success 0')
            [CompletionResult]::new('--brief', '--brief', [CompletionResultType]::ParameterName, 'One screen: the status block, the root or top holder and the first commands.')
            [CompletionResult]::new('--full', '--full', [CompletionResultType]::ParameterName, 'The whole report (every table, note and runbook step), even on a small terminal.')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log what the tool does to stderr (-v); passwords are never logged')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log what the tool does to stderr (-v); passwords are never logged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'dbrunbook;queries' {
            [CompletionResult]::new('--warning', '--warning', [CompletionResultType]::ParameterName, 'WARNING when a statement has run, or a transaction been open, this long (default 1m).')
            [CompletionResult]::new('--critical', '--critical', [CompletionResultType]::ParameterName, 'CRITICAL when a statement has run, or a transaction been open, this long (default 5m).')
            [CompletionResult]::new('--idle-warning', '--idle-warning', [CompletionResultType]::ParameterName, 'WARNING when a session has sat idle inside a transaction this long (default 1m).')
            [CompletionResult]::new('--idle-critical', '--idle-critical', [CompletionResultType]::ParameterName, 'CRITICAL when a session has sat idle inside a transaction this long (default 10m).')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Rows of detail per list; the counts stay exact.')
            [CompletionResult]::new('--watch', '--watch', [CompletionResultType]::ParameterName, 'Rerun every DURATION (at least 1s) until Ctrl-C, like `watch`.')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Connection URL: postgres://user:<password>@host:5432/db, mysql://user:<password>@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line, the Prometheus text')
            [CompletionResult]::new('--runbooks', '--runbooks', [CompletionResultType]::ParameterName, 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up connecting after this long (e.g. 500ms, 5s). Default: the URL''s connect_timeout if it has one, else 5s')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN. Untyped, a check waiting an --interval (slow) gets the interval on top of the 30s')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The fleet file naming the targets of --all, --tag and serve. Default: ./dbrunbook.yaml, else $XDG_CONFIG_HOME/dbrunbook/dbrunbook.yaml (~/.config when unset)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the report to FILE instead of stdout: in one step (a temporary file beside it, then a rename), and only a complete report, so a run that fails or is killed leaves the old file. With --format prometheus the file also says whether the run succeeded and when (dbrunbook_last_run_success, dbrunbook_last_run_timestamp_seconds): a failed run keeps the old numbers with dbrunbook_last_run_success 0')
            [CompletionResult]::new('--brief', '--brief', [CompletionResultType]::ParameterName, 'One screen: the status block, the root or top holder and the first commands.')
            [CompletionResult]::new('--full', '--full', [CompletionResultType]::ParameterName, 'The whole report (every table, note and runbook step), even on a small terminal.')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log what the tool does to stderr (-v); passwords are never logged')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log what the tool does to stderr (-v); passwords are never logged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'dbrunbook;locks' {
            [CompletionResult]::new('--warning', '--warning', [CompletionResultType]::ParameterName, 'WARNING when a session has waited this long for a lock (default 10s).')
            [CompletionResult]::new('--critical', '--critical', [CompletionResultType]::ParameterName, 'CRITICAL when a session has waited this long for a lock (default 60s).')
            [CompletionResult]::new('--blocked-critical', '--blocked-critical', [CompletionResultType]::ParameterName, 'CRITICAL when this many sessions are blocked, however short the waits (default 5).')
            [CompletionResult]::new('--deadlocks-warning', '--deadlocks-warning', [CompletionResultType]::ParameterName, 'WARNING when deadlocks repeat this many times a minute or more (two or more in the window measured) (default 1).')
            [CompletionResult]::new('--deadlocks-critical', '--deadlocks-critical', [CompletionResultType]::ParameterName, 'CRITICAL when deadlocks repeat this many times a minute or more (default 30).')
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'Read the deadlock counter twice this far apart, for a rate over that window (below --timeout)')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Rows of detail per list; the counts stay exact.')
            [CompletionResult]::new('--watch', '--watch', [CompletionResultType]::ParameterName, 'Rerun every DURATION (at least 1s) until Ctrl-C, like `watch`.')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Connection URL: postgres://user:<password>@host:5432/db, mysql://user:<password>@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line, the Prometheus text')
            [CompletionResult]::new('--runbooks', '--runbooks', [CompletionResultType]::ParameterName, 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up connecting after this long (e.g. 500ms, 5s). Default: the URL''s connect_timeout if it has one, else 5s')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN. Untyped, a check waiting an --interval (slow) gets the interval on top of the 30s')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The fleet file naming the targets of --all, --tag and serve. Default: ./dbrunbook.yaml, else $XDG_CONFIG_HOME/dbrunbook/dbrunbook.yaml (~/.config when unset)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the report to FILE instead of stdout: in one step (a temporary file beside it, then a rename), and only a complete report, so a run that fails or is killed leaves the old file. With --format prometheus the file also says whether the run succeeded and when (dbrunbook_last_run_success, dbrunbook_last_run_timestamp_seconds): a failed run keeps the old numbers with dbrunbook_last_run_success 0')
            [CompletionResult]::new('--brief', '--brief', [CompletionResultType]::ParameterName, 'One screen: the status block, the root or top holder and the first commands.')
            [CompletionResult]::new('--full', '--full', [CompletionResultType]::ParameterName, 'The whole report (every table, note and runbook step), even on a small terminal.')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log what the tool does to stderr (-v); passwords are never logged')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log what the tool does to stderr (-v); passwords are never logged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'dbrunbook;migrations' {
            [CompletionResult]::new('--lock-warning', '--lock-warning', [CompletionResultType]::ParameterName, 'WARNING when a migration lock (Liquibase) has been held this long; a Knex lock, which records no time, is WARNING whenever held (default 5m).')
            [CompletionResult]::new('--lock-critical', '--lock-critical', [CompletionResultType]::ParameterName, 'CRITICAL when a migration lock has been held this long (default 30m).')
            [CompletionResult]::new('--behind-critical', '--behind-critical', [CompletionResultType]::ParameterName, 'with --dir: CRITICAL when this many migrations are pending (one is WARNING) (default 5).')
            [CompletionResult]::new('--framework', '--framework', [CompletionResultType]::ParameterName, 'Read only this tool''s table: alembic, flyway, liquibase, golang-migrate, rails, dbmate, ecto, django, sqlx, diesel, prisma, goose, knex, typeorm, atlas, db-migrate, node-pg-migrate, sequelize, yoyo')
            [CompletionResult]::new('--table', '--table', [CompletionResultType]::ParameterName, 'The history table''s name (or schema.table) when it was renamed; with --framework')
            [CompletionResult]::new('--expect', '--expect', [CompletionResultType]::ParameterName, 'The revision the deploy expects: CRITICAL when the database is elsewhere. Liquibase: the changeset id (`2`), `id::author` or `file::id::author` of the last changeset')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The deploy''s migrations directory, parsed, never run: pending and unknown revisions, and files changed after they ran (Flyway, sqlx, Prisma, Liquibase checksums); on MySQL/MariaDB, the objects a pending migration creates that exist already (half-applied). Liquibase: formatted-SQL changelogs compared with their 9: checksums; XML, YAML and JSON changelogs listed by id and author, their checksums not compared')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Rows of detail per list; the counts stay exact.')
            [CompletionResult]::new('--watch', '--watch', [CompletionResultType]::ParameterName, 'Rerun every DURATION (at least 1s) until Ctrl-C, like `watch`.')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Connection URL: postgres://user:<password>@host:5432/db, mysql://user:<password>@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line, the Prometheus text')
            [CompletionResult]::new('--runbooks', '--runbooks', [CompletionResultType]::ParameterName, 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up connecting after this long (e.g. 500ms, 5s). Default: the URL''s connect_timeout if it has one, else 5s')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN. Untyped, a check waiting an --interval (slow) gets the interval on top of the 30s')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The fleet file naming the targets of --all, --tag and serve. Default: ./dbrunbook.yaml, else $XDG_CONFIG_HOME/dbrunbook/dbrunbook.yaml (~/.config when unset)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the report to FILE instead of stdout: in one step (a temporary file beside it, then a rename), and only a complete report, so a run that fails or is killed leaves the old file. With --format prometheus the file also says whether the run succeeded and when (dbrunbook_last_run_success, dbrunbook_last_run_timestamp_seconds): a failed run keeps the old numbers with dbrunbook_last_run_success 0')
            [CompletionResult]::new('--brief', '--brief', [CompletionResultType]::ParameterName, 'One screen: the status block, the root or top holder and the first commands.')
            [CompletionResult]::new('--full', '--full', [CompletionResultType]::ParameterName, 'The whole report (every table, note and runbook step), even on a small terminal.')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log what the tool does to stderr (-v); passwords are never logged')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log what the tool does to stderr (-v); passwords are never logged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'dbrunbook;backups' {
            [CompletionResult]::new('--max-age-warning', '--max-age-warning', [CompletionResultType]::ParameterName, 'WARNING when the newest backup (per database in --dir, of any type in pgBackRest) is this old (default 26h).')
            [CompletionResult]::new('--max-age-critical', '--max-age-critical', [CompletionResultType]::ParameterName, 'CRITICAL when the newest backup is this old (default 50h).')
            [CompletionResult]::new('--size-drop-warning', '--size-drop-warning', [CompletionResultType]::ParameterName, 'WARNING when the newest dump is smaller than this share of the median of the previous 5 (default 50%).')
            [CompletionResult]::new('--wal-max-age', '--wal-max-age', [CompletionResultType]::ParameterName, 'PostgreSQL: WARNING when a finished WAL segment has waited this long to be archived (default 1h).')
            [CompletionResult]::new('--full-max-age', '--full-max-age', [CompletionResultType]::ParameterName, 'pgBackRest: WARNING when the newest full backup is this old (default 8d).')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'A directory of dumps, read by content (repeatable); a glob in the last part picks files: --dir ''/backups/*.dump''')
            [CompletionResult]::new('--pitr', '--pitr', [CompletionResultType]::ParameterName, 'required: no point-in-time recovery (archiving off, log_bin off) is a WARNING; optional (default): it is only said')
            [CompletionResult]::new('--pgbackrest-stanza', '--pgbackrest-stanza', [CompletionResultType]::ParameterName, 'A pgBackRest stanza, read with `pgbackrest info --output=json` (never `check`); PGBACKREST_CONFIG picks the configuration')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Rows of detail per list; the counts stay exact.')
            [CompletionResult]::new('--watch', '--watch', [CompletionResultType]::ParameterName, 'Rerun every DURATION (at least 1s) until Ctrl-C, like `watch`.')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Connection URL: postgres://user:<password>@host:5432/db, mysql://user:<password>@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line, the Prometheus text')
            [CompletionResult]::new('--runbooks', '--runbooks', [CompletionResultType]::ParameterName, 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up connecting after this long (e.g. 500ms, 5s). Default: the URL''s connect_timeout if it has one, else 5s')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN. Untyped, a check waiting an --interval (slow) gets the interval on top of the 30s')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The fleet file naming the targets of --all, --tag and serve. Default: ./dbrunbook.yaml, else $XDG_CONFIG_HOME/dbrunbook/dbrunbook.yaml (~/.config when unset)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the report to FILE instead of stdout: in one step (a temporary file beside it, then a rename), and only a complete report, so a run that fails or is killed leaves the old file. With --format prometheus the file also says whether the run succeeded and when (dbrunbook_last_run_success, dbrunbook_last_run_timestamp_seconds): a failed run keeps the old numbers with dbrunbook_last_run_success 0')
            [CompletionResult]::new('--brief', '--brief', [CompletionResultType]::ParameterName, 'One screen: the status block, the root or top holder and the first commands.')
            [CompletionResult]::new('--full', '--full', [CompletionResultType]::ParameterName, 'The whole report (every table, note and runbook step), even on a small terminal.')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log what the tool does to stderr (-v); passwords are never logged')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log what the tool does to stderr (-v); passwords are never logged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'dbrunbook;slow' {
            [CompletionResult]::new('--warning', '--warning', [CompletionResultType]::ParameterName, 'WARNING when a statement''s mean time (in the --interval window, else since the last reset) reaches this (default 500ms).')
            [CompletionResult]::new('--critical', '--critical', [CompletionResultType]::ParameterName, 'CRITICAL when a statement''s mean time reaches this (default 5s).')
            [CompletionResult]::new('--core-warning', '--core-warning', [CompletionResultType]::ParameterName, 'WARNING when one statement (called more than once) takes this share of one core''s time over the window (--interval, else since the statistics were reset), whatever its mean (default 50%).')
            [CompletionResult]::new('--core-critical', '--core-critical', [CompletionResultType]::ParameterName, 'CRITICAL when one statement takes this share of one core''s time over the window (default 100%).')
            [CompletionResult]::new('--by', '--by', [CompletionResultType]::ParameterName, 'Order the statements by total time (default), mean time or calls')
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'Take two snapshots this far apart and report what ran between them (below --timeout)')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Rows of detail per list; the counts stay exact.')
            [CompletionResult]::new('--watch', '--watch', [CompletionResultType]::ParameterName, 'Rerun every DURATION (at least 1s) until Ctrl-C, like `watch`.')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Connection URL: postgres://user:<password>@host:5432/db, mysql://user:<password>@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line, the Prometheus text')
            [CompletionResult]::new('--runbooks', '--runbooks', [CompletionResultType]::ParameterName, 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up connecting after this long (e.g. 500ms, 5s). Default: the URL''s connect_timeout if it has one, else 5s')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN. Untyped, a check waiting an --interval (slow) gets the interval on top of the 30s')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The fleet file naming the targets of --all, --tag and serve. Default: ./dbrunbook.yaml, else $XDG_CONFIG_HOME/dbrunbook/dbrunbook.yaml (~/.config when unset)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the report to FILE instead of stdout: in one step (a temporary file beside it, then a rename), and only a complete report, so a run that fails or is killed leaves the old file. With --format prometheus the file also says whether the run succeeded and when (dbrunbook_last_run_success, dbrunbook_last_run_timestamp_seconds): a failed run keeps the old numbers with dbrunbook_last_run_success 0')
            [CompletionResult]::new('--brief', '--brief', [CompletionResultType]::ParameterName, 'One screen: the status block, the root or top holder and the first commands.')
            [CompletionResult]::new('--full', '--full', [CompletionResultType]::ParameterName, 'The whole report (every table, note and runbook step), even on a small terminal.')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log what the tool does to stderr (-v); passwords are never logged')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log what the tool does to stderr (-v); passwords are never logged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'dbrunbook;size' {
            [CompletionResult]::new('--xid-warning', '--xid-warning', [CompletionResultType]::ParameterName, 'WARNING when a database''s transaction ID (or multixact) age reaches this share of the 2^31 wraparound limit (default 50%).')
            [CompletionResult]::new('--xid-critical', '--xid-critical', [CompletionResultType]::ParameterName, 'CRITICAL when a database''s transaction ID (or multixact) age reaches this share of the 2^31 wraparound limit (default 75%).')
            [CompletionResult]::new('--bloat-warning', '--bloat-warning', [CompletionResultType]::ParameterName, 'WARNING when this share of a table or index over --bloat-min-size is estimated to be bloat (MySQL: DATA_FREE) (default 50%).')
            [CompletionResult]::new('--bloat-critical', '--bloat-critical', [CompletionResultType]::ParameterName, 'CRITICAL when this share of a table or index over --bloat-min-size is estimated to be bloat (MySQL: DATA_FREE) (default 80%).')
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'Take two snapshots this far apart and report growth in bytes per second')
            [CompletionResult]::new('--databases', '--databases', [CompletionResultType]::ParameterName, 'Size the connected database only (current, the default) or every database on the server (all: reads every file of every database, which is slow on a big server and repeated for each target of a fleet on that server). Transaction ID ages are read for every database either way; on MySQL a URL without a database sizes every schema')
            [CompletionResult]::new('--bloat-min-size', '--bloat-min-size', [CompletionResultType]::ParameterName, 'Judge bloat only on tables and indexes at least this big (default 100MB; 500kB, 10MB, 2GB)')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Rows of detail per list; the counts stay exact.')
            [CompletionResult]::new('--watch', '--watch', [CompletionResultType]::ParameterName, 'Rerun every DURATION (at least 1s) until Ctrl-C, like `watch`.')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Connection URL: postgres://user:<password>@host:5432/db, mysql://user:<password>@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line, the Prometheus text')
            [CompletionResult]::new('--runbooks', '--runbooks', [CompletionResultType]::ParameterName, 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up connecting after this long (e.g. 500ms, 5s). Default: the URL''s connect_timeout if it has one, else 5s')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN. Untyped, a check waiting an --interval (slow) gets the interval on top of the 30s')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The fleet file naming the targets of --all, --tag and serve. Default: ./dbrunbook.yaml, else $XDG_CONFIG_HOME/dbrunbook/dbrunbook.yaml (~/.config when unset)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the report to FILE instead of stdout: in one step (a temporary file beside it, then a rename), and only a complete report, so a run that fails or is killed leaves the old file. With --format prometheus the file also says whether the run succeeded and when (dbrunbook_last_run_success, dbrunbook_last_run_timestamp_seconds): a failed run keeps the old numbers with dbrunbook_last_run_success 0')
            [CompletionResult]::new('--brief', '--brief', [CompletionResultType]::ParameterName, 'One screen: the status block, the root or top holder and the first commands.')
            [CompletionResult]::new('--full', '--full', [CompletionResultType]::ParameterName, 'The whole report (every table, note and runbook step), even on a small terminal.')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log what the tool does to stderr (-v); passwords are never logged')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log what the tool does to stderr (-v); passwords are never logged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'dbrunbook;replication' {
            [CompletionResult]::new('--lag-warning', '--lag-warning', [CompletionResultType]::ParameterName, 'WARNING when a replica''s replay is this far behind its primary (a replica of an idle primary is not behind) (default 1m).')
            [CompletionResult]::new('--lag-critical', '--lag-critical', [CompletionResultType]::ParameterName, 'CRITICAL when a replica''s replay is this far behind its primary (default 5m).')
            [CompletionResult]::new('--lag-bytes-warning', '--lag-bytes-warning', [CompletionResultType]::ParameterName, 'WARNING when a replica has received (or its primary has sent) this much not yet replayed (default 256MB).')
            [CompletionResult]::new('--lag-bytes-critical', '--lag-bytes-critical', [CompletionResultType]::ParameterName, 'CRITICAL when a replica has this much WAL or binary log not yet replayed (default 1GB).')
            [CompletionResult]::new('--slot-retained-warning', '--slot-retained-warning', [CompletionResultType]::ParameterName, 'WARNING when a replication slot keeps this much WAL on the primary''s disk (default 1GB).')
            [CompletionResult]::new('--slot-retained-critical', '--slot-retained-critical', [CompletionResultType]::ParameterName, 'CRITICAL when a replication slot keeps this much WAL on the primary''s disk (default 10GB).')
            [CompletionResult]::new('--slot-inactive', '--slot-inactive', [CompletionResultType]::ParameterName, 'WARNING when a replication slot has had no consumer this long (PostgreSQL 18 says since when; before 18 an inactive slot is judged by the WAL it keeps) (default 1h).')
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'Take two snapshots this far apart and report each slot''s WAL growth per second and the time until max_slot_wal_keep_size cuts it off')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Rows of detail per list; the counts stay exact.')
            [CompletionResult]::new('--watch', '--watch', [CompletionResultType]::ParameterName, 'Rerun every DURATION (at least 1s) until Ctrl-C, like `watch`.')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Connection URL: postgres://user:<password>@host:5432/db, mysql://user:<password>@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line, the Prometheus text')
            [CompletionResult]::new('--runbooks', '--runbooks', [CompletionResultType]::ParameterName, 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up connecting after this long (e.g. 500ms, 5s). Default: the URL''s connect_timeout if it has one, else 5s')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN. Untyped, a check waiting an --interval (slow) gets the interval on top of the 30s')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The fleet file naming the targets of --all, --tag and serve. Default: ./dbrunbook.yaml, else $XDG_CONFIG_HOME/dbrunbook/dbrunbook.yaml (~/.config when unset)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the report to FILE instead of stdout: in one step (a temporary file beside it, then a rename), and only a complete report, so a run that fails or is killed leaves the old file. With --format prometheus the file also says whether the run succeeded and when (dbrunbook_last_run_success, dbrunbook_last_run_timestamp_seconds): a failed run keeps the old numbers with dbrunbook_last_run_success 0')
            [CompletionResult]::new('--brief', '--brief', [CompletionResultType]::ParameterName, 'One screen: the status block, the root or top holder and the first commands.')
            [CompletionResult]::new('--full', '--full', [CompletionResultType]::ParameterName, 'The whole report (every table, note and runbook step), even on a small terminal.')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log what the tool does to stderr (-v); passwords are never logged')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log what the tool does to stderr (-v); passwords are never logged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'dbrunbook;help' {
            [CompletionResult]::new('diagnose', 'diagnose', [CompletionResultType]::ParameterValue, 'Every check over one connection, with the runbooks'' default thresholds: the one to type first in an incident, and to run from cron or monitoring (`check` is the same command). The status is the worst check''s')
            [CompletionResult]::new('restore-check', 'restore-check', [CompletionResultType]::ParameterValue, 'Restore a backup file into a scratch database it creates, count its tables and rows, compare them with the source (--url), report the restore time, and drop the scratch copy')
            [CompletionResult]::new('end', 'end', [CompletionResultType]::ParameterValue, 'End sessions the safe way: by the session references a report prints (pg:PID@..., my:THREAD@...), or in bulk for a leaked pool (--application/--user with --state and --older-than)')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'A Prometheus exporter for the fleet file''s targets, in the multi-target pattern of postgres_exporter: GET /probe?target=NAME diagnoses the named target (names from the fleet file only, never URLs) and answers in the Prometheus text format; /metrics is the exporter''s own health. Stops cleanly on SIGTERM or Ctrl-C')
            [CompletionResult]::new('runbooks', 'runbooks', [CompletionResultType]::ParameterValue, 'List, show and validate runbooks')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script to stdout')
            [CompletionResult]::new('connect', 'connect', [CompletionResultType]::ParameterValue, 'The connection itself: name resolution, TCP, TLS, startup and authentication, each timed, and which one failed; server uptime (a recent restart), primary or replica, and the settings that drop idle connections')
            [CompletionResult]::new('pool', 'pool', [CompletionResultType]::ParameterValue, 'Connection-pool status: connections used against the server''s limit, by state and by holder; PgBouncer pools and waiting clients; a server too full to let us in')
            [CompletionResult]::new('queries', 'queries', [CompletionResultType]::ParameterValue, 'Long-running statements, long transactions and sessions idle in a transaction: who runs them (pid, user, database, application, client), for how long, and what they wait on')
            [CompletionResult]::new('locks', 'locks', [CompletionResultType]::ParameterValue, 'Lock contention: who waits for whom, as trees from the root blockers down; metadata locks on MySQL; deadlocks; the lock settings that decide how waits end')
            [CompletionResult]::new('migrations', 'migrations', [CompletionResultType]::ParameterValue, 'Migration revision: which tool''s history tables the database has (Alembic, Flyway, Liquibase, golang-migrate, Rails, dbmate, Ecto, Django, sqlx, Diesel, Prisma, goose, Knex, TypeORM, Atlas, db-migrate, node-pg-migrate, sequelize-cli, yoyo), the revision the schema is at, half-applied migrations, stuck migration locks, and with --expect or --dir whether that is where the deploy expects it and whether applied files changed since')
            [CompletionResult]::new('backups', 'backups', [CompletionResultType]::ParameterValue, 'Backups: the newest dump per database in --dir (age, size drop, completeness read from the content: pg_dump plain/custom/directory/tar, pg_dumpall, mysqldump; gzip, zstd, xz, bzip2 streamed), a pgBackRest stanza''s backups and archive, and the server''s WAL archiving or binary logs: whether point-in-time recovery is possible')
            [CompletionResult]::new('slow', 'slow', [CompletionResultType]::ParameterValue, 'The statements that cost the most time, from pg_stat_statements or performance_schema: calls, total and mean time, rows, cache hits; with --interval, what is slow now')
            [CompletionResult]::new('size', 'size', [CompletionResultType]::ParameterValue, 'How big it is and whether it is about to run out of room: database sizes, the largest tables with their indexes and TOAST, bloat estimates, transaction ID age against wraparound (PostgreSQL), and with --interval the growth in bytes per second')
            [CompletionResult]::new('replication', 'replication', [CompletionResultType]::ParameterValue, 'Replication from whichever side it is connected to: replica lag (in time, with an idle primary not counted as lag, and in bytes), broken replicas (no WAL receiver; MySQL/MariaDB IO and SQL threads with their errors), replication slots keeping WAL until the disk fills, synchronous standbys gone, semi-sync fallen back; with --interval each slot''s growth and time left')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'dbrunbook;help;diagnose' {
            break
        }
        'dbrunbook;help;restore-check' {
            break
        }
        'dbrunbook;help;end' {
            break
        }
        'dbrunbook;help;serve' {
            break
        }
        'dbrunbook;help;runbooks' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the runbooks in effect (built-in plus --runbooks directories)')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print one runbook in full')
            [CompletionResult]::new('validate', 'validate', [CompletionResultType]::ParameterValue, 'Check runbook files (directories or single files): YAML syntax, fields, thresholds and placeholders. Reports every problem as file:line:column and exits 1 if there are any')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Write the runbooks in another tool''s format to stdout. `--format prometheus-rules`: a Prometheus rules file with one alerting rule per runbook, on the metrics of `--format prometheus`, whose annotations link the alert to its runbook')
            break
        }
        'dbrunbook;help;runbooks;list' {
            break
        }
        'dbrunbook;help;runbooks;show' {
            break
        }
        'dbrunbook;help;runbooks;validate' {
            break
        }
        'dbrunbook;help;runbooks;export' {
            break
        }
        'dbrunbook;help;completions' {
            break
        }
        'dbrunbook;help;connect' {
            break
        }
        'dbrunbook;help;pool' {
            break
        }
        'dbrunbook;help;queries' {
            break
        }
        'dbrunbook;help;locks' {
            break
        }
        'dbrunbook;help;migrations' {
            break
        }
        'dbrunbook;help;backups' {
            break
        }
        'dbrunbook;help;slow' {
            break
        }
        'dbrunbook;help;size' {
            break
        }
        'dbrunbook;help;replication' {
            break
        }
        'dbrunbook;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
