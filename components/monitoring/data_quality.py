"""`DataQualityMonitor`: one endpoint's Model Monitor data quality job definition, its schedule and
its least-privilege role."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_aws as aws

from stackyard.components.context import StackContext
from stackyard.components.errors import ComponentArgumentError
from stackyard.components.iam import service_role
from stackyard.components.monitoring.model_monitor import (
    PROCESSING_INPUT,
    PROCESSING_OUTPUT,
    analyzer_image,
    monitor_role_policy,
)
from stackyard.components.monitoring.spec import DataQualitySpec
from stackyard.components.refs import ServedEndpoint


class DataQualityMonitor(pulumi.ComponentResource):
    """Checks an endpoint's captured traffic against its baseline on a schedule. Reports go to
    `reports_uri`, encrypted with the stack key, and the job runs network-isolated in the VPC."""

    role: aws.iam.Role
    job_definition: aws.sagemaker.DataQualityJobDefinition
    schedule: aws.sagemaker.MonitoringSchedule

    def __init__(
        self,
        name: str,
        args: DataQualitySpec,
        *,
        context: StackContext,
        endpoint_key: str,
        endpoint: ServedEndpoint,
        kms_key_arn: pulumi.Input[str],
        reports_uri: pulumi.Input[str],
        account_id: pulumi.Input[str],
        partition: pulumi.Input[str],
        subnet_ids: pulumi.Input[Sequence[str]] | None = None,
        security_group_ids: pulumi.Input[Sequence[str]] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        if endpoint.data_capture_s3_uri is None:
            raise ComponentArgumentError(
                "stackyard:monitoring:DataQualityMonitor", name, f"endpoint '{endpoint_key}' captures no data to monitor"
            )
        if (subnet_ids is None) != (security_group_ids is None):
            raise ComponentArgumentError(
                "stackyard:monitoring:DataQualityMonitor", name, "give both subnet_ids and security_group_ids, or neither"
            )
        super().__init__("stackyard:monitoring:DataQualityMonitor", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        physical = context.physical_name(f"{endpoint_key}-data-quality", max_length=63)
        image = analyzer_image(context.region)
        baseline_uris = args.baseline.uris if args.baseline else []

        self.role = service_role(
            f"{name}-role",
            "sagemaker.amazonaws.com",
            source_account=account_id,
            tags=context.tags_for(f"{name}-role"),
            opts=child,
        )
        policy = aws.iam.RolePolicy(
            f"{name}-access",
            role=self.role.id,
            policy=pulumi.Output.all(
                endpoint.data_capture_s3_uri, reports_uri, kms_key_arn, account_id, partition
            ).apply(
                lambda v: monitor_role_policy(
                    capture_uri=v[0],
                    output_uri=v[1],
                    baseline_uris=baseline_uris,
                    key_arn=v[2],
                    region=context.region,
                    account_id=v[3],
                    image_uri=image,
                    partition=v[4],
                )
            ),
            opts=child,
        )
        baseline: aws.sagemaker.DataQualityJobDefinitionDataQualityBaselineConfigArgsDict | None = None
        if args.baseline is not None:
            baseline = {"constraints_resource": {"s3_uri": args.baseline.constraints_s3_uri}}
            if args.baseline.statistics_s3_uri:
                baseline["statistics_resource"] = {"s3_uri": args.baseline.statistics_s3_uri}
        network: aws.sagemaker.DataQualityJobDefinitionNetworkConfigArgsDict = {
            "enable_inter_container_traffic_encryption": True,
            "enable_network_isolation": True,
        }
        if subnet_ids is not None and security_group_ids is not None:
            network["vpc_config"] = {"subnets": subnet_ids, "security_group_ids": security_group_ids}
        self.job_definition = aws.sagemaker.DataQualityJobDefinition(
            f"{name}-job",
            name=physical,
            role_arn=self.role.arn,
            data_quality_app_specification={"image_uri": image},
            data_quality_baseline_config=baseline,
            data_quality_job_input={
                "endpoint_input": {
                    "endpoint_name": endpoint.endpoint_name,
                    "local_path": PROCESSING_INPUT,
                    "s3_input_mode": "File",
                    "s3_data_distribution_type": "FullyReplicated",
                }
            },
            data_quality_job_output_config={
                "kms_key_id": kms_key_arn,
                "monitoring_outputs": {
                    "s3_output": {
                        "s3_uri": reports_uri,
                        "local_path": PROCESSING_OUTPUT,
                        "s3_upload_mode": "EndOfJob",
                    }
                },
            },
            job_resources={
                "cluster_config": {
                    "instance_count": args.instance_count,
                    "instance_type": args.instance_type,
                    "volume_size_in_gb": args.volume_size_gb,
                    "volume_kms_key_id": kms_key_arn,
                }
            },
            network_config=network,
            stopping_condition={"max_runtime_in_seconds": args.max_runtime_minutes * 60},
            tags=context.tags_for(f"{name}-job"),
            # SageMaker checks the role's access when the definition is created.
            opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=[policy])),
        )
        self.schedule = aws.sagemaker.MonitoringSchedule(
            f"{name}-schedule",
            name=physical,
            monitoring_schedule_config={
                "monitoring_type": "DataQuality",
                "monitoring_job_definition_name": self.job_definition.name,
                "schedule_config": {"schedule_expression": args.schedule_expression},
            },
            tags=context.tags_for(f"{name}-schedule"),
            opts=child,
        )
        self.register_outputs({"schedule_arn": self.schedule.arn})
