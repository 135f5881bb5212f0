//! Parsing of the units users type: durations (`500ms`, `30s`, `5m`, `2h`) and percentages
//! (`80%`). Shared by the CLI and by runbook thresholds; no I/O here. Also UTC civil dates for
//! the few places that print a moment (a server's start, a scratch database's name).

use std::fmt;
use std::time::Duration;

/// Parses a duration such as `500ms`, `30s`, `5m`, `2h` or `1d`. A bare number is seconds.
pub fn parse_duration(input: &str) -> Result<Duration, String> {
    let s = input.trim();
    let split = s.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let hint = "use a number with a unit: 500ms, 30s, 5m, 2h or 1d";
    if number.is_empty() {
        return Err(format!("invalid duration '{input}': {hint}"));
    }
    let value: f64 = number
        .parse()
        .map_err(|_| format!("invalid duration '{input}': {hint}"))?;
    let seconds = match unit.trim() {
        "ms" => value / 1000.0,
        "" | "s" | "sec" | "secs" => value,
        "m" | "min" | "mins" => value * 60.0,
        "h" => value * 3600.0,
        "d" => value * 86400.0,
        other => {
            return Err(format!("invalid duration '{input}': unknown unit '{other}'; {hint}"));
        }
    };
    if !seconds.is_finite() || seconds > 365.0 * 86400.0 {
        return Err(format!("invalid duration '{input}': too large; {hint}"));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// Parses a duration that must be greater than zero (timeouts).
pub fn parse_positive_duration(input: &str) -> Result<Duration, String> {
    let d = parse_duration(input)?;
    if d.is_zero() {
        return Err(format!("invalid duration '{input}': must be greater than zero"));
    }
    Ok(d)
}

/// Formats a duration the way users type them, e.g. `1h2m`, `45s`, `500ms`.
pub fn format_duration(d: Duration) -> String {
    let total_ms = d.as_millis();
    if total_ms < 1000 {
        return format!("{total_ms}ms");
    }
    // Under a minute a fraction is kept, in milliseconds, exact: a connect timeout of 90% of
    // --timeout 2s is 1800ms, not "1s" beside "timed out after 1790.8 ms"; and a threshold
    // that lands in a setting (auto_explain.log_min_duration) keeps its value.
    if total_ms < 60_000 && !total_ms.is_multiple_of(1000) {
        return format!("{total_ms}ms");
    }
    let secs = d.as_secs();
    let (h, m, s) = (secs / 3600, (secs % 3600) / 60, secs % 60);
    match (h, m, s) {
        (0, 0, s) => format!("{s}s"),
        (0, m, 0) => format!("{m}m"),
        (0, m, s) => format!("{m}m{s}s"),
        (h, 0, 0) => format!("{h}h"),
        (h, m, _) => format!("{h}h{m}m"),
    }
}

/// A percentage between 0 and 100, typed as `80%` or `80`.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Percent(pub f64);

impl Percent {
    pub fn parse(input: &str) -> Result<Percent, String> {
        let s = input.trim();
        let number = s.strip_suffix('%').unwrap_or(s).trim();
        let value: f64 = number
            .parse()
            .map_err(|_| format!("invalid percentage '{input}': use a number from 0 to 100, e.g. 80%"))?;
        if !(0.0..=100.0).contains(&value) || !value.is_finite() {
            return Err(format!("invalid percentage '{input}': must be between 0% and 100%"));
        }
        Ok(Percent(value))
    }
}

impl fmt::Display for Percent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}%", self.0)
    }
}

/// A moment as UTC civil time `(year, month, day, hour, minute, second)`, without a date
/// library: days since the epoch to a date by Howard Hinnant's `civil_from_days`.
pub fn utc_parts(at: std::time::SystemTime) -> (i64, i64, i64, i64, i64, i64) {
    let secs = at.duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs()) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day, rem / 3600, rem % 3600 / 60, rem % 60)
}

/// `2026-11-24T04:39:28Z`.
pub fn utc_iso(at: std::time::SystemTime) -> String {
    let (y, mo, d, h, mi, s) = utc_parts(at);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_in_every_unit() {
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("30s").unwrap(), Duration::from_secs(30));
        assert_eq!(parse_duration("5m").unwrap(), Duration::from_secs(300));
        assert_eq!(parse_duration("2h").unwrap(), Duration::from_secs(7200));
        assert_eq!(parse_duration("1.5s").unwrap(), Duration::from_millis(1500));
        assert_eq!(parse_duration("7").unwrap(), Duration::from_secs(7));
    }

    #[test]
    fn bad_durations_say_what_to_type() {
        for bad in ["", "abc", "5x", "-5s", "s", "1e999s"] {
            let err = parse_duration(bad).unwrap_err();
            assert!(err.contains("invalid duration"), "{bad}: {err}");
        }
        assert!(parse_positive_duration("0s").is_err());
    }

    #[test]
    fn durations_format_back() {
        assert_eq!(format_duration(Duration::from_millis(250)), "250ms");
        assert_eq!(format_duration(Duration::from_secs(45)), "45s");
        assert_eq!(format_duration(Duration::from_millis(1800)), "1800ms");
        assert_eq!(format_duration(Duration::from_millis(59_960)), "59960ms");
        assert_eq!(format_duration(Duration::from_secs(125)), "2m5s");
        assert_eq!(format_duration(Duration::from_secs(3600)), "1h");
        assert_eq!(format_duration(Duration::from_secs(3720)), "1h2m");
    }

    #[test]
    fn percentages() {
        assert_eq!(Percent::parse("80%").unwrap(), Percent(80.0));
        assert_eq!(Percent::parse("95").unwrap(), Percent(95.0));
        assert!(Percent::parse("120%").is_err());
        assert!(Percent::parse("-1%").is_err());
        assert!(Percent::parse("lots").is_err());
    }
}
