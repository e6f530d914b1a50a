"""`KubernetesMlflow`: a self-hosted MLflow server on Kubernetes, with an RDS PostgreSQL backend
store and the stack's artifact bucket behind it.

The pod reaches AWS with a service-account role (IRSA): trusted by the OIDC provider of the
stack's EKS cluster, or, for a cluster reached by kubeconfig, by the provider the spec names.
It may read and write the artifact prefix and read the database secret; nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import cast

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from stackyard.components.context import StackContext
from stackyard.components.iam import service_account_trust_policy
from stackyard.components.kube import kubernetes_provider
from stackyard.components.refs import TrainingCluster
from stackyard.components.registry import iam, manifests
from stackyard.components.registry.database import DATABASE_NAME, PORT, USERNAME, MlflowDatabase
from stackyard.components.registry.spec import TrackingSpec

SERVICE_NAME = "mlflow"


class KubernetesMlflow(pulumi.ComponentResource):
    database: MlflowDatabase
    role: aws.iam.Role
    deployment: k8s.apps.v1.Deployment
    service: k8s.core.v1.Service
    tracking_uri: pulumi.Output[str]

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
        subnet_ids: pulumi.Input[Sequence[str]],
        security_group_ids: pulumi.Input[Sequence[str]],
        vpc_id: pulumi.Input[str],
        clusters: Mapping[str, TrainingCluster] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("stackyard:registry:KubernetesMlflow", name, None, opts)
        if args.target is None:
            raise pulumi.RunError("tracking backend 'kubernetes' needs a target")
        child = pulumi.ResourceOptions(parent=self)
        clusters = clusters or {}
        namespace = args.namespace

        self.database = MlflowDatabase(
            f"{name}-database",
            args.database,
            context=context,
            kms_key_arn=kms_key_arn,
            subnet_ids=subnet_ids,
            security_group_ids=security_group_ids,
            vpc_id=vpc_id,
            opts=child,
        )

        provider_arn, issuer = self._oidc_provider(args, clusters)
        trust = pulumi.Output.all(provider_arn, issuer).apply(
            lambda values: service_account_trust_policy(
                values[0], values[1], namespace, manifests.SERVICE_ACCOUNT
            )
        )
        self.role = aws.iam.Role(
            f"{name}-role",
            description=f"MLflow server of {context.name_prefix}: artifacts and its database secret",
            assume_role_policy=trust,
            tags=context.tags_for(f"{name}-role"),
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-access",
            role=self.role.id,
            policy=pulumi.Output.all(artifact_bucket_arn, kms_key_arn, self.database.secret_arn).apply(
                lambda values: iam.mlflow_server_policy(
                    bucket_arn=values[0],
                    prefix=artifact_prefix,
                    kms_key_arn=values[1],
                    region=context.region,
                    database_secret_arn=values[2],
                )
            ),
            opts=child,
        )

        provider = kubernetes_provider(name, args.target, clusters, child)
        k8s_opts = pulumi.ResourceOptions(parent=self, provider=provider)
        namespace_name: pulumi.Input[str] = namespace
        if args.create_namespace:
            created = k8s.core.v1.Namespace(
                f"{name}-namespace",
                metadata={"name": namespace, "labels": manifests.labels("namespace")},
                opts=k8s_opts,
            )
            # Referencing the created namespace orders every object after it.
            namespace_name = created.metadata.name

        k8s.core.v1.ServiceAccount(
            f"{name}-service-account",
            metadata={
                "name": manifests.SERVICE_ACCOUNT,
                "namespace": namespace_name,
                "labels": manifests.labels(),
            },
            automount_service_account_token=False,
            opts=k8s_opts,
        )
        refresher = k8s.core.v1.ConfigMap(
            f"{name}-refresher",
            metadata={"namespace": namespace_name, "labels": manifests.labels("db-credentials")},
            data={
                manifests.REFRESHER_SCRIPT: Path(__file__)
                .with_name(manifests.REFRESHER_SCRIPT)
                .read_text(encoding="utf-8")
            },
            immutable=True,
            opts=k8s_opts,
        )
        backend_store = self.database.address.apply(
            lambda host: manifests.backend_store_uri(host, PORT, DATABASE_NAME, USERNAME)
        )
        resources = args.resources
        pod = manifests.pod_spec(
            image=args.image or manifests.mlflow_image(),
            backend_store=backend_store,
            artifacts_destination=artifacts_destination,
            hosts=manifests.service_hosts(SERVICE_NAME, namespace),
            role_arn=self.role.arn,
            region=context.region,
            database={
                "secret_arn": self.database.secret_arn,
                "host": self.database.address,
                "port": PORT,
                "name": DATABASE_NAME,
            },
            resources={
                "requests": {"cpu": resources.cpu_request, "memory": resources.memory_request},
                "limits": {"cpu": resources.cpu_limit, "memory": resources.memory_limit},
            },
            refresher_config_map=refresher.metadata.name,
        )
        self.deployment = k8s.apps.v1.Deployment(
            f"{name}-server",
            metadata={"name": SERVICE_NAME, "namespace": namespace_name, "labels": manifests.labels()},
            # A plain manifest (validated against Kubernetes' own schema in the tests), not the SDK's
            # TypedDict, which it matches.
            spec=cast("k8s.apps.v1.DeploymentSpecArgsDict", manifests.deployment_spec(pod, args.replicas)),
            opts=k8s_opts,
        )
        self.service = k8s.core.v1.Service(
            f"{name}-service",
            metadata={"name": SERVICE_NAME, "namespace": namespace_name, "labels": manifests.labels()},
            spec=manifests.service_spec(),
            opts=k8s_opts,
        )
        self.tracking_uri = pulumi.Output.from_input(manifests.tracking_uri(SERVICE_NAME, namespace))
        self.register_outputs({"tracking_uri": self.tracking_uri, "role_arn": self.role.arn})

    @staticmethod
    def _oidc_provider(
        args: TrackingSpec, clusters: Mapping[str, TrainingCluster]
    ) -> tuple[pulumi.Input[str], pulumi.Input[str]]:
        """The OIDC provider the service-account role trusts, and its issuer (host and path)."""
        assert args.target is not None
        if args.target.cluster:
            cluster = clusters.get(args.target.cluster)
            if cluster is None or cluster.oidc_provider_arn is None or cluster.oidc_provider_url is None:
                raise pulumi.RunError(
                    f"cluster '{args.target.cluster}' has no OIDC provider for service-account roles"
                )
            return cluster.oidc_provider_arn, cluster.oidc_provider_url
        provider_arn = str(args.oidc_provider_arn)
        return provider_arn, iam.issuer_of(provider_arn)
