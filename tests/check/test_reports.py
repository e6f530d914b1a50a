"""Each report format, rendered from one run that holds every result kind and waiver state."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from stackyard.check.evaluate import CheckRun
from stackyard.files import write_text_atomically
from stackyard.reports import FORMATS, evidence, junit, markdown, sarif, text, write_reports


@pytest.fixture(scope="module")
def reports(scenario: CheckRun, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    out = tmp_path_factory.mktemp("reports")
    paths = write_reports(scenario, FORMATS, out)
    # No temporary file left; the manifest says which files stackyard wrote.
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [".stackyard-reports.json", *(p.name for p in paths)]
    )
    return {name: path.read_text() for name, path in zip(FORMATS, paths, strict=True)}


def test_text_has_summary_failures_and_waivers(reports: dict[str, str]) -> None:
    report = reports["text"]
    assert "results: 26 pass, 2 fail, 30 not applicable, 1 waived, 2 indeterminate" in report
    assert "FAIL          no-public-buckets [mandatory] public (aws:s3/bucket:Bucket)" in report
    assert "WARN          required-tags [advisory] untagged" in report
    assert "bucket ACL is public-read\n              waiver W2 expired: it no longer waives\n" in report
    assert "W2 EXPIRED no-public-buckets" in report
    assert "W3 UNUSED customer-managed-key" in report
    assert report.endswith("FAILED: 1 mandatory failure\n")


def test_json_evidence_matrix_follows_its_schema(reports: dict[str, str], scenario: CheckRun) -> None:
    document = json.loads(reports["json"])
    jsonschema.Draft202012Validator(json.loads(evidence.SCHEMA_PATH.read_text())).validate(document)
    assert document["schemaVersion"] == evidence.SCHEMA_VERSION == "2.1"
    assert len(document["results"]) == len(scenario.findings)
    assert document["summary"] == scenario.counts()
    assert document["input"]["sha256"] == scenario.input.sha256
    assert [p["name"] for p in document["packs"]] == ["user-pack", "catalog-style"]
    assert [p["evaluation"] for p in document["packs"]] == ["engine", "engine"]  # neither is the stackyard catalog
    assert all(len(p["configSha256"]) == 64 for p in document["packs"])
    assert document["git"]["commit"] == scenario.git_commit
    assert [(r["urn"].rsplit("::", 1)[1], r["path"], r["fromUrn"]) for r in document["resolved"]] == [
        (
            "tagged-sse",
            "rules[0].applyServerSideEncryptionByDefault.kmsMasterKeyId",
            "urn:pulumi:prod::ml::aws:kms/key:Key::key",
        ),
        ("known-role", "executionRoleArn", "urn:pulumi:prod::ml::aws:iam/role:Role::exec"),
    ]
    assert [w["state"] for w in document["waivers"]] == ["active", "expired", "unused"]


def test_sarif_is_valid_2_1_0(reports: dict[str, str], sarif_schema_path: Path) -> None:
    document = json.loads(reports["sarif"])
    schema = json.loads(sarif_schema_path.read_text())
    jsonschema.validators.validator_for(schema)(schema).validate(document)
    [run] = document["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules][:2] == ["no-public-buckets", "customer-managed-key"]
    iam = next(r for r in rules if r["id"] == "SY-IAM-900")
    assert iam["help"]["text"] == "Pass the ARN of an IAM role created in the same stack."
    assert iam["properties"]["security-severity"] == "8.0"
    assert iam["helpUri"] == "https://example.com/rules/SY-IAM-900"
    by_rule_urn = {
        (r["ruleId"], r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]): r
        for r in run["results"]
    }
    public = by_rule_urn[("no-public-buckets", "urn:pulumi:prod::ml::aws:s3/bucket:Bucket::public")]
    assert public["level"] == "error"
    assert public["partialFingerprints"] == {
        "stackyardRuleUrn/v1": sarif.fingerprint(
            "no-public-buckets", "urn:pulumi:prod::ml::aws:s3/bucket:Bucket::public"
        )
    }
    waived = by_rule_urn[("no-public-buckets", "urn:pulumi:prod::ml::aws:s3/bucket:Bucket::legacy-logs")]
    [suppression] = waived["suppressions"]
    assert suppression["kind"] == "external"
    assert suppression["justification"].startswith("Legacy public bucket, migration in PLAT-123 (waiver W1")
    assert (
        by_rule_urn[("required-tags", "urn:pulumi:prod::ml::aws:s3/bucket:Bucket::untagged")]["level"]
        == "warning"
    )
    assert [w["state"] for w in run["invocations"][0]["properties"]["waivers"]] == [
        "active",
        "expired",
        "unused",
    ]


def test_sarif_fingerprints_depend_on_rule_and_urn_only() -> None:
    assert sarif.fingerprint("a", "urn:x") == sarif.fingerprint("a", "urn:x")
    assert sarif.fingerprint("a", "urn:x") != sarif.fingerprint("b", "urn:x")


def test_junit_cases(reports: dict[str, str]) -> None:
    root = ET.fromstring(reports["junit"])
    assert (root.get("tests"), root.get("failures"), root.get("skipped")) == ("7", "1", "4")
    user = root.find("testsuite[@name='user-pack@1.2.0']")
    assert user is not None
    failures = [c.get("name") for c in user.iter("testcase") if c.find("failure") is not None]
    assert failures == ["no-public-buckets public (aws:s3/bucket:Bucket)"]
    passing = user.find("testcase[@name='few-resources']")
    assert passing is not None and len(passing) == 0
    waived = user.find("testcase[@name='no-public-buckets legacy-logs (aws:s3/bucket:Bucket)']/skipped")
    assert waived is not None and waived.get("message") == "waived by W1"
    assert (
        user.find("properties/property[@name='waiver W3']")
        .get("value")
        .startswith("unused: customer-managed-key")
    )


def test_markdown_comment(reports: dict[str, str]) -> None:
    report = reports["md"]
    assert report.startswith("## :x: stackyard check: FAILED: 1 mandatory failure\n")
    assert "| 26 | 2 | 0 | 2 | 1 | 30 |" in report
    assert (
        "| `no-public-buckets` | `public` | `aws:s3/bucket:Bucket` | mandatory | bucket ACL is public-read |"
        in report
    )
    assert "<details><summary>Waivers (3)</summary>" in report
    assert "| W2 | **expired** |" in report


def test_every_report_lists_every_waiver(reports: dict[str, str]) -> None:
    for name, report in reports.items():
        for ticket in ("PLAT-123", "MKT-9", "PLAT-7"):
            assert ticket in report, (name, ticket)


def test_reports_show_no_secret(tmp_path: Path, real_dir: Path) -> None:
    from stackyard.check.evaluate import CheckOptions, run_check
    from stackyard.check.model import Result
    from stackyard.pulumi_documents import SECRET_SIG, SIG_KEY
    from tests.check.checkdocs import USER_PACK

    document = json.loads((real_dir / "sample-export.json").read_text())
    bucket = next(r for r in document["deployment"]["resources"] if r["type"] == "aws:s3/bucket:Bucket")
    bucket["inputs"]["acl"] = {SIG_KEY: SECRET_SIG, "ciphertext": "v1:TOP-SECRET-CIPHERTEXT"}
    bucket["inputs"]["tags"] = {"owner": {SIG_KEY: SECRET_SIG, "ciphertext": "v1:TOP-SECRET-OWNER"}}
    path = tmp_path / "export.json"
    path.write_text(json.dumps(document))
    run = run_check(CheckOptions(path, [USER_PACK]))
    acl = next(
        f for f in run.findings if f.rule.name == "no-public-buckets" and f.resource_type == bucket["type"]
    )
    assert acl.result is Result.INDETERMINATE  # the pack never sees a secret's value
    for written in write_reports(run, FORMATS, tmp_path / "out"):
        content = written.read_text()
        assert "TOP-SECRET" not in content and SECRET_SIG not in content, written.name


def test_atomic_write_keeps_the_old_file_when_interrupted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "stackyard-check.json"
    target.write_text("old")

    def interrupted(*_args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_text_atomically(target, "new" * 1000)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["stackyard-check.json"]


def test_renderers_are_deterministic(scenario: CheckRun) -> None:
    for module in (text, markdown, junit, evidence, sarif):
        assert module.render(scenario) == module.render(scenario), module.__name__


def test_text_gives_one_entry_per_rule_and_reason_for_undecided_resources(scenario: CheckRun) -> None:
    import dataclasses

    from stackyard.check.model import Finding, Result

    rule = next(f.rule for f in scenario.findings if f.rule.name == "customer-managed-key")
    urn = "urn:pulumi:dev::sample::aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration::"
    sse = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
    undecided = [
        Finding(rule, f"{urn}sse-{i}", sse, Result.INDETERMINATE, "the key is unknown") for i in range(7)
    ]
    other = Finding(rule, f"{urn}sse-x", sse, Result.INDETERMINATE, "the bucket is unknown")
    run = dataclasses.replace(
        scenario,
        findings=[f for f in scenario.findings if f.result is not Result.INDETERMINATE] + undecided + [other],
    )
    report = text.render(run)
    assert (
        f"INDETERMINATE customer-managed-key [{rule.enforcement.value}] 7 resources ({sse})\n"
        "              the key is unknown\n"
        "              - sse-0\n              - sse-1\n              - sse-2\n              - sse-3\n              - sse-4\n"
        "              and 2 more\n"
    ) in report
    assert f"INDETERMINATE customer-managed-key [{rule.enforcement.value}] sse-x ({sse})\n" in report
