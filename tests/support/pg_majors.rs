//! Which PostgreSQL majors this machine can start, and where their server binaries live:
//! Debian's `/usr/lib/postgresql/<major>/bin`, else the trees `.ci/install-pg-majors` unpacks
//! into `$DBRUNBOOK_PG_MAJORS_DIR/<major>/bin` (default `/opt/dbrunbook-pg`). Starting a server
//! of one is `ThrowawayPg`'s job (`PgOptions { major: Some(17), .. }`).

use std::path::{Path, PathBuf};

/// The majors users run, each tested by `tests/pg_versions.rs`.
pub const PG_MAJORS: [u32; 5] = [14, 15, 16, 17, 18];

/// Where `.ci/install-pg-majors` unpacks the majors Debian does not package here.
pub fn pg_majors_dir() -> PathBuf {
    std::env::var_os("DBRUNBOOK_PG_MAJORS_DIR").map_or_else(|| PathBuf::from("/opt/dbrunbook-pg"), PathBuf::from)
}

fn has_server(bin: &Path) -> bool {
    ["initdb", "pg_ctl", "postgres", "psql"]
        .iter()
        .all(|program| bin.join(program).is_file())
}

/// The bin directory of this major, Debian's package first.
pub fn pg_major_bin_dir(major: u32) -> Option<PathBuf> {
    [
        Path::new("/usr/lib/postgresql").join(major.to_string()).join("bin"),
        pg_majors_dir().join(major.to_string()).join("bin"),
    ]
    .into_iter()
    .find(|bin| has_server(bin))
}

/// Every major installed in either place, oldest first.
pub fn available_pg_majors() -> Vec<u32> {
    let mut majors: Vec<u32> = [PathBuf::from("/usr/lib/postgresql"), pg_majors_dir()]
        .iter()
        .filter_map(|root| std::fs::read_dir(root).ok())
        .flatten()
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse().ok())
        .filter(|&major| pg_major_bin_dir(major).is_some())
        .collect();
    majors.sort_unstable();
    majors.dedup();
    majors
}

/// Whether this major is installed. Missing: outside CI the test is skipped with a line saying
/// how to install it; in CI, where `.ci/run` installs every major, it fails, so a green CI run
/// skipped no major.
pub fn pg_major_installed(major: u32) -> bool {
    let found = pg_major_bin_dir(major).is_some();
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "PostgreSQL {major} is not installed in /usr/lib/postgresql or {}: .ci/run must run .ci/install-pg-majors",
            pg_majors_dir().display()
        );
        eprintln!(
            "skipped: PostgreSQL {major} is not installed (bash .ci/install-pg-majors); installed: {:?}",
            available_pg_majors()
        );
    }
    found
}
