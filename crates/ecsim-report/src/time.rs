//! Wall-calendar renderings of simulated time: ISO-8601 UTC strings for `time` fields and epoch
//! seconds for the API's timestamp fields, over the kernel's calendar arithmetic.

use ecsim_kernel::calendar::{self, unix_ms};
use serde::{Serialize, Serializer};

/// ISO-8601 UTC with milliseconds, e.g. `2026-01-01T00:02:00.000Z`, for simulated time `t_ms` of a
/// run whose time 0 is `start_time_unix_ms`.
pub fn iso_time(start_time_unix_ms: i64, t_ms: u64) -> String {
    IsoTime::new(start_time_unix_ms, t_ms).as_str().to_string()
}

/// API timestamps (`registeredAt`, `createdAt`, ...) as the API's JSON shows them: epoch seconds as a
/// number with a millisecond fraction (API examples: `"createdAt": 1476822811.295`).
///
/// The quotient is correctly rounded and the magnitudes involved (< 2^53 ms) keep three decimals
/// unique, so the shortest round-trip rendering is exactly the millisecond value.
pub(crate) fn epoch_seconds(start_time_unix_ms: i64, t_ms: u64) -> f64 {
    unix_ms(start_time_unix_ms, t_ms) as f64 / 1000.0
}

/// An ISO time rendered on the stack (the kernel's), serialized as a JSON string.
#[derive(Clone, Copy)]
pub(crate) struct IsoTime(calendar::IsoTime);

impl IsoTime {
    pub(crate) fn new(start_time_unix_ms: i64, t_ms: u64) -> IsoTime {
        IsoTime(calendar::IsoTime::new(start_time_unix_ms, t_ms))
    }

    pub(crate) fn as_str(&self) -> &str {
        self.0.as_str()
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
        let v = serde_json::to_string(&IsoTime::new(START_2026, 1)).unwrap();
        assert_eq!(v, "\"2026-01-01T00:00:00.001Z\"");
    }

    #[test]
    fn epoch_seconds_keep_milliseconds() {
        let v = serde_json::to_string(&epoch_seconds(START_2026, 1_295)).unwrap();
        assert_eq!(v, "1767225601.295");
        let v = serde_json::to_string(&epoch_seconds(START_2026, 0)).unwrap();
        assert_eq!(v, "1767225600.0");
    }
}
