//! What the run costs (SPEC §8): EC2 instances billed per second from launch to termination at
//! their type's price (spot instances at the spot discount), Fargate tasks per second from
//! PENDING to STOPPED at the vCPU-hour and GB-hour prices times their size; and the peaks the
//! capacity assertions read. Bills are kept in the order they opened and summed in that order,
//! so a run's figures are the same to the last bit every time.

use crate::capacity::Pricing;
use crate::output::{Costs, ProviderSummary};
use crate::Scenario;
use ecsim_kernel::SimTime;
use ecsim_model::{ClusterId, InstanceId, TaskId};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Where a bill belongs: its cluster and provider (None: no provider).
pub(crate) type Owner = (ClusterId, Option<Arc<str>>);

/// One EC2 instance's bill.
#[derive(Clone, Debug)]
struct InstanceBill {
    owner: Owner,
    /// $ per hour, the spot discount applied.
    price: f64,
    start: SimTime,
    end: Option<SimTime>,
}

/// One Fargate task's bill.
#[derive(Clone, Debug)]
struct FargateBill {
    owner: Owner,
    vcpu: f64,
    gb: f64,
    spot: bool,
    start: SimTime,
    end: Option<SimTime>,
}

/// Counts over time with their peak.
#[derive(Clone, Copy, Debug, Default)]
struct Peak {
    now: u32,
    peak: u32,
}

impl Peak {
    fn add(&mut self, d: i32) {
        self.now = self.now.checked_add_signed(d).expect("counts in step");
        self.peak = self.peak.max(self.now);
    }
}

#[derive(Debug)]
pub(crate) struct Billing {
    pricing: Pricing,
    instances: Vec<InstanceBill>,
    /// Open instance bills by launch slot (booting) and by instance (registered).
    by_launch: BTreeMap<usize, usize>,
    by_instance: BTreeMap<InstanceId, usize>,
    fargate: Vec<FargateBill>,
    fargate_open: BTreeMap<TaskId, usize>,
    /// Instances running per owner, per cluster, per provider name, and in all.
    instances_by_owner: BTreeMap<Owner, Peak>,
    instances_by_cluster: BTreeMap<ClusterId, Peak>,
    instances_by_provider: BTreeMap<Arc<str>, Peak>,
    instances_all: Peak,
    /// Tasks with desired status RUNNING per owner (providers' tasks only).
    tasks_by_owner: BTreeMap<Owner, Peak>,
    /// The highest run rate at a sample, $/hour, and when.
    pub max_rate: Option<(f64, SimTime)>,
}

impl Billing {
    pub fn new(scenario: &Scenario) -> Billing {
        Billing {
            pricing: scenario.pricing.clone(),
            instances: Vec::new(),
            by_launch: BTreeMap::new(),
            by_instance: BTreeMap::new(),
            fargate: Vec::new(),
            fargate_open: BTreeMap::new(),
            instances_by_owner: BTreeMap::new(),
            instances_by_cluster: BTreeMap::new(),
            instances_by_provider: BTreeMap::new(),
            instances_all: Peak::default(),
            tasks_by_owner: BTreeMap::new(),
            max_rate: None,
        }
    }

    fn count_instance(&mut self, owner: &Owner, d: i32) {
        self.instances_by_owner
            .entry(owner.clone())
            .or_default()
            .add(d);
        self.instances_by_cluster.entry(owner.0).or_default().add(d);
        if let Some(p) = &owner.1 {
            self.instances_by_provider
                .entry(Arc::clone(p))
                .or_default()
                .add(d);
        }
        self.instances_all.add(d);
    }

    fn open_instance(&mut self, owner: Owner, price: f64, spot: bool, now: SimTime) -> usize {
        let price = if spot {
            price * (1.0 - self.pricing.spot_discount)
        } else {
            price
        };
        self.count_instance(&owner, 1);
        self.instances.push(InstanceBill {
            owner,
            price,
            start: now,
            end: None,
        });
        self.instances.len() - 1
    }

    /// An EC2 instance was launched (launch `slot`): billed from now.
    pub fn launched(&mut self, slot: usize, owner: Owner, price: f64, spot: bool, now: SimTime) {
        let k = self.open_instance(owner, price, spot, now);
        self.by_launch.insert(slot, k);
    }

    /// The launch registered as `instance` (or, None, never will: its bill ends now).
    pub fn launch_ready(&mut self, slot: usize, instance: Option<InstanceId>, now: SimTime) {
        let Some(k) = self.by_launch.remove(&slot) else {
            return;
        };
        match instance {
            Some(i) => {
                self.by_instance.insert(i, k);
            }
            None => self.close_instance(k, now),
        }
    }

    /// An instance registered without a launch (RegisterContainerInstance): RULE: billed from its
    /// registration until it deregisters, at its type's price (0 when it names none).
    pub fn registered(&mut self, instance: InstanceId, owner: Owner, price: f64, now: SimTime) {
        let k = self.open_instance(owner, price, false, now);
        self.by_instance.insert(instance, k);
    }

    /// A booting launch was aborted (its zone failed).
    pub fn launch_aborted(&mut self, slot: usize, now: SimTime) {
        if let Some(k) = self.by_launch.remove(&slot) {
            self.close_instance(k, now);
        }
    }

    /// The instance stopped being billed (terminated, or a registered instance deregistered).
    pub fn instance_ended(&mut self, instance: InstanceId, now: SimTime) {
        if let Some(k) = self.by_instance.remove(&instance) {
            self.close_instance(k, now);
        }
    }

    fn close_instance(&mut self, k: usize, now: SimTime) {
        if self.instances[k].end.is_none() {
            self.instances[k].end = Some(now);
            let owner = self.instances[k].owner.clone();
            self.count_instance(&owner, -1);
        }
    }

