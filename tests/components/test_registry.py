"""Registry components under the mock runtime: model groups and their reader policies, the
artifact bucket, both tracking backends, manifests that validate, and no secret in any input."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import kubernetes_validate
import pulumi
import pulumi_kubernetes as k8s
import pytest

from stackyard.components.context import StackContext
from stackyard.components.refs import TrainingCluster
from stackyard.components.registry import iam, manifests
from stackyard.components.registry.component import Registry
from stackyard.plan.wire import UNKNOWN
from stackyard.spec.stack import StackSpec
from stackyard.testing import RecordedPlan, record
from tests.specs import make_spec

KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
OIDC = "arn:aws:iam::123456789012:oidc-provider/oidc.example.com/id/ABC"
NETWORK = {"vpc_endpoints": ["s3", "sts", "logs", "secretsmanager"]}
KUBERNETES_VERSION = "1.31"
BUCKET_TYPES = {
    "aws:s3/bucket:Bucket": 1,
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": 1,
    "aws:s3/bucketVersioning:BucketVersioning": 1,
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": 1,
    "aws:s3/bucketPolicy:BucketPolicy": 1,
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": 1,
    "stackyard:storage:SecureBucket": 1,
}
MODELS = [
    {"name": "churn", "description": "Churn classifier", "approval": "manual", "readers": ["111122223333"]},
    {"name": "fraud", "approval": "automatic"},
]


def registry_spec(tracking: dict[str, Any], environment: str = "dev") -> StackSpec:
    return make_spec(
        environment=environment,
        allowed_accounts=["111122223333"],
        network=NETWORK,
        registry={"models": MODELS, "tracking": tracking},
    )


def build(spec: StackSpec, clusters: dict[str, TrainingCluster] | None = None) -> Registry:
    assert spec.registry is not None
    return Registry(
        "reg",
        spec.registry,
        context=StackContext.from_spec(spec),
        kms_key_arn=KEY_ARN,
        subnet_ids=["subnet-0aaa1111", "subnet-0bbb2222"],
        security_group_ids=["sg-0workloads1"],
        vpc_id="vpc-0abc12345def67890",
        clusters=clusters,
    )


def manifest(plan: RecordedPlan, name: str) -> dict[str, Any]:
    inputs = plan.named(name).inputs
    return {key: inputs[key] for key in ("apiVersion", "kind", "metadata", "spec", "data") if key in inputs}


def strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [text for item in value.values() for text in strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in strings(item)]
    return [value] if isinstance(value, str) else []


def assert_no_secret_in_inputs(plan: RecordedPlan) -> None:
    """No password is ever an input: not as a field, not inside a connection URI; anything a
    resource marks secret is redacted."""
    for registration in plan:
        for key in registration.inputs:
            assert "password" not in key.lower() or key == "manageMasterUserPassword", (
                registration.name,
                key,
            )
        for text in strings(registration.inputs):
            assert not re.search(r"postgres[a-z0-9+]*://[^/@\s]*:[^/@\s]*@", text), (registration.name, text)
            assert "PGPASSWORD" not in text
        for path in registration.secret_paths:
            assert path  # redacted by the recorder: the value is "[secret]"


def test_model_groups_carry_approval_and_readers_get_a_read_only_policy() -> None:
    spec = registry_spec({"backend": "none"})
    registries: list[Registry] = []
    plan = record(lambda: registries.append(build(spec)))

    assert plan.count("aws:sagemaker/modelPackageGroup:ModelPackageGroup") == 2
    assert plan.count("aws:sagemaker/modelPackageGroupPolicy:ModelPackageGroupPolicy") == 1  # readers only
    churn = plan.named("reg-churn")
    assert churn.inputs["modelPackageGroupName"] == "demo-dev-churn"
    assert churn.inputs["modelPackageGroupDescription"] == "Churn classifier"
    assert churn.inputs["tags"]["approval"] == "manual"
    assert churn.inputs["tags"]["Name"] == "reg-churn"
    assert churn.parent == plan.named("reg").urn
    assert churn.protect is False  # dev
    assert "modelPackageGroupDescription" not in plan.named("reg-fraud").inputs
    policy = json.loads(plan.named("reg-churn-readers").inputs["resourcePolicy"])
    (statement,) = policy["Statement"]
    assert statement["Principal"] == {"AWS": ["arn:aws:iam::111122223333:root"]}
    assert statement["Action"] == list(iam.READER_ACTIONS)
    assert all(action.split(":")[1].startswith(("Describe", "List")) for action in statement["Action"])
    group_arn = "arn:aws:sagemaker:eu-west-1:123456789012:model-package-group/demo-dev-churn"
    assert statement["Resource"][0] == group_arn
    registry = registries[0]
    assert set(registry.model_package_group_arns) == {"churn", "fraud"}
    assert registry.model_approval_statuses == {"churn": "PendingManualApproval", "fraud": "Approved"}
    assert registry.tracking is None and registry.tracking_uri is None


def test_artifact_bucket_is_hardened_and_protected_in_prod() -> None:
    plan = record(lambda: build(registry_spec({"backend": "none"}, environment="prod")), preview=True)

    counts = plan.counts()
    for type_token, count in BUCKET_TYPES.items():
        assert counts[type_token] == count
    encryption = plan.named("reg-artifacts-encryption").inputs["rules"][0]
    assert encryption["applyServerSideEncryptionByDefault"] == {
        "sseAlgorithm": "aws:kms",
        "kmsMasterKeyId": KEY_ARN,
    }
    (bucket,) = plan.of_type("aws:s3/bucket:Bucket")
    (component,) = plan.of_type("stackyard:storage:SecureBucket")
    assert bucket.protect is True
    assert plan.named("reg-churn").protect is True  # versions and approval history are data too
    assert bucket.parent == component.urn and component.parent == plan.named("reg").urn
    assert plan.named("reg-artifacts-versioning").inputs["versioningConfiguration"] == {"status": "Enabled"}
    # The bucket's name is deterministic, so its TLS-only policy is known at preview.
    assert bucket.inputs["bucket"] == "demo-prod-reg-artifacts-123456789012"
    tls_only = plan.named("reg-artifacts-tls-only")
    assert tls_only.property_dependencies["bucket"] == [bucket.urn]
    (statement,) = json.loads(tls_only.inputs["policy"])["Statement"]
    assert statement["Resource"] == [
        "arn:aws:s3:::demo-prod-reg-artifacts-123456789012",
        "arn:aws:s3:::demo-prod-reg-artifacts-123456789012/*",
    ]
    public = plan.named("reg-artifacts-public-access").inputs
    assert all(
        public[key] is True
        for key in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    )


def test_sagemaker_mlflow_has_a_least_privilege_role() -> None:
    spec = registry_spec(
        {
            "backend": "sagemaker-mlflow",
            "server_size": "Medium",
            "mlflow_version": "3.0",
            "automatic_model_registration": True,
            "maintenance_window": "TUE:03:30",
        },
        environment="prod",
    )
    registries: list[Registry] = []
    plan = record(lambda: registries.append(build(spec)))

    assert plan.count("aws:sagemaker/mlflowTrackingServer:MlflowTrackingServer") == 1
    assert plan.count("aws:iam/role:Role") == 1
    assert plan.count("aws:iam/rolePolicy:RolePolicy") == 1
    server = plan.named("reg-mlflow-server")
    assert server.inputs["trackingServerName"] == "demo-prod-mlflow"
    assert server.inputs["trackingServerSize"] == "Medium"
    assert server.inputs["mlflowVersion"] == "3.0"
    assert server.inputs["automaticModelRegistration"] is True
    assert server.inputs["weeklyMaintenanceWindowStart"] == "TUE:03:30"
    assert server.inputs["artifactStoreUri"] == "s3://reg-artifacts-id/mlflow"
    assert server.inputs["roleArn"] == "arn:aws:iam:eu-west-1:123456789012:reg-mlflow-role"
    assert server.protect is True
    assert plan.named("reg-mlflow-access").urn in server.dependencies
    trust = json.loads(plan.named("reg-mlflow-role").inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"] == {"Service": "sagemaker.amazonaws.com"}
    assert trust["Statement"][0]["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}
    policy = json.loads(plan.named("reg-mlflow-access").inputs["policy"])
    resources = [
        r
        for s in policy["Statement"]
        for r in ([s["Resource"]] if isinstance(s["Resource"], str) else s["Resource"])
    ]
    assert "*" not in resources
    assert "arn:aws:s3:eu-west-1:123456789012:reg-artifacts/mlflow/*" in resources
    assert KEY_ARN in resources
    assert "arn:aws:sagemaker:eu-west-1:123456789012:model-package-group/demo-prod-*" in resources
    actions = [
        a
        for s in policy["Statement"]
        for a in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
    ]
    assert not any(action.endswith("*") for action in actions)
    registry = registries[0]
    assert registry.tracking is not None


def test_sagemaker_policy_grants_no_registry_access_without_automatic_registration() -> None:
    document = json.loads(
        iam.sagemaker_mlflow_policy(
            bucket_arn="arn:aws:s3:::b",
            prefix="mlflow",
            kms_key_arn=KEY_ARN,
            region="eu-west-1",
            account_id="123456789012",
            name_prefix="demo-dev",
            automatic_model_registration=False,
        )
    )
    assert [s["Sid"] for s in document["Statement"]] == [
        "ListArtifactPrefix",
        "ReadWriteArtifacts",
        "UseStackKeyThroughS3",
    ]
    assert document["Statement"][2]["Condition"] == {
        "StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}
    }


def kubeconfig_spec(environment: str = "dev", **extra: Any) -> StackSpec:
    return registry_spec(
        {
            "backend": "kubernetes",
            "target": {"kubeconfig": "~/.kube/onprem", "context": "onprem"},
            "oidc_provider_arn": OIDC,
            **extra,
        },
        environment=environment,
    )


def test_kubernetes_backend_resources_and_database() -> None:
    plan = record(lambda: build(kubeconfig_spec(environment="prod")), preview=True)

    counts = plan.counts()
    expected = {
        "aws:rds/instance:Instance": 1,
        "aws:rds/subnetGroup:SubnetGroup": 1,
        "aws:rds/parameterGroup:ParameterGroup": 1,
        "aws:ec2/securityGroup:SecurityGroup": 1,
        "aws:iam/role:Role": 1,
        "aws:iam/rolePolicy:RolePolicy": 1,
        "pulumi:providers:kubernetes": 1,
        "kubernetes:core/v1:Namespace": 1,
        "kubernetes:core/v1:ServiceAccount": 1,
        "kubernetes:core/v1:ConfigMap": 1,
        "kubernetes:apps/v1:Deployment": 1,
        "kubernetes:core/v1:Service": 1,
    }
    assert {key: counts.get(key) for key in expected} == expected
    assert "aws:sagemaker/mlflowTrackingServer:MlflowTrackingServer" not in counts

    database = plan.named("reg-mlflow-database-instance")
    inputs = database.inputs
    assert inputs["engine"] == "postgres"
    assert inputs["storageEncrypted"] is True and inputs["kmsKeyId"] == KEY_ARN
    assert inputs["publiclyAccessible"] is False
    assert inputs["manageMasterUserPassword"] is True
    assert inputs["masterUserSecretKmsKeyId"] == KEY_ARN
    assert inputs["deletionProtection"] is True
    assert inputs["backupRetentionPeriod"] == 30
    assert inputs["multiAz"] is True
    assert (
        inputs["skipFinalSnapshot"] is False and inputs["finalSnapshotIdentifier"] == "demo-prod-mlflow-final"
    )
    assert database.protect is True
    assert database.property_dependencies["dbSubnetGroupName"] == [
        plan.named("reg-mlflow-database-subnets").urn
    ]
    assert plan.named("reg-mlflow-database-subnets").inputs["subnetIds"] == [
        "subnet-0aaa1111",
        "subnet-0bbb2222",
    ]
    parameters = plan.named("reg-mlflow-database-parameters").inputs
    assert parameters["family"] == "postgres16"
    assert parameters["parameters"] == [
        {"name": "rds.force_ssl", "value": "1", "applyMethod": "pending-reboot"}
    ]
    access = plan.named("reg-mlflow-database-access").inputs
    assert access["ingress"] == [
        {
            "protocol": "tcp",
            "fromPort": 5432,
            "toPort": 5432,
            "securityGroups": ["sg-0workloads1"],
            "description": "PostgreSQL from the workload security group",
        }
    ]
    assert all("cidrBlocks" not in rule for rule in access["ingress"])
    assert access["egress"] == []
    assert_no_secret_in_inputs(plan)


def test_dev_database_follows_dev_presets() -> None:
    plan = record(lambda: build(kubeconfig_spec()), preview=True)
    inputs = plan.named("reg-mlflow-database-instance").inputs
    assert inputs["deletionProtection"] is False
    assert inputs["backupRetentionPeriod"] == 1
    assert inputs["multiAz"] is False
    assert inputs["skipFinalSnapshot"] is True
    assert plan.named("reg-mlflow-database-instance").protect is False


def test_kubernetes_manifests_validate_and_are_hardened() -> None:
    plan = record(lambda: build(kubeconfig_spec()), preview=True)

    for name in (
        "reg-mlflow-namespace",
        "reg-mlflow-service-account",
        "reg-mlflow-refresher",
        "reg-mlflow-server",
        "reg-mlflow-service",
    ):
        kubernetes_validate.validate(manifest(plan, name), KUBERNETES_VERSION, strict=True)
    provider = plan.named("reg-mlflow-k8s")
    assert provider.inputs["kubeconfig"].endswith("/.kube/onprem")
    assert provider.inputs["context"] == "onprem"
    deployment = plan.named("reg-mlflow-server")
    assert deployment.provider.startswith(provider.urn)
    pod = deployment.inputs["spec"]["template"]["spec"]
    (server,) = pod["containers"]
    (refresher,) = pod["initContainers"]
    assert server["image"] == f"ghcr.io/mlflow/mlflow:v{_mlflow_version()}-full"
    assert refresher["image"] == server["image"]
    assert ":latest" not in server["image"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["automountServiceAccountToken"] is False
    for container in (server, refresher):
        assert container["securityContext"]["readOnlyRootFilesystem"] is True
        assert container["securityContext"]["allowPrivilegeEscalation"] is False
        assert set(container["resources"]) == {"requests", "limits"}
    assert server["resources"] == {
        "requests": {"cpu": "500m", "memory": "1Gi"},
        "limits": {"cpu": "2", "memory": "2Gi"},
    }
    assert server["livenessProbe"]["httpGet"]["path"] == "/health"
    assert server["readinessProbe"]["httpGet"]["path"] == "/health"
    assert refresher["restartPolicy"] == "Always"
    args = server["args"]
    assert args[args.index("--backend-store-uri") + 1] == UNKNOWN  # the database address, at preview
    assert args[args.index("--artifacts-destination") + 1] == UNKNOWN
    assert "--serve-artifacts" in args
    env = {item["name"]: item.get("value") for item in server["env"]}
    assert env["PGPASSFILE"] == manifests.PGPASS_FILE
    assert not any("PASSWORD" in name for name in env)
    volumes = {volume["name"]: volume for volume in pod["volumes"]}
    assert volumes["db-credentials"]["emptyDir"]["medium"] == "Memory"
    assert (
        volumes["aws-iam-token"]["projected"]["sources"][0]["serviceAccountToken"]["audience"]
        == "sts.amazonaws.com"
    )
    assert plan.named("reg-mlflow-service").inputs["spec"]["type"] == "ClusterIP"
    script = plan.named("reg-mlflow-refresher").inputs["data"][manifests.REFRESHER_SCRIPT]
    assert "def pgpass_line" in script
    assert_no_secret_in_inputs(plan)


def test_service_account_role_trusts_only_the_mlflow_service_account() -> None:
    plan = record(lambda: build(kubeconfig_spec()))

    trust = json.loads(plan.named("reg-mlflow-role").inputs["assumeRolePolicy"])
    (statement,) = trust["Statement"]
    assert statement["Principal"] == {"Federated": OIDC}
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Condition"] == {
        "StringEquals": {
            "oidc.example.com/id/ABC:sub": "system:serviceaccount:mlflow:mlflow",
            "oidc.example.com/id/ABC:aud": "sts.amazonaws.com",
        }
    }
    policy = json.loads(plan.named("reg-mlflow-access").inputs["policy"])
    sids = [s["Sid"] for s in policy["Statement"]]
    assert sids == [
        "ListArtifactPrefix",
        "ReadWriteArtifacts",
        "UseStackKeyThroughS3",
        "ReadDatabaseSecret",
        "DecryptDatabaseSecret",
    ]
    assert policy["Statement"][3]["Action"] == [
        "secretsmanager:GetSecretValue",
        "secretsmanager:DescribeSecret",
    ]


def test_secret_arn_reaches_the_policy_and_the_sidecar_as_a_dependency() -> None:
    plan = record(lambda: build(kubeconfig_spec()), preview=True)
    database = plan.named("reg-mlflow-database-instance")
    assert database.urn in plan.named("reg-mlflow-access").property_dependencies["policy"]
    assert database.urn in plan.named("reg-mlflow-server").property_dependencies["spec"]


def test_kubernetes_backend_on_the_stacks_eks_cluster() -> None:
    spec = make_spec(
        network=NETWORK,
        registry={
            "tracking": {
                "backend": "kubernetes",
                "target": {"kubeconfig": "unused"},
                "oidc_provider_arn": OIDC,
            }
        },
    )
    assert spec.registry is not None
    # The training section (another issue) validates cluster names; the component takes the
    # target as given, so build a cluster-target spec directly.
    tracking = spec.registry.tracking.model_copy(
        update={
            "target": spec.registry.tracking.target.model_copy(update={"kubeconfig": None, "cluster": "gpu"}),
            "oidc_provider_arn": None,
        }  # type: ignore[union-attr]
    )
    registry_spec_ = spec.registry.model_copy(update={"tracking": tracking})

    def program() -> None:
        provider = k8s.Provider("gpu-k8s", kubeconfig="{}")
        cluster = TrainingCluster(
            key="gpu",
            backend="eks",
            kubernetes_provider=provider,
            oidc_provider_arn=pulumi.Output.from_input(
                "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/XYZ"
            ),
            oidc_provider_url=pulumi.Output.from_input("https://oidc.eks.eu-west-1.amazonaws.com/id/XYZ"),
        )
        Registry(
            "reg",
            registry_spec_,
            context=StackContext.from_spec(spec),
            kms_key_arn=KEY_ARN,
            subnet_ids=["subnet-0aaa1111", "subnet-0bbb2222"],
            security_group_ids=["sg-0workloads1"],
            vpc_id="vpc-0abc12345def67890",
            clusters={"gpu": cluster},
        )

    plan = record(program)
    assert plan.count("pulumi:providers:kubernetes") == 1  # the cluster's, none of our own
    assert plan.named("reg-mlflow-server").provider.startswith(plan.named("gpu-k8s").urn)
    trust = json.loads(plan.named("reg-mlflow-role").inputs["assumeRolePolicy"])
    condition = trust["Statement"][0]["Condition"]["StringEquals"]
    assert condition["oidc.eks.eu-west-1.amazonaws.com/id/XYZ:sub"] == "system:serviceaccount:mlflow:mlflow"


def test_a_cluster_without_oidc_provider_is_a_clear_error() -> None:
    spec = kubeconfig_spec()
    assert spec.registry is not None
    target = spec.registry.tracking.target.model_copy(
        update={"kubeconfig": None, "context": None, "cluster": "gpu"}
    )  # type: ignore[union-attr]
    registry_spec_ = spec.registry.model_copy(
        update={
            "tracking": spec.registry.tracking.model_copy(
                update={"target": target, "oidc_provider_arn": None}
            )
        }
    )

    def program() -> None:
        Registry(
            "reg",
            registry_spec_,
            context=StackContext.from_spec(spec),
            kms_key_arn=KEY_ARN,
            subnet_ids=["subnet-0aaa1111"],
            security_group_ids=["sg-0workloads1"],
            vpc_id="vpc-0abc12345def67890",
            clusters={"gpu": TrainingCluster(key="gpu", backend="eks")},
        )

    with pytest.raises(Exception, match="cluster 'gpu' has no OIDC provider for service-account roles"):
        record(program)


def test_image_override_and_tracking_uri() -> None:
    spec = kubeconfig_spec(
        image="registry.example.com/mlflow:3.17.2-pg", namespace="tracking", create_namespace=False
    )
    seen: dict[str, str] = {}

    def program() -> None:
        registry = build(spec)
        assert registry.tracking_uri is not None
        registry.tracking_uri.apply(lambda uri: seen.setdefault("tracking_uri", uri))
        registry.artifact_location.apply(lambda location: seen.setdefault("artifact_location", location))

    plan = record(program)

    assert "kubernetes:core/v1:Namespace" not in plan.counts()
    deployment = plan.named("reg-mlflow-server").inputs
    assert (
        deployment["spec"]["template"]["spec"]["containers"][0]["image"]
        == "registry.example.com/mlflow:3.17.2-pg"
    )
    assert deployment["metadata"]["namespace"] == "tracking"
    assert seen == {
        "tracking_uri": "http://mlflow.tracking.svc.cluster.local:5000",
        "artifact_location": "s3://reg-artifacts-id/mlflow",
    }


def _mlflow_version() -> str:
    from importlib.metadata import version

    return version("mlflow")


def test_reference_stacks_and_quickstart_plan_their_registry() -> None:
    from stackyard.plan import plan_project
    from tests.check.conftest import REPO

    def resources(directory: Path, stack: str) -> list[dict[str, Any]]:
        document = plan_project(directory, stack)
        return [step["newState"] for step in document["steps"]]

    prod = resources(REPO, "prod")
    (server,) = [r for r in prod if r["type"] == "aws:sagemaker/mlflowTrackingServer:MlflowTrackingServer"]
    assert server["protect"] is True
    assert server["inputs"]["trackingServerName"] == "mlplatform-prod-mlflow"
    assert [
        r["inputs"]["modelPackageGroupName"] for r in prod if r["type"].endswith("ModelPackageGroupPolicy")
    ] == ["mlplatform-prod-churn"]
    quickstart = resources(REPO / "examples" / "quickstart", "dev")
    types = {r["type"] for r in quickstart}
    assert "aws:sagemaker/mlflowTrackingServer:MlflowTrackingServer" in types
    assert "aws:sagemaker/modelPackageGroup:ModelPackageGroup" in types
