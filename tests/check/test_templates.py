"""`stackyard check` of a plan with templates: rules decide documents built from unknowns, and every
report says which results rest on a template."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from stackyard.cli import main

PROGRAM = Path(__file__).parents[1] / "plan" / "programs" / "templates"
BUCKET = "${aws:s3/bucket:Bucket::data.arn}"
KEY = "${aws:kms/key:Key::key.arn}"


def _urn(type_: str, name: str) -> str:
    return f"urn:pulumi:dev::templates::{type_}::{name}"


@pytest.fixture(scope="module")
def evidence(tmp_path_factory: pytest.TempPathFactory) -> dict:
    work = tmp_path_factory.mktemp("check-templates")
    project = Path(shutil.copytree(PROGRAM, work / "templates"))
    (project / "Pulumi.dev.yaml").write_text(
        'config:\n  aws:region: eu-west-1\n  stackyard:accountId: "111122223333"\n'
        "  templates:token:\n    secure: AAABAKs=\n"
    )
    assert main(["plan", str(project), "-q", "--out", str(work / "plan.json")]) == 0
    main(["check", str(work / "plan.json"), "--format", "json", "--out-dir", str(work / "reports")])
    return json.loads((work / "reports" / "stackyard-check.json").read_text())


def _result(evidence: dict, rule: str, urn: str) -> dict:
    (found,) = [r for r in evidence["results"] if r["rule"] == rule and r["urn"] == urn]
    return found


def test_every_action_on_a_placeholder_arn_fails_on_the_template(evidence: dict) -> None:
    result = _result(evidence, "SY-IAM-004", _urn("aws:iam/policy:Policy", "everything"))
    assert result["result"] == "fail"
    assert result["decidedOn"] == "template"
    assert result["message"] == f"allows every action ('Action': '*') (decided on a template: {BUCKET})"


def test_a_scoped_policy_on_placeholder_arns_passes_on_the_template(evidence: dict) -> None:
    for rule in ("SY-IAM-003", "SY-IAM-004"):
        result = _result(evidence, rule, _urn("aws:iam/policy:Policy", "scoped"))
        assert (result["result"], result["decidedOn"]) == ("pass", "template")
        assert result["message"] == f"decided on a template: {KEY}, {BUCKET}"


def test_a_rule_that_read_no_template_decided_on_the_value(evidence: dict) -> None:
    result = _result(evidence, "SY-TAG-001", _urn("aws:iam/policy:Policy", "scoped"))
    assert (result["result"], result["decidedOn"]) == ("fail", "value")


def test_a_rule_that_needs_the_value_itself_stays_indeterminate_and_says_why(evidence: dict) -> None:
    undecided = [
        (r["rule"], r["urn"], r["message"]) for r in evidence["results"] if r["result"] == "indeterminate"
    ]
    assert undecided == [
        (
            "SY-ENC-011",
            _urn("aws:sns/topic:Topic", "by-alias"),
            "string value at .kmsMasterKeyId can't be known during preview: it is "
            "${aws:kms/alias:Alias::key-alias.arn}, known only once the resources it names exist",
        )
    ]


def test_the_evidence_lists_each_template_used(evidence: dict) -> None:
    used = {(r["urn"], r["path"]): r for r in evidence["resolved"] if r["kind"] == "template"}
    everything = used[(_urn("aws:iam/policy:Policy", "everything"), "policy")]
    assert json.loads(everything["placeholder"])["Statement"][0]["Resource"] == BUCKET
    assert set(used) == {
        (_urn("aws:iam/policy:Policy", name), "policy") for name in ("everything", "scoped", "lister")
    }


def test_the_text_report_counts_the_results_decided_on_templates(tmp_path: Path, evidence: dict) -> None:
    plan = Path(evidence["input"]["source"])
    main(["check", str(plan), "--format", "text", "--out-dir", str(tmp_path)])
    text = (tmp_path / "stackyard-check.txt").read_text()
    assert (
        "templates: 6 results decided on a template (5 passed, 1 failed): documents built from values unknown "
        "at preview, each unknown a placeholder for the stack's resource it comes from"
    ) in text
