//! A container instance seen through the query language's eyes.

use ecsim_model::{ContainerInstance, World};

/// An instance plus the world it lives in (for task-group names).
#[derive(Clone, Copy)]
pub struct InstanceRef<'a> {
    pub world: &'a World,
    pub instance: &'a ContainerInstance,
}

impl ecsim_query::InstanceView for InstanceRef<'_> {
    fn attribute(&self, name: &str) -> Option<Option<&str>> {
        self.instance.attribute(name)
    }
    fn agent_connected(&self) -> bool {
        self.instance.agent_connected
    }
    fn agent_version(&self) -> &str {
        &self.instance.agent_version
    }
    fn ec2_instance_id(&self) -> &str {
        &self.instance.ec2_instance_id
    }
    fn registered_at_ms(&self) -> i64 {
        self.world.start_time_unix_ms + self.instance.registered_at.ms() as i64
    }
    fn running_tasks_count(&self) -> u32 {
        self.instance.running_tasks_count
    }
    fn has_task_group(&self, group: &str) -> bool {
        match self.world.group_id(group) {
            Some(g) => self.instance.group_count(g) > 0,
            None => false,
        }
    }
    fn task_groups(&self) -> Vec<&str> {
        self.instance
            .group_counts
            .iter()
            .map(|&(g, _)| self.world.group_name(g))
            .collect()
    }
}
