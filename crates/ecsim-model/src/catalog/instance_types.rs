//! Built-in EC2 instance types: the common current families used with ECS.
//!
//! Where the numbers come from: EC2's published instance-type specifications (vCPU, installed
//! memory, GPU count, maximum network interfaces, CPU architecture) and the published on-demand
//! Linux prices in us-east-1 (US East, N. Virginia), as of `PRICE_DATE`. The prices are quoted
//! from knowledge of the public price list at that date (rounded to 4 significant digits), not
//! fetched at build time; they change rarely but do change, so treat them as indicative.
//!
//! Registered memory follows the documented RULE `InstanceType::estimated_registered_memory_mib`
//! (scaling the measured m4.large vector) for every type except m4.large itself, which carries its
//! documented measured value (8373026816 bytes MemTotal = 7985 MiB).
//!
//! A scenario's `instanceTypes` entry overrides the built-in entry of the same name (or adds a type
//! that is not listed here).

use super::InstanceType;

/// The date the on-demand prices below are from.
const PRICE_DATE: &str = "2024-06-01";

const X86: &str = "x86_64";
const ARM: &str = "arm64";

/// One type whose registered memory follows the estimation RULE.
fn t(
    name: &str,
    vcpu: u32,
    memory_gib: f64,
    gpus: u32,
    max_enis: u32,
    arch: &'static str,
    price: f64,
) -> InstanceType {
    let memory_mib = (memory_gib * 1024.0) as u32;
    tr(
        name,
        vcpu,
        memory_gib,
        gpus,
        max_enis,
        arch,
        price,
        InstanceType::estimated_registered_memory_mib(memory_mib),
    )
}

/// One type with an explicit (measured) registered memory, MiB.
#[allow(clippy::too_many_arguments)]
fn tr(
    name: &str,
    vcpu: u32,
    memory_gib: f64,
    gpus: u32,
    max_enis: u32,
    arch: &'static str,
    price: f64,
    registered_mib: u32,
) -> InstanceType {
    InstanceType {
        name: name.to_string(),
        vcpu,
        memory_mib: (memory_gib * 1024.0) as u32,
        registered_memory_mib: registered_mib,
        gpus,
        max_enis,
        cpu_architecture: arch,
        price_per_hour: price,
        price_date: PRICE_DATE,
    }
}

