//! Capacity (SPEC §8): capacity providers and the clusters they serve, the base/weight split, the
//! Auto Scaling groups behind providers (`groups`), managed scaling (`scaling`), tasks waiting in
//! PROVISIONING for capacity (`provisioning`), Fargate and Fargate Spot (`fargate`), and what it
//! all costs (`billing`).
//!
//! It owns the providers' state; it starts tasks through `Placing` and `Tasks` like the services
//! do, launches instances through the fleet, and asks the event loop (the mediator) to terminate
//! instances, since an instance leaving stops its tasks.
//!
//! Architecture Invariant: FARGATE and FARGATE_SPOT are providers 0 and 1 and exist from the start;
//! a provider's name names at most one ACTIVE provider; a cluster's default strategy names only
//! providers associated with it.

mod billing;
mod fargate;
mod groups;
mod provisioning;
mod reactions;
mod refresh;
mod scaling;
pub mod split;

pub(crate) use billing::Billing;
pub(crate) use groups::{attach, Command, Group};
pub(crate) use provisioning::Waiting;

use super::cx::Cx;
use super::placing::Unplaced;
use super::services::Ops;
use crate::capacity::{
    is_fargate, AsgProvider, CreateCapacityProvider, FargateSpotSimulation, StrategyItem,
    UpdateCapacityProvider, FARGATE, FARGATE_SPOT,
};
use crate::record::{ApiFailure, CapacityProviderSnapshot, SnapshotResponse};
use ecsim_kernel::{RandomStreams, Stream};
use ecsim_model::{ClusterId, InstanceId, LaunchType, SpecId, TaskId};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Index of a provider in [`Capacity::providers`].
pub(crate) type ProviderIx = usize;

/// API: CapacityProvider.status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ProviderStatus {
    Active,
    Inactive,
}

/// What a provider is.
#[derive(Debug)]
pub(crate) enum ProviderKind {
    /// FARGATE or FARGATE_SPOT.
    Fargate,
    /// An Auto Scaling group provider and its group.
    Asg(Box<Group>),
}

#[derive(Debug)]
pub(crate) struct Provider {
    pub name: Arc<str>,
    pub status: ProviderStatus,
    pub update_status: Option<&'static str>,
    pub kind: ProviderKind,
    /// The clusters it is associated with, in association order.
    pub clusters: Vec<ClusterId>,
}

impl Provider {
    pub fn group(&self) -> Option<&Group> {
        match &self.kind {
            ProviderKind::Asg(g) => Some(g),
            ProviderKind::Fargate => None,
        }
    }

    pub fn group_mut(&mut self) -> Option<&mut Group> {
        match &mut self.kind {
            ProviderKind::Asg(g) => Some(g),
            ProviderKind::Fargate => None,
        }
    }

    pub fn is_fargate(&self) -> bool {
        matches!(self.kind, ProviderKind::Fargate)
    }

    /// An Auto Scaling group provider with managed scaling on: its tasks wait in PROVISIONING
    /// for capacity instead of failing.
    pub fn managed_scaling(&self) -> bool {
        self.group()
            .is_some_and(|g| g.config.managed_scaling.enabled)
    }
}

/// A cluster's providers and default strategy.
#[derive(Clone, Debug, Default)]
pub(crate) struct ClusterCapacity {
    pub providers: Vec<ProviderIx>,
    pub default_strategy: Vec<StrategyItem>,
    pub fargate_spot: FargateSpotSimulation,
}

/// Where the tasks of a call or a deployment run: a launch type, or a provider strategy.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Route {
    LaunchType(LaunchType),
    Strategy(Vec<StrategyItem>),
}

impl Route {
    /// Whether its tasks run on Fargate.
    pub fn is_fargate(&self) -> bool {
        match self {
            Route::LaunchType(lt) => *lt == LaunchType::Fargate,
            Route::Strategy(items) => items.iter().any(|i| is_fargate(&i.capacity_provider)),
        }
    }

