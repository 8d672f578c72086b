//! The top level of a scenario file (SPEC §3): settings with their defaults, the instance-type and
//! AMI catalog extensions, the actions and the assertions.

use crate::actions;
use crate::assertions;
use crate::cx::{as_array, object, Cx, Field, Obj};
use crate::document::Actions;
use crate::duration::parse_start_time;
use crate::path::Path;
use crate::refs::Refs;
use crate::simulation::timings;
use ecsim_engine::capacity::Pricing;
use ecsim_engine::Scenario;
use ecsim_kernel::SimDuration;
use ecsim_model::{AmiCatalog, AmiMetadata, Ec2ImageFields, InstanceType, InstanceTypeCatalog};
use serde_json::Value;
use std::collections::BTreeMap;

use Field::Used;

/// The scenario's top-level fields (SPEC §3).
pub(crate) const TOP_FIELDS: [(&str, Field); 18] = [
    ("schemaVersion", Used),
    ("name", Used),
    ("description", Used),
    ("seed", Used),
    ("region", Used),
    ("accountId", Used),
    ("startTime", Used),
    ("horizon", Used),
    ("sampleInterval", Used),
    ("timings", Used),
    ("instanceTypes", Used),
    ("amis", Used),
    ("ssmParameters", Used),
    ("pricing", Used),
    ("subnets", Used),
    ("actions", Used),
    ("assertions", Used),
    ("faults", Used),
];

