fn main() {
    let path = std::env::args().nth(1).unwrap();
    let src = std::fs::read_to_string(path).unwrap();
    match ecsim_scenario::load(&src) {
        Ok(l) => {
            println!("ok: {} actions", l.scenario.actions.len());
            for f in &l.ignored_fields {
                println!("ignored {f}");
            }
        }
        Err(es) => {
            for e in es {
                println!("{e}");
            }
        }
    }
}