    /// (launch type, strategy): a strategy's tasks have the launch type of its providers.
    pub fn split(self) -> (LaunchType, Vec<StrategyItem>) {
        match self {
            Route::LaunchType(lt) => (lt, Vec::new()),
            Route::Strategy(items) => {
                let lt = if items.iter().any(|i| is_fargate(&i.capacity_provider)) {
                    LaunchType::Fargate
                } else {
                    LaunchType::Ec2
                };
                (lt, items)
            }
        }
    }
}

pub(crate) struct Capacity {
    pub providers: Vec<Provider>,
    pub clusters: BTreeMap<ClusterId, ClusterCapacity>,
    /// Zones failed by FailAvailabilityZone and not yet restored.
    pub failed_zones: BTreeSet<String>,
    pub waiting: Waiting,
    pub billing: Billing,
    /// Booting instances of groups: launch slot → (provider, zone index).
    booting: BTreeMap<usize, (ProviderIx, usize)>,
    /// Interruptions and which task or instance an InterruptSpot takes.
    spot_rng: Stream,
    /// The zone of every subnet a scenario names (SPEC §8: the `subnets` map, else the region's
    /// zones in order of first mention).
    subnet_zones: BTreeMap<String, Arc<str>>,
    /// Whether the managed-scaling evaluation is scheduled.
    evaluation_scheduled: bool,
    /// What the event loop is to carry out next (launches, drains, terminations).
    pub commands: std::collections::VecDeque<Command>,
    fargate: fargate::FargateBooks,
    /// Each managed-scaling provider's last metric (the time series' column).
    pub last_reading: BTreeMap<ProviderIx, f64>,
    /// Launch slots billed and not yet come up.
    launching: BTreeSet<usize>,
    /// Instances that came from launches (billed until terminated, not until deregistered).
    from_launches: BTreeSet<InstanceId>,
}

impl Capacity {
    pub fn new(streams: &RandomStreams, scenario: &crate::Scenario) -> Capacity {
        let fargate = |name: &str| Provider {
            name: Arc::from(name),
            status: ProviderStatus::Active,
            update_status: None,
            kind: ProviderKind::Fargate,
            clusters: Vec::new(),
        };
        Capacity {
            providers: vec![fargate(FARGATE), fargate(FARGATE_SPOT)],
            clusters: BTreeMap::new(),
            failed_zones: BTreeSet::new(),
            waiting: Waiting::default(),
            billing: Billing::new(scenario),
            booting: BTreeMap::new(),
            spot_rng: streams.stream("spot"),
            subnet_zones: fargate::subnet_zones(scenario),
            evaluation_scheduled: false,
            commands: std::collections::VecDeque::new(),
            fargate: fargate::FargateBooks::default(),
            last_reading: BTreeMap::new(),
            launching: BTreeSet::new(),
            from_launches: BTreeSet::new(),
        }
    }

    /// The ACTIVE provider named `name` (a name or an ARN).
    pub fn provider_ix(&self, name: &str) -> Option<ProviderIx> {
        let name = name
            .rsplit_once("capacity-provider/")
            .map_or(name, |(_, n)| n);
        self.providers
            .iter()
            .position(|p| p.status == ProviderStatus::Active && &*p.name == name)
    }

    /// The providers of `c`, in association order.
    pub fn cluster_providers(&self, c: ClusterId) -> &[ProviderIx] {
        self.clusters.get(&c).map_or(&[], |cc| &cc.providers)
    }

    pub fn fargate_spot(&self, c: ClusterId) -> FargateSpotSimulation {
        self.clusters
            .get(&c)
            .map(|cc| cc.fargate_spot.clone())
            .unwrap_or_default()
    }

    // ----- routes: where a call's tasks run -----

