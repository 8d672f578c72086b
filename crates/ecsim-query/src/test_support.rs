//! A container instance built in a line for unit tests, and a parse-and-evaluate helper.

use crate::{Expression, InstanceView};

#[derive(Clone, Debug)]
pub(crate) struct Instance {
    attributes: Vec<(String, Option<String>)>,
    connected: bool,
    agent_version: String,
    ec2_instance_id: String,
    registered_at_ms: i64,
    running_tasks_count: u32,
    task_groups: Vec<String>,
}

impl Instance {
    /// A connected instance running agent 1.17.3, registered at the epoch, with no attributes
    /// and no tasks.
    pub(crate) fn new() -> Instance {
        Instance {
            attributes: Vec::new(),
            connected: true,
            agent_version: "1.17.3".to_string(),
            ec2_instance_id: "i-0000000000000001".to_string(),
            registered_at_ms: 0,
            running_tasks_count: 0,
            task_groups: Vec::new(),
        }
    }

    pub(crate) fn attribute(mut self, name: &str, value: &str) -> Instance {
        self.attributes
            .push((name.to_string(), Some(value.to_string())));
        self
    }

    /// An attribute present without a value, like the `com.amazonaws.ecs.capability.*` ones.
    pub(crate) fn flag(mut self, name: &str) -> Instance {
        self.attributes.push((name.to_string(), None));
        self
    }

    pub(crate) fn connected(mut self, connected: bool) -> Instance {
        self.connected = connected;
        self
    }

    pub(crate) fn agent_version(mut self, version: &str) -> Instance {
        self.agent_version = version.to_string();
        self
    }

    pub(crate) fn ec2_instance_id(mut self, id: &str) -> Instance {
        self.ec2_instance_id = id.to_string();
        self
    }

    pub(crate) fn registered_at_ms(mut self, ms: i64) -> Instance {
        self.registered_at_ms = ms;
        self
    }

    pub(crate) fn running_tasks_count(mut self, count: u32) -> Instance {
        self.running_tasks_count = count;
        self
    }

    pub(crate) fn task_group(mut self, group: &str) -> Instance {
        self.task_groups.push(group.to_string());
        self
    }
}

impl InstanceView for Instance {
    fn attribute(&self, name: &str) -> Option<Option<&str>> {
        self.attributes
            .iter()
            .find(|(candidate, _)| candidate == name)
            .map(|(_, value)| value.as_deref())
    }

    fn agent_connected(&self) -> bool {
        self.connected
    }

    fn agent_version(&self) -> &str {
        &self.agent_version
    }

    fn ec2_instance_id(&self) -> &str {
        &self.ec2_instance_id
    }

    fn registered_at_ms(&self) -> i64 {
        self.registered_at_ms
    }

    fn running_tasks_count(&self) -> u32 {
        self.running_tasks_count
    }

    fn has_task_group(&self, group: &str) -> bool {
        self.task_groups.iter().any(|candidate| candidate == group)
    }

    fn task_groups(&self) -> Vec<&str> {
        self.task_groups.iter().map(String::as_str).collect()
    }
}

/// Parses `expression` (panicking on a parse error: the test is wrong) and evaluates it.
pub(crate) fn holds(expression: &str, instance: &Instance) -> bool {
    Expression::parse(expression)
        .unwrap_or_else(|error| panic!("{expression:?} should parse: {error}"))
        .matches(instance)
}
