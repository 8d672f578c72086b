//! Arena indices. Objects are never removed from their arena (tasks excepted: they live in a slab
//! and are released an hour after they stop), so an id stays meaningful for the whole run.

macro_rules! id {
    ($name:ident, $what:literal) => {
        #[doc = concat!("Index of a ", $what, " in the world's arena.")]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub u32);

        impl $name {
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    };
}

id!(ClusterId, "cluster");
id!(InstanceId, "container instance");
id!(TaskId, "task");
id!(TaskDefId, "task definition revision");
id!(GroupId, "task group name");
id!(ServiceId, "service");
id!(DeploymentId, "deployment or task set");
/// Index of an availability zone name in the world's list (Fargate tasks carry one; 16 bits, so a
/// task that has one stays small).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ZoneId(pub u16);

impl ZoneId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}
id!(
    SpecId,
    "task spec (what the tasks of one call or one deployment share)"
);

impl TaskId {
    /// The task's number in the run (from 1): its ARN ends in this as 32 hex digits (SPEC §9).
    pub fn number(self) -> u64 {
        u64::from(self.0) + 1
    }

    /// The task id of the API (the last part of the ARN): the number as 32 hex digits.
    pub fn hex(self) -> Hex32 {
        Hex32(self.number())
    }
}

impl DeploymentId {
    /// The API's Deployment.id / TaskSet.id, `ecs-svc/` + 19 digits: deployments and task sets take
    /// their numbers from one counter, in the order they are created (SPEC §9 ids are counters).
    pub fn ecs_id(self) -> EcsSvcId {
        EcsSvcId(u64::from(self.0) + 1)
    }
}

/// A number written as 32 lowercase hex digits (task and container-instance ids).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hex32(pub u64);

impl std::fmt::Display for Hex32 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:032x}", self.0)
    }
}

/// `ecs-svc/` and a number as 19 digits: the id of a deployment or task set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EcsSvcId(pub u64);

impl std::fmt::Display for EcsSvcId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ecs-svc/{:019}", self.0)
    }
}

impl EcsSvcId {
    /// Parses `ecs-svc/` + 19 digits back into the deployment it names.
    pub fn parse(s: &str) -> Option<DeploymentId> {
        let digits = s.strip_prefix("ecs-svc/")?;
        if digits.len() != 19 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let n: u64 = digits.parse().ok()?;
        u32::try_from(n.checked_sub(1)?).ok().map(DeploymentId)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_render_as_the_api_shows_them() {
        assert_eq!(
            TaskId(9).hex().to_string(),
            "0000000000000000000000000000000a"
        );
        assert_eq!(
            DeploymentId(0).ecs_id().to_string(),
            "ecs-svc/0000000000000000001"
        );
        assert_eq!(
            EcsSvcId::parse("ecs-svc/0000000000000000012"),
            Some(DeploymentId(11))
        );
        assert_eq!(EcsSvcId::parse("ecs-svc/12"), None);
        assert_eq!(EcsSvcId::parse("ecs-svc/0000000000000000000"), None);
    }
}
