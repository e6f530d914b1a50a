"""Serving components under the offline plan: SageMaker endpoints (model, configuration, endpoint,
role, autoscaling), the data capture bucket, KServe InferenceServices, and the Platform wiring."""

from __future__ import annotations

import json
import re
from typing import Any

import kubernetes_validate
import pulumi
import pytest

from stackyard.components.context import StackContext
from stackyard.components.platform import Platform
from stackyard.components.refs import rollback_alarm_names
from stackyard.components.serving import iam, images
from stackyard.components.serving.component import Serving
from stackyard.components.serving.kserve import (
    default_gpu_tolerations,
    inference_service,
)
from stackyard.components.serving.sagemaker import has_local_storage
from stackyard.components.serving.spec import EndpointSpec, ServingSpec
from stackyard.testing import RecordedPlan, record
from tests.specs import make_spec

KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
GROUPS = {"churn": "demo-prod-churn"}
MODEL_TYPE = "aws:sagemaker/model:Model"
CONFIG_TYPE = "aws:sagemaker/endpointConfiguration:EndpointConfiguration"
ENDPOINT_TYPE = "aws:sagemaker/endpoint:Endpoint"


def churn(version: int = 3, **overrides: Any) -> dict[str, Any]:
    return {
        "name": "churn",
        "model": {"package_group": "churn", "version": version},
        "container": {"framework": "xgboost", "version": "1.7-1"},
        "instance_type": "ml.m5.xlarge",
        "autoscaling": {"min_instances": 2, "max_instances": 6, "target_invocations_per_instance": 200},
        "rollout": {"strategy": "canary", "canary_percent": 25, "wait_seconds": 300},
        "environment": {"SAGEMAKER_PROGRAM": "inference.py"},
        **overrides,
    }


def serve(context: StackContext, *endpoints: dict[str, Any], preview: bool = False) -> RecordedPlan:
    spec = ServingSpec.model_validate({"endpoints": list(endpoints)})
    return record(
        lambda: Serving(
            "sv",
            spec,
            context=context,
            kms_key_arn=KEY_ARN,
            subnet_ids=["subnet-0aaa1111", "subnet-0bbb2222"],
            security_group_ids=["sg-0ccc3333"],
            model_package_group_names=GROUPS,
        ),
        preview=preview,
    )