    /// A Fargate task reached PENDING: billed from now (its size in vCPU and GB).
    pub fn fargate_started(
        &mut self,
        task: TaskId,
        owner: Owner,
        cpu: u32,
        memory_mib: u32,
        now: SimTime,
    ) {
        if self.fargate_open.contains_key(&task) {
            return;
        }
        let spot = owner.1.as_deref() == Some(crate::capacity::FARGATE_SPOT);
        self.fargate.push(FargateBill {
            owner,
            vcpu: cpu as f64 / 1024.0,
            gb: memory_mib as f64 / 1024.0,
            spot,
            start: now,
            end: None,
        });
        self.fargate_open.insert(task, self.fargate.len() - 1);
    }

    pub fn fargate_stopped(&mut self, task: TaskId, now: SimTime) {
        if let Some(k) = self.fargate_open.remove(&task) {
            self.fargate[k].end = Some(now);
        }
    }

    /// A provider's task began (+1) or stopped being wanted (−1).
    pub fn provider_task(&mut self, owner: Owner, d: i32) {
        self.tasks_by_owner.entry(owner).or_default().add(d);
    }

    fn fargate_rate(&self, b: &FargateBill) -> f64 {
        let rate = b.vcpu * self.pricing.fargate_vcpu_hour + b.gb * self.pricing.fargate_gb_hour;
        if b.spot {
            rate * (1.0 - self.pricing.spot_discount)
        } else {
            rate
        }
    }

    /// The run rate now, $/hour, of what `owner` matches (None: everything).
    pub fn rate(&self, owner: Option<&Owner>) -> f64 {
        let matches = |o: &Owner| owner.is_none_or(|w| w == o);
        let ec2: f64 = self
            .by_instance
            .values()
            .chain(self.by_launch.values())
            .map(|&k| &self.instances[k])
            .filter(|b| matches(&b.owner))
            .map(|b| b.price)
            .sum();
        let fargate: f64 = self
            .fargate_open
            .values()
            .map(|&k| &self.fargate[k])
            .filter(|b| matches(&b.owner))
            .map(|b| self.fargate_rate(b))
            .sum();
        ec2 + fargate
    }

    /// A sample's run rate (for `maxCostPerHour`).
    pub fn sampled(&mut self, rate: f64, now: SimTime) {
        if self.max_rate.is_none_or(|(r, _)| rate > r) {
            self.max_rate = Some((rate, now));
        }
    }

    /// The most instances running at once: of a cluster, a provider, both, or the run.
    pub fn instances_peak(&self, cluster: Option<ClusterId>, provider: Option<&str>) -> u32 {
        match (cluster, provider) {
            (None, None) => self.instances_all.peak,
            (Some(c), None) => self.instances_by_cluster.get(&c).map_or(0, |p| p.peak),
            (None, Some(p)) => self.instances_by_provider.get(p).map_or(0, |x| x.peak),
            (Some(c), Some(p)) => self
                .instances_by_owner
                .get(&(c, Some(Arc::from(p))))
                .map_or(0, |x| x.peak),
        }
    }

    /// A cluster's instance-hours and cost (instances and Fargate tasks) up to `end`.
    pub fn cluster_totals(&self, end: SimTime, c: ClusterId) -> (f64, f64) {
        let hours = |start: SimTime, stop: Option<SimTime>| {
            stop.unwrap_or(end).min(end).since(start).ms() as f64 / 3_600_000.0
        };
        let (mut instance_hours, mut cost) = (0.0, 0.0);
        for b in self.instances.iter().filter(|b| b.owner.0 == c) {
            let h = hours(b.start, b.end);
            instance_hours += h;
            cost += h * b.price;
        }
        for b in self.fargate.iter().filter(|b| b.owner.0 == c) {
            cost += hours(b.start, b.end) * self.fargate_rate(b);
        }
        (instance_hours, cost)
    }

    /// The run's costs up to `end` (open bills count until then), and the per-provider figures
    /// (`names` gives a cluster's name).
    pub fn summary(
        &self,
        end: SimTime,
        names: &dyn Fn(ClusterId) -> String,
    ) -> (Costs, Vec<ProviderSummary>) {
        let hours = |start: SimTime, stop: Option<SimTime>| {
            stop.unwrap_or(end).min(end).since(start).ms() as f64 / 3_600_000.0
        };
        let mut costs = Costs::default();
        let mut per: BTreeMap<Owner, ProviderSummary> = BTreeMap::new();
        for b in &self.instances {
            let h = hours(b.start, b.end);
            costs.instance_hours += h;
            costs.ec2 += h * b.price;
            if b.owner.1.is_some() {
                let s = per.entry(b.owner.clone()).or_default();
                s.instance_hours += h;
                s.cost += h * b.price;
            }
        }
        for b in &self.fargate {
            let h = hours(b.start, b.end);
            costs.fargate_vcpu_hours += h * b.vcpu;
            costs.fargate_gb_hours += h * b.gb;
            let c = h * self.fargate_rate(b);
            costs.fargate += c;
            if b.owner.1.is_some() {
                per.entry(b.owner.clone()).or_default().cost += c;
            }
        }
        for (owner, peak) in &self.tasks_by_owner {
            per.entry(owner.clone()).or_default().tasks_peak = peak.peak;
        }
        for (owner, peak) in &self.instances_by_owner {
            if owner.1.is_some() {
                per.entry(owner.clone()).or_default().instances_peak = peak.peak;
            }
        }
        let providers = per
            .into_iter()
            .filter_map(|((c, p), mut s)| {
                s.cluster = names(c);
                s.name = p?.to_string();
                Some(s)
            })
            .collect();
        (costs, providers)
    }
}
