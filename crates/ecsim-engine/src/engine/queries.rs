//! Query actions and Snapshot (SPEC §2): the state at a time point in the API's response shapes,
//! written to `snapshots.jsonl`. They change nothing.

use super::capacity::Capacity;
use super::cx::Cx;
use super::fleet::Fleet;
use super::services::Services;
use super::tasks::STOPPED_VISIBLE;
use crate::action::Action;
use crate::record::{ApiFailure, ClusterSnapshot, SnapshotRecord, SnapshotResponse};
use ecsim_model::{ClusterId, ClusterStatus, InstanceStatus, TaskId, TaskStatus};

/// Describe* over references: what each names, or a `MISSING` failure for it (API: Failure;
/// DG api_failures_messages — Describe* report MISSING).
pub(crate) fn describe<T>(
    refs: &[String],
    find: impl Fn(&str) -> Option<T>,
) -> (Vec<T>, Vec<ApiFailure>) {
    let mut found = Vec::new();
    let mut failures = Vec::new();
    for r in refs {
        match find(r) {
            Some(x) => found.push(x),
            None => failures.push(ApiFailure {
                arn: r.clone(),
                reason: "MISSING".into(),
                detail: None,
            }),
        }
    }
    (found, failures)
}

/// The task `r` (ARN or id) names in `cluster`, if it is visible now: not STOPPED, or stopped at
/// most an hour ago (RULE, reference §4.9).
pub(crate) fn visible_task(cx: &Cx, cluster: ClusterId, r: &str) -> Option<TaskId> {
    let t = cx.world.task_by_ref(cluster, r)?;
    let visible = cx
        .world
        .task(t)
        .stopped_at
        .get()
        .is_none_or(|s| cx.now.since(s) <= STOPPED_VISIBLE);
    visible.then_some(t)
}

/// Answers query action `index` (or takes its Snapshot) and records the response.
pub(crate) fn query(
    cx: &mut Cx,
    fleet: &Fleet,
    services: &Services,
    capacity: &Capacity,
    index: usize,
    action: &Action,
) {
    let response = match action {
        Action::ListContainerInstances {
            cluster,
            filter,
            status,
            max_results,
            next_token,
        } => {
            let Some(c) = cx.cluster(index, cluster) else {
                return;
            };
            let w = &cx.world;
            let arns: Vec<String> = w
                .cluster(c)
                .instances
                .iter()
                .map(|&i| w.instance(i))
                // API: without `status`, every status other than INACTIVE.
                .filter(|i| match status {
                    Some(s) => i.status == *s,
                    None => i.status != InstanceStatus::Inactive,
                })
                .filter(|i| {
                    filter.as_ref().is_none_or(|f| {
                        f.matches(&ecsim_placement::InstanceRef {
                            world: w,
                            instance: i,
                        })
                    })
                })
                .map(|i| w.instance_arn(i.id))
                .collect();
            // RULE: tokens are `ecsim-token-OFFSET`; one ecsim did not issue starts at the first page.
            let start = next_token
                .as_deref()
                .and_then(|t| t.strip_prefix("ecsim-token-"))
                .and_then(|n| n.parse::<usize>().ok())
                .unwrap_or(0);
            let page = max_results.unwrap_or(100).clamp(1, 100) as usize;
            let end = (start + page).min(arns.len());
            let next = (end < arns.len()).then(|| format!("ecsim-token-{end}"));
            SnapshotResponse::ListContainerInstances {
                container_instance_arns: arns.get(start..end).unwrap_or(&[]).to_vec(),
                next_token: next,
            }
        }
        Action::DescribeContainerInstances {
            cluster,
            container_instances,
        } => {
            let Some(c) = cx.cluster(index, cluster) else {
                return;
            };
            let w = &cx.world;
            let (found, failures) = describe(container_instances, |r| {
                w.instance_by_ref(c, r).map(|i| w.instance(i).clone())
            });
            SnapshotResponse::DescribeContainerInstances {
                container_instances: found,
                failures,
            }
        }
        Action::DescribeTasks { cluster, tasks } => {
            let Some(c) = cx.cluster(index, cluster) else {
                return;
            };
            let (found, failures) = describe(tasks, |r| {
                visible_task(cx, c, r).map(|t| cx.world.task(t).clone())
            });
            SnapshotResponse::DescribeTasks {
                tasks: found,
                failures,
            }
        }
        Action::ListAttributes {
            cluster,
            attribute_name,
            attribute_value,
        } => {
            let Some(c) = cx.cluster(index, cluster) else {
                return;
            };
            let w = &cx.world;
            let mut attributes = Vec::new();
            for &i in &w.cluster(c).instances {
                let inst = w.instance(i);
                if inst.status == InstanceStatus::Inactive {
                    continue;
                }
                for (name, value) in inst.attributes.iter() {
                    if attribute_name.as_deref().is_some_and(|n| n != name)
                        || attribute_value.as_deref().is_some_and(|v| Some(v) != value)
                    {
                        continue;
                    }
                    attributes.push((
                        name.to_string(),
                        value.map(str::to_string),
                        w.instance_arn(inst.id),
                    ));
                }
            }
            SnapshotResponse::ListAttributes { attributes }
        }
        Action::DescribeServices {
            cluster,
            services: refs,
        } => {
            let Some(c) = cx.cluster(index, cluster) else {
                return;
            };
            services.describe_services(cx, c, refs)
        }
        Action::Snapshot { cluster, .. } => {
            let clusters: Vec<ClusterId> = match cluster {
                Some(name) => match cx.cluster(index, name) {
                    Some(c) => vec![c],
                    None => return,
                },
                None => cx
                    .world
                    .clusters
                    .iter()
                    .filter(|c| c.status == ClusterStatus::Active)
                    .map(|c| c.id)
                    .collect(),
            };
            snapshot(cx, services, capacity, &clusters)
        }
        Action::DescribeCapacityProviders { capacity_providers } => {
            capacity.describe(cx, capacity_providers)
        }
        Action::DescribeInstanceImageMetadata {
            filters,
            instance_ids,
            max_results,
            next_token,
        } => match fleet.ec2.describe(
            cx,
            instance_ids,
            filters,
            *max_results,
            next_token.as_deref(),
        ) {
            Ok(r) => r,
            Err(missing) => {
                // EC2 API: InvalidInstanceID.NotFound names the ids that do not exist.
                let ids = missing.join(", ");
                let message = if missing.len() == 1 {
                    format!("The instance ID '{ids}' does not exist")
                } else {
                    format!("The instance IDs '{ids}' do not exist")
                };
                cx.action_error(index, "InvalidInstanceID.NotFound", message);
                return;
            }
        },
        _ => unreachable!("not a query action"),
    };
    let a = &cx.scenario.actions[index];
    let record = SnapshotRecord {
        t: cx.now,
        action: a.name.clone(),
        // A Snapshot's own input `label` first, then the envelope's (SPEC §3).
        label: match &a.action {
            Action::Snapshot { label: Some(l), .. } => Some(l.clone()),
            _ => a.label.as_deref().map(str::to_string),
        },
        input_json: a.input_json.clone(),
        response,
    };
    cx.rec.snapshot(&cx.world, record);
}