    /// Where the tasks of a request run (API: "If no capacityProviderStrategy or launchType is
    /// specified, the defaultCapacityProviderStrategy for the cluster is used"; none either: the
    /// EC2 launch type). A strategy naming a provider the cluster does not have is an action
    /// error for `index`, and None.
    pub fn route(
        &self,
        cx: &mut Cx,
        index: usize,
        cluster: ClusterId,
        launch_type: Option<LaunchType>,
        strategy: Option<&[StrategyItem]>,
    ) -> Option<Route> {
        if let Some(lt) = launch_type {
            return Some(Route::LaunchType(lt));
        }
        let strategy = match strategy {
            Some(s) if !s.is_empty() => s.to_vec(),
            _ => match self.clusters.get(&cluster) {
                Some(cc) if !cc.default_strategy.is_empty() => cc.default_strategy.clone(),
                _ => return Some(Route::LaunchType(LaunchType::Ec2)),
            },
        };
        for item in &strategy {
            let associated = self
                .provider_ix(&item.capacity_provider)
                .is_some_and(|p| self.providers[p].clusters.contains(&cluster));
            if !associated {
                cx.action_error(
                    index,
                    "InvalidParameterException",
                    format!(
                        "The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster. Associate the capacity provider with the cluster or specify a valid capacity provider and try again. ({} is not associated with the cluster.)",
                        item.capacity_provider
                    ),
                );
                return None;
            }
        }
        Some(Route::Strategy(strategy))
    }

    /// What Fargate asks of a task definition and a request (SPEC §8), when `route` runs on
    /// Fargate: the `awsvpc` network mode, a valid task size and subnets. Each missing one is an
    /// action error for `index` (the request named no launch type, so only now is it known to be
    /// Fargate's), and false.
    pub fn check_fargate(
        &self,
        cx: &mut Cx,
        index: usize,
        def: ecsim_model::TaskDefId,
        route: &Route,
        subnets: &[String],
    ) -> bool {
        if !route.is_fargate() {
            return true;
        }
        let d = cx.world.task_definition(def);
        let (mode, cpu, memory) = (d.network_mode, d.cpu, d.memory_mib);
        if mode != ecsim_model::NetworkMode::Awsvpc {
            cx.action_error(
                index,
                "ClientException",
                "Fargate only supports network mode 'awsvpc'.".to_string(),
            );
            return false;
        }
        let valid = matches!((cpu, memory), (Some(c), Some(m)) if crate::capacity::fargate_size_is_valid(c, m));
        if !valid {
            cx.action_error(
                index,
                "ClientException",
                crate::capacity::FARGATE_SIZE_ERROR.to_string(),
            );
            return false;
        }
        if subnets.is_empty() {
            cx.action_error(
                index,
                "InvalidParameterException",
                "Network Configuration must be provided when networkMode 'awsvpc' is specified."
                    .to_string(),
            );
            return false;
        }
        true
    }

    /// The launch type of a provider's tasks.
    pub fn provider_launch_type(&self, name: &str) -> LaunchType {
        if is_fargate(name) {
            LaunchType::Fargate
        } else {
            LaunchType::Ec2
        }
    }

    // ----- placing one task, whatever runs it -----

    /// Starts one task of `spec`: on an EC2 instance (the spec's provider's, when it has one), on
    /// Fargate, or, for a provider with managed scaling that has no room, waiting in PROVISIONING.
    /// A task that can start nowhere and cannot wait is returned as unplaced (not recorded).
    pub fn place_task(
        op: &mut Ops<'_, '_>,
        spec: SpecId,
        grace_period_s: u32,
    ) -> Result<TaskId, Unplaced> {
        let s = Arc::clone(op.cx.world.spec_arc(spec));
        if s.launch_type == LaunchType::Fargate {
            return fargate::place(op, spec, grace_period_s);
        }
        let provider = s
            .capacity_provider
            .as_deref()
            .and_then(|p| op.capacity.provider_ix(p));
        match op
            .placing
            .place_one(op.cx, op.tasks, spec, None, grace_period_s)
        {
            Ok(task) => {
                op.capacity.task_created(op.cx, task);
                Ok(task)
            }
            Err(unplaced) => {
                let Some(p) = provider else {
                    return Err(unplaced);
                };
                let unplaced = op.capacity.provider_failure(op.cx, p, s.cluster, unplaced);
                if op.capacity.providers[p].managed_scaling() {
                    provisioning::wait(op, spec, grace_period_s, unplaced)
                } else {
                    Err(unplaced)
                }
            }
        }
    }

