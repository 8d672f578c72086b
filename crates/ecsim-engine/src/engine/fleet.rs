//! The fleet: container instances joining (RegisterContainerInstance, and launched EC2 instances
//! booting), their state (DRAINING, ACTIVE), attributes and agent, and leaving (deregistered,
//! terminated). It tells the others through [`Notice::InstanceChanged`]; stopping an instance's
//! tasks when it leaves is the event loop's (see `Engine::remove_instance`).

use super::cx::{Cx, Notice, Phase};
use super::ec2::{Ec2, Ec2Instance};
use super::Ev;
use crate::action::{InstanceSelector, LaunchContainerInstances, RegisterContainerInstance};
use crate::record::EventDetail;
use crate::TargetedAttribute;
use ecsim_kernel::{SimDuration, Slab, Stamp};
use ecsim_model::{Attribute, ClusterId, InstanceId, InstanceStatus, Resources};
use std::sync::Arc;

/// Service quota: container instances per cluster (DG service-quotas; SPEC §3 limits).
pub(crate) const MAX_INSTANCES_PER_CLUSTER: usize = 5000;

/// The agent's default reserved TCP ports (DG: ecs-agent-config, ECS_RESERVED_PORTS since 2023-02).
pub const AGENT_RESERVED_TCP_PORTS: [u16; 6] = [22, 2375, 2376, 51678, 51679, 51680];

/// API: PutAttributes.attributes — "You can specify up to 10 custom attributes for each resource."
const MAX_CUSTOM_ATTRIBUTES: usize = 10;

/// RULE (ours): the attributes ECS and its agent set are named `ecs.…` (the built-in attributes,
/// `ecs.capability.…`) or `com.amazonaws.ecs.…` (the agent's capabilities); every other attribute
/// is custom.
fn is_custom_attribute(name: &str) -> bool {
    !name.starts_with("ecs.") && !name.starts_with("com.amazonaws.ecs.")
}

/// The awsvpc capability appeared in agent 1.15.0 (awsvpc network mode launch).
const TASK_ENI_MIN_AGENT: &str = "1.15.0";

/// What an instance registers with (see [`Fleet::register`]), borrowed from the request or the
/// launch it comes from.
struct InstanceSpec<'a> {
    number: u64,
    /// From an identity document; None = the run's `i-` + 17 hex digits of `number`.
    ec2_instance_id: Option<&'a str>,
    capacity_provider: Option<&'a str>,
    resources: Resources,
    tcp_ports: &'a [u16],
    udp_ports: &'a [u16],
    agent_version: &'a str,
    /// Built-in attributes first, then the request's or launch's own (which may override them).
    attributes: Vec<(&'a str, Option<&'a str>)>,
}

/// One launch of instances (a LaunchContainerInstances action, or an Auto Scaling group's
/// launches), shared by every instance it launches until they come up.
#[derive(Clone, Debug)]
pub(crate) struct LaunchPlan {
    /// The LaunchContainerInstances action, for errors when an instance comes up (None: a
    /// group's).
    pub action_index: Option<usize>,
    pub cluster: String,
    /// Shared with the EC2 records of the instances it launches (as are the zones, the tags and
    /// the image).
    pub instance_type: Arc<str>,
    /// Round-robin over the instances (a group picks one per launch).
    pub availability_zones: Vec<Arc<str>>,
    pub attributes: Vec<Attribute>,
    /// EC2 tags of the instances (key, value).
    pub tags: Arc<[(String, String)]>,
    pub image_id: Arc<str>,
    pub capacity_provider: Option<String>,
}

/// An instance that is booting.
#[derive(Clone, Debug)]
struct PendingLaunch {
    plan: Arc<LaunchPlan>,
    /// Taken at launch (SPEC §9: "the n-th instance launched").
    number: u64,
    /// Its zone in the plan's `availability_zones`.
    zone: usize,
    /// Its `InstanceReady` event (a zone failure cancels it).
    key: Option<ecsim_kernel::EventKey>,
    /// Its place in [`Fleet::ec2`].
    ec2: usize,
}

#[derive(Default)]
pub(crate) struct Fleet {
    /// Launches by the number their `InstanceReady` event names, until they come up.
    launches: Slab<PendingLaunch>,
    /// Every EC2 instance, as EC2 sees it (DescribeInstanceImageMetadata).
    pub ec2: Ec2,
}

