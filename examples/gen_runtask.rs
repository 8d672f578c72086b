//! Prints the end-to-end performance workload as a scenario file:
//! `cargo run --release --example gen_runtask -- INSTANCES TASKS > runtask.json`
//! (defaults: 5000 instances, 100000 tasks).

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("a whole number"))
        .collect();
    let instances = args.first().copied().unwrap_or(5000);
    let tasks = args.get(1).copied().unwrap_or(100_000);
    print!("{}", ecsim_tests::runtask_scenario_json(instances, tasks));
}
