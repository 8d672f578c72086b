fn main() {
    for e in [
        "runningTasksCount >= many",
        "attribute:stack === prod",
        "attribute:stack == prod and",
        "foo == bar",
        "attribute:ecs.instance-type =~ t2.* andd x",
    ] {
        println!("{e:?} -> {:?}", ecsim_query::Expression::parse(e).err());
    }
}
