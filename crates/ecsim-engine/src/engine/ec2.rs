//! The EC2 instances behind the fleet as EC2 sees them, and DescribeInstanceImageMetadata over
//! them (SPEC §13.1): launch time, zone, tags, state and image, kept from launch until an hour
//! after termination.

use super::cx::Cx;
use super::tasks::STOPPED_VISIBLE;
use crate::action::{Ec2Filter, Ec2FilterName};
use crate::record::{Ec2ImageMetadata, InstanceImageMetadata, SnapshotResponse};
use ecsim_kernel::calendar::IsoTime;
use ecsim_kernel::SimTime;
use ecsim_model::InstanceId;
use std::sync::Arc;

/// EC2's instance states with their codes (EC2 API: InstanceState).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ec2State {
    Pending,
    Running,
    Terminated,
}

impl Ec2State {
    pub fn code(self) -> u32 {
        match self {
            Ec2State::Pending => 0,
            Ec2State::Running => 16,
            Ec2State::Terminated => 48,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Ec2State::Pending => "pending",
            Ec2State::Running => "running",
            Ec2State::Terminated => "terminated",
        }
    }
}

/// One EC2 instance, from its launch (or registration with an EC2 id) on.
#[derive(Clone, Debug)]
pub(crate) struct Ec2Instance {
    pub ec2_instance_id: String,
    pub instance_type: Arc<str>,
    pub launched_at: SimTime,
    pub availability_zone: Arc<str>,
    /// None: registered without an `ecs.ami-id` attribute.
    pub image_id: Option<Arc<str>>,
    pub tags: Arc<[(String, String)]>,
    /// The container instance it became; None while it boots (or if it never registered).
    pub instance: Option<InstanceId>,
    /// It booted (a launch that never registers, its cluster gone, is still running).
    pub booted: bool,
    /// Terminated before it registered (its zone failed while it booted).
    pub aborted_at: Option<SimTime>,
}

/// Every EC2 instance of the run, in launch order.
#[derive(Default)]
pub(crate) struct Ec2 {
    instances: Vec<Ec2Instance>,
}

impl Ec2 {
    /// Records a launch (or a registration); returns its position.
    pub fn push(&mut self, instance: Ec2Instance) -> usize {
        self.instances.push(instance);
        self.instances.len() - 1
    }

    pub fn booted(&mut self, at: usize, instance: Option<InstanceId>) {
        let e = &mut self.instances[at];
        e.booted = true;
        e.instance = instance;
    }

    pub fn aborted(&mut self, at: usize, now: SimTime) {
        self.instances[at].aborted_at = Some(now);
    }

    /// Its state now, and when it terminated.
    fn state(cx: &Cx, e: &Ec2Instance) -> (Ec2State, Option<SimTime>) {
        if let Some(t) = e.aborted_at {
            return (Ec2State::Terminated, Some(t));
        }
        if let Some(i) = e.instance {
            let inst = cx.world.instance(i);
            if inst.terminated {
                return (Ec2State::Terminated, inst.deregistered_at.get());
            }
        }
        if e.booted {
            (Ec2State::Running, None)
        } else {
            (Ec2State::Pending, None)
        }
    }

    /// DescribeInstanceImageMetadata: the instances (RULE: terminated ones for an hour after
    /// their termination) that `ids` names (every one when empty) and every filter matches, a
    /// page of at most `max_results` (default 1000) after the one `next_token` names. Returns the
    /// response, or the ids that name no listed instance (`InvalidInstanceID.NotFound`).
    pub fn describe(
        &self,
        cx: &Cx,
        ids: &[String],
        filters: &[Ec2Filter],
        max_results: Option<u32>,
        next_token: Option<&str>,
    ) -> Result<SnapshotResponse, Vec<String>> {
        let listed: Vec<(usize, InstanceImageMetadata)> = self
            .instances
            .iter()
            .enumerate()
            .filter_map(|(n, e)| {
                let (state, ended) = Self::state(cx, e);
                let gone = ended.is_some_and(|t| cx.now.since(t) > STOPPED_VISIBLE);
                (!gone).then(|| (n, element(cx, e, state)))
            })
            .collect();
        let missing: Vec<String> = ids
            .iter()
            .filter(|id| !listed.iter().any(|(_, m)| &m.instance_id == *id))
            .cloned()
            .collect();
        if !missing.is_empty() {
            return Err(missing);
        }
        // RULE: the token names the position of the last instance returned, so it stays valid in
        // any later query; a token ecsim did not issue starts at the first page.
        let after = next_token
            .and_then(|t| t.strip_prefix(TOKEN_PREFIX))
            .and_then(|n| n.parse::<usize>().ok());
        let page = max_results.unwrap_or(1000).clamp(1, 1000) as usize;
        let mut matching = listed
            .into_iter()
            .filter(|(n, _)| after.is_none_or(|a| *n > a))
            .filter(|(_, m)| ids.is_empty() || ids.contains(&m.instance_id))
            .filter(|(_, m)| {
                filters
                    .iter()
                    .all(|f| f.values.iter().any(|v| matches(f, v, m)))
            });
        let items: Vec<(usize, InstanceImageMetadata)> = matching.by_ref().take(page).collect();
        let more = matching.next().is_some();
        let next_token = match (more, items.last()) {
            (true, Some((n, _))) => Some(format!("{TOKEN_PREFIX}{n}")),
            _ => None,
        };
        Ok(SnapshotResponse::DescribeInstanceImageMetadata {
            instance_image_metadata: items.into_iter().map(|(_, m)| m).collect(),
            next_token,
        })
    }
}

