//! A back-of-the-envelope check that `events.jsonl` stays fast: `cargo test --release -p
//! ecsim-report --test throughput -- --ignored --nocapture` prints lines per second.

mod fixture;

use ecsim_report::write_events;
use std::io::{self, Write};
use std::time::Instant;

/// Counts bytes, keeps nothing.
struct Sink(u64);

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
#[ignore = "timing; run in release by hand"]
fn events_per_second() {
    let mut out = fixture::run_output();
    let base = out.events.clone();
    out.events = (0..1_000_000u64)
        .map(|i| {
            let mut e = base[(i % base.len() as u64) as usize].clone();
            e.t = ecsim_kernel::SimTime(i * 37);
            e
        })
        .collect();
    let mut sink = Sink(0);
    let started = Instant::now();
    write_events(&out, &mut sink).unwrap();
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{} lines, {} MB in {:.3} s: {:.2} M lines/s",
        out.events.len(),
        sink.0 / 1_000_000,
        secs,
        out.events.len() as f64 / secs / 1e6
    );
}