/// The state of `clusters` as the Describe* actions would show it now.
fn snapshot(
    cx: &Cx,
    services: &Services,
    capacity: &Capacity,
    clusters: &[ClusterId],
) -> SnapshotResponse {
    let w = &cx.world;
    let mut out_clusters = Vec::new();
    let mut instances = Vec::new();
    let mut tasks = Vec::new();
    for &c in clusters {
        let cl = w.cluster(c);
        let live: Vec<_> = cl
            .instances
            .iter()
            .map(|&i| w.instance(i))
            .filter(|i| i.status != InstanceStatus::Inactive)
            .collect();
        out_clusters.push(ClusterSnapshot {
            cluster: c,
            status: cl.status.as_str(),
            registered_container_instances_count: live.len() as u32,
            running_tasks_count: cl.tasks_by_status[TaskStatus::Running as usize],
            pending_tasks_count: cl.tasks_by_status[TaskStatus::Pending as usize],
            capacity_providers: capacity.cluster_view(c).0,
            default_capacity_provider_strategy: capacity.cluster_view(c).1,
        });
        instances.extend(live.into_iter().cloned());
    }
    // Tasks not yet stopped, and those stopped within the last hour (DG: stopped-task-errors).
    for t in w.tasks() {
        if !clusters.contains(&t.cluster) {
            continue;
        }
        let visible = match t.stopped_at.get() {
            None => true,
            Some(s) => cx.now.since(s) <= STOPPED_VISIBLE,
        };
        if visible {
            tasks.push(t.clone());
        }
    }
    SnapshotResponse::Snapshot {
        clusters: out_clusters,
        container_instances: instances,
        services: services
            .services
            .iter()
            .filter(|s| clusters.contains(&s.cluster))
            .map(|s| services.service_snapshot(cx, s.id))
            .collect(),
        tasks,
        capacity_providers: capacity.snapshots_for(clusters),
    }
}
