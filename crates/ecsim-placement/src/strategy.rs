//! Placement strategies (API: PlacementStrategy).

/// API: PlacementStrategy.field for binpack — "cpu" or "memory".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinpackField {
    Cpu,
    Memory,
}

/// API: PlacementStrategy.field for spread — `instanceId`/`host` (the instance), or an attribute.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SpreadField {
    Instance,
    Attribute(String),
}

/// One placement strategy rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PlacementStrategy {
    Binpack(BinpackField),
    Spread(SpreadField),
    Random,
}

impl PlacementStrategy {
    /// The API's type name.
    pub fn type_name(&self) -> &'static str {
        match self {
            PlacementStrategy::Binpack(_) => "binpack",
            PlacementStrategy::Spread(_) => "spread",
            PlacementStrategy::Random => "random",
        }
    }

    /// The API's field as ECS echoes it (API example: request `memory`, response `MEMORY`).
    pub fn field(&self) -> Option<String> {
        match self {
            PlacementStrategy::Binpack(BinpackField::Cpu) => Some("CPU".into()),
            PlacementStrategy::Binpack(BinpackField::Memory) => Some("MEMORY".into()),
            PlacementStrategy::Spread(SpreadField::Instance) => Some("instanceId".into()),
            PlacementStrategy::Spread(SpreadField::Attribute(a)) => Some(format!("attribute:{a}")),
            PlacementStrategy::Random => None,
        }
    }

    /// SPEC §4 defaults: a REPLICA service with no strategy spreads over AZs, then instances.
    pub fn service_default() -> Vec<PlacementStrategy> {
        vec![
            PlacementStrategy::Spread(SpreadField::Attribute("ecs.availability-zone".into())),
            PlacementStrategy::Spread(SpreadField::Instance),
        ]
    }

    /// SPEC §4 defaults: RunTask with no strategy places randomly.
    pub fn run_task_default() -> Vec<PlacementStrategy> {
        vec![PlacementStrategy::Random]
    }
}
