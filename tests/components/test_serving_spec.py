"""The serving section: what a valid spec means, and the errors (with their paths) of invalid ones."""

from __future__ import annotations

from typing import Any

import pytest

from stackyard.components.serving import images
from stackyard.components.serving.spec import ServingSpec, registry_model_names
from stackyard.spec.loader import SpecError
from tests.specs import make_spec

S3_MODEL = {"s3_uri": "s3://models-bucket/churn/model.tar.gz"}
PYTORCH = {"framework": "pytorch", "version": "2.6.0"}


def endpoint(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "churn",
        "model": S3_MODEL,
        "container": PYTORCH,
        "instance_type": "ml.m5.xlarge",
        **overrides,
    }


def issues(**sections: Any) -> list[tuple[str, str]]:
    with pytest.raises(SpecError) as error:
        make_spec(**sections)
    return error.value.issues


def test_defaults_are_secure_and_the_endpoint_is_one_line_to_redeploy() -> None:
    spec = make_spec(serving={"endpoints": [endpoint()]})
    assert spec.serving is not None
    served = spec.serving.endpoints[0]
    assert served.backend == "sagemaker"
    assert served.network_isolation is True
    assert served.data_capture.enabled is True
    assert served.data_capture.sampling_percentage == 20
    assert served.rollout.strategy == "all-at-once"
    assert served.instance_count(floor=1) == 1
    assert spec.serving.required_services() == {"sagemaker", "sagemaker-runtime"}


@pytest.mark.parametrize(
    ("container", "path", "message"),
    [
        (
            {"framework": "pytorh", "version": "2.6.0"},
            "serving.endpoints[0].container.framework",
            "the sagemaker SDK has no inference images for framework 'pytorh' (did you mean pytorch, neo-pytorch?)",
        ),
        (
            {"framework": "pytorch", "version": "0.1"},
            "serving.endpoints[0].container.version",
            "the sagemaker SDK has no pytorch inference images for version '0.1'; supported versions: ",
        ),
        (
            {"framework": "pytorch", "version": "2.6.0", "py_version": "py27"},
            "serving.endpoints[0].container.py_version",
            "pytorch 2.6.0 has no image for Python 'py27'; supported: py312",
        ),
        (
            {"framework": "pytorch"},
            "serving.endpoints[0].container.version",
            "framework 'pytorch' needs a version",
        ),
        (
            {
                "framework": "pytorch",
                "version": "2.6.0",
                "image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/m",
            },
            "serving.endpoints[0].container.framework",
            "give either framework (with version) or image, not both or neither",
        ),
        (
            {"image": "docker.io/library/nginx:latest"},
            "serving.endpoints[0].container.image",
            "'docker.io/library/nginx:latest' is not an ECR image URI",
        ),
    ],
)
def test_containers_are_checked_against_the_sagemaker_sdk(
    container: dict[str, Any], path: str, message: str
) -> None:
    found = issues(serving={"endpoints": [endpoint(container=container)]})
    assert len(found) == 1
    assert found[0][0] == path
    assert found[0][1].startswith(message)


def test_unknown_version_lists_what_the_sdk_supports() -> None:
    ((_, message),) = issues(
        serving={"endpoints": [endpoint(container={"framework": "xgboost", "version": "9"})]}
    )
    assert message.endswith("supported versions: " + ", ".join(images.framework_versions("xgboost")))
    assert "1.7-1" in message


def test_unknown_framework_lists_the_frameworks_with_inference_images() -> None:
    ((_, message),) = issues(
        serving={"endpoints": [endpoint(container={"framework": "caffe", "version": "1"})]}
    )
    # Compact: the common families and a count, not the SDK's 60-odd names on one line.
    known = images.inference_frameworks()
    assert message.endswith(
        "; frameworks with inference images: pytorch, tensorflow, xgboost, sklearn, huggingface, "
        f"huggingface-llm and {len(known) - 6} more (all of them: sagemaker.core.image_uris.list_frameworks())"
    )


def test_a_serverless_endpoint_with_autoscaling_and_an_instance_type_is_rejected() -> None:
    bad = endpoint(
        serverless={"memory_mb": 2048},
        autoscaling={"min_instances": 1, "max_instances": 2, "target_invocations_per_instance": 50},
        network_isolation=False,
        data_capture={"enabled": False},
    )
    assert issues(serving={"endpoints": [bad]}) == [
        (
            "serving.endpoints[0].autoscaling",
            "a serverless endpoint scales by itself: remove autoscaling or serverless",
        ),
        (
            "serving.endpoints[0].instance_type",
            "a serverless endpoint has no instance type: remove one of them",
        ),
    ]


