"""Fixtures of the `stackyard check` tests."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from stackyard.errors import UserError

REPO = Path(__file__).resolve().parents[2]


def shared_dir() -> Path:
    """STACKYARD_SHARED, else the nearest `shared` folder beside the repository or one of its parents
    (CI clones with `../shared` beside the checkout; a git worktree sits deeper)."""
    explicit = os.environ.get("STACKYARD_SHARED")
    if explicit:
        return Path(explicit)
    for parent in REPO.parents:
        if (parent / "shared").is_dir():
            return parent / "shared"
    return REPO.parent / "shared"


@pytest.fixture
def sarif_schema_path() -> Path:
    path = shared_dir() / "schemas" / "sarif-schema-2.1.0.json"
    assert path.is_file(), f"the official SARIF schema is missing at {path}"
    return path


@pytest.fixture
def real_dir() -> Path:
    return shared_dir() / "fixtures" / "pulumi-real"


@pytest.fixture
def today() -> dt.date:
    return dt.date(2026, 6, 1)


class CliResult:
    def __init__(self, exit_code: int, output: str) -> None:
        self.exit_code, self.output = exit_code, output


@pytest.fixture
def run_cli() -> object:
    """Call `stackyard check` as the CLI does: a `UserError` prints its message and exits 2."""
    from stackyard.commands.check import command

    app = typer.Typer()
    app.command()(command)

    def invoke(*args: str) -> CliResult:
        result = CliRunner().invoke(app, [str(a) for a in args])
        if isinstance(result.exception, UserError):
            return CliResult(int(result.exception.exit_code), result.output + result.exception.message)
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        return CliResult(result.exit_code, result.output)

    return invoke


WAIVERS = """\
waivers:
  - rule: no-public-buckets
    resources: "urn:pulumi:prod::ml::aws:s3/bucket:Bucket::legacy-*"
    reason: "Legacy public bucket, migration in PLAT-123"
    approver: "jane.doe@example.com"
    ticket: "PLAT-123"
    expires: 2026-12-31
  - rule: no-public-buckets
    resources: "urn:pulumi:prod::ml::aws:s3/bucket:Bucket::public"
    reason: "Launch campaign assets"
    approver: "joe.bloggs@example.com"
    ticket: "MKT-9"
    expires: 2026-01-31
  - rule: customer-managed-key
    resources: "urn:pulumi:prod::ml::*::retired-*"
    reason: "Retired buckets"
    approver: "jane.doe@example.com"
    ticket: "PLAT-7"
    expires: 2027-01-31
"""


def scenario_plan() -> object:
    """Every result kind, from two packs: the user's pack and one in the catalog's style."""
    from tests.check.checkdocs import BUCKET, KMS_KEY, SSE, UNKNOWN, PlanBuilder, sse_inputs

    plan = PlanBuilder()
    key = plan.add(KMS_KEY, "key", {"enableKeyRotation": True})
    plan.add(BUCKET, "public", {"bucket": "ml-public", "acl": "public-read", "tags": {"owner": "ml"}})
    plan.add(BUCKET, "legacy-logs", {"bucket": "ml-logs", "acl": "public-read", "tags": {"owner": "ml"}})
    tagged = plan.add(BUCKET, "tagged", {"bucket": "ml-data", "acl": "private", "tags": {"owner": "ml"}})
    plan.add(BUCKET, "untagged", {"bucket": "ml-misc", "acl": "private", "tags": {}})
    plan.add(
        SSE, "tagged-sse", sse_inputs(UNKNOWN), property_dependencies={"bucket": [tagged], "rules": [key]}
    )
    plan.add(SSE, "opaque-sse", sse_inputs(UNKNOWN), property_dependencies={"bucket": [tagged], "rules": []})
    role = plan.add("aws:iam/role:Role", "exec", {"name": "ml-prod-exec", "assumeRolePolicy": "[secret]"})
    plan.add(
        "aws:sagemaker/model:Model",
        "known-role",
        {"executionRoleArn": UNKNOWN},
        property_dependencies={"executionRoleArn": [role]},
    )
    plan.add("aws:sagemaker/model:Model", "unknown-role", {"executionRoleArn": UNKNOWN})
    return plan


@pytest.fixture(scope="session")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> object:
    from stackyard.check.evaluate import CheckOptions, run_check
    from tests.check.checkdocs import FIXTURES, USER_PACK

    directory = tmp_path_factory.mktemp("scenario")
    plan_path = scenario_plan().write(directory / "plan.json")
    waivers = directory / "waivers.yaml"
    waivers.write_text(WAIVERS)
    options = CheckOptions(
        plan_path, [USER_PACK, FIXTURES / "catalog_style_pack"], waivers=waivers, today=dt.date(2026, 6, 1)
    )
    return run_check(options)
