"""`SageMakerMlflow`: a SageMaker managed MLflow tracking server on the stack's artifact bucket.

Its tracking URI is the server's ARN: the MLflow client reaches it through the `sagemaker-mlflow`
plugin (`pip install sagemaker-mlflow`), which signs requests with the caller's AWS credentials.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from stackyard.components.context import StackContext
from stackyard.components.iam import service_role
from stackyard.components.registry import iam
from stackyard.components.registry.spec import TrackingSpec

TRACKING_SERVER_NAME_MAX = 256


class SageMakerMlflow(pulumi.ComponentResource):
    role: aws.iam.Role
    server: aws.sagemaker.MlflowTrackingServer
    tracking_uri: pulumi.Output[str]
    tracking_server_url: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        args: TrackingSpec,
        *,
        context: StackContext,
        artifact_bucket_arn: pulumi.Input[str],
        artifacts_destination: pulumi.Input[str],
        artifact_prefix: str,
        kms_key_arn: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("stackyard:registry:SageMakerMlflow", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        invoke = pulumi.InvokeOutputOptions(parent=self)
        identity = aws.get_caller_identity_output(opts=invoke)
        partition = aws.get_partition_output(opts=invoke)

        self.role = service_role(
            f"{name}-role",
            "sagemaker.amazonaws.com",
            description=f"SageMaker managed MLflow of {context.name_prefix}: its artifacts"
            + (" and model registration" if args.automatic_model_registration else ""),
            source_account=identity.account_id,
            tags=context.tags_for(f"{name}-role"),
            opts=child,
        )
        policy = aws.iam.RolePolicy(
            f"{name}-access",
            role=self.role.id,
            policy=pulumi.Output.all(
                artifact_bucket_arn, kms_key_arn, identity.account_id, partition.partition
            ).apply(
                lambda values: iam.sagemaker_mlflow_policy(
                    bucket_arn=values[0],
                    prefix=artifact_prefix,
                    kms_key_arn=values[1],
                    region=context.region,
                    account_id=values[2],
                    name_prefix=context.name_prefix,
                    automatic_model_registration=args.automatic_model_registration,
                    partition=values[3],
                )
            ),
            opts=child,
        )
        self.server = aws.sagemaker.MlflowTrackingServer(
            f"{name}-server",
            tracking_server_name=context.physical_name("mlflow", max_length=TRACKING_SERVER_NAME_MAX),
            artifact_store_uri=artifacts_destination,
            role_arn=self.role.arn,
            tracking_server_size=args.server_size,
            mlflow_version=args.mlflow_version,
            automatic_model_registration=args.automatic_model_registration,
            weekly_maintenance_window_start=args.maintenance_window,
            tags=context.tags_for(f"{name}-server"),
            # SageMaker checks the role's access to the bucket when it creates the server. The server
            # holds every experiment's metadata: protected like the stack's other stateful resources.
            opts=pulumi.ResourceOptions.merge(child, context.stateful_options(depends_on=[policy])),
        )
        self.tracking_uri = self.server.arn
        self.tracking_server_url = self.server.tracking_server_url
        self.register_outputs(
            {"tracking_uri": self.tracking_uri, "tracking_server_url": self.tracking_server_url}
        )
