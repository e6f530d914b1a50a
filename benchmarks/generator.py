"""A large platform spec, and a Pulumi project directory that builds it.

The spec is what a large platform team writes: N models, each with a feature group, a model
package group, a SageMaker endpoint with autoscaling, and the alarms monitoring gives every
endpoint by default; plus one EKS training cluster with M GPU node groups and T teams.

Endpoints use an explicit ECR image URI rather than a framework container: resolving a framework
image imports the sagemaker SDK (seconds of import time, once per process), which the plain-SDK
baseline does not pay and which says nothing about how cost grows with size.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROJECT = "bench"
STACK = "bench"
REGION = "eu-west-1"
ACCOUNT = "123456789012"
IMAGE = f"763104351884.dkr.ecr.{REGION}.amazonaws.com/xgboost-inference:1.7-1"


@dataclass(frozen=True)
class Shape:
    """How many of each thing the generated platform has."""

    models: int
    node_groups: int
    teams: int

    def describe(self) -> str:
        return f"{self.models} models, {self.node_groups} GPU node groups, {self.teams} teams"


def shape_for(resources: int) -> Shape:
    """A platform of about `resources` registered resources.

    Calibrated on the plan's own counts (see `calibrate`): a fixed base (stack, providers, key,
    network, cluster, shared buckets and topics) plus a fixed number per model, per node group and
    per team. One node group and one team per ten models, within the spec's limits.
    """
    per_model = PER_MODEL + (PER_NODE_GROUP + PER_TEAM) / 10
    models = max(1, round((resources - BASE) / per_model))
    node_groups = max(1, min(MAX_NODE_GROUPS, models // 10))
    teams = max(1, models // 10)
    return Shape(models=models, node_groups=node_groups, teams=teams)


# Registrations, measured by `python -m benchmarks.generator --calibrate`.
BASE = 97
PER_MODEL = 22
PER_NODE_GROUP = 6
PER_TEAM = 3
MAX_NODE_GROUPS = 30


def model_name(index: int) -> str:
    return f"model-{index:05d}"


def platform_spec(shape: Shape) -> dict[str, Any]:
    """The spec as plain data (what a YAML spec file holds)."""
    models = [model_name(index) for index in range(shape.models)]
    gpu_per_node = 1  # g5.2xlarge: one A10G
    groups = [
        {
            "name": f"gpu-{index:03d}",
            "instance_types": ["g5.2xlarge"],
            "capacity": "spot" if index % 2 else "on-demand",
            "max_size": 8,
        }
        for index in range(shape.node_groups)
    ]
    capacity = 8 * gpu_per_node * shape.node_groups
    quota = max(1, capacity // max(1, shape.teams))
    return {
        "project": PROJECT,
        "environment": "prod",
        "region": REGION,
        "allowed_regions": [REGION],
        "tags": {"owner": "ml-platform", "cost_center": "cc-1042", "data_classification": "confidential"},
        "feature_store": {
            "groups": [
                {
                    "name": f"{name}-features",
                    "description": f"Features of {name}",
                    "record_identifier": "entity_id",
                    "event_time": "event_time",
                    "features": [
                        {"name": "entity_id", "type": "String"},
                        {"name": "event_time", "type": "String"},
                        {"name": "score", "type": "Fractional"},
                        {"name": "count", "type": "Integral"},
                    ],
                    "online_store": {"ttl": {"value": 30, "unit": "Days"}},
                    "offline_store": {"retention_days": 365},
                }
                for name in models
            ]
        },
        "training": {
            "clusters": [
                {
                    "name": "training",
                    "eks": {
                        "version": "1.33",
                        "node_groups": [
                            {
                                "name": "system",
                                "gpu": False,
                                "instance_types": ["m6i.large"],
                                "min_size": 2,
                                "max_size": 4,
                            },
                            *groups,
                        ],
                        "teams": [
                            {"name": f"team-{index:04d}", "gpu_quota": quota} for index in range(shape.teams)
                        ],
                    },
                }
            ]
        },
        "registry": {"models": [{"name": name, "description": f"The {name} model"} for name in models]},
        "serving": {
            "endpoints": [
                {
                    "name": name,
                    "model": {"s3_uri": f"s3://{PROJECT}-prod-models/{name}/model.tar.gz"},
                    "container": {"image": IMAGE},
                    "instance_type": "ml.m5.xlarge",
                    "autoscaling": {
                        "min_instances": 2,
                        "max_instances": 4,
                        "target_invocations_per_instance": 300,
                    },
                }
                for name in models
            ]
        },
        "monitoring": {"notifications": {"emails": ["ml-oncall@example.com"]}},
    }


STACKYARD_PROGRAM = """\
from pathlib import Path

from stackyard.program import build

build(Path(__file__).parent / "spec.json")
"""


def write_project(directory: Path, spec: dict[str, Any], program: str = STACKYARD_PROGRAM) -> Path:
    """A Pulumi project in `directory`: Pulumi.yaml, Pulumi.<STACK>.yaml, the spec and `program`."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "Pulumi.yaml").write_text(f"name: {PROJECT}\nruntime: python\n", encoding="utf-8")
    (directory / f"Pulumi.{STACK}.yaml").write_text(f"config:\n  aws:region: {REGION}\n", encoding="utf-8")
    (directory / "spec.json").write_text(json.dumps(spec, indent=1), encoding="utf-8")
    (directory / "__main__.py").write_text(program, encoding="utf-8")
    return directory
