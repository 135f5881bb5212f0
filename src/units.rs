//! The units users type and read: parsing durations (`500ms`, `30s`, `5m`, `2h`) and percentages
//! (`80%`) for the CLI and runbook thresholds, and the one formatter of each for text: sizes
//! (`1.5 GB`), durations in prose (`25s`, `3.6s`, `1h02m`), plain decimals. No I/O here. Also
//! UTC civil dates for the few places that print a moment (a server's start, a scratch
//! database's name).

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

/// A duration in prose, as people write it: `0.4ms` under 10ms, `250ms` under a second, `3.6s` under ten seconds,
/// `25s` under a minute, `4m05s` under an hour, `1h02m` under a day, then `3d04h`. Not for
/// values that are read back (settings, thresholds: [`format_duration`]), nor for metrics,
/// which stay numbers.
pub fn human_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 10 {
        return decimal(d.as_secs_f64() * 1000.0, Places::AtMost(1)) + "ms";
    }
    if ms < 1000 {
        return format!("{ms}ms");
    }
    if ms < 10_000 {
        let tenths = (ms + 50) / 100;
        return if tenths.is_multiple_of(10) {
            format!("{}s", tenths / 10)
        } else {
            format!("{}.{}s", tenths / 10, tenths % 10)
        };
    }
    let secs = ((ms + 500) / 1000) as u64;
    let (d, h, m, s) = (secs / 86_400, secs % 86_400 / 3600, secs % 3600 / 60, secs % 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{s}s"),
        (0, 0, m) => format!("{m}m{s:02}s"),
        (0, h, m) => format!("{h}h{m:02}m"),
        (d, h, _) => format!("{d}d{h:02}h"),
    }
}

/// [`human_duration`] of a number of milliseconds, as the servers report them (negative: 0).
pub fn human_millis(ms: f64) -> String {
    human_duration(Duration::from_secs_f64(ms.max(0.0) / 1000.0))
}

/// [`human_duration`] of a number of seconds (negative: 0).
pub fn human_seconds(secs: f64) -> String {
    human_millis(secs * 1000.0)
}

/// A size in bytes for people: `512 bytes`, `2 kB`, `1.5 GB` (powers of 1024, one decimal from
/// MB up).
pub fn human_bytes(bytes: f64) -> String {
    let units = ["bytes", "kB", "MB", "GB", "TB", "PB"];
    let mut value = bytes;
    let mut unit = 0;
    while value.abs() >= 1024.0 && unit < units.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit < 2 {
        format!("{} {}", value.round() as i64, units[unit])
    } else {
        format!("{value:.1} {}", units[unit])
    }
}

/// How many decimals [`decimal`] keeps.
#[derive(Debug, Clone, Copy)]
pub enum Places {
    /// Exactly this many: `12.50`.
    Fixed(usize),
    /// At most this many, trailing zeros dropped: `12.5`.
    AtMost(usize),
    /// As many as it takes to read the same number back.
    Exact,
}

/// A number as a plain decimal, never in scientific notation, never `-0`: whole numbers without
/// a point, others with the decimals asked for. Infinities and NaN as Rust spells them; a
/// renderer with its own spelling for them checks first.
pub fn decimal(v: f64, places: Places) -> String {
    let text = if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        match places {
            Places::Fixed(n) => format!("{v:.n$}"),
            Places::AtMost(n) => {
                let fixed = format!("{v:.n$}");
                fixed.trim_end_matches('0').trim_end_matches('.').to_string()
            }
            Places::Exact => format!("{v}"),
        }
    };
    if text == "-0" { "0".into() } else { text }
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

    /// A share of one core's time: 0% upward, several cores' worth allowed (`250%`).
    pub fn parse_share(input: &str) -> Result<Percent, String> {
        let s = input.trim();
        let number = s.strip_suffix('%').unwrap_or(s).trim();
        match number.parse::<f64>() {
            Ok(value) if value.is_finite() && value >= 0.0 => Ok(Percent(value)),
            _ => Err(format!(
                "invalid share of a core '{input}': a percentage from 0% up (100% is one whole core, 200% two), e.g. 50%"
            )),
        }
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
    fn durations_read_as_people_write_them() {
        let ms = |n| human_duration(Duration::from_millis(n));
        assert_eq!(ms(250), "250ms");
        assert_eq!(human_duration(Duration::from_micros(420)), "0.4ms");
        assert_eq!(ms(3_640), "3.6s");
        assert_eq!(ms(4_000), "4s");
        assert_eq!(ms(9_990), "10s");
        assert_eq!(ms(25_076), "25s");
        assert_eq!(ms(245_000), "4m05s");
        assert_eq!(ms(3_720_000), "1h02m");
        assert_eq!(human_seconds(172_802.19), "2d00h");
        assert_eq!(human_millis(-5.0), "0ms");
    }

    #[test]
    fn human_sizes() {
        assert_eq!(human_bytes(512.0), "512 bytes");
        assert_eq!(human_bytes(2048.0), "2 kB");
        assert_eq!(human_bytes(1.5 * 1024.0 * 1024.0 * 1024.0), "1.5 GB");
    }

    #[test]
    fn plain_decimals() {
        assert_eq!(decimal(87.0, Places::Fixed(2)), "87");
        assert_eq!(decimal(12.5, Places::Fixed(2)), "12.50");
        assert_eq!(decimal(12.5, Places::AtMost(3)), "12.5");
        assert_eq!(decimal(-0.0001, Places::AtMost(3)), "0");
        assert_eq!(decimal(0.041, Places::Exact), "0.041");
        assert_eq!(decimal(1e20, Places::AtMost(3)), "100000000000000000000");
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
