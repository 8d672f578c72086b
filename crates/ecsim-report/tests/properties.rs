//! Properties of the writers over arbitrary inputs.

mod fixture;

use ecsim_engine::{EventDetail, EventRecord};
use ecsim_kernel::SimTime;
use ecsim_report::{iso_time, write_events};
use proptest::prelude::*;

proptest! {
    /// Whatever text an action error carries, its event is one line of JSON that reads back to it.
    #[test]
    fn event_strings_round_trip(action in ".*", error in "\\PC*", message in any::<String>()) {
        let mut out = fixture::run_output();
        // Error names are static in the engine; a test may leak a few.
        let error_name: &'static str = Box::leak(error.clone().into_boxed_str());
        fixture::set_events(&mut out, vec![EventRecord {
            t: SimTime(1),
            detail: EventDetail::ActionError {
                action_index: 0,
                action: std::sync::Arc::from(action.as_str()),
                label: None,
                error: error_name,
                message: message.clone(),
            },
        }]);
        let mut v = Vec::new();
        write_events(&out, &mut v).unwrap();
        let text = String::from_utf8(v).unwrap();
        prop_assert_eq!(text.matches('\n').count(), 1);
        let parsed: serde_json::Value = serde_json::from_str(text.trim_end_matches('\n')).unwrap();
        prop_assert_eq!(&parsed["detail"]["eventName"], &serde_json::Value::from(action));
        prop_assert_eq!(&parsed["detail"]["error"], &serde_json::Value::from(error));
        prop_assert_eq!(&parsed["detail"]["message"], &serde_json::Value::from(message));
    }

    /// ISO times of years 0000-9999 sort as the instants they name.
    #[test]
    fn iso_time_is_monotonic(
        start in -62_167_219_200_000i64..253_402_300_799_999 - (1 << 40),
        a in 0u64..(1 << 40),
        b in 0u64..(1 << 40),
    ) {
        let (x, y) = (iso_time(start, a), iso_time(start, b));
        prop_assert_eq!(x.len(), 24);
        prop_assert_eq!(a.cmp(&b), x.cmp(&y));
    }
}
