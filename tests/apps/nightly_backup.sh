#!/bin/sh
# The nightly backup job, as cron runs it at 01:00: one dump of a database a night, named by
# the night's date, into the backup directory; the connection comes from the job's environment
# (PGHOST, PGPORT, PGUSER for pg_dump; ~/.my.cnf for mariadb-dump).
#
# usage: nightly_backup.sh postgres|mariadb BACKUP_DIR DATABASE
# BACKUP_DAY: the night's date (YYYY-MM-DD) as `date +%F` gave it that night; today by default.
#
# The dump replaces this shell (exec): the process a test kills mid-write, as the OOM killer or
# a host reboot does, is the dump itself, leaving the file as far as it got.
set -eu
day=${BACKUP_DAY:-$(date +%F)}
case "$1" in
    postgres) exec pg_dump --format=custom --file="$2/$3_$day.dump" "$3" ;;
    mariadb) exec mariadb-dump --single-transaction --routines --events --result-file="$2/$3_$day.sql" "$3" ;;
    *) echo "usage: nightly_backup.sh postgres|mariadb BACKUP_DIR DATABASE" >&2; exit 2 ;;
esac