def test_a_sagemaker_endpoint_and_its_parts(prod_context: StackContext) -> None:
    plan = serve(prod_context, churn())

    assert plan.counts() == {
        "stackyard:serving:Serving": 1,
        "stackyard:serving:SageMakerEndpoint": 1,
        "stackyard:storage:SecureBucket": 1,
        "aws:s3/bucket:Bucket": 1,
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": 1,
        "aws:s3/bucketVersioning:BucketVersioning": 1,
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": 1,
        "aws:s3/bucketPolicy:BucketPolicy": 1,
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": 1,
        "aws:iam/role:Role": 1,
        "aws:iam/rolePolicy:RolePolicy": 1,
        MODEL_TYPE: 1,
        CONFIG_TYPE: 1,
        ENDPOINT_TYPE: 1,
        "aws:appautoscaling/target:Target": 1,
        "aws:appautoscaling/policy:Policy": 1,
    }
    component = plan.named("sv-churn")
    assert component.parent == plan.named("sv").urn
    assert {r.name for r in plan.children_of(component)} == {
        "sv-churn-role",
        "sv-churn-role-policy",
        "sv-churn-model",
        "sv-churn-config",
        "sv-churn-endpoint",
        "sv-churn-scaling-target",
        "sv-churn-scaling-policy",
    }

    model = plan.named("sv-churn-model").inputs
    assert model["primaryContainer"] == {
        "mode": "SingleModel",
        "environment": {"SAGEMAKER_PROGRAM": "inference.py"},
        "modelPackageName": "arn:aws:sagemaker:eu-west-1:123456789012:model-package/demo-prod-churn/3",
    }
    assert model["enableNetworkIsolation"] is True
    assert model["vpcConfig"] == {
        "subnets": ["subnet-0aaa1111", "subnet-0bbb2222"],
        "securityGroupIds": ["sg-0ccc3333"],
    }
    # The role's ARN is an output (inputs have none): the model takes it from that role.
    role = plan.named("sv-churn-role")
    assert plan.named("sv-churn-model").property_dependencies["executionRoleArn"] == [role.urn]
    assert model["executionRoleArn"].endswith(":sv-churn-role")
    assert re.fullmatch(r"demo-prod-churn-[0-9a-f]{10}", model["name"])
    assert plan.named("sv-churn-role-policy").urn in plan.named("sv-churn-model").dependencies

    config = plan.named("sv-churn-config").inputs
    assert re.fullmatch(r"demo-prod-churn-[0-9a-f]{10}", config["name"])
    assert config["kmsKeyArn"] == KEY_ARN
    assert config["productionVariants"] == [
        {
            "variantName": "AllTraffic",
            "modelName": model["name"],
            "instanceType": "ml.m5.xlarge",
            "initialInstanceCount": 2,
        }
    ]
    assert config["dataCaptureConfig"] == {
        "enableCapture": True,
        "initialSamplingPercentage": 20,
        "destinationS3Uri": "s3://sv-capture-id/endpoints/churn",
        "kmsKeyId": KEY_ARN,
        "captureOptions": [{"captureMode": "Input"}, {"captureMode": "Output"}],
    }
    assert config["tags"]["owner"] == "ml-platform"

    endpoint = plan.named("sv-churn-endpoint").inputs
    assert endpoint["name"] == "demo-prod-churn"
    assert endpoint["endpointConfigName"] == config["name"]
    assert endpoint["deploymentConfig"] == {
        "blueGreenUpdatePolicy": {
            "trafficRoutingConfiguration": {
                "type": "CANARY",
                "waitIntervalInSeconds": 300,
                "canarySize": {"type": "CAPACITY_PERCENT", "value": 25},
            },
            "terminationWaitInSeconds": 600,
        },
        "autoRollbackConfiguration": {
            "alarms": [{"alarmName": name} for name in rollback_alarm_names(prod_context, "churn")]
        },
    }
    assert [a["alarmName"] for a in endpoint["deploymentConfig"]["autoRollbackConfiguration"]["alarms"]] == [
        "demo-prod-churn-latency-p99",
        "demo-prod-churn-errors-5xx",
    ]

    target = plan.named("sv-churn-scaling-target").inputs
    assert target["resourceId"] == "endpoint/demo-prod-churn/variant/AllTraffic"
    assert target["scalableDimension"] == "sagemaker:variant:DesiredInstanceCount"
    assert (target["minCapacity"], target["maxCapacity"]) == (2, 6)
    policy = plan.named("sv-churn-scaling-policy").inputs
    assert policy["policyType"] == "TargetTrackingScaling"
    assert policy["targetTrackingScalingPolicyConfiguration"] == {
        "targetValue": 200,
        "predefinedMetricSpecification": {"predefinedMetricType": "SageMakerVariantInvocationsPerInstance"},
        "scaleInCooldown": 300,
        "scaleOutCooldown": 60,
    }
    (bucket,) = plan.of_type("aws:s3/bucket:Bucket")
    assert bucket.protect is True  # prod
    expiry = plan.named("sv-capture-lifecycle").inputs["rules"][-1]
    assert expiry["expiration"] == {"days": 90}


def test_deploying_a_new_model_version_changes_names_not_the_endpoint(prod_context: StackContext) -> None:
    before = serve(prod_context, churn(version=3))
    after = serve(prod_context, churn(version=4))
    again = serve(prod_context, churn(version=3))

    assert before.named("sv-churn-model").inputs["name"] != after.named("sv-churn-model").inputs["name"]
    assert before.named("sv-churn-config").inputs["name"] != after.named("sv-churn-config").inputs["name"]
    old, new = before.named("sv-churn-endpoint"), after.named("sv-churn-endpoint")
    assert old.urn == new.urn
    changed = {
        key for key in old.inputs.keys() | new.inputs.keys() if old.inputs.get(key) != new.inputs.get(key)
    }
    assert changed == {"endpointConfigName"}
    for unchanged in (
        "sv-churn-role",
        "sv-churn-role-policy",
        "sv-churn-scaling-target",
        "sv-churn-scaling-policy",
    ):
        assert before.named(unchanged).inputs == after.named(unchanged).inputs
    # Stable otherwise: the same spec plans the same names.
    assert again.named("sv-churn-config").inputs == before.named("sv-churn-config").inputs
    assert again.named("sv-churn-model").inputs == before.named("sv-churn-model").inputs


