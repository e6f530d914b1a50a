"""stackyard reads botocore's data files itself (importing botocore costs a second of start-up):
its answers are the ones botocore's own session and models give."""

from __future__ import annotations

import botocore.session
import pytest

from stackyard.spec import aws

SESSION = botocore.session.get_session()
SERVICES = [
    "ec2",
    "s3",
    "kms",
    "sts",
    "logs",
    "sagemaker",
    "glue",
    "eks",
    "batch",
    "rds",
    "ecr",
    "no-such-service",
]


def session_regions(service: str) -> frozenset[str]:
    return frozenset(
        region
        for partition in SESSION.get_available_partitions()
        for region in SESSION.get_available_regions(service, partition_name=partition)
    )


@pytest.mark.parametrize("service", SERVICES)
def test_service_regions_are_botocores(service: str) -> None:
    assert aws.service_regions(service) == session_regions(service)


def test_known_regions_are_botocores_and_span_partitions() -> None:
    assert aws.known_regions() == session_regions("ec2")
    assert {"eu-west-1", "cn-north-1", "us-gov-west-1"} <= aws.known_regions()
    assert "no-such-service" not in aws.known_regions()


@pytest.mark.parametrize(
    ("service", "shape"),
    [
        ("sagemaker", "FeatureGroupName"),
        ("sagemaker", "FeatureType"),
        ("sagemaker", "Dimension"),
        ("sagemaker", "ProductionVariantInstanceType"),
        ("sagemaker", "FeatureDefinitions"),
        ("ec2", "InstanceType"),
    ],
)
def test_shape_constraints_are_botocores(service: str, shape: str) -> None:
    found = SESSION.get_service_model(service).shape_for(shape)
    assert aws.shape_constraints(service, shape) == aws.ShapeConstraints(
        enum=tuple(getattr(found, "enum", None) or ()),
        min=found.metadata.get("min"),
        max=found.metadata.get("max"),
        pattern=found.metadata.get("pattern"),
    )


def test_ecr_hostnames_follow_the_partition() -> None:
    assert aws.ecr_hostname("eu-west-1") == "ecr.eu-west-1.amazonaws.com"
    assert aws.ecr_hostname("cn-north-1") == "ecr.cn-north-1.amazonaws.com.cn"


def test_botocore_questions_are_answered_from_its_data_files_without_importing_it() -> None:
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from stackyard.spec import aws\n"
        "print(len(aws.known_regions()), 'eu-west-1' in aws.service_regions('sagemaker'))\n"
        "print(aws.partition_of('cn-north-1'), aws.ecr_hostname('cn-north-1'))\n"
        "shape = aws.sagemaker_shape('FeatureGroupName')\n"
        "print(shape.min, shape.max, shape.pattern, len(aws.ec2_instance_types()) > 100)\n"
        "print('botocore.session' in sys.modules)\n"
    )
    runs = [
        subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
        for _ in range(2)
    ]
    first, second = (run.splitlines() for run in runs)
    assert first[:-1] == second[:-1]
    assert first[1] == "aws-cn ecr.cn-north-1.amazonaws.com.cn"
    assert first[2].split()[:2] == ["1", "64"] and first[2].endswith(" True")
    assert (first[-1], second[-1]) == ("False", "False")


@pytest.mark.parametrize(
    "region", ["eu-west-1", "cn-north-1", "us-gov-west-1", "us-iso-east-1", "eu-central-3"]
)
def test_the_partition_of_a_region_is_botocores(region: str) -> None:
    # eu-central-3: a region botocore does not list, placed by its partition's region pattern.
    assert aws.partition_of(region) == SESSION.get_partition_for_region(region)
