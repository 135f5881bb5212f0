//! The runbooks shipped in `runbooks/`, compiled into the binary so a bare binary works.
//! A test fails when a file in `runbooks/` is missing from this list.

pub const EMBEDDED: &[(&str, &str)] = &[
    (
        "pool-exhaustion.yaml",
        include_str!("../../runbooks/pool-exhaustion.yaml"),
    ),
    (
        "pgbouncer-saturation.yaml",
        include_str!("../../runbooks/pgbouncer-saturation.yaml"),
    ),
    (
        "long-running-queries.yaml",
        include_str!("../../runbooks/long-running-queries.yaml"),
    ),
    (
        "idle-in-transaction.yaml",
        include_str!("../../runbooks/idle-in-transaction.yaml"),
    ),
    (
        "lock-contention.yaml",
        include_str!("../../runbooks/lock-contention.yaml"),
    ),
    (
        "migration-lock-queue.yaml",
        include_str!("../../runbooks/migration-lock-queue.yaml"),
    ),
    (
        "migration-dirty.yaml",
        include_str!("../../runbooks/migration-dirty.yaml"),
    ),
    (
        "migration-lock-stuck.yaml",
        include_str!("../../runbooks/migration-lock-stuck.yaml"),
    ),
    (
        "migration-behind.yaml",
        include_str!("../../runbooks/migration-behind.yaml"),
    ),
    (
        "migration-unknown-revision.yaml",
        include_str!("../../runbooks/migration-unknown-revision.yaml"),
    ),
    (
        "wraparound-risk.yaml",
        include_str!("../../runbooks/wraparound-risk.yaml"),
    ),
    ("table-bloat.yaml", include_str!("../../runbooks/table-bloat.yaml")),
];
