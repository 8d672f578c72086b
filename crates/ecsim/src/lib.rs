//! ecsim as a library: a deterministic simulator of Amazon ECS task placement and scheduling.
//!
//! A [`Scenario`] is what `ecsim run` reads: actions at times whose inputs are the ECS API's own
//! request bodies. Load one from JSON ([`Scenario::from_json`], [`Scenario::from_file`]) or build
//! one in code ([`Scenario::builder`]: the builder writes the same request bodies, so the loader
//! fills ids, ARNs and defaults exactly as it does for a file). Change it the way a sweep variant
//! does ([`Scenario::set`], RFC 6901 pointers), run it ([`Scenario::run`]), and read the
//! [`Outcome`]: the summary's figures, every event in order, each service's healthy count over
//! time, and checks of your own invariants over them.
//!
//! ```
//! use ecsim::{Scenario, Service, TaskDefinition};
//!
//! let scenario = Scenario::builder("web-on-six")
//!     .seed(7)
//!     .horizon("1h")
//!     .cluster("prod")
//!     .fleet("m5.large", 6, &["us-east-1a", "us-east-1b", "us-east-1c"])
//!     .task_definition(TaskDefinition::new("web").container("app", 256, 512).port(80))
//!     .service(Service::new("web", "web", 6).at("2m"))
//!     .build()
//!     .expect("a valid scenario");
//! let outcome = scenario.run();
//! assert_eq!(outcome.summary().counts.placements, 6);
//! // Once steady, `web` never drops below 6 healthy tasks: nothing disturbs it.
//! assert!(outcome.min_healthy("web", "10m", "1h").unwrap() >= 6);
//! ```
//!
//! With the `proptest` feature (on by default), [`strategies`] generates fleets, task
//! definitions, services, deployment configurations and fault plans, so a property reads:
//!
//! ```
//! use ecsim::strategies::fault_plans;
//! use ecsim::{Scenario, Service, TaskDefinition};
//! use proptest::prelude::*;
//!
//! proptest! {
//!     #![proptest_config(ProptestConfig::with_cases(4))]
//!     // In a test file this function would carry `#[test]`.
//!     fn web_keeps_two_healthy(plan in fault_plans(6, 1, "10m", "50m")) {
//!         let mut b = Scenario::builder("web")
//!             .horizon("1h")
//!             .cluster("prod")
//!             .fleet("m5.large", 6, &["us-east-1a", "us-east-1b", "us-east-1c"])
//!             .task_definition(TaskDefinition::new("web").container("app", 256, 512))
//!             .service(Service::new("web", "web", 6).at("2m").deployment(50, 200));
//!         b = plan.apply(b);
//!         let outcome = b.build().unwrap().run();
//!         prop_assert!(outcome.min_healthy("web", "10m", "1h").unwrap() >= 2);
//!     }
//! }
//! web_keeps_two_healthy();
//! ```
//!
//! The crates underneath (`ecsim_engine`, `ecsim_scenario`, …) stay available through
//! [`engine`], [`loader`] and [`model`] for what this facade does not cover.

#![warn(missing_docs)]

mod builder;
mod error;
mod outcome;
mod scenario;
#[cfg(feature = "proptest")]
pub mod strategies;

pub use builder::{ScenarioBuilder, Service, TaskDefinition};
pub use error::Error;
pub use outcome::{Outcome, Violation};
pub use scenario::Scenario;

/// The engine: its types (`RunSummary`, `EventDetail`, …) and [`engine::Engine`] for runs driven
/// step by step or streamed to a sink.
pub use ecsim_engine as engine;
/// The cluster model (instances, tasks, ids).
pub use ecsim_model as model;
/// The scenario loader (`ecsim_scenario::load`).
pub use ecsim_scenario as loader;
