//! Prints the managed-scaling day as a scenario file:
//! `cargo run --release --example gen_managed_day -- INSTANCES SERVICES managed|fixed > day.json`
//! (defaults: at most 2000 m5.xlarge in four groups, 500 services, managed).

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let number = |k: usize, default: usize| {
        args.get(k)
            .map(|a| a.parse().expect("a whole number"))
            .unwrap_or(default)
    };
    let managed = args.get(2).is_none_or(|a| a != "fixed");
    print!(
        "{}",
        ecsim_tests::managed_day_scenario_json(number(0, 2000), number(1, 500), managed)
    );
}
