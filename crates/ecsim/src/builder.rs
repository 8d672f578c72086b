//! Scenarios in code. The builder writes the scenario document a user would write — actions
//! whose inputs are the ECS API's request bodies — and loads it, so every default, id and ARN is
//! the loader's and every mistake gets the loader's error.

use crate::{Error, Scenario};
use serde_json::{json, Map, Value};

/// Builds a [`Scenario`]: [`Scenario::builder`], then clusters, fleets, task definitions,
/// services, any other action ([`ScenarioBuilder::action`]) and assertions, then
/// [`ScenarioBuilder::build`]. Actions are kept in the order they are added; a cluster, fleet or
/// task definition is added at time 0 unless said otherwise.
#[derive(Clone, Debug)]
pub struct ScenarioBuilder {
    doc: Map<String, Value>,
    actions: Vec<Value>,
    assertions: Vec<Value>,
    /// The cluster that later calls refer to (the last one added).
    cluster: Option<String>,
}

impl ScenarioBuilder {
    pub(crate) fn new(name: &str) -> ScenarioBuilder {
        let mut doc = Map::new();
        doc.insert("schemaVersion".into(), json!(1));
        doc.insert("name".into(), json!(name));
        ScenarioBuilder {
            doc,
            actions: Vec::new(),
            assertions: Vec::new(),
            cluster: None,
        }
    }

    /// The run's seed (default: the loader's).
    pub fn seed(mut self, seed: u64) -> Self {
        self.doc.insert("seed".into(), json!(seed));
        self
    }

    /// How long the run lasts, as the scenario writes it (`"2h"`, `"1d"`).
    pub fn horizon(mut self, horizon: &str) -> Self {
        self.doc.insert("horizon".into(), json!(horizon));
        self
    }

    /// How often `timeseries.csv` and `services.csv` are sampled (`"60s"`).
    pub fn sample_interval(mut self, interval: &str) -> Self {
        self.doc.insert("sampleInterval".into(), json!(interval));
        self
    }

    /// Any top-level member of the scenario (`region`, `timings`, `pricing`, `faults`, …).
    pub fn top_level(mut self, key: &str, value: Value) -> Self {
        self.doc.insert(key.into(), value);
        self
    }

    /// CreateCluster at time 0; later fleets and services go to it.
    pub fn cluster(mut self, name: &str) -> Self {
        self.actions
            .push(json!({ "at": 0, "action": "CreateCluster",
            "input": { "clusterName": name } }));
        self.cluster = Some(name.to_string());
        self
    }

    /// LaunchContainerInstances at time 0 into the current cluster: `count` instances of
    /// `instance_type`, round-robin over `zones`.
    pub fn fleet(mut self, instance_type: &str, count: u32, zones: &[&str]) -> Self {
        let cluster = self.current_cluster();
        self.actions
            .push(json!({ "at": 0, "action": "LaunchContainerInstances",
            "input": { "cluster": cluster, "instanceType": instance_type, "count": count,
                       "availabilityZones": zones } }));
        self
    }

    /// RegisterTaskDefinition at time 0.
    pub fn task_definition(mut self, td: TaskDefinition) -> Self {
        let mut action = json!({ "at": 0, "action": "RegisterTaskDefinition", "input": td.input });
        if let Some(sim) = td.simulation {
            action["simulation"] = sim;
        }
        self.actions.push(action);
        self
    }

    /// CreateService in the current cluster.
    pub fn service(mut self, s: Service) -> Self {
        let mut input = s.input;
        input["cluster"] = json!(self.current_cluster());
        let mut action = json!({ "at": s.at, "action": "CreateService", "input": input });
        if let Some(sim) = s.simulation {
            action["simulation"] = sim;
        }
        self.actions.push(action);
        self
    }

    /// Any action at `at` (seconds as a number, or a duration string) with its request body, as
    /// the scenario writes it (see [`ScenarioBuilder::current_cluster`] for its `cluster`).
    pub fn action(mut self, at: impl Into<Value>, action: &str, input: Value) -> Self {
        self.actions
            .push(json!({ "at": at.into(), "action": action, "input": input }));
        self
    }

    /// An assertion, as the scenario writes it (`{"type": "minHealthyTasks", …}`).
    pub fn assertion(mut self, assertion: Value) -> Self {
        self.assertions.push(assertion);
        self
    }

