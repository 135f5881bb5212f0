//! The migrations check: which migration tool's history tables the database has, the revision
//! each says the schema is at, whether a migration is half-applied or its lock stuck, and,
//! given `--expect` or `--dir`, whether that is where the deploy expects it. Here: the spec, the
//! queries of each round trip and the window of history read. Tools and their tables live in
//! `frameworks.rs`, recognising them in `detect.rs`, their SQL in `queries.rs`, the rows read in
//! `history.rs`, migration directories under `dirs/`, and the verdict in `verdict.rs` (with the
//! comparison against the code in `behind.rs`).

mod behind;
mod detect;
mod dirs;
mod frameworks;
mod half_applied;
mod history;
mod lock_holder;
mod queries;
mod unknown;
mod verdict;

use std::borrow::Cow;
use std::path::Path;

use anyhow::{Result, anyhow};

use super::{Check, CheckOption, CheckSpec, Context, Outcome, Results, Threshold, ThresholdKind};
use crate::engine::Query;
use crate::target::Engine;
use crate::text::shorten;
use detect::{Found, Listed, Wanted};
use history::{read_dir, read_table};

pub struct Migrations;

// The check's thresholds, one const each, named in the spec and at every lookup, so a
// misspelt threshold does not compile.
pub const LOCK_WARNING: Threshold = Threshold {
    key: "lock_warning",
    kind: ThresholdKind::Duration,
    default: "5m",
    help: "WARNING when a migration lock (Liquibase) has been held this long; a Knex lock, which records no time, is WARNING whenever held",
};

pub const LOCK_CRITICAL: Threshold = Threshold {
    key: "lock_critical",
    kind: ThresholdKind::Duration,
    default: "30m",
    help: "CRITICAL when a migration lock has been held this long",
};

pub const BEHIND_CRITICAL: Threshold = Threshold {
    key: "behind_critical",
    kind: ThresholdKind::Count,
    default: "5",
    help: "with --dir: CRITICAL when this many migrations are pending (one is WARNING)",
};

pub const SPEC: CheckSpec = CheckSpec {
    name: "migrations",
    about: "Migration revision: which tool's history tables the database has (Alembic, Flyway, \
            Liquibase, golang-migrate, Rails, dbmate, Ecto, Django, sqlx, Diesel, Prisma, goose, \
            Knex, TypeORM, Atlas, db-migrate, node-pg-migrate, sequelize-cli, yoyo), the revision the schema is at, half-applied migrations, stuck \
            migration locks, and with --expect or --dir whether that is where the deploy expects \
            it and whether applied files changed since.",
    engines: &[Engine::Postgres, Engine::Mysql],
    thresholds: &[LOCK_WARNING, LOCK_CRITICAL, BEHIND_CRITICAL],
    options: &[
        CheckOption {
            key: "framework",
            value_name: "NAME",
            help: "Read only this tool's table: alembic, flyway, liquibase, golang-migrate, rails, dbmate, ecto, django, sqlx, diesel, prisma, goose, knex, typeorm, atlas, db-migrate, node-pg-migrate, sequelize, yoyo",
            repeatable: false,
        },
        CheckOption {
            key: "table",
            value_name: "NAME",
            help: "The history table's name (or schema.table) when it was renamed; with --framework",
            repeatable: false,
        },
        CheckOption {
            key: "expect",
            value_name: "REVISION",
            help: "The revision the deploy expects: CRITICAL when the database is elsewhere. Liquibase: the changeset id (`2`), `id::author` or `file::id::author` of the last changeset",
            repeatable: false,
        },
        CheckOption {
            key: "dir",
            value_name: "PATH",
            help: "The deploy's migrations directory, parsed, never run: pending and unknown revisions, and files changed after they ran (Flyway, sqlx, Prisma, Liquibase checksums); on MySQL/MariaDB, the objects a pending migration creates that exist already (half-applied). Liquibase: formatted-SQL changelogs compared with their 9: checksums; XML, YAML and JSON changelogs listed by id and author, their checksums not compared",
            repeatable: false,
        },
    ],
    ordered: &[(LOCK_WARNING.key, LOCK_CRITICAL.key, "migration lock age")],
    default_limit: 5,
    steady: false,
    server_wide: false,
    placeholders: &[
        "framework",
        "schema",
        "table",
        "current",
        "expected",
        "revision",
        "detail",
        "lock_table",
        "locked_by",
        "lock_granted",
        "lock_age",
        "behind",
        "pending",
        "first_pending",
        "heads",
        "unknown",
        "dir",
        "changed",
        "first_changed",
        "failed_file",
        "leftovers",
        "conflicts",
        "leftover_check",
        "unread_schema",
        "unread_table",
    ],
    item_placeholders: &["object_kind", "object_table", "object_name", "object_undo"],
    conditions: &[
        "dirty",
        "lock_stuck",
        "behind",
        "out_of_order",
        "unknown_revision",
        "mismatch",
        "checksum_mismatch",
        "liquibase_changed",
        "unread_history",
        "half_applied",
        "objects_checked",
        "conflict",
        "no_table",
        "alembic",
        "flyway",
        "liquibase",
        "golang_migrate",
        "sqlx",
        "prisma",
        "knex",
        "django",
        "other_framework",
    ],
};