impl Fleet {
    fn emit_state(cx: &mut Cx, instance: InstanceId, reason: &'static str) {
        let i = cx.world.instance(instance);
        let detail = EventDetail::ContainerInstanceStateChange {
            instance,
            status: i.status,
            agent_connected: i.agent_connected,
            running_tasks_count: i.running_tasks_count,
            pending_tasks_count: i.pending_tasks_count,
            reason,
        };
        cx.rec.emit(cx.now, &cx.world, detail);
        // Every service of the cluster reacts to an instance's change (SPEC §7).
        cx.notice(Notice::InstanceChanged(instance));
    }

    /// The cluster has a container instance that is not INACTIVE.
    pub fn has_registered_instances(cx: &Cx, c: ClusterId) -> bool {
        cx.world
            .cluster(c)
            .instances
            .iter()
            .any(|&i| cx.world.instance(i).status != InstanceStatus::Inactive)
    }

    pub fn register_container_instance(
        &mut self,
        cx: &mut Cx,
        index: usize,
        r: &RegisterContainerInstance,
    ) -> Option<InstanceId> {
        let c = cx.cluster(index, &r.cluster)?;
        let max_enis = r
            .instance_type
            .as_deref()
            .and_then(|t| cx.scenario.instance_types.get(t))
            .map_or(1, |t| t.max_enis);
        let mut attributes = Vec::new();
        if let Some(t) = &r.instance_type {
            attributes.push(("ecs.instance-type", Some(t.as_str())));
        }
        if let Some(az) = &r.availability_zone {
            attributes.push(("ecs.availability-zone", Some(az.as_str())));
        }
        attributes.extend(
            r.attributes
                .iter()
                .map(|a| (a.name.as_str(), a.value.as_deref())),
        );
        let scenario = Arc::clone(&cx.scenario);
        let spec = InstanceSpec {
            number: cx.world.next_instance_number(),
            ec2_instance_id: r.ec2_instance_id.as_deref(),
            capacity_provider: None,
            resources: Resources {
                cpu: r.cpu,
                memory_mib: r.memory_mib,
                gpus: r.gpus,
                enis: max_enis.saturating_sub(1),
            },
            tcp_ports: r.tcp_ports.as_deref().unwrap_or(&AGENT_RESERVED_TCP_PORTS),
            udp_ports: r.udp_ports.as_deref().unwrap_or(&[]),
            agent_version: r
                .agent_version
                .as_deref()
                .unwrap_or(&scenario.amis.recommended().ecs_agent_version),
            attributes,
        };
        let id = Self::register(cx, Some(index), c, spec)?;
        // An instance registered by a request is an EC2 instance that is already running
        // (RULE: launched when it registers); its type, zone and image are what it registered.
        let inst = cx.world.instance(id);
        let attribute = |name: &str| {
            inst.attributes
                .iter()
                .find(|(n, _)| *n == name)
                .and_then(|(_, v)| v.map(str::to_string))
        };
        let record = Ec2Instance {
            ec2_instance_id: inst.ec2_instance_id.to_string(),
            instance_type: Arc::from(attribute("ecs.instance-type").unwrap_or_default()),
            launched_at: cx.now,
            availability_zone: Arc::from(attribute("ecs.availability-zone").unwrap_or_default()),
            image_id: attribute("ecs.ami-id").map(Arc::from),
            tags: r.tags.iter().cloned().collect(),
            instance: Some(id),
            booted: true,
            aborted_at: None,
        };
        self.ec2.push(record);
        Some(id)
    }

    /// The one way an instance joins a cluster, whether registered by a request or booted by a
    /// launch: checks that it may (its EC2 id is free, the cluster has room), adds it, and says so.
    fn register(
        cx: &mut Cx,
        index: Option<usize>,
        cluster: ClusterId,
        spec: InstanceSpec,
    ) -> Option<InstanceId> {
        let derived;
        let ec2 = match spec.ec2_instance_id {
            Some(id) => id,
            None => {
                derived = ecsim_model::ec2_instance_id(spec.number);
                &*derived
            }
        };
        if !Self::may_register(cx, index, cluster, ec2) {
            return None;
        }
        let now = cx.now;
        let attributes = cx.world.attribute_set(&spec.attributes);
        let agent_version = cx.world.intern(spec.agent_version);
        let capacity_provider = spec.capacity_provider.map(|p| cx.world.intern(p));
        let id = cx.world.add_numbered_instance(
            cluster,
            spec.number,
            spec.ec2_instance_id.map(str::to_string),
            |inst| {
                inst.registered_at = now;
                inst.capacity_provider = capacity_provider;
                inst.registered = spec.resources;
                inst.registered_tcp_ports = spec.tcp_ports.into();
                inst.registered_udp_ports = spec.udp_ports.into();
                inst.agent_version = agent_version;
                inst.attributes = attributes;
            },
        );
        Self::emit_state(cx, id, "registered");
        Some(id)
    }