/// Lowers the whole document; `actions`, when given, holds the text of the `actions` array's
/// elements (the document's `actions` is then an empty stand-in). Returns `None` when it found errors.
pub(crate) fn lower(cx: &mut Cx, doc: &Value, actions: Option<&Actions<'_>>) -> Option<Scenario> {
    let root = Path::root();
    let o = object(
        cx,
        doc,
        &root,
        "a scenario: a JSON object with schemaVersion, name and actions",
        &TOP_FIELDS,
    )?;

    // schemaVersion first: a file of another version is not worth reading further.
    if !crate::cx::schema_version(cx, &o, "") {
        return None;
    }

    let mut scenario = Scenario::new("");
    match o.req_str(cx, "name", "the scenario's name, e.g. \"name\": \"quickstart\"") {
        // The CLI uses the name as a directory name (results/<name>/).
        Some(name) if valid_name(name) => scenario.name = name.to_string(),
        Some(_) => o.error_field(cx, "name", "expected 1 to 128 letters, digits, '.', '_' or '-' (not \".\" or \"..\"): the name becomes the run's directory name",
        ),
        None => {}
    }
    o.str(cx, "description");
    if let Some(v) = o.get("seed") {
        match v.as_u64() {
            Some(seed) => scenario.seed = seed,
            None => cx.error_value(
                &o.at("seed"),
                v,
                "expected an integer from 0 to 18446744073709551615",
            ),
        }
    }
    if let Some(region) = o.str(cx, "region") {
        // RULE: a region name is lowercase letters, digits and hyphens with at least one hyphen
        // (us-east-1); ecsim does not check it against a list of real regions.
        let ok = region.contains('-')
            && !region.starts_with('-')
            && !region.ends_with('-')
            && region
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if ok {
            scenario.region = region.to_string();
        } else {
            o.error_field(cx, "region", "expected a region name like us-east-1");
        }
    }
    if let Some(v) = o.get("accountId") {
        match v.as_str() {
            Some(id) if id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()) => {
                scenario.account_id = id.to_string()
            }
            _ => cx.error_value(
                &o.at("accountId"),
                v,
                "expected a string of 12 digits, e.g. \"123456789012\"",
            ),
        }
    }
    if let Some(s) = o.str(cx, "startTime") {
        match parse_start_time(s) {
            Ok(ms) => scenario.start_time_unix_ms = ms,
            Err(message) => o.error_field(cx, "startTime", message),
        }
    }
    let mut horizon = positive_duration(cx, &o, "horizon");
    let sample_interval = positive_duration(cx, &o, "sampleInterval");
    if let Some(s) = sample_interval {
        scenario.sample_interval = s;
    }
    // RULE (SPEC §3 run limits): at most 1,000,000 sample times, checked before the run, so that
    // a horizon over a tiny interval is an input error rather than an exhausted memory.
    let sample_times = |horizon: SimDuration| horizon.ms() / scenario.sample_interval.ms() + 1;
    if let Some(h) = horizon {
        if h > MAX_HORIZON {
            // RULE (SPEC §3 run limits): a run simulates at most 3,660 days.
            let samples = sample_times(h);
            let also = if samples > MAX_SAMPLES {
                format!(
                    "; over sampleInterval ({} ms) it would also make {samples} sample times, more than a run may take ({MAX_SAMPLES})",
                    scenario.sample_interval.ms()
                )
            } else {
                String::new()
            };
            o.error_field(
                cx,
                "horizon",
                format!(
                    "horizon is {} days, more than a run may simulate (at most 3660 days); shorten it{also}",
                    h.ms() / MS_PER_DAY
                ),
            );
            horizon = None;
        } else {
            scenario.horizon = h;
        }
    }
    // The horizon the warnings compare with: the scenario's, or the default when absent.
    cx.horizon = if o.has("horizon") {
        horizon
    } else {
        Some(scenario.horizon)
    };
    if horizon.is_some() || sample_interval.is_some() {
        let samples = sample_times(scenario.horizon);
        if samples > MAX_SAMPLES {
            let field = if sample_interval.is_some() {
                "sampleInterval"
            } else {
                "horizon"
            };
            o.error_field(
                cx,
                field,
                format!(
                    "horizon ({} ms) over sampleInterval ({} ms) makes {samples} sample times, more than a run may take ({MAX_SAMPLES}); raise sampleInterval to at least {} ms or shorten horizon",
                    scenario.horizon.ms(),
                    scenario.sample_interval.ms(),
                    scenario.horizon.ms().div_ceil(MAX_SAMPLES - 1)
                ),
            );
        }
    }
    if let Some(v) = o.get("timings") {
        scenario.timings = timings(cx, v, &o.at("timings"));
    }
    let mut instance_types = InstanceTypeCatalog::builtin();
    if let Some(v) = o.get("instanceTypes") {
        read_instance_types(cx, v, &o.at("instanceTypes"), &mut instance_types);
    }
    let mut amis = AmiCatalog::builtin();
    let before_amis = cx.error_count();
    if let Some(v) = o.get("amis") {
        read_amis(cx, v, &o.at("amis"), &mut amis);
    }
    let before_ssm = cx.error_count();
    let ssm_parameters = match o.get("ssmParameters") {
        Some(v) => read_ssm_parameters(cx, v, &o.at("ssmParameters"), &mut amis),
        None => BTreeMap::new(),
    };
    // Each parameter's AMI joins the catalog, so an unreadable parameter leaves both incomplete.
    let ssm_unreadable = cx.error_count() > before_ssm;
    let amis_unreadable = before_ssm > before_amis || ssm_unreadable;

    if let Some(v) = o.get("pricing") {
        scenario.pricing = read_pricing(cx, v, &o.at("pricing"));
    }
    if let Some(v) = o.get("subnets") {
        scenario.subnets = read_subnets(cx, v, &o.at("subnets"), &scenario.region);
    }

    let mut refs = Refs::new(
        scenario.region.clone(),
        scenario.account_id.clone(),
        instance_types,
        amis,
    );
    refs.ssm_parameters = ssm_parameters;
    refs.amis_unreadable = amis_unreadable;
    refs.ssm_unreadable = ssm_unreadable;
    match o.get("actions") {
        Some(v) => {
            // Without a valid horizon the horizon check is skipped (its own error is reported).
            let horizon = if o.has("horizon") {
                horizon
            } else {
                Some(scenario.horizon)
            };
            let items = match actions {
                Some(a) => actions::Items::Text(a),
                None => actions::Items::Value(v),
            };
            scenario.actions = actions::lower(cx, items, &o.at("actions"), &mut refs, horizon);
        }
        None => {
            o.missing(cx, "actions", "an array of actions, e.g. [{\"at\": 0, \"action\": \"CreateCluster\", \"input\": {\"clusterName\": \"prod\"}}]");
            // What the assertions name is then unknowable.
            cx.unreadable_action = true;
        }
    }
    if let Some(v) = o.get("assertions") {
        // Without a valid horizon the horizon checks are skipped (its own error is reported).
        let horizon = if o.has("horizon") {
            horizon
        } else {
            Some(scenario.horizon)
        };
        scenario.assertions = assertions::read(cx, v, &o.at("assertions"), &refs, horizon);
    }
    if let Some(v) = o.get("faults") {
        let horizon = if o.has("horizon") {
            horizon
        } else {
            Some(scenario.horizon)
        };
        scenario.faults = Some(crate::faults::read(cx, v, &o.at("faults"), &refs, horizon));
    }
    scenario.instance_types = refs.instance_types;
    scenario.amis = refs.amis;
    (!cx.has_errors()).then_some(scenario)
}

