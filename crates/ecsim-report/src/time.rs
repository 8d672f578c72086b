//! Wall-calendar renderings of simulated time: ISO-8601 UTC strings for `time` fields and epoch
//! seconds for the API's timestamp fields. Pure arithmetic, no clock and no date library.

use serde::{Serialize, Serializer};

/// ISO-8601 UTC with milliseconds, e.g. `2026-01-01T00:02:00.000Z`, for simulated time `t_ms` of a
/// run whose time 0 is `start_time_unix_ms`.
pub fn iso_time(start_time_unix_ms: i64, t_ms: u64) -> String {
    IsoTime::new(start_time_unix_ms, t_ms).as_str().to_string()
}

/// Unix epoch milliseconds of simulated time `t_ms`, saturating at the ends of `i64`.
pub(crate) fn unix_ms(start_time_unix_ms: i64, t_ms: u64) -> i64 {
    let t = i64::try_from(t_ms).unwrap_or(i64::MAX);
    start_time_unix_ms.saturating_add(t)
}

/// API timestamps (`registeredAt`, `createdAt`, ...) as the API's JSON shows them: epoch seconds as a
/// number with a millisecond fraction (API examples: `"createdAt": 1476822811.295`).
///
/// The quotient is correctly rounded and the magnitudes involved (< 2^53 ms) keep three decimals
/// unique, so the shortest round-trip rendering is exactly the millisecond value.
pub(crate) fn epoch_seconds(start_time_unix_ms: i64, t_ms: u64) -> f64 {
    unix_ms(start_time_unix_ms, t_ms) as f64 / 1000.0
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian calendar
/// (H. Hinnant's `civil_from_days`).
pub(crate) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11], March = 0
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// An ISO time rendered on the stack, so the event writer allocates nothing per line.
#[derive(Clone, Copy)]
pub(crate) struct IsoTime {
    buf: [u8; 40],
    len: u8,
}

impl IsoTime {
    pub(crate) fn new(start_time_unix_ms: i64, t_ms: u64) -> IsoTime {
        let ms_total = unix_ms(start_time_unix_ms, t_ms);
        let ms = ms_total.rem_euclid(1000) as u32;
        let secs = ms_total.div_euclid(1000);
        let days = secs.div_euclid(86_400);
        let sod = secs.rem_euclid(86_400) as u32;
        let (year, month, day) = civil_from_days(days);
        let mut out = IsoTime {
            buf: [0; 40],
            len: 0,
        };
        if (0..=9999).contains(&year) {
            out.digits(year as u32, 4);
        } else {
            // ISO-8601 expanded years: a sign and at least four digits.
            out.push(if year < 0 { b'-' } else { b'+' });
            let abs = year.unsigned_abs();
            let width = abs.checked_ilog10().unwrap_or(0) as usize + 1;
            out.digits_u64(abs, width.max(4));
        }
        out.push(b'-');
        out.digits(month, 2);
        out.push(b'-');
        out.digits(day, 2);
        out.push(b'T');
        out.digits(sod / 3600, 2);
        out.push(b':');
        out.digits(sod / 60 % 60, 2);
        out.push(b':');
        out.digits(sod % 60, 2);
        out.push(b'.');
        out.digits(ms, 3);
        out.push(b'Z');
        out
    }

    fn push(&mut self, b: u8) {
        self.buf[self.len as usize] = b;
        self.len += 1;
    }

    fn digits(&mut self, v: u32, width: usize) {
        self.digits_u64(u64::from(v), width);
    }

    fn digits_u64(&mut self, mut v: u64, width: usize) {
        let start = self.len as usize;
        for i in (0..width).rev() {
            self.buf[start + i] = b'0' + (v % 10) as u8;
            v /= 10;
        }
        self.len += width as u8;
    }

    pub(crate) fn as_str(&self) -> &str {
        std::str::from_utf8(&self.buf[..self.len as usize]).expect("ISO time is ASCII")
    }
}

