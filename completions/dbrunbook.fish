# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_dbrunbook_global_optspecs
    string join \n url= format= runbooks= connect-timeout= timeout= color= config= output= v/verbose h/help V/version
end

function __fish_dbrunbook_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_dbrunbook_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_dbrunbook_using_subcommand
    set -l cmd (__fish_dbrunbook_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c dbrunbook -n "__fish_dbrunbook_needs_command" -l url -d 'Connection URL: postgres://user:<password>@host:5432/db, mysql://user:<password>@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console' -r
complete -c dbrunbook -n "__fish_dbrunbook_needs_command" -l format -d 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line, the Prometheus text' -r -f -a "table\t''
json\t''
nagios\t''
prometheus\t'The Prometheus text exposition format (node_exporter\'s textfile collector)'"
complete -c dbrunbook -n "__fish_dbrunbook_needs_command" -l runbooks -d 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2' -r -F
complete -c dbrunbook -n "__fish_dbrunbook_needs_command" -l connect-timeout -d 'Give up connecting after this long (e.g. 500ms, 5s). Default: the URL\'s connect_timeout if it has one, else 5s' -r
complete -c dbrunbook -n "__fish_dbrunbook_needs_command" -l timeout -d 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN. Untyped, a check waiting an --interval (slow) gets the interval on top of the 30s' -r
complete -c dbrunbook -n "__fish_dbrunbook_needs_command" -l color -d 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dbrunbook -n "__fish_dbrunbook_needs_command" -l config -d 'The fleet file naming the targets of --all, --tag and serve. Default: ./dbrunbook.yaml, else $XDG_CONFIG_HOME/dbrunbook/dbrunbook.yaml (~/.config when unset)' -r -F
complete -c dbrunbook -n "__fish_dbrunbook_needs_command" -l output -d 'Write the report to FILE instead of stdout: in one step (a temporary file beside it, then a rename), and only a complete report, so a run that fails or is killed leaves the old file. With --format prometheus the file also says whether the run succeeded and when (dbrunbook_last_run_success, dbrunbook_last_run_timestamp_seconds): a failed run keeps the old numbers with dbrunbook_last_run_success 0' -r -F
complete -c dbrunbook -n "__fish_dbrunbook_needs_command" -s v -l verbose -d 'Log what the tool does to stderr (-v); passwords are never logged'
complete -c dbrunbook -n "__fish_dbrunbook_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c dbrunbook -n "__fish_dbrunbook_needs_command" -s V -l version -d 'Print version'
complete -c dbrunbook -n "__fish_dbrunbook_needs_command" -f -a "diagnose" -d 'Every check over one connection, with the runbooks\' default thresholds: the one to type first in an incident, and to run from cron or monitoring (`check` is the same command). The status is the worst check\'s'
complete -c dbrunbook -n "__fish_dbrunbook_needs_command" -f -a "check" -d 'Every check over one connection, with the runbooks\' default thresholds: the one to type first in an incident, and to run from cron or monitoring (`check` is the same command). The status is the worst check\'s'
complete -c dbrunbook -n "__fish_dbrunbook_needs_command" -f -a "restore-check" -d 'Restore a backup file into a scratch database it creates, count its tables and rows, compare them with the source (--url), report the restore time, and drop the scratch copy'
complete -c dbrunbook -n "__fish_dbrunbook_needs_command" -f -a "end" -d 'End sessions the safe way: by the session references a report prints (pg:PID@..., my:THREAD@...), or in bulk for a leaked pool (--application/--user with --state and --older-than)'
complete -c dbrunbook -n "__fish_dbrunbook_needs_command" -f -a "serve" -d 'A Prometheus exporter for the fleet file\'s targets, in the multi-target pattern of postgres_exporter: GET /probe?target=NAME diagnoses the named target (names from the fleet file only, never URLs) and answers in the Prometheus text format; /metrics is the exporter\'s own health. Stops cleanly on SIGTERM or Ctrl-C'
complete -c dbrunbook -n "__fish_dbrunbook_needs_command" -f -a "runbooks" -d 'List, show and validate runbooks'
complete -c dbrunbook -n "__fish_dbrunbook_needs_command" -f -a "completions" -d 'Print a shell completion script to stdout'
complete -c dbrunbook -n "__fish_dbrunbook_needs_command" -f -a "connect" -d 'The connection itself: name resolution, TCP, TLS, startup and authentication, each timed, and which one failed; server uptime (a recent restart), primary or replica, and the settings that drop idle connections'
complete -c dbrunbook -n "__fish_dbrunbook_needs_command" -f -a "pool" -d 'Connection-pool status: connections used against the server\'s limit, by state and by holder; PgBouncer pools and waiting clients; a server too full to let us in'
complete -c dbrunbook -n "__fish_dbrunbook_needs_command" -f -a "queries" -d 'Long-running statements, long transactions and sessions idle in a transaction: who runs them (pid, user, database, application, client), for how long, and what they wait on'
complete -c dbrunbook -n "__fish_dbrunbook_needs_command" -f -a "locks" -d 'Lock contention: who waits for whom, as trees from the root blockers down; metadata locks on MySQL; deadlocks; the lock settings that decide how waits end'
complete -c dbrunbook -n "__fish_dbrunbook_needs_command" -f -a "migrations" -d 'Migration revision: which tool\'s history tables the database has (Alembic, Flyway, Liquibase, golang-migrate, Rails, dbmate, Ecto, Django, sqlx, Diesel, Prisma, goose, Knex, TypeORM, Atlas, db-migrate, node-pg-migrate, sequelize-cli, yoyo), the revision the schema is at, half-applied migrations, stuck migration locks, and with --expect or --dir whether that is where the deploy expects it and whether applied files changed since'
complete -c dbrunbook -n "__fish_dbrunbook_needs_command" -f -a "backups" -d 'Backups: the newest dump per database in --dir (age, size drop, completeness read from the content: pg_dump plain/custom/directory/tar, pg_dumpall, mysqldump; gzip, zstd, xz, bzip2 streamed), a pgBackRest stanza\'s backups and archive, and the server\'s WAL archiving or binary logs: whether point-in-time recovery is possible'
complete -c dbrunbook -n "__fish_dbrunbook_needs_command" -f -a "slow" -d 'The statements that cost the most time, from pg_stat_statements or performance_schema: calls, total and mean time, rows, cache hits; with --interval, what is slow now'
complete -c dbrunbook -n "__fish_dbrunbook_needs_command" -f -a "size" -d 'How big it is and whether it is about to run out of room: database sizes, the largest tables with their indexes and TOAST, bloat estimates, transaction ID age against wraparound (PostgreSQL), and with --interval the growth in bytes per second'
complete -c dbrunbook -n "__fish_dbrunbook_needs_command" -f -a "replication" -d 'Replication from whichever side it is connected to: replica lag (in time, with an idle primary not counted as lag, and in bytes), broken replicas (no WAL receiver; MySQL/MariaDB IO and SQL threads with their errors), replication slots keeping WAL until the disk fills, synchronous standbys gone, semi-sync fallen back; with --interval each slot\'s growth and time left'
complete -c dbrunbook -n "__fish_dbrunbook_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand diagnose" -l limit -d 'Rows of detail per list; the counts stay exact' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand diagnose" -l only -d 'Run only this check (repeatable); all of them by default' -r -f -a "connect\t''
pool\t''
queries\t''
locks\t''
migrations\t''
backups\t''
slow\t''
size\t''
replication\t''"
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand diagnose" -l watch -d 'Rerun every DURATION (at least 1s) until Ctrl-C, like `watch`' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand diagnose" -l tag -d 'Diagnose the fleet file\'s targets carrying this tag (repeatable: any of them)' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand diagnose" -l target -d 'Diagnose the fleet file\'s target of this name (repeatable), with its thresholds and options from the file: the name a Prometheus alert\'s `target` label carries' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand diagnose" -l jobs -d 'Targets diagnosed at once, over all servers. Each holds one connection and a few hundred KiB while it runs, far below file descriptor limits' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand diagnose" -l server-jobs -d 'Targets of one server (the same host and port) diagnosed at once, so that a fleet of databases on one server never takes --jobs of its connection slots and CPUs at once. A server that does not answer within the connect timeout has nothing to protect: its other targets are then tried all at once, so they too end within one more deadline' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand diagnose" -l url -d 'Connection URL: postgres://user:<password>@host:5432/db, mysql://user:<password>@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand diagnose" -l format -d 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line, the Prometheus text' -r -f -a "table\t''
json\t''
nagios\t''
prometheus\t'The Prometheus text exposition format (node_exporter\'s textfile collector)'"
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand diagnose" -l runbooks -d 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2' -r -F
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand diagnose" -l connect-timeout -d 'Give up connecting after this long (e.g. 500ms, 5s). Default: the URL\'s connect_timeout if it has one, else 5s' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand diagnose" -l timeout -d 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN. Untyped, a check waiting an --interval (slow) gets the interval on top of the 30s' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand diagnose" -l color -d 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand diagnose" -l config -d 'The fleet file naming the targets of --all, --tag and serve. Default: ./dbrunbook.yaml, else $XDG_CONFIG_HOME/dbrunbook/dbrunbook.yaml (~/.config when unset)' -r -F
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand diagnose" -l output -d 'Write the report to FILE instead of stdout: in one step (a temporary file beside it, then a rename), and only a complete report, so a run that fails or is killed leaves the old file. With --format prometheus the file also says whether the run succeeded and when (dbrunbook_last_run_success, dbrunbook_last_run_timestamp_seconds): a failed run keeps the old numbers with dbrunbook_last_run_success 0' -r -F
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand diagnose" -l all -d 'Diagnose every target of the fleet file (see --config), concurrently'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand diagnose" -l brief -d 'One screen: the status block, the root or top holder and the first commands. The default on a terminal the full report would overflow, and for --watch'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand diagnose" -l full -d 'The whole report (every table, note and runbook step), even on a small terminal'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand diagnose" -s v -l verbose -d 'Log what the tool does to stderr (-v); passwords are never logged'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand diagnose" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand diagnose" -s V -l version -d 'Print version'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand check" -l limit -d 'Rows of detail per list; the counts stay exact' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand check" -l only -d 'Run only this check (repeatable); all of them by default' -r -f -a "connect\t''
pool\t''
queries\t''
locks\t''
migrations\t''
backups\t''
slow\t''
size\t''
replication\t''"
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand check" -l watch -d 'Rerun every DURATION (at least 1s) until Ctrl-C, like `watch`' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand check" -l tag -d 'Diagnose the fleet file\'s targets carrying this tag (repeatable: any of them)' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand check" -l target -d 'Diagnose the fleet file\'s target of this name (repeatable), with its thresholds and options from the file: the name a Prometheus alert\'s `target` label carries' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand check" -l jobs -d 'Targets diagnosed at once, over all servers. Each holds one connection and a few hundred KiB while it runs, far below file descriptor limits' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand check" -l server-jobs -d 'Targets of one server (the same host and port) diagnosed at once, so that a fleet of databases on one server never takes --jobs of its connection slots and CPUs at once. A server that does not answer within the connect timeout has nothing to protect: its other targets are then tried all at once, so they too end within one more deadline' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand check" -l url -d 'Connection URL: postgres://user:<password>@host:5432/db, mysql://user:<password>@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand check" -l format -d 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line, the Prometheus text' -r -f -a "table\t''
json\t''
nagios\t''
prometheus\t'The Prometheus text exposition format (node_exporter\'s textfile collector)'"
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand check" -l runbooks -d 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2' -r -F
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand check" -l connect-timeout -d 'Give up connecting after this long (e.g. 500ms, 5s). Default: the URL\'s connect_timeout if it has one, else 5s' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand check" -l timeout -d 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN. Untyped, a check waiting an --interval (slow) gets the interval on top of the 30s' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand check" -l color -d 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand check" -l config -d 'The fleet file naming the targets of --all, --tag and serve. Default: ./dbrunbook.yaml, else $XDG_CONFIG_HOME/dbrunbook/dbrunbook.yaml (~/.config when unset)' -r -F
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand check" -l output -d 'Write the report to FILE instead of stdout: in one step (a temporary file beside it, then a rename), and only a complete report, so a run that fails or is killed leaves the old file. With --format prometheus the file also says whether the run succeeded and when (dbrunbook_last_run_success, dbrunbook_last_run_timestamp_seconds): a failed run keeps the old numbers with dbrunbook_last_run_success 0' -r -F
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand check" -l all -d 'Diagnose every target of the fleet file (see --config), concurrently'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand check" -l brief -d 'One screen: the status block, the root or top holder and the first commands. The default on a terminal the full report would overflow, and for --watch'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand check" -l full -d 'The whole report (every table, note and runbook step), even on a small terminal'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand check" -s v -l verbose -d 'Log what the tool does to stderr (-v); passwords are never logged'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand check" -s V -l version -d 'Print version'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand restore-check" -l scratch-url -d 'The server to restore into (postgres://... or mysql://...). Its database is only where the tool connects to create the scratch one (PostgreSQL: e.g. postgres)' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand restore-check" -l row-tolerance -d 'How far a table\'s row count may differ from the source before it is CRITICAL rather than WARNING, in percent of the source\'s count' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand restore-check" -l url -d 'Connection URL: postgres://user:<password>@host:5432/db, mysql://user:<password>@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand restore-check" -l format -d 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line, the Prometheus text' -r -f -a "table\t''
json\t''
nagios\t''
prometheus\t'The Prometheus text exposition format (node_exporter\'s textfile collector)'"
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand restore-check" -l runbooks -d 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2' -r -F
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand restore-check" -l connect-timeout -d 'Give up connecting after this long (e.g. 500ms, 5s). Default: the URL\'s connect_timeout if it has one, else 5s' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand restore-check" -l timeout -d 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN. Untyped, a check waiting an --interval (slow) gets the interval on top of the 30s' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand restore-check" -l color -d 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand restore-check" -l config -d 'The fleet file naming the targets of --all, --tag and serve. Default: ./dbrunbook.yaml, else $XDG_CONFIG_HOME/dbrunbook/dbrunbook.yaml (~/.config when unset)' -r -F
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand restore-check" -l output -d 'Write the report to FILE instead of stdout: in one step (a temporary file beside it, then a rename), and only a complete report, so a run that fails or is killed leaves the old file. With --format prometheus the file also says whether the run succeeded and when (dbrunbook_last_run_success, dbrunbook_last_run_timestamp_seconds): a failed run keeps the old numbers with dbrunbook_last_run_success 0' -r -F
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand restore-check" -l keep -d 'Keep the scratch database afterwards (its name is in the report) instead of dropping it'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand restore-check" -l i-know-this-is-production -d 'Allow the scratch server and database to be the source\'s (--url): without it the tool refuses to restore into the server and database it would compare against'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand restore-check" -l trust-backup -d 'Allow a --scratch-url account with superuser (PostgreSQL) or global (MariaDB/MySQL) privileges. The dump\'s own code (functions, triggers, COPY ... PROGRAM, statements about other databases) then runs with them on the scratch server: only for a backup you trust. Without it, use an account that may only create databases (PostgreSQL: CREATEDB; MariaDB: ALL on `dbrunbook\\_restore\\_%`.*)'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand restore-check" -s v -l verbose -d 'Log what the tool does to stderr (-v); passwords are never logged'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand restore-check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand restore-check" -s V -l version -d 'Print version'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand end" -l application -d 'Bulk: the sessions of this application (PostgreSQL application_name; MySQL the client\'s program_name, when performance_schema is on)' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand end" -l user -d 'Bulk: the sessions of this database user' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand end" -l state -d 'Bulk: only sessions in this state' -r -f -a "idle-in-transaction\t'Idle inside an open transaction (MySQL: a sleeping thread with an InnoDB transaction)'
active\t'Running a statement'
idle\t'Idle, no transaction'"
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand end" -l older-than -d 'Bulk: only sessions in their state (or transaction) for at least this long' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand end" -l grace -d 'How long to wait after cancelling a statement before terminating the session' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand end" -l audit-log -d 'The audit log to append to. Default: $XDG_STATE_HOME/dbrunbook/end-audit.jsonl (else ~/.local/state/dbrunbook/end-audit.jsonl)' -r -F
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand end" -l evidence-dir -d 'Where the evidence files go. Default: $XDG_STATE_HOME/dbrunbook/evidence (else ~/.local/state/dbrunbook/evidence)' -r -F
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand end" -l url -d 'Connection URL: postgres://user:<password>@host:5432/db, mysql://user:<password>@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand end" -l format -d 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line, the Prometheus text' -r -f -a "table\t''
json\t''
nagios\t''
prometheus\t'The Prometheus text exposition format (node_exporter\'s textfile collector)'"
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand end" -l runbooks -d 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2' -r -F
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand end" -l connect-timeout -d 'Give up connecting after this long (e.g. 500ms, 5s). Default: the URL\'s connect_timeout if it has one, else 5s' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand end" -l timeout -d 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN. Untyped, a check waiting an --interval (slow) gets the interval on top of the 30s' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand end" -l color -d 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand end" -l config -d 'The fleet file naming the targets of --all, --tag and serve. Default: ./dbrunbook.yaml, else $XDG_CONFIG_HOME/dbrunbook/dbrunbook.yaml (~/.config when unset)' -r -F
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand end" -l output -d 'Write the report to FILE instead of stdout: in one step (a temporary file beside it, then a rename), and only a complete report, so a run that fails or is killed leaves the old file. With --format prometheus the file also says whether the run succeeded and when (dbrunbook_last_run_success, dbrunbook_last_run_timestamp_seconds): a failed run keeps the old numbers with dbrunbook_last_run_success 0' -r -F
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand end" -l yes -d 'Send without asking (needed when not on a terminal)'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand end" -l dry-run -d 'Only show what would be done; send nothing'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand end" -s v -l verbose -d 'Log what the tool does to stderr (-v); passwords are never logged'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand end" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand end" -s V -l version -d 'Print version'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand serve" -l listen -d 'Address to listen on, e.g. 127.0.0.1:9187 or [::]:9187' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand serve" -l max-probes -d 'Probes running at once; one more is answered 503 at once (Prometheus counts a failed scrape) rather than queued behind a slow target past the scrape timeout' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand serve" -l keep-connections -d 'PostgreSQL and MySQL/MariaDB sessions kept open between probes, one per target, at most N in all (0: connect for every probe). A kept session runs the next probe\'s queries without a new connection (on PostgreSQL, with its statements already prepared); the connect check still times a new connection made alongside. Each is read-only, like every session of the tool, and counts against the server\'s connections' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand serve" -l keep-idle -d 'A kept session unused this long is closed' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand serve" -l size-every -d 'On a kept session, the size check (every table\'s size on disk, transaction ID ages: figures that change over minutes and cost the server most of a probe) measures at most this often; probes in between answer the last measurement and say its age (0s: every probe). A check given --interval always measures' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand serve" -l url -d 'Connection URL: postgres://user:<password>@host:5432/db, mysql://user:<password>@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand serve" -l format -d 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line, the Prometheus text' -r -f -a "table\t''
json\t''
nagios\t''
prometheus\t'The Prometheus text exposition format (node_exporter\'s textfile collector)'"
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand serve" -l runbooks -d 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2' -r -F
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand serve" -l connect-timeout -d 'Give up connecting after this long (e.g. 500ms, 5s). Default: the URL\'s connect_timeout if it has one, else 5s' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand serve" -l timeout -d 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN. Untyped, a check waiting an --interval (slow) gets the interval on top of the 30s' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand serve" -l color -d 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand serve" -l config -d 'The fleet file naming the targets of --all, --tag and serve. Default: ./dbrunbook.yaml, else $XDG_CONFIG_HOME/dbrunbook/dbrunbook.yaml (~/.config when unset)' -r -F
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand serve" -l output -d 'Write the report to FILE instead of stdout: in one step (a temporary file beside it, then a rename), and only a complete report, so a run that fails or is killed leaves the old file. With --format prometheus the file also says whether the run succeeded and when (dbrunbook_last_run_success, dbrunbook_last_run_timestamp_seconds): a failed run keeps the old numbers with dbrunbook_last_run_success 0' -r -F
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand serve" -s v -l verbose -d 'Log what the tool does to stderr (-v); passwords are never logged'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand serve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand serve" -s V -l version -d 'Print version'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand runbooks; and not __fish_seen_subcommand_from list show validate export help" -l url -d 'Connection URL: postgres://user:<password>@host:5432/db, mysql://user:<password>@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand runbooks; and not __fish_seen_subcommand_from list show validate export help" -l format -d 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line, the Prometheus text' -r -f -a "table\t''
json\t''
nagios\t''
prometheus\t'The Prometheus text exposition format (node_exporter\'s textfile collector)'"
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand runbooks; and not __fish_seen_subcommand_from list show validate export help" -l runbooks -d 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2' -r -F
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand runbooks; and not __fish_seen_subcommand_from list show validate export help" -l connect-timeout -d 'Give up connecting after this long (e.g. 500ms, 5s). Default: the URL\'s connect_timeout if it has one, else 5s' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand runbooks; and not __fish_seen_subcommand_from list show validate export help" -l timeout -d 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN. Untyped, a check waiting an --interval (slow) gets the interval on top of the 30s' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand runbooks; and not __fish_seen_subcommand_from list show validate export help" -l color -d 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand runbooks; and not __fish_seen_subcommand_from list show validate export help" -l config -d 'The fleet file naming the targets of --all, --tag and serve. Default: ./dbrunbook.yaml, else $XDG_CONFIG_HOME/dbrunbook/dbrunbook.yaml (~/.config when unset)' -r -F
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand runbooks; and not __fish_seen_subcommand_from list show validate export help" -l output -d 'Write the report to FILE instead of stdout: in one step (a temporary file beside it, then a rename), and only a complete report, so a run that fails or is killed leaves the old file. With --format prometheus the file also says whether the run succeeded and when (dbrunbook_last_run_success, dbrunbook_last_run_timestamp_seconds): a failed run keeps the old numbers with dbrunbook_last_run_success 0' -r -F
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand runbooks; and not __fish_seen_subcommand_from list show validate export help" -s v -l verbose -d 'Log what the tool does to stderr (-v); passwords are never logged'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand runbooks; and not __fish_seen_subcommand_from list show validate export help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand runbooks; and not __fish_seen_subcommand_from list show validate export help" -s V -l version -d 'Print version'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand runbooks; and not __fish_seen_subcommand_from list show validate export help" -f -a "list" -d 'List the runbooks in effect (built-in plus --runbooks directories)'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand runbooks; and not __fish_seen_subcommand_from list show validate export help" -f -a "show" -d 'Print one runbook in full'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand runbooks; and not __fish_seen_subcommand_from list show validate export help" -f -a "validate" -d 'Check runbook files (directories or single files): YAML syntax, fields, thresholds and placeholders. Reports every problem as file:line:column and exits 1 if there are any'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand runbooks; and not __fish_seen_subcommand_from list show validate export help" -f -a "export" -d 'Write the runbooks in another tool\'s format to stdout. `--format prometheus-rules`: a Prometheus rules file with one alerting rule per runbook, on the metrics of `--format prometheus`, whose annotations link the alert to its runbook'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand runbooks; and not __fish_seen_subcommand_from list show validate export help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand runbooks; and __fish_seen_subcommand_from list" -l url -d 'Connection URL: postgres://user:<password>@host:5432/db, mysql://user:<password>@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand runbooks; and __fish_seen_subcommand_from list" -l format -d 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line, the Prometheus text' -r -f -a "table\t''
json\t''
nagios\t''
prometheus\t'The Prometheus text exposition format (node_exporter\'s textfile collector)'"
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand runbooks; and __fish_seen_subcommand_from list" -l runbooks -d 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2' -r -F
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand runbooks; and __fish_seen_subcommand_from list" -l connect-timeout -d 'Give up connecting after this long (e.g. 500ms, 5s). Default: the URL\'s connect_timeout if it has one, else 5s' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand runbooks; and __fish_seen_subcommand_from list" -l timeout -d 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN. Untyped, a check waiting an --interval (slow) gets the interval on top of the 30s' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand runbooks; and __fish_seen_subcommand_from list" -l color -d 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand runbooks; and __fish_seen_subcommand_from list" -l config -d 'The fleet file naming the targets of --all, --tag and serve. Default: ./dbrunbook.yaml, else $XDG_CONFIG_HOME/dbrunbook/dbrunbook.yaml (~/.config when unset)' -r -F
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand runbooks; and __fish_seen_subcommand_from list" -l output -d 'Write the report to FILE instead of stdout: in one step (a temporary file beside it, then a rename), and only a complete report, so a run that fails or is killed leaves the old file. With --format prometheus the file also says whether the run succeeded and when (dbrunbook_last_run_success, dbrunbook_last_run_timestamp_seconds): a failed run keeps the old numbers with dbrunbook_last_run_success 0' -r -F
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand runbooks; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Log what the tool does to stderr (-v); passwords are never logged'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand runbooks; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand runbooks; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand runbooks; and __fish_seen_subcommand_from show" -l url -d 'Connection URL: postgres://user:<password>@host:5432/db, mysql://user:<password>@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand runbooks; and __fish_seen_subcommand_from show" -l format -d 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line, the Prometheus text' -r -f -a "table\t''
json\t''
nagios\t''
prometheus\t'The Prometheus text exposition format (node_exporter\'s textfile collector)'"
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand runbooks; and __fish_seen_subcommand_from show" -l runbooks -d 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2' -r -F
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand runbooks; and __fish_seen_subcommand_from show" -l connect-timeout -d 'Give up connecting after this long (e.g. 500ms, 5s). Default: the URL\'s connect_timeout if it has one, else 5s' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand runbooks; and __fish_seen_subcommand_from show" -l timeout -d 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN. Untyped, a check waiting an --interval (slow) gets the interval on top of the 30s' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand runbooks; and __fish_seen_subcommand_from show" -l color -d 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand runbooks; and __fish_seen_subcommand_from show" -l config -d 'The fleet file naming the targets of --all, --tag and serve. Default: ./dbrunbook.yaml, else $XDG_CONFIG_HOME/dbrunbook/dbrunbook.yaml (~/.config when unset)' -r -F
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand runbooks; and __fish_seen_subcommand_from show" -l output -d 'Write the report to FILE instead of stdout: in one step (a temporary file beside it, then a rename), and only a complete report, so a run that fails or is killed leaves the old file. With --format prometheus the file also says whether the run succeeded and when (dbrunbook_last_run_success, dbrunbook_last_run_timestamp_seconds): a failed run keeps the old numbers with dbrunbook_last_run_success 0' -r -F
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand runbooks; and __fish_seen_subcommand_from show" -s v -l verbose -d 'Log what the tool does to stderr (-v); passwords are never logged'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand runbooks; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand runbooks; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand runbooks; and __fish_seen_subcommand_from validate" -l url -d 'Connection URL: postgres://user:<password>@host:5432/db, mysql://user:<password>@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand runbooks; and __fish_seen_subcommand_from validate" -l format -d 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line, the Prometheus text' -r -f -a "table\t''
json\t''
nagios\t''
prometheus\t'The Prometheus text exposition format (node_exporter\'s textfile collector)'"
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand runbooks; and __fish_seen_subcommand_from validate" -l runbooks -d 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2' -r -F
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand runbooks; and __fish_seen_subcommand_from validate" -l connect-timeout -d 'Give up connecting after this long (e.g. 500ms, 5s). Default: the URL\'s connect_timeout if it has one, else 5s' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand runbooks; and __fish_seen_subcommand_from validate" -l timeout -d 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN. Untyped, a check waiting an --interval (slow) gets the interval on top of the 30s' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand runbooks; and __fish_seen_subcommand_from validate" -l color -d 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand runbooks; and __fish_seen_subcommand_from validate" -l config -d 'The fleet file naming the targets of --all, --tag and serve. Default: ./dbrunbook.yaml, else $XDG_CONFIG_HOME/dbrunbook/dbrunbook.yaml (~/.config when unset)' -r -F
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand runbooks; and __fish_seen_subcommand_from validate" -l output -d 'Write the report to FILE instead of stdout: in one step (a temporary file beside it, then a rename), and only a complete report, so a run that fails or is killed leaves the old file. With --format prometheus the file also says whether the run succeeded and when (dbrunbook_last_run_success, dbrunbook_last_run_timestamp_seconds): a failed run keeps the old numbers with dbrunbook_last_run_success 0' -r -F
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand runbooks; and __fish_seen_subcommand_from validate" -s v -l verbose -d 'Log what the tool does to stderr (-v); passwords are never logged'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand runbooks; and __fish_seen_subcommand_from validate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand runbooks; and __fish_seen_subcommand_from validate" -s V -l version -d 'Print version'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand runbooks; and __fish_seen_subcommand_from export" -l format -d 'The format to write' -r -f -a "prometheus-rules\t'Prometheus alerting rules, one per runbook'"
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand runbooks; and __fish_seen_subcommand_from export" -l runbook-url -d 'The URL of a runbook\'s page, `{id}` standing for the runbook id, e.g. \'https://wiki.example.com/runbooks/{id}\': the alerts\' runbook_url annotation' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand runbooks; and __fish_seen_subcommand_from export" -l report-url -d 'The URL of a target\'s live diagnosis page, `{target}` standing for the fleet name, e.g. \'http://dbrunbook-exporter:9187/report?target={target}\' (serve\'s /report): the alerts\' report_url annotation and a line of their description' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand runbooks; and __fish_seen_subcommand_from export" -l for -d 'How long a check must stay in a runbook\'s status before its alert fires' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand runbooks; and __fish_seen_subcommand_from export" -l hold -d 'How long an alert keeps firing on its target\'s last status once the target is no longer scraped (exporter down, probe timed out, textfile gone); DbrunbookProbeFailed fires meanwhile' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand runbooks; and __fish_seen_subcommand_from export" -l job -d 'The Prometheus scrape job of serve\'s /probe, as in the README\'s scrape config' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand runbooks; and __fish_seen_subcommand_from export" -l url -d 'Connection URL: postgres://user:<password>@host:5432/db, mysql://user:<password>@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand runbooks; and __fish_seen_subcommand_from export" -l runbooks -d 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2' -r -F
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand runbooks; and __fish_seen_subcommand_from export" -l connect-timeout -d 'Give up connecting after this long (e.g. 500ms, 5s). Default: the URL\'s connect_timeout if it has one, else 5s' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand runbooks; and __fish_seen_subcommand_from export" -l timeout -d 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN. Untyped, a check waiting an --interval (slow) gets the interval on top of the 30s' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand runbooks; and __fish_seen_subcommand_from export" -l color -d 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand runbooks; and __fish_seen_subcommand_from export" -l config -d 'The fleet file naming the targets of --all, --tag and serve. Default: ./dbrunbook.yaml, else $XDG_CONFIG_HOME/dbrunbook/dbrunbook.yaml (~/.config when unset)' -r -F
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand runbooks; and __fish_seen_subcommand_from export" -l output -d 'Write the report to FILE instead of stdout: in one step (a temporary file beside it, then a rename), and only a complete report, so a run that fails or is killed leaves the old file. With --format prometheus the file also says whether the run succeeded and when (dbrunbook_last_run_success, dbrunbook_last_run_timestamp_seconds): a failed run keeps the old numbers with dbrunbook_last_run_success 0' -r -F
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand runbooks; and __fish_seen_subcommand_from export" -s v -l verbose -d 'Log what the tool does to stderr (-v); passwords are never logged'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand runbooks; and __fish_seen_subcommand_from export" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand runbooks; and __fish_seen_subcommand_from export" -s V -l version -d 'Print version'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand runbooks; and __fish_seen_subcommand_from help" -f -a "list" -d 'List the runbooks in effect (built-in plus --runbooks directories)'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand runbooks; and __fish_seen_subcommand_from help" -f -a "show" -d 'Print one runbook in full'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand runbooks; and __fish_seen_subcommand_from help" -f -a "validate" -d 'Check runbook files (directories or single files): YAML syntax, fields, thresholds and placeholders. Reports every problem as file:line:column and exits 1 if there are any'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand runbooks; and __fish_seen_subcommand_from help" -f -a "export" -d 'Write the runbooks in another tool\'s format to stdout. `--format prometheus-rules`: a Prometheus rules file with one alerting rule per runbook, on the metrics of `--format prometheus`, whose annotations link the alert to its runbook'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand runbooks; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand completions" -l url -d 'Connection URL: postgres://user:<password>@host:5432/db, mysql://user:<password>@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand completions" -l format -d 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line, the Prometheus text' -r -f -a "table\t''
json\t''
nagios\t''
prometheus\t'The Prometheus text exposition format (node_exporter\'s textfile collector)'"
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand completions" -l runbooks -d 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2' -r -F
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand completions" -l connect-timeout -d 'Give up connecting after this long (e.g. 500ms, 5s). Default: the URL\'s connect_timeout if it has one, else 5s' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand completions" -l timeout -d 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN. Untyped, a check waiting an --interval (slow) gets the interval on top of the 30s' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand completions" -l color -d 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand completions" -l config -d 'The fleet file naming the targets of --all, --tag and serve. Default: ./dbrunbook.yaml, else $XDG_CONFIG_HOME/dbrunbook/dbrunbook.yaml (~/.config when unset)' -r -F
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand completions" -l output -d 'Write the report to FILE instead of stdout: in one step (a temporary file beside it, then a rename), and only a complete report, so a run that fails or is killed leaves the old file. With --format prometheus the file also says whether the run succeeded and when (dbrunbook_last_run_success, dbrunbook_last_run_timestamp_seconds): a failed run keeps the old numbers with dbrunbook_last_run_success 0' -r -F
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand completions" -s v -l verbose -d 'Log what the tool does to stderr (-v); passwords are never logged'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand completions" -s V -l version -d 'Print version'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand connect" -l restarted-within -d 'WARNING when the server started less than this long ago (a crash, a restart or a failover) (default 10m).' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand connect" -l connection-errors -d 'MySQL/MariaDB: WARNING at this many failed connection attempts (Aborted_connects, less MariaDB\'s hang-ups before authentication, and Connection_errors_*) per hour of uptime, averaged over at least one hour (default 600).' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand connect" -l expect -d 'primary or replica: CRITICAL when a primary was expected and this is a replica, WARNING when a primary is read-only or a replica was expected' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand connect" -l limit -d 'Rows of detail per list; the counts stay exact.' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand connect" -l watch -d 'Rerun every DURATION (at least 1s) until Ctrl-C, like `watch`.' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand connect" -l url -d 'Connection URL: postgres://user:<password>@host:5432/db, mysql://user:<password>@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand connect" -l format -d 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line, the Prometheus text' -r -f -a "table\t''
json\t''
nagios\t''
prometheus\t'The Prometheus text exposition format (node_exporter\'s textfile collector)'"
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand connect" -l runbooks -d 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2' -r -F
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand connect" -l connect-timeout -d 'Give up connecting after this long (e.g. 500ms, 5s). Default: the URL\'s connect_timeout if it has one, else 5s' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand connect" -l timeout -d 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN. Untyped, a check waiting an --interval (slow) gets the interval on top of the 30s' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand connect" -l color -d 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand connect" -l config -d 'The fleet file naming the targets of --all, --tag and serve. Default: ./dbrunbook.yaml, else $XDG_CONFIG_HOME/dbrunbook/dbrunbook.yaml (~/.config when unset)' -r -F
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand connect" -l output -d 'Write the report to FILE instead of stdout: in one step (a temporary file beside it, then a rename), and only a complete report, so a run that fails or is killed leaves the old file. With --format prometheus the file also says whether the run succeeded and when (dbrunbook_last_run_success, dbrunbook_last_run_timestamp_seconds): a failed run keeps the old numbers with dbrunbook_last_run_success 0' -r -F
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand connect" -l brief -d 'One screen: the status block, the root or top holder and the first commands.'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand connect" -l full -d 'The whole report (every table, note and runbook step), even on a small terminal.'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand connect" -s v -l verbose -d 'Log what the tool does to stderr (-v); passwords are never logged'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand connect" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand connect" -s V -l version -d 'Print version'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand pool" -l warning -d 'WARNING at this share of usable connections (default 80%).' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand pool" -l critical -d 'CRITICAL at this share of usable connections (default 95%).' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand pool" -l wait-warning -d 'PgBouncer: WARNING when a client has waited this long for a server connection (default 1s).' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand pool" -l wait-critical -d 'PgBouncer: CRITICAL when a client has waited this long (default 10s).' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand pool" -l leaked-after -d 'A session idle in its transaction for longer than this is leaked: the age the bulk steps end (a healthy transaction is idle for milliseconds between statements) (default 1m).' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand pool" -l limit -d 'Rows of detail per list; the counts stay exact.' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand pool" -l watch -d 'Rerun every DURATION (at least 1s) until Ctrl-C, like `watch`.' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand pool" -l url -d 'Connection URL: postgres://user:<password>@host:5432/db, mysql://user:<password>@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand pool" -l format -d 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line, the Prometheus text' -r -f -a "table\t''
json\t''
nagios\t''
prometheus\t'The Prometheus text exposition format (node_exporter\'s textfile collector)'"
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand pool" -l runbooks -d 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2' -r -F
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand pool" -l connect-timeout -d 'Give up connecting after this long (e.g. 500ms, 5s). Default: the URL\'s connect_timeout if it has one, else 5s' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand pool" -l timeout -d 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN. Untyped, a check waiting an --interval (slow) gets the interval on top of the 30s' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand pool" -l color -d 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand pool" -l config -d 'The fleet file naming the targets of --all, --tag and serve. Default: ./dbrunbook.yaml, else $XDG_CONFIG_HOME/dbrunbook/dbrunbook.yaml (~/.config when unset)' -r -F
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand pool" -l output -d 'Write the report to FILE instead of stdout: in one step (a temporary file beside it, then a rename), and only a complete report, so a run that fails or is killed leaves the old file. With --format prometheus the file also says whether the run succeeded and when (dbrunbook_last_run_success, dbrunbook_last_run_timestamp_seconds): a failed run keeps the old numbers with dbrunbook_last_run_success 0' -r -F
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand pool" -l brief -d 'One screen: the status block, the root or top holder and the first commands.'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand pool" -l full -d 'The whole report (every table, note and runbook step), even on a small terminal.'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand pool" -s v -l verbose -d 'Log what the tool does to stderr (-v); passwords are never logged'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand pool" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand pool" -s V -l version -d 'Print version'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand queries" -l warning -d 'WARNING when a statement has run, or a transaction been open, this long (default 1m).' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand queries" -l critical -d 'CRITICAL when a statement has run, or a transaction been open, this long (default 5m).' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand queries" -l idle-warning -d 'WARNING when a session has sat idle inside a transaction this long (default 1m).' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand queries" -l idle-critical -d 'CRITICAL when a session has sat idle inside a transaction this long (default 10m).' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand queries" -l limit -d 'Rows of detail per list; the counts stay exact.' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand queries" -l watch -d 'Rerun every DURATION (at least 1s) until Ctrl-C, like `watch`.' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand queries" -l url -d 'Connection URL: postgres://user:<password>@host:5432/db, mysql://user:<password>@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand queries" -l format -d 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line, the Prometheus text' -r -f -a "table\t''
json\t''
nagios\t''
prometheus\t'The Prometheus text exposition format (node_exporter\'s textfile collector)'"
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand queries" -l runbooks -d 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2' -r -F
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand queries" -l connect-timeout -d 'Give up connecting after this long (e.g. 500ms, 5s). Default: the URL\'s connect_timeout if it has one, else 5s' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand queries" -l timeout -d 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN. Untyped, a check waiting an --interval (slow) gets the interval on top of the 30s' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand queries" -l color -d 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand queries" -l config -d 'The fleet file naming the targets of --all, --tag and serve. Default: ./dbrunbook.yaml, else $XDG_CONFIG_HOME/dbrunbook/dbrunbook.yaml (~/.config when unset)' -r -F
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand queries" -l output -d 'Write the report to FILE instead of stdout: in one step (a temporary file beside it, then a rename), and only a complete report, so a run that fails or is killed leaves the old file. With --format prometheus the file also says whether the run succeeded and when (dbrunbook_last_run_success, dbrunbook_last_run_timestamp_seconds): a failed run keeps the old numbers with dbrunbook_last_run_success 0' -r -F
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand queries" -l brief -d 'One screen: the status block, the root or top holder and the first commands.'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand queries" -l full -d 'The whole report (every table, note and runbook step), even on a small terminal.'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand queries" -s v -l verbose -d 'Log what the tool does to stderr (-v); passwords are never logged'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand queries" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand queries" -s V -l version -d 'Print version'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand locks" -l warning -d 'WARNING when a session has waited this long for a lock (default 10s).' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand locks" -l critical -d 'CRITICAL when a session has waited this long for a lock (default 60s).' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand locks" -l blocked-critical -d 'CRITICAL when this many sessions are blocked, however short the waits (default 5).' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand locks" -l deadlocks-warning -d 'WARNING when deadlocks repeat this many times a minute or more (two or more in the window measured) (default 1).' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand locks" -l deadlocks-critical -d 'CRITICAL when deadlocks repeat this many times a minute or more (default 30).' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand locks" -l interval -d 'Read the deadlock counter twice this far apart, for a rate over that window (below --timeout)' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand locks" -l limit -d 'Rows of detail per list; the counts stay exact.' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand locks" -l watch -d 'Rerun every DURATION (at least 1s) until Ctrl-C, like `watch`.' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand locks" -l url -d 'Connection URL: postgres://user:<password>@host:5432/db, mysql://user:<password>@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand locks" -l format -d 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line, the Prometheus text' -r -f -a "table\t''
json\t''
nagios\t''
prometheus\t'The Prometheus text exposition format (node_exporter\'s textfile collector)'"
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand locks" -l runbooks -d 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2' -r -F
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand locks" -l connect-timeout -d 'Give up connecting after this long (e.g. 500ms, 5s). Default: the URL\'s connect_timeout if it has one, else 5s' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand locks" -l timeout -d 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN. Untyped, a check waiting an --interval (slow) gets the interval on top of the 30s' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand locks" -l color -d 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand locks" -l config -d 'The fleet file naming the targets of --all, --tag and serve. Default: ./dbrunbook.yaml, else $XDG_CONFIG_HOME/dbrunbook/dbrunbook.yaml (~/.config when unset)' -r -F
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand locks" -l output -d 'Write the report to FILE instead of stdout: in one step (a temporary file beside it, then a rename), and only a complete report, so a run that fails or is killed leaves the old file. With --format prometheus the file also says whether the run succeeded and when (dbrunbook_last_run_success, dbrunbook_last_run_timestamp_seconds): a failed run keeps the old numbers with dbrunbook_last_run_success 0' -r -F
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand locks" -l brief -d 'One screen: the status block, the root or top holder and the first commands.'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand locks" -l full -d 'The whole report (every table, note and runbook step), even on a small terminal.'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand locks" -s v -l verbose -d 'Log what the tool does to stderr (-v); passwords are never logged'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand locks" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand locks" -s V -l version -d 'Print version'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand migrations" -l lock-warning -d 'WARNING when a migration lock (Liquibase) has been held this long; a Knex lock, which records no time, is WARNING whenever held (default 5m).' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand migrations" -l lock-critical -d 'CRITICAL when a migration lock has been held this long (default 30m).' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand migrations" -l behind-critical -d 'with --dir: CRITICAL when this many migrations are pending (one is WARNING) (default 5).' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand migrations" -l framework -d 'Read only this tool\'s table: alembic, flyway, liquibase, golang-migrate, rails, dbmate, ecto, django, sqlx, diesel, prisma, goose, knex, typeorm, atlas, db-migrate, node-pg-migrate, sequelize, yoyo' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand migrations" -l table -d 'The history table\'s name (or schema.table) when it was renamed; with --framework' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand migrations" -l expect -d 'The revision the deploy expects: CRITICAL when the database is elsewhere. Liquibase: the changeset id (`2`), `id::author` or `file::id::author` of the last changeset' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand migrations" -l dir -d 'The deploy\'s migrations directory, parsed, never run: pending and unknown revisions, and files changed after they ran (Flyway, sqlx, Prisma, Liquibase checksums); on MySQL/MariaDB, the objects a pending migration creates that exist already (half-applied). Liquibase: formatted-SQL changelogs compared with their 9: checksums; XML, YAML and JSON changelogs listed by id and author, their checksums not compared' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand migrations" -l limit -d 'Rows of detail per list; the counts stay exact.' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand migrations" -l watch -d 'Rerun every DURATION (at least 1s) until Ctrl-C, like `watch`.' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand migrations" -l url -d 'Connection URL: postgres://user:<password>@host:5432/db, mysql://user:<password>@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand migrations" -l format -d 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line, the Prometheus text' -r -f -a "table\t''
json\t''
nagios\t''
prometheus\t'The Prometheus text exposition format (node_exporter\'s textfile collector)'"
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand migrations" -l runbooks -d 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2' -r -F
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand migrations" -l connect-timeout -d 'Give up connecting after this long (e.g. 500ms, 5s). Default: the URL\'s connect_timeout if it has one, else 5s' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand migrations" -l timeout -d 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN. Untyped, a check waiting an --interval (slow) gets the interval on top of the 30s' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand migrations" -l color -d 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand migrations" -l config -d 'The fleet file naming the targets of --all, --tag and serve. Default: ./dbrunbook.yaml, else $XDG_CONFIG_HOME/dbrunbook/dbrunbook.yaml (~/.config when unset)' -r -F
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand migrations" -l output -d 'Write the report to FILE instead of stdout: in one step (a temporary file beside it, then a rename), and only a complete report, so a run that fails or is killed leaves the old file. With --format prometheus the file also says whether the run succeeded and when (dbrunbook_last_run_success, dbrunbook_last_run_timestamp_seconds): a failed run keeps the old numbers with dbrunbook_last_run_success 0' -r -F
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand migrations" -l brief -d 'One screen: the status block, the root or top holder and the first commands.'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand migrations" -l full -d 'The whole report (every table, note and runbook step), even on a small terminal.'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand migrations" -s v -l verbose -d 'Log what the tool does to stderr (-v); passwords are never logged'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand migrations" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand migrations" -s V -l version -d 'Print version'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand backups" -l max-age-warning -d 'WARNING when the newest backup (per database in --dir, of any type in pgBackRest) is this old (default 26h).' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand backups" -l max-age-critical -d 'CRITICAL when the newest backup is this old (default 50h).' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand backups" -l size-drop-warning -d 'WARNING when the newest dump is smaller than this share of the median of the previous 5 (default 50%).' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand backups" -l wal-max-age -d 'PostgreSQL: WARNING when a finished WAL segment has waited this long to be archived (default 1h).' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand backups" -l full-max-age -d 'pgBackRest: WARNING when the newest full backup is this old (default 8d).' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand backups" -l dir -d 'A directory of dumps, read by content (repeatable); a glob in the last part picks files: --dir \'/backups/*.dump\'' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand backups" -l pitr -d 'required: no point-in-time recovery (archiving off, log_bin off) is a WARNING; optional (default): it is only said' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand backups" -l pgbackrest-stanza -d 'A pgBackRest stanza, read with `pgbackrest info --output=json` (never `check`); PGBACKREST_CONFIG picks the configuration' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand backups" -l limit -d 'Rows of detail per list; the counts stay exact.' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand backups" -l watch -d 'Rerun every DURATION (at least 1s) until Ctrl-C, like `watch`.' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand backups" -l url -d 'Connection URL: postgres://user:<password>@host:5432/db, mysql://user:<password>@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand backups" -l format -d 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line, the Prometheus text' -r -f -a "table\t''
json\t''
nagios\t''
prometheus\t'The Prometheus text exposition format (node_exporter\'s textfile collector)'"
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand backups" -l runbooks -d 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2' -r -F
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand backups" -l connect-timeout -d 'Give up connecting after this long (e.g. 500ms, 5s). Default: the URL\'s connect_timeout if it has one, else 5s' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand backups" -l timeout -d 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN. Untyped, a check waiting an --interval (slow) gets the interval on top of the 30s' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand backups" -l color -d 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand backups" -l config -d 'The fleet file naming the targets of --all, --tag and serve. Default: ./dbrunbook.yaml, else $XDG_CONFIG_HOME/dbrunbook/dbrunbook.yaml (~/.config when unset)' -r -F
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand backups" -l output -d 'Write the report to FILE instead of stdout: in one step (a temporary file beside it, then a rename), and only a complete report, so a run that fails or is killed leaves the old file. With --format prometheus the file also says whether the run succeeded and when (dbrunbook_last_run_success, dbrunbook_last_run_timestamp_seconds): a failed run keeps the old numbers with dbrunbook_last_run_success 0' -r -F
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand backups" -l brief -d 'One screen: the status block, the root or top holder and the first commands.'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand backups" -l full -d 'The whole report (every table, note and runbook step), even on a small terminal.'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand backups" -s v -l verbose -d 'Log what the tool does to stderr (-v); passwords are never logged'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand backups" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand backups" -s V -l version -d 'Print version'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand slow" -l warning -d 'WARNING when a statement\'s mean time (in the --interval window, else since the last reset) reaches this (default 500ms).' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand slow" -l critical -d 'CRITICAL when a statement\'s mean time reaches this (default 5s).' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand slow" -l core-warning -d 'WARNING when one statement (called more than once) takes this share of one core\'s time over the window (--interval, else since the statistics were reset), whatever its mean (default 50%).' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand slow" -l core-critical -d 'CRITICAL when one statement takes this share of one core\'s time over the window (default 100%).' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand slow" -l by -d 'Order the statements by total time (default), mean time or calls' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand slow" -l interval -d 'Take two snapshots this far apart and report what ran between them (below --timeout)' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand slow" -l limit -d 'Rows of detail per list; the counts stay exact.' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand slow" -l watch -d 'Rerun every DURATION (at least 1s) until Ctrl-C, like `watch`.' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand slow" -l url -d 'Connection URL: postgres://user:<password>@host:5432/db, mysql://user:<password>@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand slow" -l format -d 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line, the Prometheus text' -r -f -a "table\t''
json\t''
nagios\t''
prometheus\t'The Prometheus text exposition format (node_exporter\'s textfile collector)'"
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand slow" -l runbooks -d 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2' -r -F
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand slow" -l connect-timeout -d 'Give up connecting after this long (e.g. 500ms, 5s). Default: the URL\'s connect_timeout if it has one, else 5s' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand slow" -l timeout -d 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN. Untyped, a check waiting an --interval (slow) gets the interval on top of the 30s' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand slow" -l color -d 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand slow" -l config -d 'The fleet file naming the targets of --all, --tag and serve. Default: ./dbrunbook.yaml, else $XDG_CONFIG_HOME/dbrunbook/dbrunbook.yaml (~/.config when unset)' -r -F
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand slow" -l output -d 'Write the report to FILE instead of stdout: in one step (a temporary file beside it, then a rename), and only a complete report, so a run that fails or is killed leaves the old file. With --format prometheus the file also says whether the run succeeded and when (dbrunbook_last_run_success, dbrunbook_last_run_timestamp_seconds): a failed run keeps the old numbers with dbrunbook_last_run_success 0' -r -F
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand slow" -l brief -d 'One screen: the status block, the root or top holder and the first commands.'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand slow" -l full -d 'The whole report (every table, note and runbook step), even on a small terminal.'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand slow" -s v -l verbose -d 'Log what the tool does to stderr (-v); passwords are never logged'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand slow" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand slow" -s V -l version -d 'Print version'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand size" -l xid-warning -d 'WARNING when a database\'s transaction ID (or multixact) age reaches this share of the 2^31 wraparound limit (default 50%).' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand size" -l xid-critical -d 'CRITICAL when a database\'s transaction ID (or multixact) age reaches this share of the 2^31 wraparound limit (default 75%).' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand size" -l bloat-warning -d 'WARNING when this share of a table or index over --bloat-min-size is estimated to be bloat (MySQL: DATA_FREE) (default 50%).' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand size" -l bloat-critical -d 'CRITICAL when this share of a table or index over --bloat-min-size is estimated to be bloat (MySQL: DATA_FREE) (default 80%).' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand size" -l interval -d 'Take two snapshots this far apart and report growth in bytes per second' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand size" -l databases -d 'Size the connected database only (current, the default) or every database on the server (all: reads every file of every database, which is slow on a big server and repeated for each target of a fleet on that server). Transaction ID ages are read for every database either way; on MySQL a URL without a database sizes every schema' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand size" -l bloat-min-size -d 'Judge bloat only on tables and indexes at least this big (default 100MB; 500kB, 10MB, 2GB)' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand size" -l limit -d 'Rows of detail per list; the counts stay exact.' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand size" -l watch -d 'Rerun every DURATION (at least 1s) until Ctrl-C, like `watch`.' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand size" -l url -d 'Connection URL: postgres://user:<password>@host:5432/db, mysql://user:<password>@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand size" -l format -d 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line, the Prometheus text' -r -f -a "table\t''
json\t''
nagios\t''
prometheus\t'The Prometheus text exposition format (node_exporter\'s textfile collector)'"
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand size" -l runbooks -d 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2' -r -F
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand size" -l connect-timeout -d 'Give up connecting after this long (e.g. 500ms, 5s). Default: the URL\'s connect_timeout if it has one, else 5s' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand size" -l timeout -d 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN. Untyped, a check waiting an --interval (slow) gets the interval on top of the 30s' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand size" -l color -d 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand size" -l config -d 'The fleet file naming the targets of --all, --tag and serve. Default: ./dbrunbook.yaml, else $XDG_CONFIG_HOME/dbrunbook/dbrunbook.yaml (~/.config when unset)' -r -F
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand size" -l output -d 'Write the report to FILE instead of stdout: in one step (a temporary file beside it, then a rename), and only a complete report, so a run that fails or is killed leaves the old file. With --format prometheus the file also says whether the run succeeded and when (dbrunbook_last_run_success, dbrunbook_last_run_timestamp_seconds): a failed run keeps the old numbers with dbrunbook_last_run_success 0' -r -F
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand size" -l brief -d 'One screen: the status block, the root or top holder and the first commands.'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand size" -l full -d 'The whole report (every table, note and runbook step), even on a small terminal.'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand size" -s v -l verbose -d 'Log what the tool does to stderr (-v); passwords are never logged'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand size" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand size" -s V -l version -d 'Print version'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand replication" -l lag-warning -d 'WARNING when a replica\'s replay is this far behind its primary (a replica of an idle primary is not behind) (default 1m).' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand replication" -l lag-critical -d 'CRITICAL when a replica\'s replay is this far behind its primary (default 5m).' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand replication" -l lag-bytes-warning -d 'WARNING when a replica has received (or its primary has sent) this much not yet replayed (default 256MB).' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand replication" -l lag-bytes-critical -d 'CRITICAL when a replica has this much WAL or binary log not yet replayed (default 1GB).' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand replication" -l slot-retained-warning -d 'WARNING when a replication slot keeps this much WAL on the primary\'s disk (default 1GB).' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand replication" -l slot-retained-critical -d 'CRITICAL when a replication slot keeps this much WAL on the primary\'s disk (default 10GB).' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand replication" -l slot-inactive -d 'WARNING when a replication slot has had no consumer this long (PostgreSQL 18 says since when; before 18 an inactive slot is judged by the WAL it keeps) (default 1h).' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand replication" -l interval -d 'Take two snapshots this far apart and report each slot\'s WAL growth per second and the time until max_slot_wal_keep_size cuts it off' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand replication" -l limit -d 'Rows of detail per list; the counts stay exact.' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand replication" -l watch -d 'Rerun every DURATION (at least 1s) until Ctrl-C, like `watch`.' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand replication" -l url -d 'Connection URL: postgres://user:<password>@host:5432/db, mysql://user:<password>@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand replication" -l format -d 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line, the Prometheus text' -r -f -a "table\t''
json\t''
nagios\t''
prometheus\t'The Prometheus text exposition format (node_exporter\'s textfile collector)'"
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand replication" -l runbooks -d 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2' -r -F
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand replication" -l connect-timeout -d 'Give up connecting after this long (e.g. 500ms, 5s). Default: the URL\'s connect_timeout if it has one, else 5s' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand replication" -l timeout -d 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN. Untyped, a check waiting an --interval (slow) gets the interval on top of the 30s' -r
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand replication" -l color -d 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand replication" -l config -d 'The fleet file naming the targets of --all, --tag and serve. Default: ./dbrunbook.yaml, else $XDG_CONFIG_HOME/dbrunbook/dbrunbook.yaml (~/.config when unset)' -r -F
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand replication" -l output -d 'Write the report to FILE instead of stdout: in one step (a temporary file beside it, then a rename), and only a complete report, so a run that fails or is killed leaves the old file. With --format prometheus the file also says whether the run succeeded and when (dbrunbook_last_run_success, dbrunbook_last_run_timestamp_seconds): a failed run keeps the old numbers with dbrunbook_last_run_success 0' -r -F
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand replication" -l brief -d 'One screen: the status block, the root or top holder and the first commands.'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand replication" -l full -d 'The whole report (every table, note and runbook step), even on a small terminal.'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand replication" -s v -l verbose -d 'Log what the tool does to stderr (-v); passwords are never logged'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand replication" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand replication" -s V -l version -d 'Print version'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand help; and not __fish_seen_subcommand_from diagnose restore-check end serve runbooks completions connect pool queries locks migrations backups slow size replication help" -f -a "diagnose" -d 'Every check over one connection, with the runbooks\' default thresholds: the one to type first in an incident, and to run from cron or monitoring (`check` is the same command). The status is the worst check\'s'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand help; and not __fish_seen_subcommand_from diagnose restore-check end serve runbooks completions connect pool queries locks migrations backups slow size replication help" -f -a "restore-check" -d 'Restore a backup file into a scratch database it creates, count its tables and rows, compare them with the source (--url), report the restore time, and drop the scratch copy'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand help; and not __fish_seen_subcommand_from diagnose restore-check end serve runbooks completions connect pool queries locks migrations backups slow size replication help" -f -a "end" -d 'End sessions the safe way: by the session references a report prints (pg:PID@..., my:THREAD@...), or in bulk for a leaked pool (--application/--user with --state and --older-than)'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand help; and not __fish_seen_subcommand_from diagnose restore-check end serve runbooks completions connect pool queries locks migrations backups slow size replication help" -f -a "serve" -d 'A Prometheus exporter for the fleet file\'s targets, in the multi-target pattern of postgres_exporter: GET /probe?target=NAME diagnoses the named target (names from the fleet file only, never URLs) and answers in the Prometheus text format; /metrics is the exporter\'s own health. Stops cleanly on SIGTERM or Ctrl-C'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand help; and not __fish_seen_subcommand_from diagnose restore-check end serve runbooks completions connect pool queries locks migrations backups slow size replication help" -f -a "runbooks" -d 'List, show and validate runbooks'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand help; and not __fish_seen_subcommand_from diagnose restore-check end serve runbooks completions connect pool queries locks migrations backups slow size replication help" -f -a "completions" -d 'Print a shell completion script to stdout'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand help; and not __fish_seen_subcommand_from diagnose restore-check end serve runbooks completions connect pool queries locks migrations backups slow size replication help" -f -a "connect" -d 'The connection itself: name resolution, TCP, TLS, startup and authentication, each timed, and which one failed; server uptime (a recent restart), primary or replica, and the settings that drop idle connections'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand help; and not __fish_seen_subcommand_from diagnose restore-check end serve runbooks completions connect pool queries locks migrations backups slow size replication help" -f -a "pool" -d 'Connection-pool status: connections used against the server\'s limit, by state and by holder; PgBouncer pools and waiting clients; a server too full to let us in'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand help; and not __fish_seen_subcommand_from diagnose restore-check end serve runbooks completions connect pool queries locks migrations backups slow size replication help" -f -a "queries" -d 'Long-running statements, long transactions and sessions idle in a transaction: who runs them (pid, user, database, application, client), for how long, and what they wait on'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand help; and not __fish_seen_subcommand_from diagnose restore-check end serve runbooks completions connect pool queries locks migrations backups slow size replication help" -f -a "locks" -d 'Lock contention: who waits for whom, as trees from the root blockers down; metadata locks on MySQL; deadlocks; the lock settings that decide how waits end'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand help; and not __fish_seen_subcommand_from diagnose restore-check end serve runbooks completions connect pool queries locks migrations backups slow size replication help" -f -a "migrations" -d 'Migration revision: which tool\'s history tables the database has (Alembic, Flyway, Liquibase, golang-migrate, Rails, dbmate, Ecto, Django, sqlx, Diesel, Prisma, goose, Knex, TypeORM, Atlas, db-migrate, node-pg-migrate, sequelize-cli, yoyo), the revision the schema is at, half-applied migrations, stuck migration locks, and with --expect or --dir whether that is where the deploy expects it and whether applied files changed since'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand help; and not __fish_seen_subcommand_from diagnose restore-check end serve runbooks completions connect pool queries locks migrations backups slow size replication help" -f -a "backups" -d 'Backups: the newest dump per database in --dir (age, size drop, completeness read from the content: pg_dump plain/custom/directory/tar, pg_dumpall, mysqldump; gzip, zstd, xz, bzip2 streamed), a pgBackRest stanza\'s backups and archive, and the server\'s WAL archiving or binary logs: whether point-in-time recovery is possible'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand help; and not __fish_seen_subcommand_from diagnose restore-check end serve runbooks completions connect pool queries locks migrations backups slow size replication help" -f -a "slow" -d 'The statements that cost the most time, from pg_stat_statements or performance_schema: calls, total and mean time, rows, cache hits; with --interval, what is slow now'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand help; and not __fish_seen_subcommand_from diagnose restore-check end serve runbooks completions connect pool queries locks migrations backups slow size replication help" -f -a "size" -d 'How big it is and whether it is about to run out of room: database sizes, the largest tables with their indexes and TOAST, bloat estimates, transaction ID age against wraparound (PostgreSQL), and with --interval the growth in bytes per second'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand help; and not __fish_seen_subcommand_from diagnose restore-check end serve runbooks completions connect pool queries locks migrations backups slow size replication help" -f -a "replication" -d 'Replication from whichever side it is connected to: replica lag (in time, with an idle primary not counted as lag, and in bytes), broken replicas (no WAL receiver; MySQL/MariaDB IO and SQL threads with their errors), replication slots keeping WAL until the disk fills, synchronous standbys gone, semi-sync fallen back; with --interval each slot\'s growth and time left'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand help; and not __fish_seen_subcommand_from diagnose restore-check end serve runbooks completions connect pool queries locks migrations backups slow size replication help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand help; and __fish_seen_subcommand_from runbooks" -f -a "list" -d 'List the runbooks in effect (built-in plus --runbooks directories)'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand help; and __fish_seen_subcommand_from runbooks" -f -a "show" -d 'Print one runbook in full'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand help; and __fish_seen_subcommand_from runbooks" -f -a "validate" -d 'Check runbook files (directories or single files): YAML syntax, fields, thresholds and placeholders. Reports every problem as file:line:column and exits 1 if there are any'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand help; and __fish_seen_subcommand_from runbooks" -f -a "export" -d 'Write the runbooks in another tool\'s format to stdout. `--format prometheus-rules`: a Prometheus rules file with one alerting rule per runbook, on the metrics of `--format prometheus`, whose annotations link the alert to its runbook'
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand runbooks; and __fish_seen_subcommand_from show" -f -a "connection-failed server-restarted pool-exhaustion pgbouncer-saturation long-running-queries idle-in-transaction lock-contention deadlock-storm migration-lock-queue migration-dirty migration-lock-stuck migration-behind migration-unknown-revision migration-changed migration-changed-liquibase migration-half-applied migration-conflict migration-unread-history backup-stale backup-incomplete backup-size-drop wal-archiving-failing no-point-in-time-recovery slow-statements wraparound-risk table-bloat replica-lag replica-broken replication-slot-retaining-wal sync-standby-gone probe-failed"
complete -c dbrunbook -n "__fish_dbrunbook_using_subcommand completions" -f -a "bash elvish fish powershell zsh"
