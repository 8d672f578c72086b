//! Prints the services performance workload as a scenario file:
//! `cargo run --release --example gen_services -- INSTANCES SERVICES > services.json`
//! (defaults: 1000 instances, 200 services, each redeployed once, one simulated day).

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("a whole number"))
        .collect();
    let instances = args.first().copied().unwrap_or(1000);
    let services = args.get(1).copied().unwrap_or(200);
    print!(
        "{}",
        ecsim_tests::services_scenario_json(instances, services)
    );
}
