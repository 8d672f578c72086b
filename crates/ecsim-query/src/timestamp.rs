//! Parses the four `registeredAt` date formats the ECS docs list into Unix epoch milliseconds (UTC).
//!
//! Source: `[DG23:cluster-query-language.md]` "Valid date formats: 2018-06-18T22:28:28+00:00,
//! 2018-06-18T22:28:28Z, 2018-06-18T22:28:28, 2018-06-18". The calendar arithmetic is the
//! kernel's (`ecsim_kernel::calendar`).

use ecsim_kernel::calendar::{days_from_civil, is_date};

/// Milliseconds in one second.
const MS_PER_SECOND: i64 = 1_000;
/// Seconds in one day.
const SECONDS_PER_DAY: i64 = 86_400;

/// Parses `text` as one of the four documented formats and returns epoch milliseconds.
///
/// **RULE:** exactly the documented shapes are accepted: four-digit year, two-digit fields,
/// upper-case `T` and `Z`, offsets `+HH:MM`/`-HH:MM`. A bare date is midnight UTC and a
/// date-time without offset is UTC (the docs give no zone for these two forms; ECS keeps
/// `registeredAt` as an instant, and UTC is the only zone the other two forms name). Returns
/// `None` for anything else, including impossible dates such as `2018-02-30`.
pub(crate) fn parse_epoch_ms(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    if bytes.len() < 10 {
        return None;
    }
    let year = digits(bytes, 0, 4)?;
    expect_byte(bytes, 4, b'-')?;
    let month = digits(bytes, 5, 2)?;
    expect_byte(bytes, 7, b'-')?;
    let day = digits(bytes, 8, 2)?;
    if !is_date(year, month, day) {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let mut seconds = days * SECONDS_PER_DAY;
    if bytes.len() == 10 {
        return Some(seconds * MS_PER_SECOND);
    }

    expect_byte(bytes, 10, b'T')?;
    if bytes.len() < 19 {
        return None;
    }
    let hour = digits(bytes, 11, 2)?;
    expect_byte(bytes, 13, b':')?;
    let minute = digits(bytes, 14, 2)?;
    expect_byte(bytes, 16, b':')?;
    let second = digits(bytes, 17, 2)?;
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    seconds += hour * 3_600 + minute * 60 + second;

    let offset_seconds = match &bytes[19..] {
        [] | [b'Z'] => 0,
        [sign @ (b'+' | b'-'), rest @ ..] if rest.len() == 5 => {
            let offset_hour = digits(rest, 0, 2)?;
            expect_byte(rest, 2, b':')?;
            let offset_minute = digits(rest, 3, 2)?;
            if offset_hour > 23 || offset_minute > 59 {
                return None;
            }
            let magnitude = offset_hour * 3_600 + offset_minute * 60;
            if *sign == b'+' {
                magnitude
            } else {
                -magnitude
            }
        }
        _ => return None,
    };
    // A local time at offset +HH:MM is HH:MM ahead of UTC, so subtract the offset.
    Some((seconds - offset_seconds) * MS_PER_SECOND)
}

/// Reads `count` ASCII digits starting at `start` as a number.
fn digits(bytes: &[u8], start: usize, count: usize) -> Option<i64> {
    let field = bytes.get(start..start + count)?;
    field.iter().try_fold(0_i64, |value, &byte| {
        byte.is_ascii_digit()
            .then(|| value * 10 + i64::from(byte - b'0'))
    })
}

fn expect_byte(bytes: &[u8], index: usize, expected: u8) -> Option<()> {
    (bytes.get(index) == Some(&expected)).then_some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2018-06-18T22:28:28Z, the instant in the documented examples.
    const DOC_INSTANT_MS: i64 = 1_529_360_908_000;

    #[test]
    fn four_documented_formats_parse() {
        assert_eq!(
            parse_epoch_ms("2018-06-18T22:28:28+00:00"),
            Some(DOC_INSTANT_MS)
        );
        assert_eq!(parse_epoch_ms("2018-06-18T22:28:28Z"), Some(DOC_INSTANT_MS));
        assert_eq!(parse_epoch_ms("2018-06-18T22:28:28"), Some(DOC_INSTANT_MS));
        assert_eq!(parse_epoch_ms("2018-06-18"), Some(1_529_280_000_000));
    }

    #[test]
    fn offsets_shift_to_utc() {
        assert_eq!(
            parse_epoch_ms("2018-06-19T00:28:28+02:00"),
            Some(DOC_INSTANT_MS)
        );
        assert_eq!(
            parse_epoch_ms("2018-06-18T17:58:28-04:30"),
            Some(DOC_INSTANT_MS)
        );
    }

    #[test]
    fn epoch_and_leap_days() {
        assert_eq!(parse_epoch_ms("1970-01-01"), Some(0));
        assert_eq!(parse_epoch_ms("1969-12-31"), Some(-86_400_000));
        assert_eq!(parse_epoch_ms("2000-02-29"), Some(951_782_400_000));
        assert_eq!(parse_epoch_ms("2018-02-13"), Some(1_518_480_000_000));
        assert_eq!(parse_epoch_ms("1900-02-29"), None);
        assert_eq!(parse_epoch_ms("2019-02-29"), None);
    }

    #[test]
    fn malformed_dates_are_rejected() {
        for text in [
            "",
            "2018",
            "2018-6-18",
            "2018-06-18T",
            "2018-06-18 22:28:28",
            "2018-06-18t22:28:28z",
            "2018-13-01",
            "2018-00-01",
            "2018-04-31",
            "2018-06-18T24:00:00",
            "2018-06-18T22:60:00",
            "2018-06-18T22:28:60",
            "2018-06-18T22:28:28+0000",
            "2018-06-18T22:28:28+24:00",
            "2018-06-18T22:28:28.123Z",
            "2018-06-18Z",
            "yesterday",
            "２０１８-06-18",
        ] {
            assert_eq!(parse_epoch_ms(text), None, "{text}");
        }
    }
}
