//! Built-in ECS-optimized AMI metadata, in the shape of the SSM parameter value
//! (`/aws/service/ecs/optimized-ami/...`): image id, image name, os, agent and runtime versions.
//!
//! Values are as published for us-east-1. Apart from the seed example, they are copied from the
//! us-east-1 snapshot of the public ECS-optimized AMI SSM parameters kept in getmoto/moto
//! (`moto/ssm/resources/ecs/optimized_amis/us-east-1.json`, commit
//! 244d4a8583af180031050c4adf31637d56d80c38; the newest images there are the 2026-01-20/22
//! releases). A scenario can add AMIs of its own.

use super::AmiMetadata;

fn ami(id: &str, name: &str, os: &str, agent: &str, runtime: &str) -> AmiMetadata {
    AmiMetadata {
        schema_version: 1,
        image_id: id.to_string(),
        image_name: name.to_string(),
        os: os.to_string(),
        ecs_agent_version: agent.to_string(),
        ecs_runtime_version: runtime.to_string(),
        ec2: super::Ec2ImageFields::default(),
    }
}

/// The id of the recommended AMI (the default for launched instances): the newest Amazon Linux
/// 2023 x86_64 ECS-optimized AMI in the list.
const RECOMMENDED: &str = "ami-05a9d3c6794653577";

/// The list and the id of the recommended Amazon Linux AMI.
pub(super) fn builtin() -> (Vec<AmiMetadata>, &'static str) {
    let list = vec![
        // Seed 000: the SSM parameter example value (DG: retrieve-ecs-optimized_AMI, the
        // /aws/service/ecs/optimized-ami/amazon-linux/recommended example).
        ami(
            "ami-aff65ad2",
            "amzn-ami-2017.09.l-amazon-ecs-optimized",
            "Amazon Linux",
            "1.17.3",
            "Docker version 17.12.1-ce",
        ),
        // us-east-1 /aws/service/ecs/optimized-ami/amazon-linux-2023/recommended (moto snapshot).
        ami(
            "ami-05a9d3c6794653577",
            "al2023-ami-ecs-hvm-2023.0.20260120-kernel-6.1-x86_64",
            "Amazon Linux 2023",
            "1.101.2",
            "Docker version 25.0.14",
        ),
        // us-east-1 /aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended (moto
        // snapshot).
        ami(
            "ami-06b9f68ca53c79494",
            "al2023-ami-ecs-hvm-2023.0.20260120-kernel-6.1-arm64",
            "Amazon Linux 2023",
            "1.101.2",
            "Docker version 25.0.14",
        ),
        // us-east-1 /aws/service/ecs/optimized-ami/amazon-linux-2/recommended (moto snapshot).
        ami(
            "ami-0f1fa1255d3d32671",
            "amzn2-ami-ecs-hvm-2.0.20260122-x86_64-ebs",
            "Amazon Linux 2",
            "1.101.2",
            "Docker version 25.0.14",
        ),
        // us-east-1 /aws/service/ecs/optimized-ami/windows_server/2019/english/full/recommended
        // (moto snapshot; a deprecated parameter path, but real published values). No
        // us-east-1 Windows Server 2022 Full metadata was found, so that variant is not listed.
        ami(
            "ami-0f7cc2a4e9cb93130",
            "Windows_Server-2019-English-Full-ECS_Optimized-2019.05.10",
            "Windows_Server-2019-English-Full",
            "1.27.0",
            "Docker version 18.09.4",
        ),
    ];
    (list, RECOMMENDED)
}