impl Serialize for IsoTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-01-01T00:00:00Z, the scenario default start time (SPEC §3).
    const START_2026: i64 = 1_767_225_600_000;

    #[test]
    fn scenario_default_start() {
        assert_eq!(iso_time(START_2026, 0), "2026-01-01T00:00:00.000Z");
        assert_eq!(iso_time(START_2026, 120_000), "2026-01-01T00:02:00.000Z");
        assert_eq!(iso_time(START_2026, 86_399_999), "2026-01-01T23:59:59.999Z");
        assert_eq!(iso_time(START_2026, 86_400_000), "2026-01-02T00:00:00.000Z");
    }

    #[test]
    fn epoch_and_before() {
        assert_eq!(iso_time(0, 0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso_time(-1, 0), "1969-12-31T23:59:59.999Z");
        assert_eq!(iso_time(-86_400_000, 1), "1969-12-31T00:00:00.001Z");
    }

    #[test]
    fn leap_years() {
        // 2024 is a leap year: 2024-02-29 exists.
        let feb28_2024 = 1_709_078_400_000; // 2024-02-28T00:00:00Z
        assert_eq!(iso_time(feb28_2024, 0), "2024-02-28T00:00:00.000Z");
        assert_eq!(iso_time(feb28_2024, 86_400_000), "2024-02-29T00:00:00.000Z");
        assert_eq!(
            iso_time(feb28_2024, 2 * 86_400_000),
            "2024-03-01T00:00:00.000Z"
        );
        // 2000 is a leap year (divisible by 400); 1900 and 2100 are not.
        assert_eq!(
            iso_time(-2_203_891_200_000 - 86_400_000, 0),
            "1900-02-28T00:00:00.000Z"
        );
        assert_eq!(iso_time(951_782_400_000, 0), "2000-02-29T00:00:00.000Z");
        assert_eq!(iso_time(-2_203_891_200_000, 0), "1900-03-01T00:00:00.000Z");
        assert_eq!(iso_time(4_107_456_000_000, 0), "2100-02-28T00:00:00.000Z");
        assert_eq!(
            iso_time(4_107_456_000_000, 86_400_000),
            "2100-03-01T00:00:00.000Z"
        );
        // The last day of a leap year is day 366.
        assert_eq!(iso_time(1_735_603_200_000, 0), "2024-12-31T00:00:00.000Z");
    }

    #[test]
    fn civil_round_trip_against_day_counting() {
        // Walk day by day from 1600-01-01 to 2400-12-31 and check every date follows the previous.
        let is_leap = |y: i64| (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        let month_len = |y: i64, m: u32| match m {
            2 if is_leap(y) => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        let mut days = -135_140; // 1600-01-01
        let mut expect = (1600i64, 1u32, 1u32);
        while expect.0 <= 2400 {
            assert_eq!(civil_from_days(days), expect, "days {days}");
            days += 1;
            let (y, m, d) = expect;
            expect = if d < month_len(y, m) {
                (y, m, d + 1)
            } else if m < 12 {
                (y, m + 1, 1)
            } else {
                (y + 1, 1, 1)
            };
        }
    }

    #[test]
    fn expanded_years() {
        // 10000-01-01T00:00:00Z
        assert_eq!(
            iso_time(253_402_300_800_000, 0),
            "+10000-01-01T00:00:00.000Z"
        );
        assert!(iso_time(i64::MIN, 0).starts_with("-292"));
        assert!(iso_time(i64::MAX, u64::MAX).ends_with('Z'));
    }

    #[test]
    fn epoch_seconds_keep_milliseconds() {
        let v = serde_json::to_string(&epoch_seconds(START_2026, 1_295)).unwrap();
        assert_eq!(v, "1767225601.295");
        let v = serde_json::to_string(&epoch_seconds(START_2026, 0)).unwrap();
        assert_eq!(v, "1767225600.0");
    }
}