/// True for a name usable as a directory name everywhere: `[A-Za-z0-9._-]{1,128}`, not `.`/`..`.
pub(crate) fn valid_name(name: &str) -> bool {
    (1..=128).contains(&name.len())
        && name != "."
        && name != ".."
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-')
}

/// A duration that must be greater than zero.
/// The longest horizon a run may simulate (SPEC §3 run limits): 3,660 days.
const MAX_HORIZON: SimDuration = SimDuration::from_seconds(3660 * 86_400);
const MS_PER_DAY: u64 = 86_400_000;
/// The most sample times a run may take (SPEC §3 run limits).
const MAX_SAMPLES: u64 = 1_000_000;

fn positive_duration(cx: &mut Cx, o: &Obj<'_>, name: &str) -> Option<SimDuration> {
    let d = o.duration(cx, name)?;
    if d.ms() == 0 {
        o.error_field(cx, name, format!("{name} must be greater than 0"));
        return None;
    }
    Some(d)
}

/// `instanceTypes`: each entry adds a type to the built-in catalog or overrides the one of that
/// name.
///
/// RULE: when an entry overrides a built-in type, the optional fields it leaves out (gpus,
/// maxEnis, pricePerHour, cpuArchitecture) keep the built-in values; for a new type they default
/// to 0 GPUs, 3 ENIs, $0/hour and x86_64. registeredMemoryMiB defaults to the estimate from
/// memoryMiB either way.
fn read_instance_types(cx: &mut Cx, value: &Value, path: &Path, catalog: &mut InstanceTypeCatalog) {
    let Some(items) = as_array(cx, value, path) else {
        return;
    };
    let mut names: Vec<String> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let p = path.index(i);
        let Some(t) = object(
            cx,
            item,
            &p,
            "an instance type {\"name\": ..., \"vcpu\": ..., \"memoryMiB\": ...}",
            &[
                ("name", Used),
                ("vcpu", Used),
                ("memoryMiB", Used),
                ("gpus", Used),
                ("maxEnis", Used),
                ("pricePerHour", Used),
                ("registeredMemoryMiB", Used),
                ("cpuArchitecture", Used),
            ],
        ) else {
            continue;
        };
        let errors = cx.error_count();
        let name = t.req_str(cx, "name", "e.g. \"name\": \"x9.custom\"");
        if let Some(n) = name {
            let ok = !n.is_empty()
                && n.len() <= 64
                && n.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'_');
            if !ok {
                t.error_field(cx, "name", "expected an instance type name like m5.large");
            } else if names.iter().any(|x| x == n) {
                t.error_field(cx, "name", format!("instance type '{n}' is defined twice"));
            } else {
                names.push(n.to_string());
            }
        }
        let required = |cx: &mut Cx, field: &str, max: i64| -> Option<u32> {
            if !t.has(field) {
                t.missing(cx, field, "");
                return None;
            }
            t.int(cx, field, 1, max, None).map(|v| v as u32)
        };
        // Bounds keep vcpu × 1024 within u32 (the largest EC2 types have 896 vCPUs).
        let vcpu = required(cx, "vcpu", 65_536);
        let memory = required(cx, "memoryMiB", u32::MAX as i64);
        let gpus = t.u32(cx, "gpus");
        let max_enis = t.int(cx, "maxEnis", 1, 1024, None).map(|v| v as u32);
        let price = t.number(cx, "pricePerHour");
        if price.is_some_and(|p| p < 0.0) {
            t.error_field(cx, "pricePerHour", "expected a price of at least 0");
        }
        let registered = t
            .int(cx, "registeredMemoryMiB", 1, u32::MAX as i64, None)
            .map(|v| v as u32);
        let architecture: Option<&'static str> = match t.str(cx, "cpuArchitecture") {
            None => None,
            Some("x86_64") => Some("x86_64"),
            Some("arm64") => Some("arm64"),
            Some(_) => {
                t.error_field(
                    cx,
                    "cpuArchitecture",
                    "expected x86_64 or arm64 (the values of ecs.cpu-architecture)",
                );
                None
            }
        };
        if let (Some(m), Some(r)) = (memory, registered) {
            if r > m {
                t.error_field(
                    cx,
                    "registeredMemoryMiB",
                    format!("registeredMemoryMiB can't exceed memoryMiB ({m})"),
                );
            }
        }
        if cx.error_count() > errors {
            continue;
        }
        let (Some(name), Some(vcpu), Some(memory)) = (name, vcpu, memory) else {
            continue;
        };
        let base = catalog.get(name).cloned();
        catalog.insert(InstanceType {
            name: name.to_string(),
            vcpu,
            memory_mib: memory,
            registered_memory_mib: registered
                .unwrap_or_else(|| InstanceType::estimated_registered_memory_mib(memory)),
            gpus: gpus.or(base.as_ref().map(|b| b.gpus)).unwrap_or(0),
            max_enis: max_enis.or(base.as_ref().map(|b| b.max_enis)).unwrap_or(3),
            cpu_architecture: architecture
                .or(base.as_ref().map(|b| b.cpu_architecture))
                .unwrap_or("x86_64"),
            price_per_hour: price
                .or(base.as_ref().map(|b| b.price_per_hour))
                .unwrap_or(0.0),
            price_date: if price.is_some() || base.is_none() {
                "scenario"
            } else {
                base.as_ref().map(|b| b.price_date).unwrap_or("scenario")
            },
        });
    }
}