/// Newest history rows read without `--dir`: enough for Alembic's heads and Flyway's highest
/// version in any sane history; with `--dir`, the directory's size plus this.
const WINDOW: usize = 200;
const WINDOW_MAX: usize = 50_000;

impl Check for Migrations {
    fn spec(&self) -> &'static CheckSpec {
        &SPEC
    }

    fn queries(&self, ctx: &Context) -> Vec<Query> {
        let sql: Cow<'static, str> = match ctx.engine() {
            Engine::Mysql => Cow::Owned(detect::mysql_listing(ctx.option("table"))),
            Engine::Postgres | Engine::Pgbouncer => Cow::Borrowed(include_str!("../sql/postgres/migration_tables.sql")),
        };
        vec![Query::new("listing candidate migration tables", sql)]
    }

    fn follow_up(&self, ctx: &Context, results: &Results) -> Vec<Query> {
        let Ok((listed, found)) = found(ctx, results) else {
            return Vec::new();
        };
        let window = window(ctx);
        let mut out: Vec<Query> = found
            .iter()
            .flat_map(|f| queries::queries(f, ctx.engine(), window))
            .collect();
        out.extend(unknown::queries(&unknown::unread(&listed, &found), ctx.engine()));
        // Last, so the tables' queries keep their places: only where `--dir` is compared.
        // Not for Liquibase: one changelog file holds applied and pending changesets alike, so
        // the objects of a file do not tell which changeset created them.
        if let [f] = found.as_slice()
            && f.framework != frameworks::Framework::Liquibase
        {
            out.extend(half_applied::query(ctx));
        }
        out
    }

    fn outcome(&self, ctx: &Context, results: &Results) -> Result<Outcome> {
        let (listed, found) = match found(ctx, results) {
            Ok(found) => found,
            Err(e) => return Ok(Outcome::unknown(format!("{e:#}"))),
        };
        let unread_tables = unknown::unread(&listed, &found);
        let window = window(ctx);
        let mut tables = Vec::new();
        let mut next = 1;
        for f in found {
            let n = queries::count(&f);
            tables.push(read_table(f, results, next, window));
            next += n;
        }
        let unread = unknown::Unread {
            at: next,
            results,
            tables: unread_tables,
        };
        next += unread.tables.len();
        let code = match (ctx.option("dir"), tables.as_slice()) {
            (Some(dir), [t]) if t.error.is_none() => Some(read_dir(t, Path::new(dir), window)),
            _ => None,
        };
        let exist = match tables.as_slice() {
            [_] => half_applied::existing(results, next),
            _ => None,
        };
        Ok(verdict::judge(ctx, &tables, &unread, code, exist.as_deref()))
    }
}

/// The user's `--framework` and `--table`, checked.
fn wanted<'a>(ctx: &'a Context) -> Result<Wanted<'a>> {
    let framework = match ctx.option("framework") {
        Some(name) => Some(frameworks::by_name(name).ok_or_else(|| {
            anyhow!(
                "unknown --framework {:?}: use one of {}",
                shorten(name, 40),
                frameworks::names()
            )
        })?),
        None => None,
    };
    let table = ctx.option("table");
    if table.is_some() && framework.is_none() {
        return Err(anyhow!(
            "--table needs --framework: a renamed table is recognised by the columns its tool creates"
        ));
    }
    Ok(Wanted { framework, table })
}

fn found(ctx: &Context, results: &Results) -> Result<(Vec<Listed>, Vec<Found>)> {
    let wanted = wanted(ctx)?;
    let listed: Vec<Listed> = match ctx.engine() {
        Engine::Mysql => detect::grouped(results.rows(0)?)?,
        Engine::Postgres | Engine::Pgbouncer => results
            .rows(0)?
            .iter()
            .map(|r| {
                Ok(Listed {
                    schema: r.text(0)?,
                    table: r.text(1)?,
                    columns: r.text(2)?.split(',').map(str::to_string).collect(),
                })
            })
            .collect::<Result<_>>()?,
    };
    let found = detect::recognise(&listed, &wanted);
    Ok((listed, found))
}

fn window(ctx: &Context) -> usize {
    let files = ctx.option("dir").map(|d| count_files(Path::new(d))).unwrap_or(0);
    (files + WINDOW).clamp(WINDOW, WINDOW_MAX)
}

fn count_files(dir: &Path) -> usize {
    let mut n = 0;
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            match e.file_type() {
                Ok(t) if t.is_dir() => todo.push(e.path()),
                _ => n += 1,
            }
            // Past the cap the window is WINDOW_MAX anyway: stop walking.
            if n >= WINDOW_MAX {
                return n;
            }
        }
    }
    n
}
