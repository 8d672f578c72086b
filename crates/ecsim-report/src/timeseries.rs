//! `timeseries.csv`: one row per sample per cluster and capacity provider (SPEC §9).

use crate::names::Names;
use crate::summary::round6;
use ecsim_engine::TimeseriesRow;
use std::io::{self, Write};

/// The header, in column order (SPEC §9).
pub const TIMESERIES_HEADER: [&str; 14] = [
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
    "cost_per_hour",
];

/// A CapacityProviderReservation value: rounded to 6 decimals, then the shortest decimal that
/// reads back to it, without trailing zeros (`100`, `66.666667`, `87.5`).
pub(crate) fn reservation_str(x: f64) -> String {
    format!("{}", round6(x))
}

/// One row, field by field, with numbers rendered on the stack (no allocation per row).
fn write_row<W: Write>(
    csv: &mut csv::Writer<W>,
    names: &Names,
    r: &TimeseriesRow,
) -> csv::Result<()> {
    let mut n = Digits::default();
    csv.write_field(n.u64(r.t_s))?;
    csv.write_field(&*names.cluster(r.cluster).name)?;
    csv.write_field(r.capacity_provider.as_deref().unwrap_or("-"))?;
    for v in [
        u64::from(r.instances_active),
        u64::from(r.instances_draining),
        r.cpu_registered,
        r.cpu_reserved,
        r.memory_registered_mib,
        r.memory_reserved_mib,
        u64::from(r.tasks_provisioning),
        u64::from(r.tasks_pending),
        u64::from(r.tasks_running),
    ] {
        csv.write_field(n.u64(v))?;
    }
    match r.capacity_provider_reservation {
        Some(x) => csv.write_field(reservation_str(x))?,
        None => csv.write_field("")?,
    }
    let mut buf = [0u8; 40];
    csv.write_field(decimal6(&mut buf, r.cost_per_hour))?;
    csv.write_record(None::<&[u8]>)
}

/// `x` rounded to 6 decimals, as its shortest decimal (`0`, `0.192`, `1.536`), rendered into `buf`
/// (no allocation per row).
fn decimal6(buf: &mut [u8; 40], x: f64) -> &[u8] {
    let mut cursor = std::io::Cursor::new(&mut buf[..]);
    // 40 bytes hold any f64's shortest rendering.
    let _ = write!(cursor, "{}", round6(x));
    let n = cursor.position() as usize;
    &buf[..n]
}

/// An unsigned integer's decimal digits, rendered into a buffer of its own.
#[derive(Default)]
pub(crate) struct Digits {
    buf: [u8; 20],
}

impl Digits {
    pub(crate) fn u64(&mut self, mut v: u64) -> &[u8] {
        let mut i = self.buf.len();
        loop {
            i -= 1;
            self.buf[i] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        &self.buf[i..]
    }
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
        write_row(&mut self.csv, names, r).map_err(csv_error)
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
