//! Durations (`"500ms"`, `"90s"`, `"15m"`, `"2h"`, `"1d"` or a number of seconds) and the
//! scenario's `startTime` (RFC 3339), parsed by hand.

use ecsim_kernel::calendar::{days_from_civil, is_date};
use ecsim_kernel::SimDuration;

/// What a duration looks like, for error messages.
pub(crate) const EXPECTED: &str =
    "expected a duration: a number of seconds or a string with one unit like \"500ms\", \"90s\", \"15m\", \"2h\" or \"1d\"";

const NEGATIVE: &str =
    "durations cannot be negative; write a number of seconds or a string like \"90s\"";

/// The longest duration accepted: 2^53 ms (about 285,000 years), so that every duration is exact
/// as a JSON number and sums of a few durations cannot overflow.
const MAX_MS: u128 = 1 << 53;

fn too_long() -> String {
    "duration too long; the longest accepted is 2^53 ms (about 285,000 years)".to_string()
}

/// Parses a duration string: a non-negative number followed by exactly one unit `ms`, `s`, `m`,
/// `h` or `d`, or a plain non-negative integer of seconds.
///
/// RULE: a fraction is allowed before a unit (`"1.5h"`) and is rounded to the nearest
/// millisecond, halves up; no spaces, no signs, units in lowercase.
pub fn parse_duration(s: &str) -> Result<SimDuration, String> {
    if s.starts_with('-') {
        return Err(NEGATIVE.to_string());
    }
    let digits_end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (number, unit) = s.split_at(digits_end);
    let unit_ms: u128 = match unit {
        "" if !number.contains('.') => 1000,
        "ms" => 1,
        "s" => 1000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => return Err(EXPECTED.to_string()),
    };
    let (whole, fraction) = match number.split_once('.') {
        Some((w, f)) => (w, f),
        None => (number, ""),
    };
    if whole.is_empty() || (number.contains('.') && fraction.is_empty()) || fraction.contains('.') {
        return Err(EXPECTED.to_string());
    }
    // 30 digits is far beyond MAX_MS in any unit; the cap keeps the arithmetic in u128.
    let whole = whole.trim_start_matches('0');
    if whole.len() > 30 {
        return Err(too_long());
    }
    let whole_value: u128 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| EXPECTED.to_string())?
    };
    let mut ms = whole_value * unit_ms;
    if !fraction.is_empty() {
        // Only the first 20 fractional digits matter at millisecond resolution.
        let kept = &fraction[..fraction.len().min(20)];
        let numerator: u128 = kept.parse().map_err(|_| EXPECTED.to_string())?;
        let denominator: u128 = 10u128.pow(kept.len() as u32);
        ms += (numerator * unit_ms * 2 + denominator) / (denominator * 2);
    }
    if ms > MAX_MS {
        return Err(too_long());
    }
    Ok(SimDuration(ms as u64))
}

/// A JSON number of seconds, rounded to the nearest millisecond.
pub(crate) fn duration_from_seconds(seconds: f64) -> Result<SimDuration, String> {
    if !seconds.is_finite() {
        return Err(EXPECTED.to_string());
    }
    if seconds < 0.0 {
        return Err(NEGATIVE.to_string());
    }
    let ms = (seconds * 1000.0).round();
    if ms > MAX_MS as f64 {
        return Err(too_long());
    }
    Ok(SimDuration(ms as u64))
}

pub(crate) fn duration_from_whole_seconds(seconds: u64) -> Result<SimDuration, String> {
    match (seconds as u128).checked_mul(1000) {
        Some(ms) if ms <= MAX_MS => Ok(SimDuration(ms as u64)),
        _ => Err(too_long()),
    }
}

/// A duration for a message, in its largest whole unit with one decimal at most: `41.7 days`,
/// `1 hour`, `90 s`, `500 ms`.
pub(crate) fn describe(d: SimDuration) -> String {
    let ms = d.ms();
    let units: [(u64, &str, &str); 4] = [
        (86_400_000, "day", "days"),
        (3_600_000, "hour", "hours"),
        (60_000, "minute", "minutes"),
        (1_000, "s", "s"),
    ];
    for (unit_ms, one, many) in units {
        if ms >= unit_ms {
            let tenths = (ms * 10 + unit_ms / 2) / unit_ms;
            return match (tenths / 10, tenths % 10) {
                (1, 0) => format!("1 {one}"),
                (whole, 0) => format!("{whole} {many}"),
                (whole, tenth) => format!("{whole}.{tenth} {many}"),
            };
        }
    }
    format!("{ms} ms")
}

