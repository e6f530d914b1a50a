"""Builders of the documents `stackyard check` reads, for tests and the benchmark: stackyard plans
in the shape `stackyard.plan.plan_project` writes (the preview shape, explicit providers as steps,
a `stackyard` header)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from stackyard.pulumi_documents import UNKNOWN as UNKNOWN

FIXTURES = Path(__file__).parent / "fixtures"
USER_PACK = FIXTURES / "user_pack"

BUCKET = "aws:s3/bucket:Bucket"
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
KMS_KEY = "aws:kms/key:Key"


class PlanBuilder:
    """A plan of stack `prod` of project `ml` with one explicit aws provider in `region`."""

    def __init__(self, project: str = "ml", stack: str = "prod", region: str = "eu-west-1") -> None:
        self.project, self.stack = project, stack
        self.stack_urn = self.urn("pulumi:pulumi:Stack", f"{project}-{stack}")
        self.provider_urn = self.urn("pulumi:providers:aws", "main")
        self.steps: list[dict[str, Any]] = [
            {
                "op": "create",
                "urn": self.stack_urn,
                "newState": {"urn": self.stack_urn, "custom": False, "type": "pulumi:pulumi:Stack"},
            },
            {
                "op": "create",
                "urn": self.provider_urn,
                "newState": {
                    "urn": self.provider_urn,
                    "custom": True,
                    "type": "pulumi:providers:aws",
                    "inputs": {"region": region, "version": "7.51.0"},
                    "parent": self.stack_urn,
                },
            },
        ]
        self.config = {"aws:region": region}

    def urn(self, type_: str, name: str) -> str:
        return f"urn:pulumi:{self.stack}::{self.project}::{type_}::{name}"

    def add(
        self,
        type_: str,
        name: str,
        inputs: dict[str, Any],
        *,
        property_dependencies: dict[str, list[str]] | None = None,
        protect: bool = False,
    ) -> str:
        urn = self.urn(type_, name)
        deps = sorted({d for ds in (property_dependencies or {}).values() for d in ds})
        state: dict[str, Any] = {
            "urn": urn,
            "custom": True,
            "type": type_,
            "inputs": inputs,
            "parent": self.stack_urn,
            "provider": f"{self.provider_urn}::{UNKNOWN}",
            "dependencies": deps,
            "propertyDependencies": property_dependencies or {},
            "protect": protect,
        }
        self.steps.append({"op": "create", "urn": urn, "provider": state["provider"], "newState": state})
        return urn

    def document(self) -> dict[str, Any]:
        return {
            "config": self.config,
            "steps": self.steps,
            "changeSummary": {"create": len(self.steps)},
            "stackyard": {"planVersion": 1, "project": self.project, "stack": self.stack},
        }

    def write(self, path: Path) -> Path:
        path.write_text(json.dumps(self.document()))
        return path


def sse_inputs(key: str) -> dict[str, Any]:
    return {
        "bucket": UNKNOWN,
        "rules": [
            {
                "applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": key},
                "bucketKeyEnabled": True,
            }
        ],
    }


def synthetic_plan(resources: int) -> PlanBuilder:
    """A plan of `resources` resources: buckets, their KMS keys and encryption configurations."""
    plan = PlanBuilder()
    for i in range((resources - len(plan.steps)) // 3):
        key = plan.add(KMS_KEY, f"key-{i}", {"enableKeyRotation": True, "description": f"key {i}"})
        bucket = plan.add(
            BUCKET,
            f"data-{i}",
            {"bucket": f"ml-prod-data-{i}", "acl": "private", "tags": {"owner": "ml", "cost-center": "cc-1"}},
        )
        plan.add(
            SSE,
            f"data-{i}-sse",
            sse_inputs(UNKNOWN),
            property_dependencies={"bucket": [bucket], "rules": [key]},
        )
    while len(plan.steps) < resources:  # the stack and the provider count too
        plan.add("aws:sns/topic:Topic", f"topic-{len(plan.steps)}", {"name": f"t{len(plan.steps)}"})
    return plan
