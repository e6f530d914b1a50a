"""`BatchTrainingCluster`: AWS Batch as the simpler GPU backend: a managed EC2 compute environment
that runs nothing (min 0 vCPUs) until jobs arrive, its job queue, and a GPU job definition template.

The environment uses Batch's service-linked role (no service role to over-grant), instances with the
ECS instance policy only, private subnets, and a security group that admits no inbound traffic.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import pulumi
import pulumi_aws as aws

from stackyard.components.context import StackContext
from stackyard.components.iam import service_role
from stackyard.components.refs import TrainingCluster
from stackyard.components.training import iam
from stackyard.components.training.spec import BatchSpec, JobDefinitionSpec

# AL2023 with NVIDIA drivers (x86_64 only; the spec rejects Graviton GPU types): the AL2 GPU AMI
# loses support in 2026.
BATCH_GPU_IMAGE_TYPE = "ECS_AL2023_NVIDIA"


def job_container_properties(job: JobDefinitionSpec) -> str:
    """The container of the job definition template: GPUs, vCPUs and memory as resource requirements
    (Batch reserves whole GPUs and exposes them to the container)."""
    return json.dumps(
        {
            "image": job.image,
            "command": ["nvidia-smi"],
            "resourceRequirements": [
                {"type": "GPU", "value": str(job.gpus)},
                {"type": "VCPU", "value": str(job.vcpus)},
                {"type": "MEMORY", "value": str(job.memory_mib)},
            ],
            "privileged": False,
            "readonlyRootFilesystem": False,
        },
        sort_keys=True,
    )


def retry_on_spot_reclaim() -> aws.batch.JobDefinitionRetryStrategyArgsDict:
    """Retry a job whose instance went away (spot reclaim), never one that failed on its own."""
    return {
        "attempts": 3,
        "evaluate_on_exits": [
            {"on_status_reason": "Host EC2*", "action": "RETRY"},
            {"on_reason": "*", "action": "EXIT"},
        ],
    }


class BatchTrainingCluster(pulumi.ComponentResource):
    compute_environment: aws.batch.ComputeEnvironment
    job_queue: aws.batch.JobQueue
    job_definition: aws.batch.JobDefinition
    security_group: aws.ec2.SecurityGroup
    reference: TrainingCluster

    def __init__(
        self,
        name: str,
        args: BatchSpec,
        *,
        key: str,
        context: StackContext,
        vpc_id: pulumi.Input[str],
        subnet_ids: pulumi.Input[Sequence[str]],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """`key` is the cluster's name in the spec; AWS sees `<project>-<env>-<key>`."""
        super().__init__("stackyard:training:BatchCluster", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        physical = context.physical_name(key, max_length=128)

        instance_role = service_role(
            f"{name}-instance-role",
            "ec2.amazonaws.com",
            tags=context.tags_for(f"{name}-instance-role"),
            opts=child,
        )
        for policy in iam.BATCH_INSTANCE_POLICIES:
            aws.iam.RolePolicyAttachment(
                f"{name}-instance-role-{policy.rsplit('/', 1)[-1].lower()}",
                role=instance_role.name,
                policy_arn=iam.managed_policy_arn(policy),
                opts=child,
            )
        profile = aws.iam.InstanceProfile(
            f"{name}-instance-profile",
            role=instance_role.name,
            tags=context.tags_for(f"{name}-instance-profile"),
            opts=child,
        )
        self.security_group = aws.ec2.SecurityGroup(
            f"{name}-instances",
            vpc_id=vpc_id,
            description=f"GPU job instances of {physical}: no inbound traffic",
            egress=[
                {
                    "protocol": "tcp",
                    "from_port": 443,
                    "to_port": 443,
                    "cidr_blocks": ["0.0.0.0/0"],
                    "description": "HTTPS to ECS, ECR, S3 and CloudWatch Logs",
                }
            ],
            tags=context.tags_for(f"{name}-instances"),
            opts=child,
        )
        spot = args.capacity == "spot"
        self.compute_environment = aws.batch.ComputeEnvironment(
            f"{name}-compute",
            name=physical,
            type="MANAGED",
            state="ENABLED",
            compute_resources={
                "type": "SPOT" if spot else "EC2",
                "allocation_strategy": "SPOT_PRICE_CAPACITY_OPTIMIZED" if spot else "BEST_FIT_PROGRESSIVE",
                "min_vcpus": 0,
                "max_vcpus": args.max_vcpus,
                "instance_types": list(args.instance_types),
                "subnets": subnet_ids,
                "security_group_ids": [self.security_group.id],
                "instance_role": profile.arn,
                "ec2_configurations": [{"image_type": BATCH_GPU_IMAGE_TYPE}],
                "tags": context.tags_for(f"{name}-instance"),
            },
            tags=context.tags_for(f"{name}-compute"),
            opts=child,
        )
        queue = args.job_queue
        self.job_queue = aws.batch.JobQueue(
            f"{name}-queue",
            name=f"{physical}-{queue.name}"[:128],
            state="ENABLED",
            priority=queue.priority,
            compute_environment_orders=[{"order": 1, "compute_environment": self.compute_environment.arn}],
            tags=context.tags_for(f"{name}-queue"),
            opts=child,
        )
        job = args.job_definition
        self.job_definition = aws.batch.JobDefinition(
            f"{name}-job",
            name=f"{physical}-gpu-job"[:128],
            type="container",
            platform_capabilities=["EC2"],
            container_properties=job_container_properties(job),
            timeout={"attempt_duration_seconds": job.timeout_hours * 3600},
            retry_strategy=retry_on_spot_reclaim(),
            propagate_tags=True,
            tags=context.tags_for(f"{name}-job"),
            opts=child,
        )

        self.reference = TrainingCluster(
            key=key,
            backend="batch",
            job_queue_arn=self.job_queue.arn,
            job_definition_arn=self.job_definition.arn,
        )
        self.register_outputs(
            {"job_queue_arn": self.job_queue.arn, "job_definition_arn": self.job_definition.arn}
        )
