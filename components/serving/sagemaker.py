"""`SageMakerEndpoint`: one real-time (or serverless) SageMaker endpoint, its model and configuration,
its execution role and its autoscaling.

The endpoint itself is never replaced: its name is fixed, and a deployment only changes its
`endpointConfigName` (see `naming.py`), which SageMaker applies through the rollout (blue/green
with automatic rollback on the endpoint's alarms when the spec asks for canary or linear).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, cast

import pulumi
import pulumi_aws as aws

from stackyard.components.context import StackContext
from stackyard.components.errors import ComponentArgumentError
from stackyard.components.iam import service_role
from stackyard.components.refs import endpoint_physical_name, rollback_alarm_names
from stackyard.components.serving import iam, naming
from stackyard.components.serving.spec import EndpointSpec, RolloutSpec
from stackyard.spec.aws import partition_of

# Nitro instances with local NVMe storage encrypt it in hardware, and CreateEndpointConfig rejects a
# KmsKeyId for them. botocore does not know which types have local storage (only EC2's live
# DescribeInstanceTypes does): families with a 'd' after the generation (m5d, g4dn, p4d, ...) and
# these, whose names do not say so.
_LOCAL_STORAGE_FAMILIES = frozenset(
    {"g5", "g6", "g6e", "gr6", "p5", "p5e", "p5en", "p6", "trn1", "trn1n", "trn2"}
)
_FAMILY = re.compile(r"^ml\.(?P<family>(?P<kind>[a-z]+)(?P<generation>\d+)(?P<suffix>[a-z-]*))\.")


def has_local_storage(instance_type: str) -> bool:
    match = _FAMILY.match(instance_type)
    if match is None:
        return False
    return "d" in match["suffix"] or match["family"] in _LOCAL_STORAGE_FAMILIES


def deployment_config(
    rollout: RolloutSpec, alarm_names: list[str]
) -> aws.sagemaker.EndpointDeploymentConfigArgsDict | None:
    """The endpoint's blue/green policy, or None for SageMaker's default (all at once once the new
    fleet is healthy)."""
    if not rollout.blue_green:
        return None
    routing: dict[str, Any] = {"wait_interval_in_seconds": rollout.wait_seconds}
    if rollout.strategy == "canary":
        routing |= {
            "type": "CANARY",
            "canary_size": {"type": "CAPACITY_PERCENT", "value": rollout.canary_percent},
        }
    else:
        routing |= {
            "type": "LINEAR",
            "linear_step_size": {"type": "CAPACITY_PERCENT", "value": rollout.linear_step_percent},
        }
    policy: dict[str, Any] = {
        "traffic_routing_configuration": routing,
        "termination_wait_in_seconds": rollout.termination_wait_seconds,
    }
    if rollout.maximum_execution_timeout_seconds is not None:
        policy["maximum_execution_timeout_in_seconds"] = rollout.maximum_execution_timeout_seconds
    return cast(
        aws.sagemaker.EndpointDeploymentConfigArgsDict,
        {
            "blue_green_update_policy": policy,
            "auto_rollback_configuration": {"alarms": [{"alarm_name": name} for name in alarm_names]},
        },
    )


ENDPOINT_TYPE = "stackyard:serving:SageMakerEndpoint"


class SageMakerEndpoint(pulumi.ComponentResource):
    """A SageMaker endpoint serving one model. Key children: `role`, `model`, `endpoint_configuration`,
    `endpoint`, and `scaling_target`/`scaling_policy` when autoscaled."""

    role: aws.iam.Role
    model: aws.sagemaker.Model
    endpoint_configuration: aws.sagemaker.EndpointConfiguration
    endpoint: aws.sagemaker.Endpoint
    scaling_target: aws.appautoscaling.Target | None
    scaling_policy: aws.appautoscaling.Policy | None
    endpoint_name: pulumi.Output[str]
    arn: pulumi.Output[str]
    invocation_url: str
    data_capture_s3_uri: pulumi.Output[str] | None
    variant_name: str = naming.VARIANT_NAME

    def __init__(
        self,
        name: str,
        args: EndpointSpec,
        *,
        context: StackContext,
        kms_key_arn: pulumi.Input[str],
        subnet_ids: pulumi.Input[Sequence[str]],
        security_group_ids: pulumi.Input[Sequence[str]],
        account_id: pulumi.Input[str],
        model_package_group_name: pulumi.Input[str] | None = None,
        capture_bucket_name: pulumi.Input[str] | None = None,
        capture_bucket_arn: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        if args.backend != "sagemaker":
            raise ComponentArgumentError(
                ENDPOINT_TYPE, name, f"endpoint '{args.name}' has backend '{args.backend}', not 'sagemaker'"
            )
        if args.model.package_group and model_package_group_name is None:
            raise ComponentArgumentError(
                ENDPOINT_TYPE,
                name,
                f"endpoint '{args.name}' serves model package group '{args.model.package_group}': "
                "pass model_package_group_name",
            )
        capture = args.data_capture.enabled
        if capture and (capture_bucket_name is None or capture_bucket_arn is None):
            raise ComponentArgumentError(
                ENDPOINT_TYPE,
                name,
                f"endpoint '{args.name}' captures data: pass capture_bucket_name and capture_bucket_arn",
            )
        super().__init__(ENDPOINT_TYPE, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        region = context.region
        partition = partition_of(region)
        physical_name = endpoint_physical_name(context, args.name)
        image_uri = args.container.image_uri(region, args.instance_type) if args.container else None
        prefix = naming.capture_prefix(args.name)

        self.role = service_role(
            f"{name}-role",
            "sagemaker.amazonaws.com",
            name=context.physical_name(f"{args.name}-serving", max_length=64),
            description=f"Runs the model of SageMaker endpoint {physical_name}",
            source_account=account_id,
            tags=context.tags_for(f"{name}-role"),
            opts=child,
        )
        policy = pulumi.Output.all(account_id, kms_key_arn, capture_bucket_arn if capture else None).apply(
            lambda values: iam.execution_role_policy(
                partition=partition,
                region=region,
                account_id=values[0],
                endpoint_name=physical_name,
                kms_key_arn=values[1],
                model_s3_uri=args.model.s3_uri,
                image_repository_arns=iam.pullable_repositories(partition, region, values[0], image_uri),
                capture_bucket_arn=values[2],
                capture_prefix=prefix if capture else None,
                in_vpc=args.serverless is None,
            )
        )
        role_policy = aws.iam.RolePolicy(f"{name}-role-policy", role=self.role.id, policy=policy, opts=child)

        container: aws.sagemaker.ModelPrimaryContainerArgsDict = {
            "mode": "SingleModel",
            "environment": dict(args.environment),
        }
        if args.model.package_group:
            version = args.model.version
            if not isinstance(version, int):  # the spec refuses it; arguments built without it may not
                raise ComponentArgumentError(
                    ENDPOINT_TYPE,
                    name,
                    f"endpoint '{args.name}' deploys a model package by its version number, not {version!r}",
                )
            # The package carries its image and artifact; CreateModel refuses an image beside it.
            container["model_package_name"] = pulumi.Output.all(account_id, model_package_group_name).apply(
                lambda values: naming.model_package_arn(
                    region, values[0], _group_name(values[1]), int(version)
                )
            )
        else:
            container["image"] = image_uri
            container["model_data_url"] = args.model.s3_uri
        model_physical_name = naming.model_name(context, args, image_uri)
        self.model = aws.sagemaker.Model(
            f"{name}-model",
            name=model_physical_name,
            execution_role_arn=self.role.arn,
            primary_container=container,
            # Serverless endpoints cannot join a VPC (AWS's feature exclusions; the spec makes that explicit).
            vpc_config=None
            if args.serverless
            else {"subnets": subnet_ids, "security_group_ids": security_group_ids},
            enable_network_isolation=args.network_isolation,
            tags=context.tags_for(f"{name}-model"),
            # CreateModel checks that the role can pull the image and read the artifact: the
            # permissions must exist first.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[role_policy]),
        )

        count = args.instance_count(context.presets.min_serving_instances)
        variant: dict[str, pulumi.Input[Any]] = {
            "variant_name": naming.VARIANT_NAME,
            "model_name": self.model.name,
        }
        if args.serverless is not None:
            variant["serverless_config"] = {
                "memory_size_in_mb": args.serverless.memory_mb,
                "max_concurrency": args.serverless.max_concurrency,
            }
        else:
            variant |= {"instance_type": args.instance_type, "initial_instance_count": count}
        config_args: dict[str, Any] = {"production_variants": [variant]}
        if args.instance_type is None or not has_local_storage(args.instance_type):
            config_args["kms_key_arn"] = kms_key_arn
        if capture and capture_bucket_name is not None:
            self.data_capture_s3_uri = pulumi.Output.concat("s3://", capture_bucket_name, f"/{prefix}")
            config_args["data_capture_config"] = {
                "enable_capture": True,
                "initial_sampling_percentage": args.data_capture.sampling_percentage,
                "destination_s3_uri": self.data_capture_s3_uri,
                "kms_key_id": kms_key_arn,
                "capture_options": [{"capture_mode": "Input"}, {"capture_mode": "Output"}],
            }
        else:
            self.data_capture_s3_uri = None
        key_identity = kms_key_arn if isinstance(kms_key_arn, str) else "stack-key"
        self.endpoint_configuration = aws.sagemaker.EndpointConfiguration(
            f"{name}-config",
            name=naming.endpoint_config_name(
                context, args, model=model_physical_name, instance_count=count, key_identity=key_identity
            ),
            tags=context.tags_for(f"{name}-config"),
            opts=child,
            **config_args,
        )

        self.endpoint = aws.sagemaker.Endpoint(
            f"{name}-endpoint",
            name=physical_name,
            endpoint_config_name=self.endpoint_configuration.name,
            deployment_config=deployment_config(args.rollout, rollback_alarm_names(context, args.name)),
            tags=context.tags_for(f"{name}-endpoint"),
            opts=child,
        )
        self.endpoint_name = self.endpoint.name
        self.arn = self.endpoint.arn
        self.invocation_url = naming.invocation_url(region, physical_name)
        self.scaling_target = None
        self.scaling_policy = None
        if args.autoscaling is not None:
            self._autoscaling(name, args, context, child)

        self.register_outputs(
            {"endpoint_name": self.endpoint_name, "arn": self.arn, "invocation_url": self.invocation_url}
        )

    def _autoscaling(
        self, name: str, args: EndpointSpec, context: StackContext, child: pulumi.ResourceOptions
    ) -> None:
        scaling = args.autoscaling
        assert scaling is not None
        self.scaling_target = aws.appautoscaling.Target(
            f"{name}-scaling-target",
            service_namespace="sagemaker",
            scalable_dimension="sagemaker:variant:DesiredInstanceCount",
            resource_id=self.endpoint.name.apply(
                lambda endpoint: f"endpoint/{endpoint}/variant/{self.variant_name}"
            ),
            min_capacity=scaling.min_instances,
            max_capacity=scaling.max_instances,
            tags=context.tags_for(f"{name}-scaling-target"),
            opts=child,
        )
        self.scaling_policy = aws.appautoscaling.Policy(
            f"{name}-scaling-policy",
            name=f"{self.variant_name}-invocations-per-instance",
            policy_type="TargetTrackingScaling",
            service_namespace=self.scaling_target.service_namespace,
            scalable_dimension=self.scaling_target.scalable_dimension,
            resource_id=self.scaling_target.resource_id,
            target_tracking_scaling_policy_configuration={
                "target_value": float(scaling.target_invocations_per_instance),
                "predefined_metric_specification": {
                    "predefined_metric_type": "SageMakerVariantInvocationsPerInstance"
                },
                "scale_in_cooldown": scaling.scale_in_cooldown_seconds,
                "scale_out_cooldown": scaling.scale_out_cooldown_seconds,
            },
            opts=child,
        )


def _group_name(group: str) -> str:
    """A model package group given by name or by ARN (`...:model-package-group/<name>`)."""
    return group.rsplit("model-package-group/", 1)[-1] if group.startswith("arn:") else group