    /// The reason a task of provider `p` is not placed: `EMPTY CAPACITY PROVIDER` when the
    /// provider has no instance in the cluster, `NO ACTIVE INSTANCES` when none is ACTIVE, else
    /// placement's (reference §3.1, the capacity-provider path).
    pub fn provider_failure(
        &self,
        cx: &Cx,
        p: ProviderIx,
        cluster: ClusterId,
        unplaced: Unplaced,
    ) -> Unplaced {
        let name = &*self.providers[p].name;
        // A placeable instance of the provider is ACTIVE: placement's reason stands.
        let pool = cx.world.index(cluster).and_then(|i| i.pool(name));
        if pool.is_some_and(|pool| !pool.scope.all.is_empty()) {
            return unplaced;
        }
        let mut any = false;
        let mut active = false;
        for &i in &cx.world.cluster(cluster).instances {
            let inst = cx.world.instance(i);
            if inst.capacity_provider.as_deref() != Some(name)
                || inst.status == ecsim_model::InstanceStatus::Inactive
            {
                continue;
            }
            any = true;
            active |= inst.status == ecsim_model::InstanceStatus::Active;
        }
        if !any {
            Unplaced {
                closest: None,
                reason: "EMPTY CAPACITY PROVIDER",
            }
        } else if !active {
            Unplaced {
                closest: unplaced.closest,
                reason: "NO ACTIVE INSTANCES",
            }
        } else {
            unplaced
        }
    }

    // ----- actions -----

    /// CreateCluster's providers, default strategy and Fargate Spot settings.
    pub fn cluster_created(
        &mut self,
        cx: &mut Cx,
        index: usize,
        c: ClusterId,
        create: &crate::action::CreateCluster,
    ) {
        self.clusters.insert(
            c,
            ClusterCapacity {
                providers: Vec::new(),
                default_strategy: Vec::new(),
                fargate_spot: create.fargate_spot.clone(),
            },
        );
        if !create.capacity_providers.is_empty() || !create.default_strategy.is_empty() {
            self.put_cluster_capacity_providers(
                cx,
                index,
                c,
                &create.capacity_providers,
                &create.default_strategy,
                &BTreeSet::new(),
            );
        }
    }

    /// A cluster was deleted: its providers are disassociated.
    pub fn cluster_deleted(&mut self, c: ClusterId) {
        for p in &mut self.providers {
            p.clusters.retain(|&x| x != c);
        }
        if let Some(cc) = self.clusters.get_mut(&c) {
            cc.providers.clear();
            cc.default_strategy.clear();
        }
    }

    /// API: CreateCapacityProvider.
    pub fn create_provider(&mut self, cx: &mut Cx, index: usize, c: &CreateCapacityProvider) {
        if self.provider_ix(&c.name).is_some() || is_fargate(&c.name) {
            cx.action_error(
                index,
                "ClientException",
                format!("The specified capacity provider {} already exists. To change the configuration of an existing capacity provider, update the capacity provider.", c.name),
            );
            return;
        }
        let group = Group::new(&c.provider, cx);
        self.providers.push(Provider {
            name: Arc::from(c.name.as_str()),
            status: ProviderStatus::Active,
            update_status: None,
            kind: ProviderKind::Asg(Box::new(group)),
            clusters: Vec::new(),
        });
    }

    /// API: UpdateCapacityProvider.
    pub fn update_provider(&mut self, cx: &mut Cx, index: usize, u: &UpdateCapacityProvider) {
        let Some(p) = self.provider_ix(&u.name) else {
            cx.action_error(
                index,
                "ClientException",
                format!("The specified capacity provider {} does not exist.", u.name),
            );
            return;
        };
        let Some(g) = self.providers[p].group_mut() else {
            cx.action_error(
                index,
                "ClientException",
                format!(
                    "The {} capacity provider is reserved and cannot be updated.",
                    u.name
                ),
            );
            return;
        };
        let c = &mut g.config;
        if let Some(m) = &u.managed_scaling {
            c.managed_scaling = c.managed_scaling.updated(m);
        }
        if let Some(t) = u.managed_termination_protection {
            c.managed_termination_protection = t;
        }
        if let Some(d) = u.managed_draining {
            c.managed_draining = d;
        }
        g.scaling_changed(cx.now);
        self.providers[p].update_status = Some("UPDATE_COMPLETE");
        self.schedule_evaluation(cx);
    }