    /// The current cluster's name (`default` when none was added, as ECS names it).
    pub fn current_cluster(&self) -> String {
        self.cluster
            .clone()
            .unwrap_or_else(|| "default".to_string())
    }

    /// The scenario document as built so far.
    pub fn document(&self) -> Value {
        let mut doc = self.doc.clone();
        doc.insert("actions".into(), Value::Array(self.actions.clone()));
        if !self.assertions.is_empty() {
            doc.insert("assertions".into(), Value::Array(self.assertions.clone()));
        }
        Value::Object(doc)
    }

    /// Validates and lowers the scenario, as `ecsim validate` would.
    pub fn build(self) -> Result<Scenario, Error> {
        Scenario::from_value(self.document())
    }
}

/// A task definition (RegisterTaskDefinition's request body), built container by container.
#[derive(Clone, Debug)]
pub struct TaskDefinition {
    input: Value,
    simulation: Option<Value>,
}

impl TaskDefinition {
    /// A task definition of `family` with no containers yet.
    pub fn new(family: &str) -> TaskDefinition {
        TaskDefinition {
            input: json!({ "family": family, "containerDefinitions": [] }),
            simulation: None,
        }
    }

    /// An essential container with its CPU units and memory (MiB) reservation.
    pub fn container(mut self, name: &str, cpu: u32, memory_mib: u32) -> Self {
        self.containers()
            .push(json!({ "name": name, "image": name, "cpu": cpu,
            "memory": memory_mib }));
        self
    }

    /// A port mapping on the last container: `containerPort`, host port dynamic (bridge mode).
    pub fn port(mut self, container_port: u16) -> Self {
        if let Some(c) = self.containers().last_mut() {
            let mappings = c
                .as_object_mut()
                .expect("a container")
                .entry("portMappings")
                .or_insert_with(|| json!([]));
            mappings
                .as_array_mut()
                .expect("an array")
                .push(json!({ "containerPort": container_port, "hostPort": 0 }));
        }
        self
    }

    /// Any member of the request body (`networkMode`, `placementConstraints`, `cpu`, …).
    pub fn field(mut self, key: &str, value: Value) -> Self {
        self.input[key] = value;
        self
    }

    /// The action's `simulation` block (run durations, failure probabilities, timings).
    pub fn simulation(mut self, simulation: Value) -> Self {
        self.simulation = Some(simulation);
        self
    }

    fn containers(&mut self) -> &mut Vec<Value> {
        self.input["containerDefinitions"]
            .as_array_mut()
            .expect("containerDefinitions is an array")
    }
}

/// A REPLICA service (CreateService's request body) created at time 0 unless [`Service::at`].
#[derive(Clone, Debug)]
pub struct Service {
    input: Value,
    at: Value,
    simulation: Option<Value>,
}

impl Service {
    /// `name` running `desired` tasks of `task_definition` (a family, `family:revision` or ARN).
    pub fn new(name: &str, task_definition: &str, desired: u32) -> Service {
        Service {
            input: json!({ "serviceName": name, "taskDefinition": task_definition,
                "desiredCount": desired }),
            at: json!(0),
            simulation: None,
        }
    }

    /// When the service is created (a duration string or seconds).
    pub fn at(mut self, at: impl Into<Value>) -> Self {
        self.at = at.into();
        self
    }

    /// `deploymentConfiguration`'s minimum healthy and maximum percent.
    pub fn deployment(mut self, minimum_healthy_percent: u32, maximum_percent: u32) -> Self {
        self.input["deploymentConfiguration"] = json!({
            "minimumHealthyPercent": minimum_healthy_percent, "maximumPercent": maximum_percent });
        self
    }

    /// `placementStrategy`, as the API writes it (`[{"type": "binpack", "field": "memory"}]`).
    pub fn placement_strategy(mut self, strategy: Value) -> Self {
        self.input["placementStrategy"] = strategy;
        self
    }

    /// Any member of the request body.
    pub fn field(mut self, key: &str, value: Value) -> Self {
        self.input[key] = value;
        self
    }

    /// The action's `simulation` block.
    pub fn simulation(mut self, simulation: Value) -> Self {
        self.simulation = Some(simulation);
        self
    }
}