/// `amis`: ECS-optimized AMI metadata in the SSM parameter's shape (seed 000), added to the
/// built-in catalog.
fn read_amis(cx: &mut Cx, value: &Value, path: &Path, catalog: &mut AmiCatalog) {
    let Some(items) = as_array(cx, value, path) else {
        return;
    };
    let mut ids: Vec<String> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let p = path.index(i);
        // RULE: an entry may be the SSM parameter's `Value` string itself (seed 000); an error
        // inside it names the field within the string and points at the string.
        let parsed;
        let item = match item {
            Value::String(text) => match serde_json::from_str::<Value>(text) {
                Ok(v) => {
                    parsed = v;
                    &parsed
                }
                Err(e) => {
                    cx.error_value(&p, item, format!("expected AMI metadata: an object, or the JSON string an SSM parameter's Value holds; this string is not JSON ({e})"));
                    continue;
                }
            },
            _ => item,
        };
        if let Some(ami) = read_ami(cx, item, &p, &mut ids) {
            catalog.insert(ami);
        }
    }
}

/// `ssmParameters` (SPEC §3): SSM parameters as `aws ssm get-parameters` prints them
/// (`{"Name", "Type", "Value", "Version"}`, Value the AMI metadata's JSON string, seed 000); each
/// one's AMI joins the catalog. Returns each name with its AMI id.
fn read_ssm_parameters(
    cx: &mut Cx,
    value: &Value,
    path: &Path,
    catalog: &mut AmiCatalog,
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let Some(items) = as_array(cx, value, path) else {
        return out;
    };
    for (i, item) in items.iter().enumerate() {
        let p = path.index(i);
        let Some(o) = object(
            cx,
            item,
            &p,
            "an SSM parameter {\"Name\": ..., \"Type\": \"String\", \"Value\": ..., \"Version\": ...}",
            &[
                ("Name", Used),
                ("Type", Used),
                ("Value", Used),
                ("Version", Used),
                // Newer CLIs print these too; they say nothing about the AMI.
                ("ARN", Field::Ignored),
                ("LastModifiedDate", Field::Ignored),
                ("DataType", Field::Ignored),
            ],
        ) else {
            continue;
        };
        let errors = cx.error_count();
        let name = o.req_str(
            cx,
            "Name",
            "e.g. \"Name\": \"/aws/service/ecs/optimized-ami/amazon-linux/recommended\"",
        );
        if let Some(n) = name {
            if n.is_empty() {
                o.error_field(cx, "Name", "expected the parameter's name");
            } else if out.contains_key(n) {
                o.error_field(
                    cx,
                    "Name",
                    format!("the SSM parameter '{n}' is given twice"),
                );
            }
        }
        match o.str(cx, "Type") {
            None if !o.has("Type") => o.missing(cx, "Type", "\"Type\": \"String\""),
            Some("String") | None => {}
            Some(_) => o.error_field(
                cx,
                "Type",
                "expected String: an AMI metadata parameter is a String parameter",
            ),
        }
        if o.has("Version") {
            o.int(cx, "Version", 1, i64::MAX, None);
        }
        let ami = match (o.get("Value"), o.str(cx, "Value")) {
            (Some(_), Some(text)) => match serde_json::from_str::<Value>(text) {
                Ok(v) => {
                    let mut ids = Vec::new();
                    read_ami(cx, &v, &o.at("Value"), &mut ids)
                }
                Err(e) => {
                    o.error_field(cx, "Value", format!("expected the AMI metadata's JSON string, as in the parameter's Value; this string is not JSON ({e})"));
                    None
                }
            },
            (None, _) => {
                o.missing(cx, "Value", "the AMI metadata's JSON string");
                None
            }
            _ => None,
        };
        if cx.error_count() > errors {
            continue;
        }
        if let (Some(name), Some(ami)) = (name, ami) {
            out.insert(name.to_string(), ami.image_id.clone());
            catalog.insert(ami);
        }
    }
    out
}

