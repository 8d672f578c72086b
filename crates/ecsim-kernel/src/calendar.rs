//! Calendar arithmetic in the proleptic Gregorian calendar, UTC only: dates to day numbers and back,
//! and ISO-8601 renderings of instants. The one place for it: the scenario loader parses
//! `startTime`, the query language parses `registeredAt`, and the outputs render times with it.
//! Pure integer arithmetic (H. Hinnant's algorithms), no clock and no date library.

/// Milliseconds in one day.
pub const MS_PER_DAY: i64 = 86_400_000;

/// Whether `year` has a 29th of February.
pub fn is_leap_year(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// Days in `month` (1–12) of `year`.
pub fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a date (H. Hinnant's `days_from_civil`). `month` is 1–12; the date is
/// not checked (see [`is_date`]).
pub fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The date of a day number (days since 1970-01-01): (year, month 1–12, day 1–31)
/// (H. Hinnant's `civil_from_days`).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097); // [0, 146096]
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365; // [0, 399]
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100); // [0, 365]
    let mp = (5 * day_of_year + 2) / 153; // [0, 11], March = 0
    let day = (day_of_year - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Whether (year, month, day) is a date of the calendar.
pub fn is_date(year: i64, month: i64, day: i64) -> bool {
    (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month)
}

/// Unix epoch milliseconds of simulated time `t_ms` in a run whose time 0 is `start_unix_ms`,
/// saturating at the ends of `i64`.
pub fn unix_ms(start_unix_ms: i64, t_ms: u64) -> i64 {
    let t = i64::try_from(t_ms).unwrap_or(i64::MAX);
    start_unix_ms.saturating_add(t)
}

/// An instant rendered as ISO-8601 UTC with milliseconds (`2026-01-01T00:02:00.000Z`) on the stack,
/// so that writers of many lines allocate nothing per line. Years outside 0–9999 use ISO-8601's
/// expanded form (a sign and at least four digits).
#[derive(Clone, Copy)]
pub struct IsoTime {
    buf: [u8; 40],
    len: u8,
}

impl IsoTime {
    /// Simulated time `t_ms` of a run whose time 0 is `start_unix_ms`.
    pub fn new(start_unix_ms: i64, t_ms: u64) -> IsoTime {
        IsoTime::from_unix_ms(unix_ms(start_unix_ms, t_ms))
    }

    /// An instant given as Unix epoch milliseconds.
    pub fn from_unix_ms(ms_total: i64) -> IsoTime {
        let ms = ms_total.rem_euclid(1000) as u32;
        let secs = ms_total.div_euclid(1000);
        let days = secs.div_euclid(86_400);
        let second_of_day = secs.rem_euclid(86_400) as u32;
        let (year, month, day) = civil_from_days(days);
        let mut out = IsoTime {
            buf: [0; 40],
            len: 0,
        };
        if (0..=9999).contains(&year) {
            out.digits(u64::from(year as u32), 4);
        } else {
            out.push(if year < 0 { b'-' } else { b'+' });
            let abs = year.unsigned_abs();
            let width = abs.checked_ilog10().unwrap_or(0) as usize + 1;
            out.digits(abs, width.max(4));
        }
        out.push(b'-');
        out.digits(u64::from(month), 2);
        out.push(b'-');
        out.digits(u64::from(day), 2);
        out.push(b'T');
        out.digits(u64::from(second_of_day / 3600), 2);
        out.push(b':');
        out.digits(u64::from(second_of_day / 60 % 60), 2);
        out.push(b':');
        out.digits(u64::from(second_of_day % 60), 2);
        out.push(b'.');
        out.digits(u64::from(ms), 3);
        out.push(b'Z');
        out
    }

    fn push(&mut self, b: u8) {
        self.buf[self.len as usize] = b;
        self.len += 1;
    }

    fn digits(&mut self, mut v: u64, width: usize) {
        let start = self.len as usize;
        for i in (0..width).rev() {
            self.buf[start + i] = b'0' + (v % 10) as u8;
            v /= 10;
        }
        self.len += width as u8;
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.buf[..self.len as usize]).expect("ISO time is ASCII")
    }
}

impl std::fmt::Display for IsoTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-01-01T00:00:00Z, the scenario default start time (SPEC §3).
    const START_2026: i64 = 1_767_225_600_000;

    fn iso(start: i64, t: u64) -> String {
        IsoTime::new(start, t).to_string()
    }

    #[test]
    fn scenario_default_start() {
        assert_eq!(iso(START_2026, 0), "2026-01-01T00:00:00.000Z");
        assert_eq!(iso(START_2026, 120_000), "2026-01-01T00:02:00.000Z");
        assert_eq!(iso(START_2026, 86_399_999), "2026-01-01T23:59:59.999Z");
        assert_eq!(iso(START_2026, 86_400_000), "2026-01-02T00:00:00.000Z");
        assert_eq!(days_from_civil(2026, 1, 1) * MS_PER_DAY, START_2026);
    }

    #[test]
    fn epoch_and_before() {
        assert_eq!(iso(0, 0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso(-1, 0), "1969-12-31T23:59:59.999Z");
        assert_eq!(iso(-86_400_000, 1), "1969-12-31T00:00:00.001Z");
    }

    #[test]
    fn leap_years() {
        let feb28_2024 = 1_709_078_400_000; // 2024-02-28T00:00:00Z
        assert_eq!(iso(feb28_2024, 86_400_000), "2024-02-29T00:00:00.000Z");
        assert_eq!(iso(feb28_2024, 2 * 86_400_000), "2024-03-01T00:00:00.000Z");
        assert_eq!(iso(951_782_400_000, 0), "2000-02-29T00:00:00.000Z");
        assert_eq!(iso(-2_203_891_200_000, 0), "1900-03-01T00:00:00.000Z");
        assert_eq!(
            iso(4_107_456_000_000, 86_400_000),
            "2100-03-01T00:00:00.000Z"
        );
        assert!(is_leap_year(2000) && !is_leap_year(1900) && is_leap_year(2024));
        assert!(is_date(2024, 2, 29) && !is_date(2023, 2, 29) && !is_date(2024, 13, 1));
    }

    #[test]
    fn civil_round_trips_day_by_day() {
        // Every day from 1600-01-01 to 2400-12-31 follows the previous one, both ways.
        let mut days = days_from_civil(1600, 1, 1);
        let mut expect = (1600i64, 1u32, 1u32);
        while expect.0 <= 2400 {
            assert_eq!(civil_from_days(days), expect, "days {days}");
            assert_eq!(
                days_from_civil(expect.0, i64::from(expect.1), i64::from(expect.2)),
                days
            );
            days += 1;
            let (y, m, d) = expect;
            expect = if i64::from(d) < days_in_month(y, i64::from(m)) {
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
        assert_eq!(iso(253_402_300_800_000, 0), "+10000-01-01T00:00:00.000Z");
        assert!(iso(i64::MIN, 0).starts_with("-292"));
        assert!(iso(i64::MAX, u64::MAX).ends_with('Z'));
    }
}
