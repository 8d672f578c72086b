//! Arena indices. Objects are never removed from their arena, so an id stays valid for the whole run.

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