def test_serverless_endpoints_opt_out_of_what_aws_does_not_offer_them_explicitly() -> None:
    bad = endpoint(instance_type=None, serverless={})
    assert issues(serving={"endpoints": [bad]}) == [
        (
            "serving.endpoints[0].network_isolation",
            "serverless endpoints run outside the VPC and without network isolation: "
            "set network_isolation: false, or use an instance type",
        ),
        (
            "serving.endpoints[0].data_capture.enabled",
            "serverless endpoints cannot capture data: set data_capture.enabled: false, or use an instance type",
        ),
    ]


def test_autoscaling_min_above_max_is_rejected() -> None:
    bad = endpoint(
        autoscaling={"min_instances": 3, "max_instances": 2, "target_invocations_per_instance": 50}
    )
    assert issues(serving={"endpoints": [bad]}) == [
        (
            "serving.endpoints[0].autoscaling.min_instances",
            "min_instances (3) is greater than max_instances (2)",
        )
    ]


def test_unknown_instance_type_suggests_the_closest_ones() -> None:
    assert issues(serving={"endpoints": [endpoint(instance_type="ml.m5.xlarg")]}) == [
        (
            "serving.endpoints[0].instance_type",
            "'ml.m5.xlarg' is not a SageMaker endpoint instance type; did you mean ml.m5.xlarge, "
            "ml.m5d.xlarge, ml.m5.4xlarge?",
        )
    ]


def test_every_problem_of_a_spec_is_reported_at_once_with_its_path() -> None:
    found = issues(
        serving={
            "endpoints": [
                endpoint(),
                endpoint(instance_type=None, container={"framework": "tensorflow", "version": "0.0"}),
                endpoint(name="churn"),
                endpoint(name="Bad_Name", environment={"MODEL-DIR": "/opt/ml"}),
            ]
        }
    )
    assert [path for path, _ in found] == [
        "serving.endpoints[1].container.version",
        "serving.endpoints[1].instance_type",
        "serving.endpoints[3].name",
        "serving.endpoints[3].environment.MODEL-DIR",
    ]


def test_duplicate_names_point_at_the_second_use() -> None:
    assert issues(serving={"endpoints": [endpoint(), endpoint(name="other"), endpoint()]}) == [
        ("serving.endpoints[2].name", "endpoint name 'churn' is used more than once")
    ]


def test_latest_approved_is_refused_with_the_reason() -> None:
    bad = endpoint(model={"package_group": "churn", "version": "latest-approved"})
    assert issues(serving={"endpoints": [bad]}) == [
        (
            "serving.endpoints[0].model.version",
            "'latest-approved' cannot be known when the plan is made; give the approved version number to "
            "deploy (deploying or rolling back is then a one-line, reviewed change)",
        ),
        ("serving.endpoints[0].model.package_group", "no model named 'churn' in registry.models (models: none)"),
    ]


def test_model_package_groups_must_be_models_of_the_registry() -> None:
    source = {"package_group": "churn", "version": 3}
    assert issues(registry={}, serving={"endpoints": [endpoint(model=source)]}) == [
        (
            "serving.endpoints[0].model.package_group",
            "no model named 'churn' in registry.models (models: none)",
        )
    ]


def test_registry_models_are_read_from_a_list_or_a_mapping() -> None:
    class Model:
        def __init__(self, name: str) -> None:
            self.name = name

    class Registry:
        def __init__(self, models: Any) -> None:
            self.models = models

    class Stack:
        def __init__(self, models: Any) -> None:
            self.registry = Registry(models)

    assert registry_model_names(Stack([Model("churn"), Model("fraud")])) == {"churn", "fraud"}
    assert registry_model_names(Stack({"churn": object()})) == {"churn"}
    assert registry_model_names(object()) == set()


def test_prod_endpoints_run_at_least_two_instances() -> None:
    found = issues(
        environment="prod",
        serving={
            "endpoints": [
                endpoint(initial_instance_count=1),
                endpoint(
                    name="scaled",
                    autoscaling={
                        "min_instances": 1,
                        "max_instances": 4,
                        "target_invocations_per_instance": 50,
                    },
                ),
                endpoint(
                    name="serverless",
                    instance_type=None,
                    serverless={},
                    network_isolation=False,
                    data_capture={"enabled": False},
                ),
            ]
        },
    )
    assert found == [
        ("serving.endpoints[0].initial_instance_count", "prod endpoints run at least 2 instances (got 1)"),
        ("serving.endpoints[1].autoscaling.min_instances", "prod endpoints run at least 2 instances (got 1)"),
    ]


def test_prod_defaults_to_the_floor() -> None:
    spec = make_spec(environment="prod", serving={"endpoints": [endpoint()]})
    assert spec.serving is not None
    assert spec.serving.endpoints[0].instance_count(spec.presets.min_serving_instances) == 2


MONITORED = {"notifications": {"emails": ["oncall@example.com"]}}


