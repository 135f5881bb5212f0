//! Check status, its exit code and its severity order, following the monitoring-plugin
//! convention. The one place statuses are ranked: merge with [`Status::worst`], sort worst first
//! with `Reverse(status)`; no check keeps an order of its own.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Warning,
    Critical,
    Unknown,
}

impl Status {
    pub const ALL: [Status; 4] = [Status::Ok, Status::Warning, Status::Critical, Status::Unknown];

    /// Nagios/Icinga exit code: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
    pub fn exit_code(self) -> u8 {
        match self {
            Status::Ok => 0,
            Status::Warning => 1,
            Status::Critical => 2,
            Status::Unknown => 3,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::Ok => "OK",
            Status::Warning => "WARNING",
            Status::Critical => "CRITICAL",
            Status::Unknown => "UNKNOWN",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Warning => "warning",
            Status::Critical => "critical",
            Status::Unknown => "unknown",
        }
    }

    /// Severity for merging, as the monitoring plugins' `max_state_alt`:
    /// OK < UNKNOWN < WARNING < CRITICAL. A critical finding is never hidden behind a check that
    /// could not run, and a check that could not run is never reported as OK.
    pub fn severity(self) -> u8 {
        match self {
            Status::Ok => 0,
            Status::Unknown => 1,
            Status::Warning => 2,
            Status::Critical => 3,
        }
    }

    /// The worse of the two, by [`Status::severity`].
    pub fn worst(self, other: Status) -> Status {
        self.max(other)
    }
}

/// Ordered by [`Status::severity`], the one order for every use: merging (`max`, `worst`) and
/// listing most actionable first (sort by `Reverse(status)`: CRITICAL, WARNING, UNKNOWN, OK).
impl Ord for Status {
    fn cmp(&self, other: &Status) -> Ordering {
        self.severity().cmp(&other.severity())
    }
}

impl PartialOrd for Status {
    fn partial_cmp(&self, other: &Status) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_follow_the_plugin_convention() {
        let codes: Vec<u8> = Status::ALL.iter().map(|s| s.exit_code()).collect();
        assert_eq!(codes, vec![0, 1, 2, 3]);
    }

    #[test]
    fn worst_status_wins() {
        use Status::*;
        assert_eq!(Ok.worst(Warning), Warning);
        assert_eq!(Critical.worst(Warning), Critical);
        assert_eq!(Ok.worst(Unknown), Unknown);
        assert_eq!(Unknown.worst(Warning), Warning);
        assert_eq!(Unknown.worst(Critical), Critical);
        assert_eq!(Critical.worst(Unknown), Critical);
        for a in Status::ALL {
            for b in Status::ALL {
                assert_eq!(a.worst(b), b.worst(a), "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn worst_first_lists_unknown_after_warning() {
        let mut all = Status::ALL.to_vec();
        all.sort_by_key(|s| std::cmp::Reverse(*s));
        assert_eq!(
            all,
            vec![Status::Critical, Status::Warning, Status::Unknown, Status::Ok]
        );
    }
}
