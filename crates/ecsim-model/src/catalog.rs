//! The built-in EC2 instance-type and ECS-optimized AMI catalogs, which a scenario can extend or override.

use std::collections::BTreeMap;

mod amis;
mod instance_types;

/// One EC2 instance type as ECS sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct InstanceType {
    pub name: String,
    pub vcpu: u32,
    /// Installed memory, MiB.
    pub memory_mib: u32,
    /// What the agent registers as MEMORY (SPEC §3): floor(MemTotal) minus ECS_RESERVED_MEMORY.
    pub registered_memory_mib: u32,
    pub gpus: u32,
    pub max_enis: u32,
    pub cpu_architecture: &'static str,
    /// On-demand $/hour in us-east-1 (Linux), as of `price_date`.
    pub price_per_hour: f64,
    pub price_date: &'static str,
}

impl InstanceType {
    /// CPU units registered: 1,024 per vCPU (DG: "A container instance has 1,024 CPU units for every
    /// CPU core"; agent: `runtime.NumCPU() * 1024`).
    pub fn registered_cpu(&self) -> u32 {
        self.vcpu * 1024
    }

    /// RULE: where no measured MemTotal is known, registered memory scales the documented m4.large
    /// vector (8 GiB installed, 8373026816 bytes MemTotal = 7985 MiB) to the type's installed memory.
    pub fn estimated_registered_memory_mib(memory_mib: u32) -> u32 {
        ((memory_mib as u64 * 7985) / 8192) as u32
    }
}

/// The instance types a run knows: the built-in table plus the scenario's own.
#[derive(Clone, Debug)]
pub struct InstanceTypeCatalog {
    types: BTreeMap<String, InstanceType>,
}

impl InstanceTypeCatalog {
    pub fn builtin() -> Self {
        let types = instance_types::builtin()
            .into_iter()
            .map(|t| (t.name.clone(), t))
            .collect();
        InstanceTypeCatalog { types }
    }

    /// Adds a type or replaces the built-in one of that name.
    pub fn insert(&mut self, t: InstanceType) {
        self.types.insert(t.name.clone(), t);
    }

    pub fn get(&self, name: &str) -> Option<&InstanceType> {
        self.types.get(name)
    }

    pub fn iter(&self) -> impl Iterator<Item = &InstanceType> {
        self.types.values()
    }

    pub fn len(&self) -> usize {
        self.types.len()
    }

    pub fn is_empty(&self) -> bool {
        self.types.is_empty()
    }
}

/// ECS-optimized AMI metadata, in the shape of the SSM parameter value (seed `000_*`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AmiMetadata {
    pub schema_version: u32,
    pub image_id: String,
    pub image_name: String,
    pub os: String,
    pub ecs_agent_version: String,
    pub ecs_runtime_version: String,
    /// What EC2 says of the image (DescribeInstanceImageMetadata's ImageMetadata, SPEC §13.1).
    pub ec2: Ec2ImageFields,
}

/// The image fields EC2 reports beside the SSM metadata; a scenario's `amis` entry may give them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ec2ImageFields {
    pub owner_id: String,
    pub owner_alias: String,
    /// ISO-8601 as EC2 writes it (`2023-01-25T17:20:40Z`); None when unknown.
    pub creation_date: Option<String>,
    pub deprecation_time: Option<String>,
    pub state: String,
    pub is_public: bool,
}

impl Default for Ec2ImageFields {
    /// SPEC §13.1's defaults: Amazon's account and alias, available, public.
    fn default() -> Self {
        Ec2ImageFields {
            owner_id: "591542846629".into(),
            owner_alias: "amazon".into(),
            creation_date: None,
            deprecation_time: None,
            state: "available".into(),
            is_public: true,
        }
    }
}

impl AmiMetadata {
    /// `ecs.os-type`: `windows` when the AMI's `os` names Windows, else `linux` (SPEC §3).
    pub fn os_type(&self) -> &'static str {
        if self.is_windows() {
            "windows"
        } else {
            "linux"
        }
    }

    pub fn is_windows(&self) -> bool {
        contains_ignoring_case(&self.os, "windows")
            || contains_ignoring_case(&self.image_name, "windows")
    }

    /// `ecs.os-family`: `LINUX`, or `WINDOWS_SERVER_<release>_<FULL|CORE>` from the image name
    /// (DG: task-placement-constraints, ecs.os-family).
    pub fn os_family(&self) -> std::borrow::Cow<'static, str> {
        if !self.is_windows() {
            return "LINUX".into();
        }
        let name = self.image_name.to_ascii_uppercase();
        let release = ["2022", "2019", "2016", "20H2", "2004", "1909"]
            .into_iter()
            .find(|r| name.contains(r))
            .unwrap_or("2019");
        let sku = if name.contains("CORE") {
            "CORE"
        } else {
            "FULL"
        };
        format!("WINDOWS_SERVER_{release}_{sku}").into()
    }
}

/// The AMIs a run knows: built-in plus the scenario's own.
#[derive(Clone, Debug)]
pub struct AmiCatalog {
    amis: BTreeMap<String, AmiMetadata>,
    recommended: String,
}

impl AmiCatalog {
    pub fn builtin() -> Self {
        let (list, recommended) = amis::builtin();
        AmiCatalog {
            amis: list.into_iter().map(|a| (a.image_id.clone(), a)).collect(),
            recommended: recommended.to_string(),
        }
    }

    pub fn insert(&mut self, ami: AmiMetadata) {
        self.amis.insert(ami.image_id.clone(), ami);
    }

    pub fn get(&self, image_id: &str) -> Option<&AmiMetadata> {
        self.amis.get(image_id)
    }

    /// The recommended Amazon Linux ECS-optimized AMI (the default for launched instances).
    pub fn recommended(&self) -> &AmiMetadata {
        &self.amis[&self.recommended]
    }

    pub fn iter(&self) -> impl Iterator<Item = &AmiMetadata> {
        self.amis.values()
    }
}

/// Whether `text` contains `needle` (ASCII lower case), ignoring ASCII case.
fn contains_ignoring_case(text: &str, needle: &str) -> bool {
    text.as_bytes()
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn m4_large_registers_the_documented_7985_mib() {
        // DG: memory-management — "an m4.large instance has 8 GiB ... 7985 MiB available for tasks".
        let c = InstanceTypeCatalog::builtin();
        let t = c.get("m4.large").expect("m4.large in the catalog");
        assert_eq!(t.registered_memory_mib, 7985);
        assert_eq!(t.registered_cpu(), 2048);
    }

    #[test]
    fn every_builtin_type_is_sane() {
        let c = InstanceTypeCatalog::builtin();
        assert!(c.len() >= 20);
        for t in c.iter() {
            assert!(t.vcpu > 0 && t.memory_mib > 0, "{}", t.name);
            assert!(t.registered_memory_mib < t.memory_mib, "{}", t.name);
            assert!(t.max_enis >= 1, "{}", t.name);
            assert!(t.price_per_hour > 0.0, "{}", t.name);
        }
    }

    #[test]
    fn recommended_ami_exists_and_os_attributes_derive() {
        let c = AmiCatalog::builtin();
        assert_eq!(c.recommended().os_type(), "linux");
        let seed = c.get("ami-aff65ad2").expect("the seed 000 example AMI");
        assert_eq!(seed.ecs_agent_version, "1.17.3");
        assert_eq!(seed.os_family(), "LINUX");
    }
}
