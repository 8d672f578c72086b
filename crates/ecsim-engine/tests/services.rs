//! Services end to end through the engine (SPEC §7).

mod support;

use ecsim_engine::service::*;
use ecsim_engine::*;
use ecsim_model::*;
use support::*;

fn base(desired: u32, min: u32, max: u32) -> Scenario {
    let mut sc = Scenario::new("svc");
    cluster(&mut sc, "prod");
    launch(&mut sc, at(0), "prod", "m5.large", 6, &["us-east-1a", "us-east-1b", "us-east-1c"]);
    register(&mut sc, at(0), task_def("web", vec![container("app", 256, 512, &[(80, 0)])], TaskSimulation::default()));
    register(&mut sc, at(0), task_def("web", vec![container("app", 256, 512, &[(80, 0)])], TaskSimulation::default()));
    create_service(&mut sc, at(120), "prod", "web", "web:1", desired, percent(min, max));
    horizon(&mut sc, 3600);
    sc
}

#[test]
fn smoke() {
    let mut sc = base(6, 100, 200);
    update_service(&mut sc, at(1200), UpdateService { cluster: "prod".into(), service: "web".into(), task_definition: Some("web:2".into()), ..Default::default() });
    let out = run(&sc);
    for (t, m) in service_messages(&out) {
        println!("{t} {m}");
    }
    for d in &out.deployments {
        println!("{:?}", d);
    }
    println!("{:?}", out.services[0].record);
    panic!();
}
