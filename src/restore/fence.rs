//! The fence around a restore: what the restoring account could change outside its scratch
//! database (its role, settings, memberships, grants, the databases it owns), read before the
//! restore and after it; any difference is CRITICAL and named. For a PostgreSQL text dump the
//! same snapshot is also compared inside the restore's transaction, before COMMIT (see `guard`),
//! so such a change is rolled back rather than only reported.

use anyhow::{Context, Result};
use mysql_async::prelude::Queryable;

use super::guard::FENCE_MARK;
use super::scratch::{Admin, PREFIX};
use crate::report::{CheckResult, Status};

impl Admin {
    /// The snapshot: one line per thing, sorted.
    pub async fn fence(&mut self) -> Result<String> {
        match self {
            Admin::Postgres { client, .. } => {
                let row = client
                    .query_one(include_str!("sql/pg_fence.sql"), &[])
                    .await
                    .context("reading the account's role, settings and databases")?;
                Ok(row.get::<_, Option<String>>(0).unwrap_or_default())
            }
            Admin::Mysql(conn) => {
                let mut lines: Vec<String> = conn
                    .query("SHOW GRANTS FOR CURRENT_USER()")
                    .await
                    .context("reading the account's grants")?;
                // An account with privileges on every database sees others create and drop
                // theirs meanwhile: its databases are left out, as for a PostgreSQL superuser.
                let global = lines
                    .iter()
                    .any(|g| g.contains(" ON *.* ") && !g.starts_with("GRANT USAGE ON *.*"));
                if !global {
                    let dbs: Vec<String> = conn
                        .exec(
                            "SELECT CONCAT('database ', SCHEMA_NAME) FROM information_schema.SCHEMATA \
                             WHERE SCHEMA_NAME NOT LIKE ?",
                            (format!("{}%", PREFIX.replace('_', "\\_")),),
                        )
                        .await
                        .context("reading the account's databases")?;
                    lines.extend(dbs);
                }
                lines.sort();
                Ok(lines.join("\n"))
            }
        }
    }
}

/// What changed between two snapshots, as the user reads it; empty when nothing did.
pub fn differences(before: &str, after: &str) -> Vec<String> {
    let old: Vec<&str> = before.lines().collect();
    let new: Vec<&str> = after.lines().collect();
    let mut out: Vec<String> = new
        .iter()
        .filter(|l| !old.contains(l))
        .map(|l| format!("now: {}", short(l)))
        .collect();
    out.extend(
        old.iter()
            .filter(|l| !new.contains(l))
            .map(|l| format!("before: {}", short(l))),
    );
    out
}

/// The result once the snapshot after the run is read: CRITICAL naming every difference; and
/// the fence's own refusal inside the transaction (in the tool's error output), named.
pub fn judge(result: &mut CheckResult, before: &str, after: Result<String, String>, tool_errors: &str) {
    if let Some(at) = tool_errors.find(FENCE_MARK) {
        let seen = tool_errors[at + FENCE_MARK.len()..]
            .lines()
            .collect::<Vec<_>>()
            .join("\n");
        let tried = differences(before, &seen);
        result.status = Status::Critical;
        result.summary = format!(
            "the dump changed things outside the scratch database, and its restore was rolled back: {}",
            tried.join("; ")
        );
    }
    match after {
        Err(why) => {
            result.status = result.status.worst(Status::Unknown);
            result.notes.push(format!(
                "could not read the account's role and databases after the restore: {why}"
            ));
        }
        Ok(after) => {
            let changed = differences(before, &after);
            if !changed.is_empty() {
                result.status = Status::Critical;
                result.summary = format!(
                    "CHANGED OUTSIDE THE SCRATCH DATABASE during the restore (check and undo by hand): {}; {}",
                    changed.join("; "),
                    result.summary
                );
            }
        }
    }
}

fn short(text: &str) -> String {
    crate::text::shorten(&crate::text::sanitize(text, true), 200)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differences_name_both_sides() {
        let before = "role r createdb t\nsetting of role r in database all: {a=1}";
        let after = "role r createdb t\nsetting of role r in database all: {a=2}\ndatabase pwned owner r";
        assert_eq!(
            differences(before, after),
            [
                "now: setting of role r in database all: {a=2}",
                "now: database pwned owner r",
                "before: setting of role r in database all: {a=1}"
            ]
        );
        assert!(differences(before, before).is_empty());
    }
}
