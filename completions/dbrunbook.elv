
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
            cand --url 'Connection URL: postgres://user:pass@host:5432/db, mysql://user:pass@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console'
            cand --format 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line'
            cand --runbooks 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2'
            cand --connect-timeout 'Give up connecting after this long (e.g. 500ms, 5s)'
            cand --timeout 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN'
            cand --color 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never'
            cand -v 'Log what the tool does to stderr (-v); passwords are never logged'
            cand --verbose 'Log what the tool does to stderr (-v); passwords are never logged'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand diagnose 'Every check over one connection, with the runbooks'' default thresholds: the one to type first in an incident, and to run from cron or monitoring (`check` is the same command). The status is the worst check''s'
            cand check 'Every check over one connection, with the runbooks'' default thresholds: the one to type first in an incident, and to run from cron or monitoring (`check` is the same command). The status is the worst check''s'
            cand runbooks 'List, show and validate runbooks'
            cand completions 'Print a shell completion script to stdout'
            cand pool 'Connection-pool status: connections used against the server''s limit, by state and by holder; PgBouncer pools and waiting clients; a server too full to let us in'
            cand queries 'Long-running statements, long transactions and sessions idle in a transaction: who runs them (pid, user, database, application, client), for how long, and what they wait on'
            cand locks 'Lock contention: who waits for whom, as trees from the root blockers down; metadata locks on MySQL; deadlocks; the lock settings that decide how waits end'
            cand migrations 'Migration revision: which tool''s history tables the database has (Alembic, Flyway, Liquibase, golang-migrate, Rails, dbmate, Ecto, Django, sqlx, Diesel, Prisma, goose, Knex), the revision the schema is at, half-applied migrations, stuck migration locks, and with --expect or --dir whether that is where the deploy expects it'
            cand size 'How big it is and whether it is about to run out of room: database sizes, the largest tables with their indexes and TOAST, bloat estimates, transaction ID age against wraparound (PostgreSQL), and with --interval the growth in bytes per second'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'dbrunbook;diagnose'= {
            cand --limit 'Rows of detail per list; the counts stay exact'
            cand --only 'Run only this check (repeatable); all of them by default'
            cand --url 'Connection URL: postgres://user:pass@host:5432/db, mysql://user:pass@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console'
            cand --format 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line'
            cand --runbooks 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2'
            cand --connect-timeout 'Give up connecting after this long (e.g. 500ms, 5s)'
            cand --timeout 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN'
            cand --color 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never'
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
            cand --url 'Connection URL: postgres://user:pass@host:5432/db, mysql://user:pass@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console'
            cand --format 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line'
            cand --runbooks 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2'
            cand --connect-timeout 'Give up connecting after this long (e.g. 500ms, 5s)'
            cand --timeout 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN'
            cand --color 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never'
            cand -v 'Log what the tool does to stderr (-v); passwords are never logged'
            cand --verbose 'Log what the tool does to stderr (-v); passwords are never logged'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'dbrunbook;runbooks'= {
            cand --url 'Connection URL: postgres://user:pass@host:5432/db, mysql://user:pass@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console'
            cand --format 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line'
            cand --runbooks 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2'
            cand --connect-timeout 'Give up connecting after this long (e.g. 500ms, 5s)'
            cand --timeout 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN'
            cand --color 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never'
            cand -v 'Log what the tool does to stderr (-v); passwords are never logged'
            cand --verbose 'Log what the tool does to stderr (-v); passwords are never logged'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand list 'List the runbooks in effect (built-in plus --runbooks directories)'
            cand show 'Print one runbook in full'
            cand validate 'Check runbook files (directories or single files): YAML syntax, fields, thresholds and placeholders. Reports every problem as file:line:column and exits 1 if there are any'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'dbrunbook;runbooks;list'= {
            cand --url 'Connection URL: postgres://user:pass@host:5432/db, mysql://user:pass@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console'
            cand --format 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line'
            cand --runbooks 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2'
            cand --connect-timeout 'Give up connecting after this long (e.g. 500ms, 5s)'
            cand --timeout 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN'
            cand --color 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never'
            cand -v 'Log what the tool does to stderr (-v); passwords are never logged'
            cand --verbose 'Log what the tool does to stderr (-v); passwords are never logged'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'dbrunbook;runbooks;show'= {
            cand --url 'Connection URL: postgres://user:pass@host:5432/db, mysql://user:pass@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console'
            cand --format 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line'
            cand --runbooks 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2'
            cand --connect-timeout 'Give up connecting after this long (e.g. 500ms, 5s)'
            cand --timeout 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN'
            cand --color 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never'
            cand -v 'Log what the tool does to stderr (-v); passwords are never logged'
            cand --verbose 'Log what the tool does to stderr (-v); passwords are never logged'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'dbrunbook;runbooks;validate'= {
            cand --url 'Connection URL: postgres://user:pass@host:5432/db, mysql://user:pass@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console'
            cand --format 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line'
            cand --runbooks 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2'
            cand --connect-timeout 'Give up connecting after this long (e.g. 500ms, 5s)'
            cand --timeout 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN'
            cand --color 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never'
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
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'dbrunbook;runbooks;help;list'= {
        }
        &'dbrunbook;runbooks;help;show'= {
        }
        &'dbrunbook;runbooks;help;validate'= {
        }
        &'dbrunbook;runbooks;help;help'= {
        }
        &'dbrunbook;completions'= {
            cand --url 'Connection URL: postgres://user:pass@host:5432/db, mysql://user:pass@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console'
            cand --format 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line'
            cand --runbooks 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2'
            cand --connect-timeout 'Give up connecting after this long (e.g. 500ms, 5s)'
            cand --timeout 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN'
            cand --color 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never'
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
            cand --limit 'Rows of detail per list; the counts stay exact.'
            cand --url 'Connection URL: postgres://user:pass@host:5432/db, mysql://user:pass@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console'
            cand --format 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line'
            cand --runbooks 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2'
            cand --connect-timeout 'Give up connecting after this long (e.g. 500ms, 5s)'
            cand --timeout 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN'
            cand --color 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never'
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
            cand --url 'Connection URL: postgres://user:pass@host:5432/db, mysql://user:pass@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console'
            cand --format 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line'
            cand --runbooks 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2'
            cand --connect-timeout 'Give up connecting after this long (e.g. 500ms, 5s)'
            cand --timeout 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN'
            cand --color 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never'
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
            cand --limit 'Rows of detail per list; the counts stay exact.'
            cand --url 'Connection URL: postgres://user:pass@host:5432/db, mysql://user:pass@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console'
            cand --format 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line'
            cand --runbooks 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2'
            cand --connect-timeout 'Give up connecting after this long (e.g. 500ms, 5s)'
            cand --timeout 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN'
            cand --color 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never'
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
            cand --framework 'Read only this tool''s table: alembic, flyway, liquibase, golang-migrate, rails, dbmate, ecto, django, sqlx, diesel, prisma, goose, knex'
            cand --table 'The history table''s name (or schema.table) when it was renamed; with --framework'
            cand --expect 'The revision the deploy expects: CRITICAL when the database is elsewhere'
            cand --dir 'The deploy''s migrations directory (Alembic, Flyway, golang-migrate), parsed, never run: pending and unknown revisions'
            cand --limit 'Rows of detail per list; the counts stay exact.'
            cand --url 'Connection URL: postgres://user:pass@host:5432/db, mysql://user:pass@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console'
            cand --format 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line'
            cand --runbooks 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2'
            cand --connect-timeout 'Give up connecting after this long (e.g. 500ms, 5s)'
            cand --timeout 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN'
            cand --color 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never'
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
            cand --bloat-min-size 'Judge bloat only on tables and indexes at least this big (default 100MB; 500kB, 10MB, 2GB)'
            cand --limit 'Rows of detail per list; the counts stay exact.'
            cand --url 'Connection URL: postgres://user:pass@host:5432/db, mysql://user:pass@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a PgBouncer selects its admin console'
            cand --format 'Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line'
            cand --runbooks 'A directory of runbook YAML files that add to or override the built-in ones by id. Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2'
            cand --connect-timeout 'Give up connecting after this long (e.g. 500ms, 5s)'
            cand --timeout 'Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN'
            cand --color 'Colour the status words: auto (only on a terminal, and not when NO_COLOR is set), always, or never'
            cand -v 'Log what the tool does to stderr (-v); passwords are never logged'
            cand --verbose 'Log what the tool does to stderr (-v); passwords are never logged'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'dbrunbook;help'= {
            cand diagnose 'Every check over one connection, with the runbooks'' default thresholds: the one to type first in an incident, and to run from cron or monitoring (`check` is the same command). The status is the worst check''s'
            cand runbooks 'List, show and validate runbooks'
            cand completions 'Print a shell completion script to stdout'
            cand pool 'Connection-pool status: connections used against the server''s limit, by state and by holder; PgBouncer pools and waiting clients; a server too full to let us in'
            cand queries 'Long-running statements, long transactions and sessions idle in a transaction: who runs them (pid, user, database, application, client), for how long, and what they wait on'
            cand locks 'Lock contention: who waits for whom, as trees from the root blockers down; metadata locks on MySQL; deadlocks; the lock settings that decide how waits end'
            cand migrations 'Migration revision: which tool''s history tables the database has (Alembic, Flyway, Liquibase, golang-migrate, Rails, dbmate, Ecto, Django, sqlx, Diesel, Prisma, goose, Knex), the revision the schema is at, half-applied migrations, stuck migration locks, and with --expect or --dir whether that is where the deploy expects it'
            cand size 'How big it is and whether it is about to run out of room: database sizes, the largest tables with their indexes and TOAST, bloat estimates, transaction ID age against wraparound (PostgreSQL), and with --interval the growth in bytes per second'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'dbrunbook;help;diagnose'= {
        }
        &'dbrunbook;help;runbooks'= {
            cand list 'List the runbooks in effect (built-in plus --runbooks directories)'
            cand show 'Print one runbook in full'
            cand validate 'Check runbook files (directories or single files): YAML syntax, fields, thresholds and placeholders. Reports every problem as file:line:column and exits 1 if there are any'
        }
        &'dbrunbook;help;runbooks;list'= {
        }
        &'dbrunbook;help;runbooks;show'= {
        }
        &'dbrunbook;help;runbooks;validate'= {
        }
        &'dbrunbook;help;completions'= {
        }
        &'dbrunbook;help;pool'= {
        }
        &'dbrunbook;help;queries'= {
        }
        &'dbrunbook;help;locks'= {
        }
        &'dbrunbook;help;migrations'= {
        }
        &'dbrunbook;help;size'= {
        }
        &'dbrunbook;help;help'= {
        }
    ]
    $completions[$command]
}
