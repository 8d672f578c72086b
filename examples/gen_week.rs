//! Prints the simulated week as a scenario file:
//! `cargo run --release --example gen_week -- INSTANCES SERVICES TASKS DAYS > week.json`
//! (defaults: 5000 m5.xlarge, 1000 services of 50 tasks, each redeployed daily, 7 days).

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("a whole number"))
        .collect();
    let instances = args.first().copied().unwrap_or(5000);
    let services = args.get(1).copied().unwrap_or(1000);
    let tasks = args.get(2).copied().unwrap_or(50);
    let days = args.get(3).copied().unwrap_or(7) as u64;
    print!(
        "{}",
        ecsim_tests::week_scenario_json(instances, services, tasks, days)
    );
}