/// One AMI metadata object (an `amis` entry, or an SSM parameter's parsed `Value`); `ids` the ids
/// defined so far.
fn read_ami(cx: &mut Cx, item: &Value, p: &Path, ids: &mut Vec<String>) -> Option<AmiMetadata> {
    {
        let p = p.clone();
        let a = object(
            cx,
            item,
            &p,
            "AMI metadata {\"schema_version\": 1, \"image_id\": ..., ...}",
            &[
                ("schema_version", Used),
                ("image_id", Used),
                ("image_name", Used),
                ("os", Used),
                ("ecs_agent_version", Used),
                ("ecs_runtime_version", Used),
                ("owner_id", Used),
                ("owner_alias", Used),
                ("creation_date", Used),
                ("deprecation_time", Used),
                ("state", Used),
                ("is_public", Used),
            ],
        )?;
        let errors = cx.error_count();
        let schema_version = if a.has("schema_version") {
            a.int(cx, "schema_version", 1, u32::MAX as i64, None)
                .map(|v| v as u32)
        } else {
            a.missing(
                cx,
                "schema_version",
                "\"schema_version\": 1, as in the SSM parameter value",
            );
            None
        };
        let image_id = a.req_str(cx, "image_id", "e.g. \"image_id\": \"ami-aff65ad2\"");
        if let Some(id) = image_id {
            let ok = id
                .strip_prefix("ami-")
                .is_some_and(|hex| !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()));
            if !ok {
                a.error_field(cx, "image_id", "expected an AMI id like ami-aff65ad2");
            } else if ids.iter().any(|x| x == id) {
                a.error_field(cx, "image_id", format!("the AMI '{id}' is defined twice"));
            } else {
                ids.push(id.to_string());
            }
        }
        let image_name = a.req_str(cx, "image_name", "");
        let os = a.req_str(cx, "os", "e.g. \"os\": \"Amazon Linux\"");
        let agent = a.req_str(
            cx,
            "ecs_agent_version",
            "e.g. \"ecs_agent_version\": \"1.17.3\"",
        );
        if let Some(v) = agent {
            let ok = !v.is_empty()
                && v.split('.')
                    .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()));
            if !ok {
                a.error_field(
                    cx,
                    "ecs_agent_version",
                    "expected a dotted version like 1.17.3",
                );
            }
        }
        let runtime = a.req_str(
            cx,
            "ecs_runtime_version",
            "e.g. \"ecs_runtime_version\": \"Docker version 17.12.1-ce\"",
        );
        let ec2 = image_fields(cx, &a);
        if cx.error_count() > errors {
            return None;
        }
        Some(AmiMetadata {
            schema_version: schema_version?,
            image_id: image_id?.to_string(),
            image_name: image_name?.to_string(),
            os: os?.to_string(),
            ecs_agent_version: agent?.to_string(),
            ecs_runtime_version: runtime?.to_string(),
            ec2,
        })
    }
}