const TOKEN_PREFIX: &str = "ecsim-instance-after-";

/// The response element for `e` (SPEC §13.1).
fn element(cx: &Cx, e: &Ec2Instance, state: Ec2State) -> InstanceImageMetadata {
    let s = &cx.scenario;
    let image = e.image_id.as_deref().map(|id| match s.amis.get(id) {
        Some(a) => Ec2ImageMetadata {
            image_id: id.to_string(),
            known: Some(a.clone()),
        },
        None => Ec2ImageMetadata {
            image_id: id.to_string(),
            known: None,
        },
    });
    InstanceImageMetadata {
        instance_id: e.ec2_instance_id.clone(),
        instance_type: e.instance_type.to_string(),
        launch_time: IsoTime::new(s.start_time_unix_ms, e.launched_at.ms())
            .as_str()
            .to_string(),
        availability_zone: e.availability_zone.to_string(),
        zone_id: zone_id(&e.availability_zone),
        state,
        owner_id: s.account_id.clone(),
        tags: Arc::clone(&e.tags),
        image,
    }
}

/// The zone's id: the region's short name and the zone letter's position (RULE: `us-east-1a` is
/// `use1-az1`, `eu-west-2c` is `euw2-az3`, `ap-southeast-1b` is `apse1-az2`).
pub fn zone_id(zone: &str) -> String {
    let Some(letter) = zone.bytes().last().filter(u8::is_ascii_lowercase) else {
        return zone.to_string();
    };
    let region = &zone[..zone.len() - 1];
    let mut short = String::new();
    let parts: Vec<&str> = region.split('-').collect();
    for (k, part) in parts.iter().enumerate() {
        if k == 0 || k + 1 == parts.len() {
            short.push_str(part);
        } else {
            // AWS's short names: northeast is ne, southeast se, central c, east e, ...
            for compass in ["north", "south"] {
                if let Some(rest) = part.strip_prefix(compass) {
                    short.push_str(&compass[..1]);
                    short.push_str(&rest[..rest.len().min(1)]);
                }
            }
            if !part.starts_with("north") && !part.starts_with("south") {
                short.push_str(&part[..part.len().min(1)]);
            }
        }
    }
    format!("{short}-az{}", letter - b'a' + 1)
}

/// Whether filter `f`'s value `v` matches `m` (EC2 API: Filter; names case-sensitive).
fn matches(f: &Ec2Filter, v: &str, m: &InstanceImageMetadata) -> bool {
    match &f.name {
        Ec2FilterName::AvailabilityZone => m.availability_zone == v,
        Ec2FilterName::InstanceId => m.instance_id == v,
        // No Allowed-AMIs policy is simulated: every image is allowed.
        Ec2FilterName::ImageAllowed => v == "true",
        Ec2FilterName::InstanceStateName => m.state.name() == v,
        Ec2FilterName::InstanceType => m.instance_type == v,
        Ec2FilterName::LaunchTime => wildcard(v, &m.launch_time),
        Ec2FilterName::OwnerAlias => m
            .image
            .as_ref()
            .and_then(|i| i.known.as_ref())
            .is_some_and(|a| a.ec2.owner_alias == v),
        Ec2FilterName::OwnerId => m
            .image
            .as_ref()
            .and_then(|i| i.known.as_ref())
            .is_some_and(|a| a.ec2.owner_id == v),
        Ec2FilterName::Tag(key) => m.tags.iter().any(|(k, value)| k == key && value == v),
        Ec2FilterName::TagKey => m.tags.iter().any(|(k, _)| k == v),
        Ec2FilterName::ZoneId => m.zone_id == v,
    }
}

/// `pattern` with `*` standing for any run of characters matches all of `text`.
pub fn wildcard(pattern: &str, text: &str) -> bool {
    let mut pieces = pattern.split('*');
    let first = pieces.next().unwrap_or("");
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let pieces: Vec<&str> = pieces.collect();
    let Some((last, middle)) = pieces.split_last() else {
        return rest.is_empty();
    };
    for p in middle {
        match rest.find(p) {
            Some(k) => rest = &rest[k + p.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zone_ids_follow_the_zone_letter() {
        assert_eq!(zone_id("us-east-1a"), "use1-az1");
        assert_eq!(zone_id("us-east-1c"), "use1-az3");
        assert_eq!(zone_id("us-west-2b"), "usw2-az2");
        assert_eq!(zone_id("ap-southeast-1b"), "apse1-az2");
        assert_eq!(zone_id("ap-northeast-1a"), "apne1-az1");
        assert_eq!(zone_id("eu-central-1a"), "euc1-az1");
    }

    #[test]
    fn launch_time_wildcards() {
        let t = "2026-01-01T00:02:00.000Z";
        assert!(wildcard("2026-01-01T*", t));
        assert!(wildcard("*", t));
        assert!(wildcard("*00:02*", t));
        assert!(wildcard(t, t));
        assert!(!wildcard("2026-01-02T*", t));
        assert!(!wildcard("2026-01-01T00:02:00", t));
        assert!(!wildcard("*Z*Z", t));
        assert!(wildcard("2026*000Z", t));
    }
}
