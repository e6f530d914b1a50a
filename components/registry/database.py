"""`MlflowDatabase`: the RDS PostgreSQL instance a self-hosted MLflow server keeps its runs in.

The password is generated and kept by RDS (`manage_master_user_password`): it lives in Secrets
Manager, encrypted with the stack key, rotated by RDS, and never passes through the program, the
plan or the Pulumi state. The MLflow pod reads it at run time with its own role
(`pgpass_refresher.py`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pulumi
import pulumi_aws as aws

from stackyard.components.context import StackContext
from stackyard.components.registry.spec import DatabaseSpec

if TYPE_CHECKING:
    # pulumi_aws.rds takes 0.2 s to import: a spec without a database must not pay for it.
    from pulumi_aws.rds.outputs import InstanceMasterUserSecret

PORT = 5432
DATABASE_NAME = "mlflow"
USERNAME = "mlflow"


def _secret_arn(secrets: Sequence[InstanceMasterUserSecret] | None) -> str | None:
    # RDS always returns the managed secret; only the mock runtime of tests leaves it empty.
    return secrets[0].secret_arn if secrets else None


class MlflowDatabase(pulumi.ComponentResource):
    instance: aws.rds.Instance
    security_group: aws.ec2.SecurityGroup
    address: pulumi.Output[str]
    secret_arn: pulumi.Output[str | None]

    def __init__(
        self,
        name: str,
        args: DatabaseSpec,
        *,
        context: StackContext,
        kms_key_arn: pulumi.Input[str],
        subnet_ids: pulumi.Input[Sequence[str]],
        security_group_ids: pulumi.Input[Sequence[str]],
        vpc_id: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("stackyard:registry:MlflowDatabase", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        presets = context.presets
        identifier = context.physical_name("mlflow", max_length=63)

        subnets = aws.rds.SubnetGroup(
            f"{name}-subnets",
            name=identifier,
            description=f"Private subnets of the MLflow database of {context.name_prefix}",
            subnet_ids=subnet_ids,
            tags=context.tags_for(f"{name}-subnets"),
            opts=child,
        )
        self.security_group = aws.ec2.SecurityGroup(
            f"{name}-access",
            vpc_id=vpc_id,
            description="MLflow database: PostgreSQL from the stack's workloads only",
            ingress=[
                {
                    "protocol": "tcp",
                    "from_port": PORT,
                    "to_port": PORT,
                    "security_groups": security_group_ids,
                    "description": "PostgreSQL from the workload security group",
                }
            ],
            # A database starts no connections.
            egress=[],
            tags=context.tags_for(f"{name}-access"),
            opts=child,
        )
        parameters = aws.rds.ParameterGroup(
            f"{name}-parameters",
            name=identifier,
            family=f"postgres{args.engine_version}",
            description="TLS-only connections",
            parameters=[{"name": "rds.force_ssl", "value": "1", "apply_method": "pending-reboot"}],
            tags=context.tags_for(f"{name}-parameters"),
            opts=child,
        )
        multi_az = args.multi_az if args.multi_az is not None else context.environment == "prod"
        self.instance = aws.rds.Instance(
            f"{name}-instance",
            identifier=identifier,
            engine="postgres",
            engine_version=args.engine_version,
            auto_minor_version_upgrade=True,
            instance_class=args.instance_class,
            allocated_storage=args.allocated_storage_gb,
            max_allocated_storage=args.max_allocated_storage_gb,
            storage_type="gp3",
            storage_encrypted=True,
            kms_key_id=kms_key_arn,
            db_name=DATABASE_NAME,
            username=USERNAME,
            manage_master_user_password=True,
            master_user_secret_kms_key_id=kms_key_arn,
            db_subnet_group_name=subnets.name,
            vpc_security_group_ids=[self.security_group.id],
            parameter_group_name=parameters.name,
            publicly_accessible=False,
            multi_az=multi_az,
            port=PORT,
            deletion_protection=presets.deletion_protection,
            backup_retention_period=presets.backup_retention_days,
            copy_tags_to_snapshot=True,
            skip_final_snapshot=not presets.deletion_protection,
            final_snapshot_identifier=f"{identifier}-final" if presets.deletion_protection else None,
            tags=context.tags_for(f"{name}-instance"),
            opts=pulumi.ResourceOptions.merge(child, context.stateful_options()),
        )
        self.address = self.instance.address
        self.secret_arn = self.instance.master_user_secrets.apply(_secret_arn)
        self.register_outputs({"address": self.address, "secret_arn": self.secret_arn})