/// EC2 API: Image.State.
const IMAGE_STATES: [&str; 8] = [
    "available",
    "pending",
    "invalid",
    "deregistered",
    "transient",
    "failed",
    "error",
    "disabled",
];

/// The optional EC2 fields of an `amis` entry (SPEC §13.1), each with its default.
fn image_fields(cx: &mut Cx, a: &Obj<'_>) -> Ec2ImageFields {
    let mut f = Ec2ImageFields::default();
    if let Some(id) = a.str(cx, "owner_id") {
        if id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()) {
            f.owner_id = id.to_string();
        } else {
            a.error_field(
                cx,
                "owner_id",
                "expected a 12-digit AWS account id like 591542846629",
            );
        }
    }
    if let Some(alias) = a.str(cx, "owner_alias") {
        if alias.is_empty() {
            a.error_field(cx, "owner_alias", "expected an owner alias like amazon");
        } else {
            f.owner_alias = alias.to_string();
        }
    }
    for name in ["creation_date", "deprecation_time"] {
        if let Some(t) = a.str(cx, name) {
            if is_ec2_time(t) {
                let t = Some(t.to_string());
                if name == "creation_date" {
                    f.creation_date = t;
                } else {
                    f.deprecation_time = t;
                }
            } else {
                a.error_field(
                    cx,
                    name,
                    "expected an ISO-8601 UTC time as EC2 writes it, e.g. 2023-01-25T17:20:40Z or 2023-01-25T17:20:40.000Z",
                );
            }
        }
    }
    if let Some(s) = a.str(cx, "state") {
        if IMAGE_STATES.contains(&s) {
            f.state = s.to_string();
        } else {
            a.error_field(
                cx,
                "state",
                format!(
                    "expected {} (EC2 API: Image.State)",
                    IMAGE_STATES.join(", ")
                ),
            );
        }
    }
    if let Some(p) = a.bool(cx, "is_public") {
        f.is_public = p;
    }
    f
}