    /// Whether an instance may join `c`: its EC2 id is not taken, and the cluster has room (API
    /// quota: 5,000 container instances per cluster). Otherwise an `ECS Action Error` for `index`.
    fn may_register(
        cx: &mut Cx,
        index: Option<usize>,
        c: ClusterId,
        ec2_instance_id: &str,
    ) -> bool {
        if cx.world.ec2_instance_id_in_use(ec2_instance_id) {
            if let Some(index) = index {
                cx.action_error(
                    index,
                    "InvalidParameterException",
                    format!("An instance with ec2InstanceId {ec2_instance_id} is already registered; an EC2 instance registers once."),
                );
            }
            return false;
        }
        let cluster = cx.world.cluster(c);
        let registered = if cluster.instances.len() < MAX_INSTANCES_PER_CLUSTER {
            cluster.instances.len()
        } else {
            cluster
                .instances
                .iter()
                .filter(|&&i| cx.world.instance(i).status != InstanceStatus::Inactive)
                .count()
        };
        if registered >= MAX_INSTANCES_PER_CLUSTER {
            if let Some(index) = index {
                cx.action_error(
                    index,
                    "LimitExceededException",
                    format!("The cluster already has {MAX_INSTANCES_PER_CLUSTER} registered container instances, the most a cluster can have."),
                );
            }
            return false;
        }
        true
    }

    /// Launches `l.count` EC2 instances that register after the `instanceLaunch` time (the
    /// caller has checked the cluster). Returns each launch's slot, event and zone.
    pub fn launch(
        &mut self,
        cx: &mut Cx,
        index: usize,
        l: &LaunchContainerInstances,
    ) -> Vec<(usize, ecsim_kernel::EventKey, String)> {
        let launch = l
            .timings
            .instance_launch
            .or(cx.scenario.timings.instance_launch)
            .unwrap_or(SimDuration::from_seconds(90));
        let zones: Vec<Arc<str>> = if l.availability_zones.is_empty() {
            // RULE: no zones given means the region's first zone.
            vec![Arc::from(format!("{}a", cx.scenario.region))]
        } else {
            l.availability_zones
                .iter()
                .map(|z| Arc::from(z.as_str()))
                .collect()
        };
        let image_id = l
            .image_id
            .clone()
            .unwrap_or_else(|| cx.scenario.amis.recommended().image_id.clone());
        let plan = Arc::new(LaunchPlan {
            action_index: Some(index),
            cluster: l.cluster.clone(),
            instance_type: Arc::from(l.instance_type.as_str()),
            availability_zones: zones,
            attributes: l.attributes.clone(),
            tags: Arc::from(l.tags.as_slice()),
            image_id: Arc::from(image_id),
            capacity_provider: l.capacity_provider.clone(),
        });
        (0..l.count as usize)
            .map(|k| {
                let zone = k % plan.availability_zones.len();
                let (slot, key) = self.launch_one(cx, &plan, zone, launch);
                (slot, key, plan.availability_zones[zone].to_string())
            })
            .collect()
    }

    /// Launches one instance of `plan` in its zone `zone`; it registers after `delay`. Returns
    /// the launch's slot (what its `InstanceReady` event names) and the event, which cancels it.
    pub fn launch_one(
        &mut self,
        cx: &mut Cx,
        plan: &Arc<LaunchPlan>,
        zone: usize,
        delay: SimDuration,
    ) -> (usize, ecsim_kernel::EventKey) {
        let number = cx.world.next_instance_number();
        let ec2 = self.ec2.push(Ec2Instance {
            ec2_instance_id: ecsim_model::ec2_instance_id(number).to_string(),
            instance_type: Arc::clone(&plan.instance_type),
            launched_at: cx.now,
            availability_zone: Arc::clone(&plan.availability_zones[zone]),
            image_id: Some(Arc::clone(&plan.image_id)),
            tags: Arc::clone(&plan.tags),
            instance: None,
            booted: false,
            aborted_at: None,
        });
        let i = self.launches.push(PendingLaunch {
            plan: Arc::clone(plan),
            number,
            zone,
            key: None,
            ec2,
        });
        let key = cx.schedule_in(delay, Phase::Launch, Ev::InstanceReady(i as usize));
        if let Some(l) = self.launches.get_mut(i) {
            l.key = Some(key);
        }
        (i as usize, key)
    }

