"""`run_check` end to end: packs in their own processes, over the analyzer protocol."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest

from stackyard.check.evaluate import CheckOptions, CheckRun, run_check
from stackyard.check.model import Enforcement, Result
from stackyard.check.waivers import WaiverState
from stackyard.errors import ExitCode, UserError
from tests.check.checkdocs import USER_PACK


def results(run: CheckRun) -> dict[tuple[str, str], Result]:
    return {(f.rule.name, f.urn.rsplit("::", 1)[-1]): f.result for f in run.findings}


def test_every_result_kind(scenario: CheckRun) -> None:
    r = results(scenario)
    assert r[("no-public-buckets", "tagged")] is Result.PASS
    assert r[("no-public-buckets", "public")] is Result.FAIL  # its waiver expired
    assert r[("no-public-buckets", "legacy-logs")] is Result.WAIVED
    assert r[("no-public-buckets", "key")] is Result.NOT_APPLICABLE  # said by the pack (args.not_applicable)
    assert r[("required-tags", "untagged")] is Result.FAIL
    # Unknown at preview: resolved through the KMS key of the stack, or left indeterminate.
    assert r[("customer-managed-key", "tagged-sse")] is Result.PASS
    assert r[("customer-managed-key", "opaque-sse")] is Result.INDETERMINATE
    assert r[("SY-IAM-900", "known-role")] is Result.PASS
    assert r[("SY-IAM-900", "unknown-role")] is Result.INDETERMINATE  # the catalog's "indeterminate: " marker
    assert r[("SY-IAM-900", "tagged")] is Result.NOT_APPLICABLE
    assert r[("SY-GEN-901", "tagged")] is Result.NOT_APPLICABLE  # disabled by the pack's own level
    assert r[("few-resources", "ml-prod")] is Result.PASS  # a stack policy: one result, for the stack


def test_messages_and_evidence_of_resolution(scenario: CheckRun) -> None:
    by_key = {(f.rule.name, f.urn.rsplit("::", 1)[-1]): f for f in scenario.findings}
    assert by_key[("no-public-buckets", "public")].message == "bucket ACL is public-read"
    assert by_key[("SY-IAM-900", "unknown-role")].message == "the execution role is unknown at preview"
    assert (
        "kmsMasterKeyId can't be known during preview"
        in by_key[("customer-managed-key", "opaque-sse")].message
    )
    [resolution] = by_key[("customer-managed-key", "tagged-sse")].resolutions
    assert resolution.from_urn == "urn:pulumi:prod::ml::aws:kms/key:Key::key"
    assert by_key[("SY-GEN-901", "tagged")].message == "disabled by the policy configuration"


def test_every_resource_meets_every_resource_rule(scenario: CheckRun) -> None:
    resources = len(scenario.input.resources)
    for pack in scenario.packs:
        for rule in pack.rules:
            count = sum(1 for f in scenario.findings if f.rule is rule)
            assert count == (resources if rule.kind == "resource" else 1), rule.name


def test_packs_and_rules_metadata(scenario: CheckRun) -> None:
    user, catalog = scenario.packs
    assert (user.name, user.version) == ("user-pack", "1.2.0")  # the version of PulumiPolicy.yaml
    assert [r.name for r in user.rules] == [
        "no-public-buckets",
        "customer-managed-key",
        "required-tags",
        "few-resources",
    ]
    assert [r.enforcement for r in user.rules] == [
        Enforcement.MANDATORY,
        Enforcement.MANDATORY,
        Enforcement.ADVISORY,
        Enforcement.MANDATORY,
    ]
    role_rule = catalog.rules[0]
    assert (role_rule.severity, role_rule.url) == ("high", "https://example.com/rules/SY-IAM-900")
    assert [(f.name, f.control) for f in role_rule.frameworks] == [
        ("NIST-800-53", "AC-6"),
        ("ISO-27001", "A.9.2.3"),
    ]
    assert len(user.config_sha256) == 64


def test_waiver_states(scenario: CheckRun) -> None:
    assert [(s.id, s.state) for s in scenario.waivers] == [
        ("W1", WaiverState.ACTIVE),
        ("W2", WaiverState.EXPIRED),
        ("W3", WaiverState.UNUSED),
    ]


def test_exit_codes_and_strict(scenario: CheckRun) -> None:
    assert scenario.exit_code is ExitCode.POLICY_FAILURE
    assert [(f.rule.name, f.urn.rsplit("::", 1)[-1]) for f in scenario.blocking()] == [
        ("no-public-buckets", "public")
    ]
    strict = dataclasses.replace(scenario, strict=True)
    assert {(f.rule.name, f.urn.rsplit("::", 1)[-1]) for f in strict.blocking()} == {
        ("no-public-buckets", "public"),
        ("customer-managed-key", "opaque-sse"),
        ("SY-IAM-900", "unknown-role"),
    }


def test_a_pack_that_does_not_start_is_bad_input(tmp_path: Path) -> None:
    (tmp_path / "PulumiPolicy.yaml").write_text("runtime: python\n")
    (tmp_path / "__main__.py").write_text("raise SystemExit('broken pack')\n")
    with pytest.raises(UserError, match=r"exited before serving:\n(.|\n)*broken pack"):
        run_check(CheckOptions(_small_plan(tmp_path), [tmp_path]))


def test_a_directory_without_a_pack_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="not a Python policy pack"):
        run_check(CheckOptions(_small_plan(tmp_path), [tmp_path / "nothing"]))


def test_a_project_directory_is_planned_first(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "Pulumi.yaml").write_text("name: tiny\nruntime: python\n")
    (project / "Pulumi.dev.yaml").write_text("config:\n  aws:region: eu-west-1\n")
    (project / "__main__.py").write_text(
        "import pulumi_aws as aws\naws.s3.Bucket('open', acl='public-read', tags={'owner': 'me'})\n"
    )
    run = run_check(CheckOptions(project, [USER_PACK], stack="dev"))
    assert run.input.kind == "plan"
    assert results(run)[("no-public-buckets", "open")] is Result.FAIL


def _small_plan(directory: Path) -> Path:
    from tests.check.checkdocs import BUCKET, PlanBuilder

    plan = PlanBuilder()
    plan.add(BUCKET, "b", {"acl": "private"})
    path = directory / "small.json"
    path.write_text(json.dumps(plan.document()))
    return path


def test_work_split_across_processes_gets_the_same_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from stackyard.check import analyzer
    from tests.check.conftest import scenario_plan

    monkeypatch.setattr(analyzer, "worker_count", lambda resources: 3)
    config = tmp_path / "config.json"
    config.write_text(
        json.dumps({"no-public-buckets": "disabled", "required-tags": {"requiredTags": ["team"]}})
    )
    run = run_check(CheckOptions(scenario_plan().write(tmp_path / "plan.json"), [USER_PACK], config=config))
    r = results(run)
    buckets = ["public", "legacy-logs", "tagged", "untagged"]
    assert [r[("no-public-buckets", b)] for b in buckets] == [Result.NOT_APPLICABLE] * 4
    assert [r[("required-tags", b)] for b in buckets] == [Result.FAIL] * 4
    assert {
        f.message for f in run.findings if f.rule.name == "required-tags" and f.result is Result.FAIL
    } == {"missing tag team"}
    assert r[("customer-managed-key", "tagged-sse")] is Result.PASS


def test_a_pack_with_its_own_virtualenv_runs_in_it(tmp_path: Path) -> None:
    import sys

    from stackyard.check.analyzer import interpreter

    manifest = {"runtime": {"name": "python", "options": {"virtualenv": "venv"}}}
    assert interpreter(tmp_path, manifest) == sys.executable  # named but absent: ours
    (tmp_path / "venv" / "bin").mkdir(parents=True)
    (tmp_path / "venv" / "bin" / "python").symlink_to(sys.executable)
    assert interpreter(tmp_path, manifest) == str(tmp_path / "venv" / "bin" / "python")
    assert interpreter(tmp_path, {"runtime": "python"}) == sys.executable


def test_a_stack_rule_gets_a_result_per_resource_it_names(tmp_path: Path) -> None:
    """A stack rule that cannot decide some resources names each one; each gets its own result
    (so a waiver can cover it by its URN), with the reason alone as the message."""
    from tests.check.checkdocs import BUCKET, FIXTURES, UNKNOWN, PlanBuilder

    plan = PlanBuilder()
    plan.add(BUCKET, "owned", {"tags": {"owner": "ml"}})
    plan.add(BUCKET, "orphan", {"tags": {}})
    computed = plan.add(BUCKET, "computed", {"tags": UNKNOWN})
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(
        "waivers:\n"
        "  - rule: SY-TAG-903\n"
        "    resources: '*::computed'\n"
        "    reason: tags come from the account's tag policy\n"
        "    approver: sec@example.com\n"
        "    ticket: SEC-9\n"
        "    expires: 2027-01-31\n"
    )
    run = run_check(
        CheckOptions(
            plan.write(tmp_path / "plan.json"),
            [FIXTURES / "stack_rule_pack"],
            waivers=waivers,
            today=dt.date(2026, 12, 1),
        )
    )
    assert [(f.urn.rsplit("::", 1)[-1], f.result, f.message) for f in run.findings] == [
        ("orphan", Result.FAIL, "bucket has no owner tag"),
        ("computed", Result.WAIVED, "the tags are unknown at preview"),
    ]
    assert run.findings[1].urn == computed