def test_blue_green_rollouts_need_the_monitoring_section_for_their_alarms() -> None:
    canary = endpoint(rollout={"strategy": "canary"})
    assert issues(serving={"endpoints": [canary]}) == [
        (
            "serving.endpoints[0].rollout.strategy",
            "a canary rollout rolls back on the endpoint's alarms, which monitoring creates: "
            "add a monitoring section that watches this endpoint or use strategy 'all-at-once'",
        )
    ]
    assert make_spec(monitoring=MONITORED, serving={"endpoints": [canary]}).serving is not None
    opted_out = {**MONITORED, "endpoints": {"churn": {"enabled": False}}}
    assert (
        issues(monitoring=opted_out, serving={"endpoints": [canary]})[0][0]
        == "serving.endpoints[0].rollout.strategy"
    )


def test_a_framework_without_an_image_for_the_instance_is_reported_with_the_sdk_reason() -> None:
    tgi_on_cpu = endpoint(container={"framework": "huggingface-llm", "version": "3.3.6"})
    ((path, message),) = issues(serving={"endpoints": [tgi_on_cpu]})
    assert path == "serving.endpoints[0].container"
    assert message.startswith("no huggingface-llm 3.3.6 inference image for ml.m5.xlarge in eu-west-1: ")
    assert "Supported processor(s): gpu" in message


def test_kserve_endpoints_take_their_settings_from_the_kserve_block() -> None:
    kserve = {
        "name": "ranker",
        "backend": "kserve",
        "model": {"package_group": "ranker", "version": 1},
        "instance_type": "ml.m5.xlarge",
        "kserve": {
            "target": {"kubeconfig": "~/.kube/config"},
            "namespace": "team-a",
            "model_format": "pytorch",
            "min_replicas": 3,
            "max_replicas": 2,
            "memory": "lots",
        },
    }
    endpoint_rules = [
        ("serving.endpoints[0].model.s3_uri", "KServe serves a model from storage: give s3_uri"),
        (
            "serving.endpoints[0].instance_type",
            "instance_type is only used with backend 'sagemaker' (see kserve)",
        ),
        ("serving.endpoints[0].model.package_group", "no model named 'ranker' in registry.models (models: none)"),
    ]
    # The kserve block's errors and the endpoint's and stack's rules (which read only valid
    # fields) in one run; fixing the kserve block leaves the rest.
    assert issues(serving={"endpoints": [kserve]}) == [
        ("serving.endpoints[0].kserve.min_replicas", "min_replicas (3) is greater than max_replicas (2)"),
        ("serving.endpoints[0].kserve.memory", "'lots' is not a Kubernetes quantity"),
        *endpoint_rules,
    ]
    kserve["kserve"] |= {"min_replicas": 1, "memory": "8Gi"}
    assert issues(serving={"endpoints": [kserve]}) == endpoint_rules


def test_kserve_on_a_stack_cluster_needs_that_cluster() -> None:
    kserve = {
        "name": "ranker",
        "backend": "kserve",
        "model": S3_MODEL,
        "kserve": {"target": {"cluster": "gpu"}, "namespace": "team-a", "model_format": "pytorch"},
    }
    assert issues(serving={"endpoints": [kserve]}) == [
        (
            "serving.endpoints[0].kserve.target.cluster",
            "no EKS cluster named 'gpu' in training.clusters (EKS clusters: none)",
        )
    ]


def test_section_alone_validates_without_a_stack() -> None:
    spec = ServingSpec.model_validate(
        {"endpoints": [endpoint(model={"package_group": "churn", "version": 2})]}
    )
    assert spec.endpoints[0].model.version == 2


def test_the_sagemaker_sdk_is_imported_only_for_framework_containers() -> None:
    """Importing the SDK costs over a second: a spec with explicit images must not pay for it."""
    import subprocess
    import sys

    program = (
        "import sys\n"
        "from stackyard.spec.loader import validate\n"
        f"base = {BASE_FOR_SUBPROCESS!r}\n"
        "validate({**base, 'serving': {'endpoints': [{'name': 'churn', 'model': {'s3_uri': 's3://models-bucket/m.tar.gz'},\n"
        "    'container': {'image': '123456789012.dkr.ecr.eu-west-1.amazonaws.com/churn:1'},\n"
        "    'instance_type': 'ml.m5.xlarge'}]}})\n"
        "assert 'sagemaker' not in sys.modules, 'sagemaker imported'\n"
    )
    subprocess.run([sys.executable, "-c", program], check=True)


BASE_FOR_SUBPROCESS = {
    "project": "demo",
    "environment": "dev",
    "region": "eu-west-1",
    "tags": {"owner": "ml-platform", "cost_center": "cc-1042", "data_classification": "internal"},
}