    /// Every launch booting in `zone` fails with it (FailAvailabilityZone): it never comes up.
    /// Returns their slots.
    pub fn abort_zone(&mut self, cx: &mut Cx, zone: &str) -> Vec<usize> {
        let slots: Vec<u32> = self
            .launches
            .iter()
            .filter(|(_, l)| *l.plan.availability_zones[l.zone] == *zone)
            .map(|(i, _)| i)
            .collect();
        for &i in &slots {
            if let Some(l) = self.launches.remove(i) {
                if let Some(key) = l.key {
                    cx.queue.cancel(key);
                }
                self.ec2.aborted(l.ec2, cx.now);
            }
        }
        slots.into_iter().map(|i| i as usize).collect()
    }

    /// A launched instance has booted: it registers with the built-in attributes of its type and
    /// AMI (SPEC §3). Returns the instance, if it registered.
    pub fn instance_ready(&mut self, cx: &mut Cx, i: usize) -> Option<InstanceId> {
        let l = u32::try_from(i)
            .ok()
            .and_then(|i| self.launches.remove(i))?;
        let plan = &*l.plan;
        self.ec2.booted(l.ec2, None);
        // The cluster may have been deleted while the instance booted; it then never registers.
        let c = cx
            .world
            .cluster_by_ref(&plan.cluster)
            .filter(|&c| cx.world.cluster(c).status == ecsim_model::ClusterStatus::Active)?;
        let scenario = Arc::clone(&cx.scenario);
        // A scenario lowered by ecsim-scenario names only known types; one built in code might not.
        let Some(t) = scenario.instance_types.get(&plan.instance_type) else {
            if let Some(index) = plan.action_index {
                let message = format!("Unknown instance type {}.", plan.instance_type);
                cx.action_error(index, "InvalidParameterException", message);
            }
            return None;
        };
        let ami = scenario
            .amis
            .get(&plan.image_id)
            .unwrap_or_else(|| scenario.amis.recommended());
        let zone = &plan.availability_zones[l.zone];
        // One subnet per zone, numbered by the zone letter (a = 1).
        let zone_index = zone
            .bytes()
            .last()
            .filter(u8::is_ascii_lowercase)
            .map_or(0, |b| (b - b'a' + 1) as u32);
        let subnet = format!("subnet-{zone_index:017x}");
        let os_family = ami.os_family();
        let mut attributes: Vec<(&str, Option<&str>)> = Vec::with_capacity(9);
        // The awsvpc capability came with agent 1.15.0 (awsvpc network mode launch). A launched
        // instance's agent reports it; a RegisterContainerInstance has exactly the request's
        // attributes (SPEC §2), so the request says it or the instance does not have it.
        if version_at_least(&ami.ecs_agent_version, TASK_ENI_MIN_AGENT) {
            attributes.push(("ecs.capability.task-eni", None));
        }
        // Built-in attributes come first, so the launch's own may override them.
        attributes.extend([
            ("ecs.availability-zone", Some(&**zone)),
            ("ecs.instance-type", Some(t.name.as_str())),
            ("ecs.os-type", Some(ami.os_type())),
            ("ecs.os-family", Some(&os_family)),
            ("ecs.cpu-architecture", Some(t.cpu_architecture)),
            ("ecs.ami-id", Some(ami.image_id.as_str())),
            // RULE: one VPC per run, one subnet per zone.
            ("ecs.vpc-id", Some("vpc-00000000000000001")),
            ("ecs.subnet-id", Some(subnet.as_str())),
        ]);
        attributes.extend(
            plan.attributes
                .iter()
                .map(|a| (a.name.as_str(), a.value.as_deref())),
        );
        let spec = InstanceSpec {
            number: l.number,
            ec2_instance_id: None,
            capacity_provider: plan.capacity_provider.as_deref(),
            resources: Resources {
                cpu: t.registered_cpu(),
                memory_mib: t.registered_memory_mib,
                gpus: t.gpus,
                enis: t.max_enis.saturating_sub(1),
            },
            tcp_ports: &AGENT_RESERVED_TCP_PORTS,
            udp_ports: &[],
            agent_version: &ami.ecs_agent_version,
            attributes,
        };
        let id = Self::register(cx, plan.action_index, c, spec);
        self.ec2.booted(l.ec2, id);
        id
    }

