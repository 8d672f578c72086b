//! `timeseries.csv`: one row per sample per cluster and capacity provider (SPEC §9).

use crate::names::Names;
use crate::summary::round6;
use ecsim_engine::TimeseriesRow;
use std::io::{self, Write};

/// The header, in column order (SPEC §9).
pub const TIMESERIES_HEADER: [&str; 13] = [
    "t_s",
    "cluster",
    "capacity_provider",
    "instances_active",
    "instances_draining",
    "cpu_registered",
    "cpu_reserved",
    "memory_registered_mib",
    "memory_reserved_mib",
    "tasks_provisioning",
    "tasks_pending",
    "tasks_running",
    "capacity_provider_reservation",
];

/// A CapacityProviderReservation value: rounded to 6 decimals, then the shortest decimal that
/// reads back to it, without trailing zeros (`100`, `66.666667`, `87.5`).
pub(crate) fn reservation_str(x: f64) -> String {
    format!("{}", round6(x))
}

fn record(names: &Names, r: &TimeseriesRow) -> [String; 13] {
    [
        r.t_s.to_string(),
        names.cluster(r.cluster).name.to_string(),
        r.capacity_provider.as_deref().unwrap_or("-").to_string(),
        r.instances_active.to_string(),
        r.instances_draining.to_string(),
        r.cpu_registered.to_string(),
        r.cpu_reserved.to_string(),
        r.memory_registered_mib.to_string(),
        r.memory_reserved_mib.to_string(),
        r.tasks_provisioning.to_string(),
        r.tasks_pending.to_string(),
        r.tasks_running.to_string(),
        r.capacity_provider_reservation
            .map(reservation_str)
            .unwrap_or_default(),
    ]
}

/// Writes `timeseries.csv` row by row: the header first, then the rows as they come.
pub struct TimeseriesWriter<W: Write> {
    csv: csv::Writer<W>,
}

impl<W: Write> TimeseriesWriter<W> {
    pub fn new(w: W) -> io::Result<TimeseriesWriter<W>> {
        let mut csv = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(w);
        csv.write_record(TIMESERIES_HEADER).map_err(csv_error)?;
        Ok(TimeseriesWriter { csv })
    }

    pub fn row(&mut self, names: &Names, r: &TimeseriesRow) -> io::Result<()> {
        self.csv.write_record(record(names, r)).map_err(csv_error)
    }

    pub fn finish(mut self) -> io::Result<W> {
        self.csv.flush()?;
        self.csv
            .into_inner()
            .map_err(|e| io::Error::other(e.to_string()))
    }
}

pub(crate) fn csv_error(e: csv::Error) -> io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("{other:?}")),
    }
}