def test_config_names_are_known_at_preview(prod_context: StackContext) -> None:
    plan = serve(prod_context, churn(), preview=True)
    assert re.fullmatch(r"demo-prod-churn-[0-9a-f]{10}", plan.named("sv-churn-config").inputs["name"])
    assert plan.named("sv-churn-endpoint").inputs["name"] == "demo-prod-churn"


def test_a_variant_change_gives_a_new_configuration_but_the_same_model(dev_context: StackContext) -> None:
    small = serve(dev_context, churn(instance_type="ml.m5.xlarge"))
    large = serve(dev_context, churn(instance_type="ml.m5.2xlarge"))
    assert small.named("sv-churn-model").inputs["name"] == large.named("sv-churn-model").inputs["name"]
    assert small.named("sv-churn-config").inputs["name"] != large.named("sv-churn-config").inputs["name"]


def test_an_s3_model_on_a_framework_image_with_a_least_privilege_role(dev_context: StackContext) -> None:
    plan = serve(
        dev_context,
        {
            "name": "fraud",
            "model": {"s3_uri": "s3://models-bucket/fraud/model.tar.gz"},
            "container": {"framework": "pytorch", "version": "2.6.0"},
            "instance_type": "ml.m5.large",
            "data_capture": {"sampling_percentage": 5},
            "network_isolation": False,
        },
    )
    model = plan.named("sv-fraud-model").inputs
    assert model["primaryContainer"] == {
        "mode": "SingleModel",
        "environment": {},
        "image": "763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:2.6.0-cpu-py312",
        "modelDataUrl": "s3://models-bucket/fraud/model.tar.gz",
    }
    assert model["enableNetworkIsolation"] is False
    config = plan.named("sv-fraud-config").inputs
    assert config["productionVariants"][0]["initialInstanceCount"] == 1  # dev floor
    assert config["dataCaptureConfig"]["initialSamplingPercentage"] == 5
    assert plan.count("aws:appautoscaling/target:Target") == 0
    assert plan.named("sv-fraud-endpoint").inputs.get("deploymentConfig") is None

    role = plan.named("sv-fraud-role").inputs
    trust = json.loads(role["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"] == {"Service": "sagemaker.amazonaws.com"}
    assert trust["Statement"][0]["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}
    statements = {
        s["Sid"]: s for s in json.loads(plan.named("sv-fraud-role-policy").inputs["policy"])["Statement"]
    }
    assert statements["ReadModelArtifact"]["Resource"] == ["arn:aws:s3:::models-bucket/fraud/model.tar.gz"]
    assert statements["PullImage"]["Resource"] == [
        "arn:aws:ecr:eu-west-1:763104351884:repository/pytorch-inference"
    ]
    assert statements["WriteEndpointLogs"]["Resource"][0] == (
        "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/sagemaker/Endpoints/demo-dev-fraud"
    )
    assert statements["UseStackKey"]["Resource"] == KEY_ARN
    assert statements["WriteDataCapture"]["Resource"].endswith(":sv-capture/endpoints/fraud/*")
    for sid, statement in statements.items():
        assert "*" not in json.dumps(statement["Action"]), sid
        if statement["Resource"] == "*":
            assert sid in {"EcrToken", "AttachToStackSubnets"}


def test_serverless_endpoints_have_no_instances(dev_context: StackContext) -> None:
    plan = serve(
        dev_context,
        {
            "name": "small",
            "model": {"s3_uri": "s3://models-bucket/small/model.tar.gz"},
            "container": {"framework": "sklearn", "version": "1.2-1"},
            "serverless": {"memory_mb": 3072, "max_concurrency": 5},
            "data_capture": {"enabled": False},
            "network_isolation": False,
        },
    )
    model = plan.named("sv-small-model").inputs
    assert "vpcConfig" not in model
    assert model["enableNetworkIsolation"] is False
    policy = json.loads(plan.named("sv-small-role-policy").inputs["policy"])
    assert "AttachToStackSubnets" not in {s["Sid"] for s in policy["Statement"]}
    variant = plan.named("sv-small-config").inputs["productionVariants"][0]
    assert variant == {
        "variantName": "AllTraffic",
        "modelName": plan.named("sv-small-model").inputs["name"],
        "serverlessConfig": {"memorySizeInMb": 3072, "maxConcurrency": 5},
    }
    assert "dataCaptureConfig" not in plan.named("sv-small-config").inputs
    assert plan.count("aws:s3/bucket:Bucket") == 0  # nothing captures: no bucket
    image = plan.named("sv-small-model").inputs["primaryContainer"]["image"]
    assert image == "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"


def test_instances_with_local_storage_get_no_volume_key(dev_context: StackContext) -> None:
    plan = serve(
        dev_context,
        {
            "name": "llm",
            "model": {"s3_uri": "s3://models-bucket/llm/"},
            "container": {"framework": "huggingface-llm", "version": "3.3.6"},
            "instance_type": "ml.g5.2xlarge",
        },
    )
    config = plan.named("sv-llm-config").inputs
    assert "kmsKeyArn" not in config  # AWS rejects it; the NVMe volume is encrypted in hardware
    assert config["dataCaptureConfig"]["kmsKeyId"] == KEY_ARN
    image = plan.named("sv-llm-model").inputs["primaryContainer"]["image"]
    assert image.startswith("763104351884.dkr.ecr.eu-west-1.amazonaws.com/huggingface-pytorch-tgi-inference:")
    statements = {
        s["Sid"]: s for s in json.loads(plan.named("sv-llm-role-policy").inputs["policy"])["Statement"]
    }
    assert statements["ReadModelArtifact"]["Resource"] == ["arn:aws:s3:::models-bucket/llm/*"]


@pytest.mark.parametrize(
    ("instance_type", "local"),
    [
        ("ml.m5.xlarge", False),
        ("ml.m5d.xlarge", True),
        ("ml.g4dn.xlarge", True),
        ("ml.g5.2xlarge", True),
        ("ml.p4d.24xlarge", True),
        ("ml.c7g.large", False),
        ("ml.inf2.xlarge", False),
    ],
)
def test_local_storage_instance_types(instance_type: str, local: bool) -> None:
    assert has_local_storage(instance_type) is local


SERVING_FRAMEWORKS = [
    ("pytorch", "2.6.0", "ml.g5.xlarge", "pytorch-inference:2.6.0-gpu-py312"),
    ("tensorflow", "2.19", "ml.m5.xlarge", "tensorflow-inference:2.19-cpu"),
    ("xgboost", "1.7-1", "ml.m5.xlarge", "sagemaker-xgboost:1.7-1"),
    ("sklearn", "1.2-1", "ml.m5.xlarge", "sagemaker-scikit-learn:1.2-1-cpu-py3"),
    ("huggingface", "4.51.3", "ml.g5.xlarge", "huggingface-pytorch-inference:2.6.0-transformers4.51.3-gpu-"),
    ("huggingface-llm", "3.3.6", "ml.g5.xlarge", "huggingface-pytorch-tgi-inference:2.7.0-tgi3.3.6-gpu-"),
]


@pytest.mark.parametrize("region", ["eu-west-1", "us-east-1"])
@pytest.mark.parametrize(("framework", "version", "instance_type", "image"), SERVING_FRAMEWORKS)
def test_framework_images_resolve_per_region(
    framework: str, version: str, instance_type: str, image: str, region: str
) -> None:
    uri = images.retrieve_image_uri(framework, region, version, instance_type=instance_type)
    parsed = images.parse_ecr_image(uri)
    assert parsed is not None and parsed.region == region
    assert uri.split("/", 1)[1].startswith(image)


def test_execution_role_policy_for_a_model_package_reads_only_this_accounts_buckets() -> None:
    policy = json.loads(
        iam.execution_role_policy(
            partition="aws",
            region="eu-west-1",
            account_id="111122223333",
            endpoint_name="demo-prod-churn",
            kms_key_arn=KEY_ARN,
            model_s3_uri=None,
            image_repository_arns=iam.pullable_repositories("aws", "eu-west-1", "111122223333", None),
            capture_bucket_arn=None,
            capture_prefix=None,
        )
    )
    statements = {s["Sid"]: s for s in policy["Statement"]}
    assert statements["ReadModelPackageArtifactsInThisAccount"]["Condition"] == {
        "StringEquals": {"s3:ResourceAccount": "111122223333"}
    }
    assert statements["PullImage"]["Resource"] == ["arn:aws:ecr:eu-west-1:111122223333:repository/*"]
    assert "WriteDataCapture" not in statements


def test_served_endpoints_are_handed_to_monitoring(dev_context: StackContext) -> None:
    spec = ServingSpec.model_validate({"endpoints": [churn(autoscaling=None, rollout={})]})
    captured: dict[str, Any] = {}

    def program() -> None:
        serving = Serving(
            "sv",
            spec,
            context=dev_context,
            kms_key_arn=KEY_ARN,
            subnet_ids=["subnet-0aaa1111"],
            security_group_ids=["sg-0ccc3333"],
            model_package_group_names={
                "churn": "arn:aws:sagemaker:eu-west-1:123456789012:model-package-group/g"
            },
        )
        served = serving.endpoints["churn"]
        captured.update(key=served.key, backend=served.backend, variant=served.variant_name)
        served.endpoint_name.apply(lambda name: captured.update(name=name))
        assert served.data_capture_s3_uri is not None
        served.data_capture_s3_uri.apply(lambda uri: captured.update(uri=uri))
        captured["url"] = serving.outputs["invocation_urls"]["churn"]

    plan = record(program)
    assert captured == {
        "key": "churn",
        "backend": "sagemaker",
        "variant": "AllTraffic",
        "name": "demo-dev-churn",
        "uri": "s3://sv-capture-id/endpoints/churn",
        "url": "https://runtime.sagemaker.eu-west-1.amazonaws.com/endpoints/demo-dev-churn/invocations",
    }
    # A group given by ARN is reduced to its name in the version's ARN.
    assert plan.named("sv-churn-model").inputs["primaryContainer"]["modelPackageName"] == (
        "arn:aws:sagemaker:eu-west-1:123456789012:model-package/g/3"
    )


def test_a_missing_model_package_group_is_a_clear_error(dev_context: StackContext) -> None:
    spec = ServingSpec.model_validate({"endpoints": [churn()]})
    with pytest.raises(pulumi.RunError) as caught:
        Serving("sv", spec, context=dev_context, kms_key_arn=KEY_ARN, subnet_ids=[], security_group_ids=[])
    assert str(caught.value) == (
        "stackyard:serving:Serving 'sv': no model package group given for registry model(s): churn"
    )


# --- KServe ---

KSERVE = {
    "name": "ranker",
    "backend": "kserve",
    "model": {"s3_uri": "s3://models-bucket/ranker/"},
    "environment": {"STORAGE_REGION": "eu-west-1"},
    "kserve": {
        "target": {"kubeconfig": "~/.kube/config", "context": "onprem"},
        "namespace": "team-a",
        "model_format": "pytorch",
        "gpus": 1,
        "cpu": "4",
        "memory": "16Gi",
        "min_replicas": 2,
        "max_replicas": 5,
        "service_account": "model-reader",
    },
}


def _as_pod(manifest: dict[str, Any]) -> dict[str, Any]:
    """The predictor's pod fields in a Pod, so the Kubernetes schema checks them (the
    InferenceService CRD itself is not in the Kubernetes OpenAPI schemas)."""
    predictor = manifest["spec"]["predictor"]
    container = {k: v for k, v in predictor["model"].items() if k in {"resources", "env"}}
    spec: dict[str, Any] = {"containers": [{"name": "kserve-container", "image": "runtime", **container}]}
    spec |= {k: predictor[k] for k in ("tolerations", "serviceAccountName") if k in predictor}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": manifest["metadata"], "spec": spec}


def test_inference_service_manifest_and_its_pod_fields_validate(dev_context: StackContext) -> None:
    manifest = inference_service(dev_context, EndpointSpec.model_validate(KSERVE), default_gpu_tolerations())
    assert manifest["apiVersion"] == "serving.kserve.io/v1beta1"
    assert manifest["kind"] == "InferenceService"
    assert manifest["metadata"]["namespace"] == "team-a"
    predictor = manifest["spec"]["predictor"]
    assert (predictor["minReplicas"], predictor["maxReplicas"]) == (2, 5)
    assert predictor["tolerations"] == [
        {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}
    ]
    assert predictor["model"]["resources"]["limits"] == {"cpu": "4", "memory": "16Gi", "nvidia.com/gpu": "1"}
    assert predictor["model"]["storageUri"] == "s3://models-bucket/ranker/"
    kubernetes_validate.validate(_as_pod(manifest), "1.30", strict=True)


def test_cpu_predictors_do_not_tolerate_gpu_nodes(dev_context: StackContext) -> None:
    cpu = {**KSERVE, "kserve": {**KSERVE["kserve"], "gpus": 0}}
    manifest = inference_service(dev_context, EndpointSpec.model_validate(cpu), default_gpu_tolerations())
    assert "tolerations" not in manifest["spec"]["predictor"]
    assert "nvidia.com/gpu" not in manifest["spec"]["predictor"]["model"]["resources"]["limits"]
    kubernetes_validate.validate(_as_pod(manifest), "1.30", strict=True)


def test_kserve_on_the_prod_eks_cluster_tolerates_every_taint_of_its_gpu_node_groups() -> None:
    """Serving takes the tolerations training made for the cluster's GPU nodes, so a GPU predictor
    can land on every GPU group, the custom `dedicated=llm` one included."""
    from pathlib import Path

    import yaml

    from stackyard.components.platform import Platform
    from stackyard.components.training import gpu
    from stackyard.spec.loader import validate

    data = yaml.safe_load(Path("stacks/prod.yaml").read_text())
    data["serving"] = {
        "endpoints": [{**KSERVE, "kserve": {**KSERVE["kserve"], "target": {"cluster": "research"}}}]
    }
    data.pop("monitoring")
    spec = validate(data)
    plan = record(lambda: Platform("p", spec), stack="prod", preview=True)

    (service,) = plan.of_type("kubernetes:serving.kserve.io/v1beta1:InferenceService")
    tolerations = service.inputs["spec"]["predictor"]["tolerations"]
    (research,) = [c.eks for c in spec.training.clusters if c.name == "research"]
    taints = [taint for group in research.gpu_node_groups for taint in group.effective_taints]
    assert gpu.Taint("dedicated", "NoSchedule", "llm") in taints
    assert all(gpu.tolerates(tolerations, taint) for taint in taints)
    assert tolerations == gpu.tolerations_for([group.effective_taints for group in research.gpu_node_groups])


def test_kserve_endpoint_on_an_existing_cluster(dev_context: StackContext) -> None:
    spec = ServingSpec.model_validate({"endpoints": [KSERVE]})
    plan = record(
        lambda: Serving(
            "sv", spec, context=dev_context, kms_key_arn=KEY_ARN, subnet_ids=[], security_group_ids=[]
        )
    )
    assert plan.counts() == {
        "stackyard:serving:Serving": 1,
        "pulumi:providers:kubernetes": 1,
        "stackyard:serving:KServeEndpoint": 1,
        "kubernetes:serving.kserve.io/v1beta1:InferenceService": 1,
    }
    isvc = plan.named("sv-ranker-isvc")
    provider = plan.named("sv-ranker-k8s")
    assert isvc.provider is not None and isvc.provider.startswith(provider.urn)
    assert provider.inputs["context"] == "onprem"
    assert isvc.inputs["spec"]["predictor"]["model"]["modelFormat"] == {"name": "pytorch"}
    assert isvc.inputs["metadata"]["annotations"] == {"serving.kserve.io/deploymentMode": "RawDeployment"}


# --- the Platform ---


def test_platform_builds_serving_and_exports_its_outputs() -> None:
    spec = make_spec(
        environment="prod",
        monitoring={"notifications": {"emails": ["oncall@example.com"]}},
        serving={
            "endpoints": [
                {
                    "name": "fraud",
                    "model": {"s3_uri": "s3://models-bucket/fraud/model.tar.gz"},
                    "container": {"framework": "xgboost", "version": "1.7-1"},
                    "instance_type": "ml.m5.xlarge",
                    "rollout": {"strategy": "linear"},
                }
            ]
        },
    )
    exported: dict[str, Any] = {}

    def program() -> None:
        platform = Platform("demo-prod", spec)
        exported.update(platform.outputs)

    plan = record(program, preview=True)
    assert plan.count(ENDPOINT_TYPE) == 1
    assert {"serving_endpoint_names", "serving_endpoint_arns", "serving_invocation_urls"} <= set(exported)
    model = plan.named("demo-prod-serving-fraud-model")
    assert model.property_dependencies["vpcConfig"]  # the stack's subnets and security group
    config = plan.named("demo-prod-serving-fraud-config")
    key = plan.named("demo-prod-encryption-key")
    assert key.urn in config.property_dependencies["kmsKeyArn"]
    deployment = plan.named("demo-prod-serving-fraud-endpoint").inputs["deploymentConfig"]
    assert deployment["blueGreenUpdatePolicy"]["trafficRoutingConfiguration"]["linearStepSize"] == {
        "type": "CAPACITY_PERCENT",
        "value": 20,
    }


# --- the reference stacks and the quickstart ---


@pytest.mark.parametrize(
    "path", ["stacks/dev.yaml", "stacks/prod.yaml", "examples/quickstart/Pulumi.dev.yaml"]
)
def test_reference_specs_have_valid_serving_sections(path: str) -> None:
    from stackyard.spec.loader import load_spec_file
    from tests.check.conftest import REPO

    spec = load_spec_file(REPO / path)
    assert spec.serving is not None and spec.serving.endpoints


def test_quickstart_plans_its_endpoint() -> None:
    from stackyard.plan import plan_project
    from tests.check.conftest import REPO

    plan = plan_project(REPO / "examples/quickstart", "dev")
    states = [step["newState"] for step in plan["steps"]]
    endpoints = [s for s in states if s["type"] == ENDPOINT_TYPE]
    assert len(endpoints) == 1
    assert endpoints[0]["inputs"]["name"] == "quickstart-dev-demo"


def test_an_endpoint_built_around_the_spec_check_refuses_a_version_that_is_no_number(
    prod_context: StackContext,
) -> None:
    """The spec rejects 'latest-approved'; arguments changed after validation reach the component,
    which refuses them with a message Pulumi prints without a traceback."""
    import pulumi

    spec = ServingSpec.model_validate({"endpoints": [churn()]})
    endpoint = spec.endpoints[0]
    unchecked = endpoint.model.model_copy(update={"version": "latest-approved"})  # copies skip validation
    spec = spec.model_copy(update={"endpoints": [endpoint.model_copy(update={"model": unchecked})]})
    message = (
        "stackyard:serving:SageMakerEndpoint 'sv-churn': endpoint 'churn' deploys a model package by its "
        "version number, not 'latest-approved'"
    )
    with pytest.raises(pulumi.RunError, match=re.escape(message)):
        record(
            lambda: Serving(
                "sv",
                spec,
                context=prod_context,
                kms_key_arn=KEY_ARN,
                subnet_ids=["subnet-0aaa1111"],
                security_group_ids=["sg-0ccc3333"],
                model_package_group_names=GROUPS,
            )
        )