/// `YYYY-MM-DDThh:mm:ssZ` or `YYYY-MM-DDThh:mm:ss.sssZ`, a real date and time.
fn is_ec2_time(t: &str) -> bool {
    let b = t.as_bytes();
    let digits = |r: std::ops::Range<usize>| {
        b.get(r.clone())
            .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
            .then(|| t[r].parse::<i64>().unwrap_or(-1))
    };
    let shape = (b.len() == 20 || (b.len() == 24 && b[19] == b'.' && digits(20..23).is_some()))
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b[b.len() - 1] == b'Z';
    if !shape {
        return false;
    }
    match (
        digits(0..4),
        digits(5..7),
        digits(8..10),
        digits(11..13),
        digits(14..16),
        digits(17..19),
    ) {
        (Some(y), Some(mo), Some(d), Some(h), Some(mi), Some(s)) => {
            ecsim_kernel::calendar::is_date(y, mo, d) && h < 24 && mi < 60 && s < 60
        }
        _ => false,
    }
}

/// `pricing` (SPEC §3, §8): overrides of the catalog's prices, each optional.
/// `spotDiscount` from 0 up to 1 (not 1: spot capacity is never free), the Fargate prices at
/// least 0.
fn read_pricing(cx: &mut Cx, value: &Value, path: &Path) -> Pricing {
    let mut pricing = Pricing::default();
    let Some(o) = object(
        cx,
        value,
        path,
        "pricing {\"spotDiscount\": ..., \"fargateVcpuHour\": ..., \"fargateGbHour\": ...}",
        &[
            ("spotDiscount", Used),
            ("fargateVcpuHour", Used),
            ("fargateGbHour", Used),
        ],
    ) else {
        return pricing;
    };
    if let Some(d) = o.number(cx, "spotDiscount") {
        if (0.0..1.0).contains(&d) {
            pricing.spot_discount = d;
        } else {
            o.error_field(
                cx,
                "spotDiscount",
                "expected a discount from 0 up to, not including, 1 (0.7: spot capacity costs 30% of the on-demand price)",
            );
        }
    }
    for (key, slot, unit) in [
        (
            "fargateVcpuHour",
            &mut pricing.fargate_vcpu_hour,
            "vCPU-hour",
        ),
        ("fargateGbHour", &mut pricing.fargate_gb_hour, "GB-hour"),
    ] {
        if let Some(price) = o.number(cx, key) {
            if price >= 0.0 {
                *slot = price;
            } else {
                o.error_field(
                    cx,
                    key,
                    format!("expected a price of at least 0 dollars per {unit}"),
                );
            }
        }
    }
    pricing
}

/// `subnets` (SPEC §8): subnet id → Availability Zone of the scenario's region, where Fargate
/// tasks in that subnet run.
fn read_subnets(cx: &mut Cx, value: &Value, path: &Path, region: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let Value::Object(map) = value else {
        cx.error_value(
            path,
            value,
            format!("expected an object of subnet ids and their zones, e.g. {{\"subnet-0abc\": \"{region}a\"}}"),
        );
        return out;
    };
    for (subnet, zone) in map {
        let p = path.key(subnet);
        if subnet.is_empty() {
            cx.error_key(&p, "expected a subnet id, not an empty string");
            continue;
        }
        let Some(zone) = crate::cx::as_str(cx, zone, &p) else {
            continue;
        };
        if actions::check_zone(cx, region, &p, zone) {
            out.insert(subnet.clone(), zone.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_usable_as_directories() {
        assert!(valid_name("quickstart"));
        assert!(valid_name("a.b_c-1"));
        assert!(!valid_name(""));
        assert!(!valid_name("."));
        assert!(!valid_name(".."));
        assert!(!valid_name("a/b"));
        assert!(!valid_name("a b"));
    }
}
