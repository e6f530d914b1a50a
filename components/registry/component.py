"""`Registry`: model package groups, the artifact bucket, and the experiment tracking server.

registry = Registry("ml-registry", spec.registry, context=ctx, kms_key_arn=key_arn,
                    subnet_ids=..., security_group_ids=..., vpc_id=..., clusters=training.clusters)
registry.model_package_group_arns["churn"], registry.tracking_uri, registry.artifact_location
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence

import pulumi
import pulumi_aws as aws

from stackyard.components.bucket import SecureBucket
from stackyard.components.context import StackContext
from stackyard.components.refs import TrainingCluster
from stackyard.components.registry import iam
from stackyard.components.registry.kubernetes_mlflow import KubernetesMlflow
from stackyard.components.registry.sagemaker_mlflow import SageMakerMlflow
from stackyard.components.registry.spec import RegistrySpec

ARTIFACT_PREFIX = "mlflow"
APPROVAL_STATUS = {"manual": "PendingManualApproval", "automatic": "Approved"}
"""The status a new model version is registered with, per the model's approval mode."""


def _reader_policy(readers: Sequence[str], group_name: str, region: str, values: list[str]) -> str:
    partition, account_id = values
    group_arn = iam.model_package_group_arn(group_name, region, account_id, partition)
    return iam.model_group_reader_policy(group_arn, readers, partition)


class Registry(pulumi.ComponentResource):
    """One model package group per model (readable by the reader accounts when given), a
    hardened artifact bucket, and the tracking server the spec asks for."""

    model_package_groups: dict[str, aws.sagemaker.ModelPackageGroup]
    model_package_group_arns: dict[str, pulumi.Output[str]]
    model_approval_statuses: dict[str, str]
    artifacts: SecureBucket
    artifact_location: pulumi.Output[str]
    tracking: SageMakerMlflow | KubernetesMlflow | None
    tracking_uri: pulumi.Output[str] | None

    def __init__(
        self,
        name: str,
        args: RegistrySpec,
        *,
        context: StackContext,
        kms_key_arn: pulumi.Input[str],
        subnet_ids: pulumi.Input[Sequence[str]] | None = None,
        security_group_ids: pulumi.Input[Sequence[str]] | None = None,
        vpc_id: pulumi.Input[str] | None = None,
        clusters: Mapping[str, TrainingCluster] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("stackyard:registry:Registry", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        invoke = pulumi.InvokeOutputOptions(parent=self)
        partition = aws.get_partition_output(opts=invoke)
        account_id = aws.get_caller_identity_output(opts=invoke).account_id

        self.model_package_groups = {}
        for model in args.models:
            group_name = f"{name}-{model.name}"
            physical = context.physical_name(model.name, max_length=63)
            group = aws.sagemaker.ModelPackageGroup(
                group_name,
                model_package_group_name=physical,
                model_package_group_description=model.description or None,
                tags=context.tags_for(group_name, approval=model.approval),
                # A group holds every registered version and its approval history: deleting it
                # deletes them, so it is protected like the data stores.
                opts=pulumi.ResourceOptions.merge(child, context.stateful_options()),
            )
            if model.readers:
                readers = tuple(model.readers)
                aws.sagemaker.ModelPackageGroupPolicy(
                    f"{group_name}-readers",
                    model_package_group_name=group.model_package_group_name,
                    # The group's ARN from its known name (not `group.arn`), so the policy is
                    # known at preview and its reader accounts can be checked before it exists.
                    resource_policy=pulumi.Output.all(partition.partition, account_id).apply(
                        functools.partial(_reader_policy, readers, physical, context.region)
                    ),
                    opts=child,
                )
            self.model_package_groups[model.name] = group
        self.model_package_group_arns = {key: group.arn for key, group in self.model_package_groups.items()}
        self.model_approval_statuses = {model.name: APPROVAL_STATUS[model.approval] for model in args.models}

        self.artifacts = SecureBucket(
            f"{name}-artifacts", context=context, kms_key_arn=kms_key_arn, opts=child
        )
        # The bucket's id is its name (and, unlike `bucket`, is known to the mock runtime of tests).
        self.artifact_location = pulumi.Output.concat(
            "s3://", self.artifacts.bucket.id, f"/{ARTIFACT_PREFIX}"
        )

        self.tracking = None
        tracking = args.tracking
        if tracking.backend == "sagemaker-mlflow":
            self.tracking = SageMakerMlflow(
                f"{name}-mlflow",
                tracking,
                context=context,
                artifact_bucket_arn=self.artifacts.arn,
                artifacts_destination=self.artifact_location,
                artifact_prefix=ARTIFACT_PREFIX,
                kms_key_arn=kms_key_arn,
                opts=child,
            )
        elif tracking.backend == "kubernetes":
            if subnet_ids is None or security_group_ids is None or vpc_id is None:
                raise pulumi.RunError(
                    "the kubernetes tracking backend needs subnet_ids, security_group_ids and vpc_id "
                    "for its database"
                )
            self.tracking = KubernetesMlflow(
                f"{name}-mlflow",
                tracking,
                context=context,
                artifact_bucket_arn=self.artifacts.arn,
                artifacts_destination=self.artifact_location,
                artifact_prefix=ARTIFACT_PREFIX,
                kms_key_arn=kms_key_arn,
                subnet_ids=subnet_ids,
                security_group_ids=security_group_ids,
                vpc_id=vpc_id,
                clusters=clusters,
                opts=child,
            )
        self.tracking_uri = self.tracking.tracking_uri if self.tracking else None

        self.register_outputs(
            {
                "model_package_group_arns": self.model_package_group_arns,
                "artifact_location": self.artifact_location,
                "tracking_uri": self.tracking_uri,
            }
        )