    /// API: DeleteCapacityProvider: only a provider no cluster has and no service uses (`in_use`:
    /// the providers the services' strategies name).
    pub fn delete_provider(
        &mut self,
        cx: &mut Cx,
        index: usize,
        name: &str,
        in_use: &BTreeSet<String>,
    ) {
        let Some(p) = self.provider_ix(name) else {
            cx.action_error(
                index,
                "ClientException",
                format!("The specified capacity provider {name} does not exist."),
            );
            return;
        };
        let provider = &self.providers[p];
        if provider.is_fargate() {
            cx.action_error(
                index,
                "ClientException",
                format!("The {name} capacity provider is reserved and cannot be deleted."),
            );
            return;
        }
        if in_use.contains(&*provider.name) {
            cx.action_error(
                index,
                "ClientException",
                format!("The specified capacity provider {name} is in use by a service. Remove it from the capacity provider strategy of every service before you delete it."),
            );
            return;
        }
        if !provider.clusters.is_empty() {
            cx.action_error(
                index,
                "ClientException",
                format!("The specified capacity provider {name} is associated with a cluster. Only capacity providers that aren't associated with a cluster can be deleted; use PutClusterCapacityProviders or delete the cluster first."),
            );
            return;
        }
        let provider = &mut self.providers[p];
        provider.status = ProviderStatus::Inactive;
        provider.update_status = Some("DELETE_COMPLETE");
    }

    /// API: PutClusterCapacityProviders (and CreateCluster's): replaces the cluster's providers
    /// and default strategy. A provider being dropped may not be in use by a task of the cluster
    /// nor by a service's strategy (`in_use`), else `ResourceInUseException`; a provider with
    /// managed scaling serves one cluster.
    pub fn put_cluster_capacity_providers(
        &mut self,
        cx: &mut Cx,
        index: usize,
        c: ClusterId,
        names: &[String],
        default_strategy: &[StrategyItem],
        in_use: &BTreeSet<String>,
    ) {
        let mut ixs = Vec::new();
        for n in names {
            match self.provider_ix(n) {
                Some(p) => {
                    if !ixs.contains(&p) {
                        ixs.push(p);
                    }
                }
                None => {
                    cx.action_error(
                        index,
                        "InvalidParameterException",
                        format!("The specified capacity provider {n} does not exist."),
                    );
                    return;
                }
            }
        }
        for item in default_strategy {
            let in_list = self
                .provider_ix(&item.capacity_provider)
                .is_some_and(|p| ixs.contains(&p));
            if !in_list {
                cx.action_error(
                    index,
                    "InvalidParameterException",
                    format!("The default capacity provider strategy names {}, which is not among the cluster's capacity providers.", item.capacity_provider),
                );
                return;
            }
        }
        for &p in &ixs {
            let other = self.providers[p].clusters.iter().any(|&x| x != c);
            if other && self.providers[p].managed_scaling() {
                cx.action_error(
                    index,
                    "InvalidParameterException",
                    format!("The capacity provider {} uses managed scaling and is already associated with another cluster; a capacity provider with managed scaling can serve one cluster.", self.providers[p].name),
                );
                return;
            }
        }
        let current = self.cluster_providers(c).to_vec();
        for &p in &current {
            if ixs.contains(&p) {
                continue;
            }
            let name = &*self.providers[p].name;
            let used_by_task = cx.world.tasks().any(|t| {
                t.cluster == c
                    && t.last_status != ecsim_model::TaskStatus::Stopped
                    && cx.world.spec(t.spec).capacity_provider.as_deref() == Some(name)
            });
            if used_by_task || in_use.contains(name) {
                cx.action_error(
                    index,
                    "ResourceInUseException",
                    format!("The specified capacity provider {name} is in use and cannot be removed from the cluster."),
                );
                return;
            }
        }
        for &p in &current {
            if !ixs.contains(&p) {
                self.providers[p].clusters.retain(|&x| x != c);
            }
        }
        for &p in &ixs {
            if !self.providers[p].clusters.contains(&c) {
                self.providers[p].clusters.push(c);
            }
        }
        let cc = self.clusters.entry(c).or_default();
        cc.providers = ixs.clone();
        cc.default_strategy = default_strategy.to_vec();
        // A group starts keeping its desired capacity once it has a cluster to register into.
        for p in ixs {
            groups::associated(self, cx, p, c);
        }
        self.schedule_evaluation(cx);
    }