pub(super) fn builtin() -> Vec<InstanceType> {
    vec![
        // m5 — general purpose, Intel Xeon Platinum 8000
        t("m5.large", 2, 8.0, 0, 3, X86, 0.096),
        t("m5.xlarge", 4, 16.0, 0, 4, X86, 0.192),
        t("m5.2xlarge", 8, 32.0, 0, 4, X86, 0.384),
        t("m5.4xlarge", 16, 64.0, 0, 8, X86, 0.768),
        t("m5.8xlarge", 32, 128.0, 0, 8, X86, 1.536),
        t("m5.12xlarge", 48, 192.0, 0, 8, X86, 2.304),
        t("m5.16xlarge", 64, 256.0, 0, 15, X86, 3.072),
        t("m5.24xlarge", 96, 384.0, 0, 15, X86, 4.608),
        // m5a — general purpose, AMD EPYC 7000
        t("m5a.large", 2, 8.0, 0, 3, X86, 0.086),
        t("m5a.xlarge", 4, 16.0, 0, 4, X86, 0.172),
        t("m5a.2xlarge", 8, 32.0, 0, 4, X86, 0.344),
        t("m5a.4xlarge", 16, 64.0, 0, 8, X86, 0.688),
        t("m5a.8xlarge", 32, 128.0, 0, 8, X86, 1.376),
        t("m5a.12xlarge", 48, 192.0, 0, 8, X86, 2.064),
        t("m5a.16xlarge", 64, 256.0, 0, 15, X86, 2.752),
        t("m5a.24xlarge", 96, 384.0, 0, 15, X86, 4.128),
        // m6i — general purpose, Intel Xeon Ice Lake
        t("m6i.large", 2, 8.0, 0, 3, X86, 0.096),
        t("m6i.xlarge", 4, 16.0, 0, 4, X86, 0.192),
        t("m6i.2xlarge", 8, 32.0, 0, 4, X86, 0.384),
        t("m6i.4xlarge", 16, 64.0, 0, 8, X86, 0.768),
        t("m6i.8xlarge", 32, 128.0, 0, 8, X86, 1.536),
        t("m6i.12xlarge", 48, 192.0, 0, 8, X86, 2.304),
        t("m6i.16xlarge", 64, 256.0, 0, 15, X86, 3.072),
        t("m6i.24xlarge", 96, 384.0, 0, 15, X86, 4.608),
        // m6a — general purpose, AMD EPYC Milan
        t("m6a.large", 2, 8.0, 0, 3, X86, 0.0864),
        t("m6a.xlarge", 4, 16.0, 0, 4, X86, 0.1728),
        t("m6a.2xlarge", 8, 32.0, 0, 4, X86, 0.3456),
        t("m6a.4xlarge", 16, 64.0, 0, 8, X86, 0.6912),
        t("m6a.8xlarge", 32, 128.0, 0, 8, X86, 1.382),
        t("m6a.12xlarge", 48, 192.0, 0, 8, X86, 2.074),
        t("m6a.16xlarge", 64, 256.0, 0, 15, X86, 2.765),
        t("m6a.24xlarge", 96, 384.0, 0, 15, X86, 4.147),
        // m6g — general purpose, Graviton2
        t("m6g.large", 2, 8.0, 0, 3, ARM, 0.077),
        t("m6g.xlarge", 4, 16.0, 0, 4, ARM, 0.154),
        t("m6g.2xlarge", 8, 32.0, 0, 4, ARM, 0.308),
        t("m6g.4xlarge", 16, 64.0, 0, 8, ARM, 0.616),
        t("m6g.8xlarge", 32, 128.0, 0, 8, ARM, 1.232),
        t("m6g.12xlarge", 48, 192.0, 0, 8, ARM, 1.848),
        t("m6g.16xlarge", 64, 256.0, 0, 15, ARM, 2.464),
        // m7i — general purpose, Intel Xeon Sapphire Rapids
        t("m7i.large", 2, 8.0, 0, 3, X86, 0.1008),
        t("m7i.xlarge", 4, 16.0, 0, 4, X86, 0.2016),
        t("m7i.2xlarge", 8, 32.0, 0, 4, X86, 0.4032),
        t("m7i.4xlarge", 16, 64.0, 0, 8, X86, 0.8064),
        t("m7i.8xlarge", 32, 128.0, 0, 8, X86, 1.613),
        t("m7i.12xlarge", 48, 192.0, 0, 8, X86, 2.419),
        t("m7i.16xlarge", 64, 256.0, 0, 15, X86, 3.226),
        t("m7i.24xlarge", 96, 384.0, 0, 15, X86, 4.838),
        // m7g — general purpose, Graviton3
        t("m7g.large", 2, 8.0, 0, 3, ARM, 0.0816),
        t("m7g.xlarge", 4, 16.0, 0, 4, ARM, 0.1632),
        t("m7g.2xlarge", 8, 32.0, 0, 4, ARM, 0.3264),
        t("m7g.4xlarge", 16, 64.0, 0, 8, ARM, 0.6528),
        t("m7g.8xlarge", 32, 128.0, 0, 8, ARM, 1.306),
        t("m7g.12xlarge", 48, 192.0, 0, 8, ARM, 1.958),
        t("m7g.16xlarge", 64, 256.0, 0, 15, ARM, 2.611),
        // m7a — general purpose, AMD EPYC Genoa
        t("m7a.large", 2, 8.0, 0, 3, X86, 0.1159),
        t("m7a.xlarge", 4, 16.0, 0, 4, X86, 0.2318),
        t("m7a.2xlarge", 8, 32.0, 0, 4, X86, 0.4637),
        t("m7a.4xlarge", 16, 64.0, 0, 8, X86, 0.9274),
        t("m7a.8xlarge", 32, 128.0, 0, 8, X86, 1.855),
        t("m7a.12xlarge", 48, 192.0, 0, 8, X86, 2.782),
        t("m7a.16xlarge", 64, 256.0, 0, 15, X86, 3.709),
        t("m7a.24xlarge", 96, 384.0, 0, 15, X86, 5.564),
        // c5 — compute optimized, Intel Xeon Platinum 8000
        t("c5.large", 2, 4.0, 0, 3, X86, 0.085),
        t("c5.xlarge", 4, 8.0, 0, 4, X86, 0.17),
        t("c5.2xlarge", 8, 16.0, 0, 4, X86, 0.34),
        t("c5.4xlarge", 16, 32.0, 0, 8, X86, 0.68),
        t("c5.9xlarge", 36, 72.0, 0, 8, X86, 1.53),
        t("c5.12xlarge", 48, 96.0, 0, 8, X86, 2.04),
        t("c5.18xlarge", 72, 144.0, 0, 15, X86, 3.06),
        t("c5.24xlarge", 96, 192.0, 0, 15, X86, 4.08),
        // c6i — compute optimized, Intel Xeon Ice Lake
        t("c6i.large", 2, 4.0, 0, 3, X86, 0.085),
        t("c6i.xlarge", 4, 8.0, 0, 4, X86, 0.17),
        t("c6i.2xlarge", 8, 16.0, 0, 4, X86, 0.34),
        t("c6i.4xlarge", 16, 32.0, 0, 8, X86, 0.68),
        t("c6i.8xlarge", 32, 64.0, 0, 8, X86, 1.36),
        t("c6i.12xlarge", 48, 96.0, 0, 8, X86, 2.04),
        t("c6i.16xlarge", 64, 128.0, 0, 15, X86, 2.72),
        t("c6i.24xlarge", 96, 192.0, 0, 15, X86, 4.08),
        // c6g — compute optimized, Graviton2
        t("c6g.large", 2, 4.0, 0, 3, ARM, 0.068),
        t("c6g.xlarge", 4, 8.0, 0, 4, ARM, 0.136),
        t("c6g.2xlarge", 8, 16.0, 0, 4, ARM, 0.272),
        t("c6g.4xlarge", 16, 32.0, 0, 8, ARM, 0.544),
        t("c6g.8xlarge", 32, 64.0, 0, 8, ARM, 1.088),
        t("c6g.12xlarge", 48, 96.0, 0, 8, ARM, 1.632),
        t("c6g.16xlarge", 64, 128.0, 0, 15, ARM, 2.176),
        // c7i — compute optimized, Intel Xeon Sapphire Rapids
        t("c7i.large", 2, 4.0, 0, 3, X86, 0.08925),
        t("c7i.xlarge", 4, 8.0, 0, 4, X86, 0.1785),
        t("c7i.2xlarge", 8, 16.0, 0, 4, X86, 0.357),
        t("c7i.4xlarge", 16, 32.0, 0, 8, X86, 0.714),
        t("c7i.8xlarge", 32, 64.0, 0, 8, X86, 1.428),
        t("c7i.12xlarge", 48, 96.0, 0, 8, X86, 2.142),
        t("c7i.16xlarge", 64, 128.0, 0, 15, X86, 2.856),
        t("c7i.24xlarge", 96, 192.0, 0, 15, X86, 4.284),
        // c7g — compute optimized, Graviton3
        t("c7g.large", 2, 4.0, 0, 3, ARM, 0.0725),
        t("c7g.xlarge", 4, 8.0, 0, 4, ARM, 0.145),
        t("c7g.2xlarge", 8, 16.0, 0, 4, ARM, 0.29),
        t("c7g.4xlarge", 16, 32.0, 0, 8, ARM, 0.58),
        t("c7g.8xlarge", 32, 64.0, 0, 8, ARM, 1.16),
        t("c7g.12xlarge", 48, 96.0, 0, 8, ARM, 1.74),
        t("c7g.16xlarge", 64, 128.0, 0, 15, ARM, 2.32),
        // r5 — memory optimized, Intel Xeon Platinum 8000
        t("r5.large", 2, 16.0, 0, 3, X86, 0.126),
        t("r5.xlarge", 4, 32.0, 0, 4, X86, 0.252),
        t("r5.2xlarge", 8, 64.0, 0, 4, X86, 0.504),
        t("r5.4xlarge", 16, 128.0, 0, 8, X86, 1.008),
        t("r5.8xlarge", 32, 256.0, 0, 8, X86, 2.016),
        t("r5.12xlarge", 48, 384.0, 0, 8, X86, 3.024),
        t("r5.16xlarge", 64, 512.0, 0, 15, X86, 4.032),
        t("r5.24xlarge", 96, 768.0, 0, 15, X86, 6.048),
        // r6i — memory optimized, Intel Xeon Ice Lake
        t("r6i.large", 2, 16.0, 0, 3, X86, 0.126),
        t("r6i.xlarge", 4, 32.0, 0, 4, X86, 0.252),
        t("r6i.2xlarge", 8, 64.0, 0, 4, X86, 0.504),
        t("r6i.4xlarge", 16, 128.0, 0, 8, X86, 1.008),
        t("r6i.8xlarge", 32, 256.0, 0, 8, X86, 2.016),
        t("r6i.12xlarge", 48, 384.0, 0, 8, X86, 3.024),
        t("r6i.16xlarge", 64, 512.0, 0, 15, X86, 4.032),
        t("r6i.24xlarge", 96, 768.0, 0, 15, X86, 6.048),
        // r6g — memory optimized, Graviton2
        t("r6g.large", 2, 16.0, 0, 3, ARM, 0.1008),
        t("r6g.xlarge", 4, 32.0, 0, 4, ARM, 0.2016),
        t("r6g.2xlarge", 8, 64.0, 0, 4, ARM, 0.4032),
        t("r6g.4xlarge", 16, 128.0, 0, 8, ARM, 0.8064),
        t("r6g.8xlarge", 32, 256.0, 0, 8, ARM, 1.613),
        t("r6g.12xlarge", 48, 384.0, 0, 8, ARM, 2.419),
        t("r6g.16xlarge", 64, 512.0, 0, 15, ARM, 3.226),
        // r7i — memory optimized, Intel Xeon Sapphire Rapids
        t("r7i.large", 2, 16.0, 0, 3, X86, 0.1323),
        t("r7i.xlarge", 4, 32.0, 0, 4, X86, 0.2646),
        t("r7i.2xlarge", 8, 64.0, 0, 4, X86, 0.5292),
        t("r7i.4xlarge", 16, 128.0, 0, 8, X86, 1.058),
        t("r7i.8xlarge", 32, 256.0, 0, 8, X86, 2.117),
        t("r7i.12xlarge", 48, 384.0, 0, 8, X86, 3.175),
        t("r7i.16xlarge", 64, 512.0, 0, 15, X86, 4.234),
        t("r7i.24xlarge", 96, 768.0, 0, 15, X86, 6.350),
        // r7g — memory optimized, Graviton3
        t("r7g.large", 2, 16.0, 0, 3, ARM, 0.1071),
        t("r7g.xlarge", 4, 32.0, 0, 4, ARM, 0.2142),
        t("r7g.2xlarge", 8, 64.0, 0, 4, ARM, 0.4284),
        t("r7g.4xlarge", 16, 128.0, 0, 8, ARM, 0.8568),
        t("r7g.8xlarge", 32, 256.0, 0, 8, ARM, 1.714),
        t("r7g.12xlarge", 48, 384.0, 0, 8, ARM, 2.570),
        t("r7g.16xlarge", 64, 512.0, 0, 15, ARM, 3.427),
        // t3 — burstable, Intel
        t("t3.nano", 2, 0.5, 0, 2, X86, 0.0052),
        t("t3.micro", 2, 1.0, 0, 2, X86, 0.0104),
        t("t3.small", 2, 2.0, 0, 3, X86, 0.0208),
        t("t3.medium", 2, 4.0, 0, 3, X86, 0.0416),
        t("t3.large", 2, 8.0, 0, 3, X86, 0.0832),
        t("t3.xlarge", 4, 16.0, 0, 4, X86, 0.1664),
        t("t3.2xlarge", 8, 32.0, 0, 4, X86, 0.3328),
        // t3a — burstable, AMD
        t("t3a.nano", 2, 0.5, 0, 2, X86, 0.0047),
        t("t3a.micro", 2, 1.0, 0, 2, X86, 0.0094),
        t("t3a.small", 2, 2.0, 0, 2, X86, 0.0188),
        t("t3a.medium", 2, 4.0, 0, 3, X86, 0.0376),
        t("t3a.large", 2, 8.0, 0, 3, X86, 0.0752),
        t("t3a.xlarge", 4, 16.0, 0, 4, X86, 0.1504),
        t("t3a.2xlarge", 8, 32.0, 0, 4, X86, 0.3008),
        // t4g — burstable, Graviton2
        t("t4g.nano", 2, 0.5, 0, 2, ARM, 0.0042),
        t("t4g.micro", 2, 1.0, 0, 2, ARM, 0.0084),
        t("t4g.small", 2, 2.0, 0, 3, ARM, 0.0168),
        t("t4g.medium", 2, 4.0, 0, 3, ARM, 0.0336),
        t("t4g.large", 2, 8.0, 0, 3, ARM, 0.0672),
        t("t4g.xlarge", 4, 16.0, 0, 4, ARM, 0.1344),
        t("t4g.2xlarge", 8, 32.0, 0, 4, ARM, 0.2688),
        // t2 — previous-generation burstable (the ECS documents use t2.micro/small/medium)
        t("t2.nano", 1, 0.5, 0, 2, X86, 0.0058),
        t("t2.micro", 1, 1.0, 0, 2, X86, 0.0116),
        t("t2.small", 1, 2.0, 0, 3, X86, 0.023),
        t("t2.medium", 2, 4.0, 0, 3, X86, 0.0464),
        t("t2.large", 2, 8.0, 0, 3, X86, 0.0928),
        t("t2.xlarge", 4, 16.0, 0, 3, X86, 0.1856),
        t("t2.2xlarge", 8, 32.0, 0, 3, X86, 0.3712),
        // m4 — previous-generation general purpose; m4.large registers the documented measured
        // 7985 MiB (DG: memory-management, 8373026816 bytes MemTotal).
        tr("m4.large", 2, 8.0, 0, 2, X86, 0.10, 7985),
        t("m4.xlarge", 4, 16.0, 0, 4, X86, 0.20),
        t("m4.2xlarge", 8, 32.0, 0, 4, X86, 0.40),
        t("m4.4xlarge", 16, 64.0, 0, 8, X86, 0.80),
        t("m4.10xlarge", 40, 160.0, 0, 8, X86, 2.00),
        t("m4.16xlarge", 64, 256.0, 0, 8, X86, 3.20),
        // g4dn — GPU, NVIDIA T4
        t("g4dn.xlarge", 4, 16.0, 1, 3, X86, 0.526),
        t("g4dn.2xlarge", 8, 32.0, 1, 3, X86, 0.752),
        t("g4dn.4xlarge", 16, 64.0, 1, 3, X86, 1.204),
        t("g4dn.8xlarge", 32, 128.0, 1, 4, X86, 2.176),
        t("g4dn.12xlarge", 48, 192.0, 4, 8, X86, 3.912),
        t("g4dn.16xlarge", 64, 256.0, 1, 4, X86, 4.352),
        // g5 — GPU, NVIDIA A10G
        t("g5.xlarge", 4, 16.0, 1, 4, X86, 1.006),
        t("g5.2xlarge", 8, 32.0, 1, 4, X86, 1.212),
        t("g5.4xlarge", 16, 64.0, 1, 8, X86, 1.624),
        t("g5.8xlarge", 32, 128.0, 1, 8, X86, 2.448),
        t("g5.12xlarge", 48, 192.0, 4, 15, X86, 5.672),
        t("g5.16xlarge", 64, 256.0, 1, 8, X86, 4.096),
        t("g5.24xlarge", 96, 384.0, 4, 15, X86, 8.144),
        // p3 — GPU, NVIDIA V100
        t("p3.2xlarge", 8, 61.0, 1, 4, X86, 3.06),
        t("p3.8xlarge", 32, 244.0, 4, 8, X86, 12.24),
        t("p3.16xlarge", 64, 488.0, 8, 8, X86, 24.48),
        // p4d — GPU, NVIDIA A100 (4 network cards x 15 interfaces)
        t("p4d.24xlarge", 96, 1152.0, 8, 60, X86, 32.77),
        // inf1 — inference, AWS Inferentia (Inferentia chips are not GPUs: gpus 0)
        t("inf1.xlarge", 4, 8.0, 0, 4, X86, 0.228),
        t("inf1.2xlarge", 8, 16.0, 0, 4, X86, 0.362),
        t("inf1.6xlarge", 24, 48.0, 0, 8, X86, 1.18),
        t("inf1.24xlarge", 96, 192.0, 0, 11, X86, 4.721),
    ]
}
