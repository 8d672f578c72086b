//! `services.csv`: one row per sample per service (SPEC §9).

use crate::ecs::service::service;
use crate::timeseries::csv_error;
use ecsim_engine::{RunOutput, ServiceRow};
use std::io::{self, Write};

/// The header, in column order (SPEC §9).
pub const SERVICES_HEADER: [&str; 10] = [
    "t_s",
    "cluster",
    "service",
    "desired",
    "pending",
    "running",
    "healthy",
    "primary_running",
    "deployments",
    "below_min_healthy",
];

/// Cluster and service by name; `below_min_healthy` as 0 or 1.
fn record(out: &RunOutput, r: &ServiceRow) -> [String; 10] {
    let s = service(out, r.service);
    debug_assert_eq!(s.cluster, r.cluster, "service row of another cluster");
    [
        r.t_s.to_string(),
        out.world.cluster(r.cluster).name.clone(),
        s.name.clone(),
        r.desired.to_string(),
        r.pending.to_string(),
        r.running.to_string(),
        r.healthy.to_string(),
        r.primary_running.to_string(),
        r.deployments.to_string(),
        u8::from(r.below_min_healthy).to_string(),
    ]
}

/// Writes `services.csv`: the header, then the rows in the run's order (only the header when the
/// run has no service).
pub fn write_services(out: &RunOutput, w: impl Write) -> io::Result<()> {
    let mut csv = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(w);
    csv.write_record(SERVICES_HEADER).map_err(csv_error)?;
    for r in &out.service_rows {
        csv.write_record(record(out, r)).map_err(csv_error)?;
    }
    csv.flush()
}
