//! `aws ec2 describe-instance-image-metadata` (`InstanceImageMetadata`, seed 001): the EC2 view
//! of each instance, joined by `InstanceId` to the container instance of the same
//! `ec2InstanceId` for its type, zone and AMI.

use super::{req_str, Errors, Item};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The EC2 metadata by instance id (a later element for an id wins).
pub(super) struct Ec2Instances<'a>(BTreeMap<&'a str, Ec2Metadata<'a>>);

/// One element of the output.
#[derive(Clone, Copy)]
pub(super) struct Ec2Metadata<'a>(&'a Map<String, Value>);

pub(super) fn by_instance_id<'a>(items: &'a [Item], errors: &mut Errors) -> Ec2Instances<'a> {
    let mut ec2 = BTreeMap::new();
    for item in items {
        if let Some(id) = req_str(item, "InstanceId", errors) {
            ec2.insert(id, Ec2Metadata(item.value));
        }
    }
    Ec2Instances(ec2)
}

impl<'a> Ec2Instances<'a> {
    pub fn get(&self, ec2_instance_id: &str) -> Option<Ec2Metadata<'a>> {
        self.0.get(ec2_instance_id).copied()
    }

    /// How many of the instances `joined` says have no container instance.
    pub fn unjoined(&self, joined: impl Fn(&str) -> bool) -> usize {
        self.0.keys().filter(|id| !joined(id)).count()
    }
}

impl Ec2Metadata<'_> {
    fn str(&self, key: &str) -> Option<String> {
        self.0.get(key).and_then(Value::as_str).map(str::to_string)
    }

    pub fn instance_type(&self) -> Option<String> {
        self.str("InstanceType")
    }

    pub fn availability_zone(&self) -> Option<String> {
        self.str("AvailabilityZone")
    }

    pub fn image_id(&self) -> Option<String> {
        self.0
            .get("ImageMetadata")
            .and_then(|m| m.get("ImageId"))
            .and_then(Value::as_str)
            .map(str::to_string)
    }

    pub fn has_launch_time(&self) -> bool {
        self.0.get("LaunchTime").is_some()
    }

    pub fn has_tags(&self) -> bool {
        self.0
            .get("Tags")
            .and_then(Value::as_array)
            .is_some_and(|t| !t.is_empty())
    }
}
