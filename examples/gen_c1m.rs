//! Prints the C1M shape as a scenario file:
//! `cargo run --release --example gen_c1m -- INSTANCES SERVICES TASKS > c1m.json`
//! (defaults: 5000 m5.2xlarge, 1000 services of 1000 tasks: a million placements).

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("a whole number"))
        .collect();
    let instances = args.first().copied().unwrap_or(5000);
    let services = args.get(1).copied().unwrap_or(1000);
    let tasks = args.get(2).copied().unwrap_or(1000);
    print!(
        "{}",
        ecsim_tests::c1m_scenario_json(instances, services, tasks)
    );
}