    /// The instances `refs` name (ec2InstanceId, ARN or ARN id); an action error for each that
    /// names none.
    pub fn resolve(
        cx: &mut Cx,
        index: usize,
        cluster: ClusterId,
        refs: &[String],
    ) -> Vec<InstanceId> {
        let mut out = Vec::new();
        for r in refs {
            match cx.world.instance_by_ref(cluster, r) {
                Some(i) => out.push(i),
                None => cx.action_error(
                    index,
                    "InvalidParameterException",
                    format!("Container instance {r} not found (MISSING)."),
                ),
            }
        }
        out
    }

    /// The instances a simulator action names: by id, or every registered instance its filter
    /// matches.
    pub fn select(
        cx: &mut Cx,
        index: usize,
        cluster: ClusterId,
        selector: &InstanceSelector,
    ) -> Vec<InstanceId> {
        match selector {
            InstanceSelector::Ids(ids) => Self::resolve(cx, index, cluster, ids),
            InstanceSelector::Filter(expr) => {
                let w = &cx.world;
                w.cluster(cluster)
                    .instances
                    .iter()
                    .copied()
                    .filter(|&i| w.instance(i).status != InstanceStatus::Inactive)
                    .filter(|&i| {
                        expr.matches(&ecsim_placement::InstanceRef {
                            world: w,
                            instance: w.instance(i),
                        })
                    })
                    .collect()
            }
        }
    }

    /// An instance has left: its tasks are already stopped. Deregistered: INACTIVE; terminated:
    /// INACTIVE, agent gone.
    pub fn left(cx: &mut Cx, id: InstanceId, terminated: bool) {
        let now = cx.now;
        let inst = cx.world.instance_mut(id);
        inst.status = InstanceStatus::Inactive;
        inst.deregistered_at = Stamp::at(now);
        if terminated {
            inst.agent_connected = false;
            inst.terminated = true;
        }
        Self::emit_state(
            cx,
            id,
            if terminated {
                "terminated"
            } else {
                "deregistered"
            },
        );
    }

    /// An instance the simulated cloud drains (a scale-in with managed draining, a spot warning):
    /// DRAINING if it is ACTIVE.
    pub fn drain(cx: &mut Cx, id: InstanceId, reason: &'static str) {
        if cx.world.instance(id).status != InstanceStatus::Active {
            return;
        }
        cx.world.instance_mut(id).status = InstanceStatus::Draining;
        Self::emit_state(cx, id, reason);
    }

    pub fn update_state(
        cx: &mut Cx,
        index: usize,
        cluster: &str,
        refs: &[String],
        status: InstanceStatus,
    ) {
        let Some(c) = cx.cluster(index, cluster) else {
            return;
        };
        for id in Self::resolve(cx, index, c, refs) {
            let current = cx.world.instance(id).status;
            let allowed = match (current, status) {
                (a, b) if a == b => continue,
                // API: "You can change the status of a container instance to DRAINING only if it is ACTIVE".
                (InstanceStatus::Active, InstanceStatus::Draining)
                | (InstanceStatus::Draining, InstanceStatus::Active) => true,
                _ => false,
            };
            if !allowed {
                let arn = cx.world.instance_arn(id);
                cx.action_error(
                    index,
                    "InvalidParameterException",
                    format!(
                        "Container instance {arn} is {} and cannot be set to {}.",
                        current.as_str(),
                        status.as_str()
                    ),
                );
                continue;
            }
            cx.world.instance_mut(id).status = status;
            let reason = if status == InstanceStatus::Draining {
                "draining"
            } else {
                "activated"
            };
            Self::emit_state(cx, id, reason);
        }
    }

