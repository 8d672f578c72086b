//! `services.csv`: one row per sample per service (SPEC §9).

use crate::names::Names;
use crate::timeseries::{csv_error, Digits};
use ecsim_engine::ServiceRow;
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

/// Cluster and service by name; `below_min_healthy` as 0 or 1; numbers rendered on the stack.
fn write_row<W: Write>(csv: &mut csv::Writer<W>, names: &Names, r: &ServiceRow) -> csv::Result<()> {
    let s = names.service(r.service);
    debug_assert_eq!(s.cluster, r.cluster, "service row of another cluster");
    let mut n = Digits::default();
    csv.write_field(n.u64(r.t_s))?;
    csv.write_field(&*names.cluster(r.cluster).name)?;
    csv.write_field(&*s.name)?;
    for v in [
        r.desired,
        r.pending,
        r.running,
        r.healthy,
        r.primary_running,
        r.deployments,
        u32::from(r.below_min_healthy),
    ] {
        csv.write_field(n.u64(u64::from(v)))?;
    }
    csv.write_record(None::<&[u8]>)
}

/// Writes `services.csv` row by row: the header first (only the header when the run has no
/// service), then the rows as they come.
pub struct ServicesWriter<W: Write> {
    csv: csv::Writer<W>,
}

impl<W: Write> ServicesWriter<W> {
    pub fn new(w: W) -> io::Result<ServicesWriter<W>> {
        let mut csv = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(w);
        csv.write_record(SERVICES_HEADER).map_err(csv_error)?;
        Ok(ServicesWriter { csv })
    }

    pub fn row(&mut self, names: &Names, r: &ServiceRow) -> io::Result<()> {
        write_row(&mut self.csv, names, r).map_err(csv_error)
    }

    pub fn finish(mut self) -> io::Result<W> {
        self.csv.flush()?;
        self.csv
            .into_inner()
            .map_err(|e| io::Error::other(e.to_string()))
    }
}
