//! The deterministic kernel: simulated time and the calendar, the event queue, named random streams,
//! the run fingerprint, and a slab for objects released out of order.
//!
//! It knows nothing of ECS. Everything above it gets its order of events and its randomness from here,
//! which is what makes one seed reproduce a whole run to the byte.

pub mod calendar;
pub mod dist;
pub mod fingerprint;
pub mod queue;
pub mod random;
pub mod slab;
pub mod time;

pub use dist::Distribution;
pub use fingerprint::Fingerprint;
pub use queue::{EventKey, EventQueue};
pub use random::{RandomStreams, Stream};
pub use slab::Slab;
pub use time::{SimDuration, SimTime, Stamp};