    /// PutAttributes (`delete` false) and DeleteAttributes. A call is applied whole or not at all,
    /// as an API call succeeds or fails: every target must be a registered instance of the
    /// cluster (API: TargetNotFoundException), and a PutAttributes may not leave a target with
    /// more than 10 custom attributes (API: AttributeLimitExceeded).
    pub fn put_attributes(
        cx: &mut Cx,
        index: usize,
        cluster: &str,
        attributes: &[TargetedAttribute],
        delete: bool,
    ) {
        let Some(c) = cx.cluster(index, cluster) else {
            return;
        };
        let mut targets = Vec::with_capacity(attributes.len());
        for a in attributes {
            let Some(target) = a.target_id.as_deref() else {
                cx.action_error(
                    index,
                    "InvalidParameterException",
                    format!("Attribute {} has no targetId.", a.name),
                );
                return;
            };
            // ours: a deregistered or terminated instance is no longer a target (ListContainerInstances,
            // where the API sends the reader, lists no INACTIVE instance by default).
            match cx
                .world
                .instance_by_ref(c, target)
                .filter(|&i| cx.world.instance(i).status != InstanceStatus::Inactive)
            {
                Some(id) => targets.push(id),
                None => {
                    cx.action_error(
                        index,
                        "TargetNotFoundException",
                        format!("The specified target {target} wasn't found in cluster {cluster}."),
                    );
                    return;
                }
            }
        }
        if !delete {
            let mut checked: Vec<InstanceId> = Vec::new();
            for &id in &targets {
                if checked.contains(&id) {
                    continue;
                }
                checked.push(id);
                let inst = cx.world.instance(id);
                let mut added: Vec<&str> = attributes
                    .iter()
                    .zip(&targets)
                    .filter(|&(a, &t)| {
                        t == id && is_custom_attribute(&a.name) && inst.attribute(&a.name).is_none()
                    })
                    .map(|(a, _)| a.name.as_str())
                    .collect();
                added.sort_unstable();
                added.dedup();
                let before = inst
                    .attributes
                    .iter()
                    .filter(|&(n, _)| is_custom_attribute(n))
                    .count();
                // RULE (ours): the limit refuses a call that adds a custom attribute beyond the 10th;
                // replacing values never fails, even where the launch or registration gave more.
                if !added.is_empty() && before + added.len() > MAX_CUSTOM_ATTRIBUTES {
                    let arn = cx.world.instance_arn(id);
                    cx.action_error(
                        index,
                        "AttributeLimitExceeded",
                        format!(
                            "You can apply up to {MAX_CUSTOM_ATTRIBUTES} custom attributes for each resource; container instance {arn} has {before} and this call adds {}.",
                            added.len()
                        ),
                    );
                    return;
                }
            }
        }
        for (a, &id) in attributes.iter().zip(&targets) {
            if delete {
                cx.world.remove_attribute(id, &a.name);
            } else {
                cx.world.set_attribute(id, &a.name, a.value.as_deref());
            }
            if a.name == "ecs.availability-zone" {
                cx.rec.instance_zone(&cx.world, id);
                cx.notice(Notice::InstanceZoneChanged(id));
            }
            // DAEMON services re-evaluate their constraints (reference §4.1).
            cx.notice(Notice::InstanceChanged(id));
        }
    }

    /// DrainContainerInstances: UpdateContainerInstancesState DRAINING for every selected
    /// instance that is ACTIVE (ours: the others are left as they are, without an error, since the
    /// selection, not the user, named them).
    pub fn drain_selected(cx: &mut Cx, index: usize, cluster: &str, selector: &InstanceSelector) {
        let Some(c) = cx.cluster(index, cluster) else {
            return;
        };
        for id in Self::select(cx, index, c, selector) {
            if cx.world.instance(id).status == InstanceStatus::Active {
                cx.world.instance_mut(id).status = InstanceStatus::Draining;
                Self::emit_state(cx, id, "draining");
            }
        }
    }

    /// DisconnectAgent / ReconnectAgent.
    pub fn set_agent(
        cx: &mut Cx,
        index: usize,
        cluster: &str,
        selector: &InstanceSelector,
        connected: bool,
    ) {
        let Some(c) = cx.cluster(index, cluster) else {
            return;
        };
        for id in Self::select(cx, index, c, selector) {
            let inst = cx.world.instance(id);
            if inst.status == InstanceStatus::Inactive || inst.agent_connected == connected {
                continue;
            }
            cx.world.instance_mut(id).agent_connected = connected;
            Self::emit_state(
                cx,
                id,
                if connected {
                    "agent connected"
                } else {
                    "agent disconnected"
                },
            );
        }
    }
}

/// `v` is `min` or newer, compared as the query language compares `agentVersion`.
fn version_at_least(v: &str, min: &str) -> bool {
    ecsim_query::compare_agent_version(v, min).is_some_and(|o| o != std::cmp::Ordering::Less)
}