    /// API: DescribeCapacityProviders: the named providers (every one, Fargate's included, when
    /// none is named); unknown names are failures.
    pub fn describe(&self, cx: &Cx, names: &[String]) -> SnapshotResponse {
        let mut capacity_providers = Vec::new();
        let mut failures = Vec::new();
        if names.is_empty() {
            for p in 0..self.providers.len() {
                capacity_providers.push(self.snapshot(p));
            }
        } else {
            for n in names {
                let found = self
                    .provider_ix(n)
                    .or_else(|| self.providers.iter().rposition(|p| &*p.name == n.as_str()));
                match found {
                    Some(p) => capacity_providers.push(self.snapshot(p)),
                    None => failures.push(ApiFailure {
                        arn: format!(
                            "arn:aws:ecs:{}:{}:capacity-provider/{n}",
                            cx.world.region, cx.world.account_id
                        ),
                        reason: "MISSING".to_string(),
                        detail: None,
                    }),
                }
            }
        }
        SnapshotResponse::DescribeCapacityProviders {
            capacity_providers,
            failures,
        }
    }

    /// A provider as the API shows it.
    pub fn snapshot(&self, p: ProviderIx) -> CapacityProviderSnapshot {
        let provider = &self.providers[p];
        CapacityProviderSnapshot {
            name: provider.name.to_string(),
            status: match provider.status {
                ProviderStatus::Active => "ACTIVE",
                ProviderStatus::Inactive => "INACTIVE",
            },
            auto_scaling_group_provider: provider
                .group()
                .map(|g| -> AsgProvider { g.config.clone() }),
            update_status: provider.update_status,
        }
    }

    /// The providers associated with any of `clusters`, for a Snapshot.
    pub fn snapshots_for(&self, clusters: &[ClusterId]) -> Vec<CapacityProviderSnapshot> {
        let mut seen: Vec<ProviderIx> = Vec::new();
        for c in clusters {
            for &p in self.cluster_providers(*c) {
                if !seen.contains(&p) {
                    seen.push(p);
                }
            }
        }
        seen.sort_unstable();
        seen.into_iter().map(|p| self.snapshot(p)).collect()
    }

    /// The default strategy and providers of a cluster, by name.
    pub fn cluster_view(&self, c: ClusterId) -> (Vec<String>, Vec<StrategyItem>) {
        match self.clusters.get(&c) {
            Some(cc) => (
                cc.providers
                    .iter()
                    .map(|&p| self.providers[p].name.to_string())
                    .collect(),
                cc.default_strategy.clone(),
            ),
            None => (Vec::new(), Vec::new()),
        }
    }

    /// StartInstanceRefresh (SPEC §2).
    pub fn start_refresh(
        &mut self,
        cx: &mut Cx,
        index: usize,
        r: &crate::capacity::InstanceRefresh,
    ) {
        refresh::start(self, cx, index, r);
    }

    /// Makes sure the managed-scaling evaluation runs every 60 s once any provider has managed
    /// scaling.
    pub fn schedule_evaluation(&mut self, cx: &mut Cx) {
        if self.evaluation_scheduled || !self.providers.iter().any(|p| p.managed_scaling()) {
            return;
        }
        self.evaluation_scheduled = true;
        scaling::schedule_next(cx);
    }
}