/// **RULE (ours):** a duration written as a whole number of seconds from 10,000 up that is a
/// multiple of 1,000 looks like milliseconds (`"horizon": 3600000` is 41.7 days, one hour if
/// meant as milliseconds). Returns the warning that says so; the value is read as seconds, and
/// writing it with a unit silences the warning.
pub(crate) fn looks_like_milliseconds(seconds: u64) -> Option<String> {
    if seconds < 10_000 || !seconds.is_multiple_of(1_000) {
        return None;
    }
    let as_seconds = describe(SimDuration(seconds.saturating_mul(1000)));
    let as_ms = describe(SimDuration(seconds));
    Some(format!(
        "{seconds} seconds is {as_seconds}: a number is read as seconds, and this one looks like milliseconds; write \"{seconds}ms\" for {as_ms}, or \"{seconds}s\" to keep {as_seconds}"
    ))
}

/// Parses an RFC 3339 timestamp (`2026-01-01T00:00:00Z`, `2026-01-01T02:00:00.250+02:00`) into
/// Unix epoch milliseconds (UTC).
///
/// RULE: any RFC 3339 offset is accepted and converted to UTC; fractional seconds beyond the
/// millisecond are truncated; leap seconds (`:60`) are refused.
pub fn parse_start_time(s: &str) -> Result<i64, String> {
    const EXPECTED_TIME: &str =
        "expected an RFC 3339 timestamp like \"2026-01-01T00:00:00Z\" (date, 'T', time, then 'Z' or an offset like +02:00)";
    let b = s.as_bytes();
    let digits = |from: usize, len: usize| -> Option<i64> {
        let part = b.get(from..from + len)?;
        if part.iter().all(u8::is_ascii_digit) {
            std::str::from_utf8(part).ok()?.parse().ok()
        } else {
            None
        }
    };
    let sep = |at: usize, allowed: &[u8]| b.get(at).is_some_and(|c| allowed.contains(c));
    let parsed = (|| {
        let year = digits(0, 4)?;
        let month = digits(5, 2)?;
        let day = digits(8, 2)?;
        let hour = digits(11, 2)?;
        let minute = digits(14, 2)?;
        let second = digits(17, 2)?;
        if !(sep(4, b"-") && sep(7, b"-") && sep(10, b"Tt") && sep(13, b":") && sep(16, b":")) {
            return None;
        }
        let mut at = 19;
        let mut millis = 0i64;
        if sep(at, b".") {
            at += 1;
            let start = at;
            while b.get(at).is_some_and(u8::is_ascii_digit) {
                at += 1;
            }
            if at == start {
                return None;
            }
            let frac = std::str::from_utf8(&b[start..at.min(start + 3)]).ok()?;
            millis = frac.parse::<i64>().ok()? * 10i64.pow(3 - frac.len() as u32);
        }
        let offset_minutes = match b.get(at) {
            Some(b'Z' | b'z') if at + 1 == b.len() => 0,
            Some(sign @ (b'+' | b'-')) if at + 6 == b.len() && sep(at + 3, b":") => {
                let h = digits(at + 1, 2)?;
                let m = digits(at + 4, 2)?;
                if h > 23 || m > 59 {
                    return None;
                }
                let total = h * 60 + m;
                if *sign == b'+' {
                    total
                } else {
                    -total
                }
            }
            _ => return None,
        };
        Some((
            year,
            month,
            day,
            hour,
            minute,
            second,
            millis,
            offset_minutes,
        ))
    })();
    let Some((year, month, day, hour, minute, second, millis, offset_minutes)) = parsed else {
        return Err(EXPECTED_TIME.to_string());
    };
    if !is_date(year, month, day) {
        return Err(format!("{s} is not a calendar date; {EXPECTED_TIME}"));
    }
    if hour > 23 || minute > 59 || second > 59 {
        return Err(format!("{s} is not a time of day; {EXPECTED_TIME}"));
    }
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
    Ok(seconds * 1000 + millis)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(s: &str) -> Result<u64, String> {
        parse_duration(s).map(|d| d.ms())
    }

    #[test]
    fn durations_with_units() {
        assert_eq!(ms("500ms"), Ok(500));
        assert_eq!(ms("90s"), Ok(90_000));
        assert_eq!(ms("15m"), Ok(900_000));
        assert_eq!(ms("2h"), Ok(7_200_000));
        assert_eq!(ms("1d"), Ok(86_400_000));
        assert_eq!(ms("90"), Ok(90_000));
        assert_eq!(ms("0"), Ok(0));
        assert_eq!(ms("1.5h"), Ok(5_400_000));
        assert_eq!(ms("0.0005s"), Ok(1));
        assert_eq!(ms("007s"), Ok(7_000));
    }

    #[test]
    fn bad_durations() {
        for bad in [
            "",
            "5 minutes",
            "5 m",
            "-5s",
            "-5",
            "1.5",
            "5x",
            "s",
            "1.s",
            ".5s",
            "1h30m",
            "5S",
            "1..2s",
            " 5s",
            "99999999999999999999999999999999999d",
            "9999999999999d",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad:?} should not parse");
        }
        assert!(parse_duration("-5s")
            .unwrap_err()
            .starts_with("durations cannot be negative"));
    }

    #[test]
    fn describes_durations_in_their_largest_unit() {
        let d = |ms| describe(SimDuration(ms));
        assert_eq!(d(3_600_000_000), "41.7 days");
        assert_eq!(d(86_400_000), "1 day");
        assert_eq!(d(3_600_000), "1 hour");
        assert_eq!(d(5_400_000), "1.5 hours");
        assert_eq!(d(90_000), "1.5 minutes");
        assert_eq!(d(10_000), "10 s");
        assert_eq!(d(500), "500 ms");
        assert_eq!(d(0), "0 ms");
    }

    #[test]
    fn whole_thousands_of_seconds_look_like_milliseconds() {
        assert_eq!(
            looks_like_milliseconds(3_600_000).as_deref(),
            Some("3600000 seconds is 41.7 days: a number is read as seconds, and this one looks like milliseconds; write \"3600000ms\" for 1 hour, or \"3600000s\" to keep 41.7 days")
        );
        assert!(looks_like_milliseconds(10_000).is_some());
        for seconds in [0, 1, 90, 1_000, 3_600, 9_000, 86_400, 604_800, 10_001] {
            assert_eq!(looks_like_milliseconds(seconds), None, "{seconds}");
        }
    }

    #[test]
    fn seconds_as_numbers() {
        assert_eq!(duration_from_seconds(1.5).map(|d| d.ms()), Ok(1500));
        assert!(duration_from_seconds(-1.0).is_err());
        assert!(duration_from_seconds(1e300).is_err());
        assert_eq!(duration_from_whole_seconds(60).map(|d| d.ms()), Ok(60_000));
        assert!(duration_from_whole_seconds(u64::MAX).is_err());
    }

    #[test]
    fn start_times() {
        assert_eq!(
            parse_start_time("2026-01-01T00:00:00Z"),
            Ok(1_767_225_600_000)
        );
        assert_eq!(parse_start_time("1970-01-01T00:00:00Z"), Ok(0));
        assert_eq!(
            parse_start_time("2000-02-29T12:30:15.250Z"),
            Ok(951_827_415_250)
        );
        assert_eq!(
            parse_start_time("2026-01-01T02:00:00+02:00"),
            Ok(1_767_225_600_000)
        );
        assert_eq!(parse_start_time("1969-12-31T23:59:59Z"), Ok(-1000));
        for bad in [
            "2026-01-01",
            "2026-01-01 00:00:00Z",
            "2026-02-29T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-01-01T24:00:00Z",
            "2026-01-01T00:00:60Z",
            "2026-01-01T00:00:00",
            "2026-01-01T00:00:00+0200",
            "2026-01-01T00:00:00.Z",
            "２026-01-01T00:00:00Z",
        ] {
            assert!(parse_start_time(bad).is_err(), "{bad:?} should not parse");
        }
    }
}
