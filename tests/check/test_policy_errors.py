"""A policy that raises costs only its own results (the `error` result, in every report), provider
defaults packs read are filled in a plan, and remote components the policies cannot see are
reported, and fail under --strict unless waived."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from stackyard.check.defaults import COMMONLY_READ, documented_default
from stackyard.cli import main
from stackyard.plan import plan_project
from stackyard.plan.document import write_document

PROGRAMS = Path(__file__).resolve().parents[1] / "plan" / "programs"
RAISING_PACK = Path(__file__).parent / "fixtures" / "raising_pack"
FORMATS = [arg for name in ("json", "sarif", "junit", "md", "html") for arg in ("--format", name)]


def plan_of(tmp_path: Path, name: str) -> Path:
    directory = Path(shutil.copytree(PROGRAMS / name, tmp_path / name))
    path = tmp_path / f"{name}.json"
    write_document(plan_project(directory), path)
    return path


@pytest.fixture
def checked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, Path]:
    plan = plan_of(tmp_path, "public-access")
    out = tmp_path / "reports"
    code = main(["check", str(plan), "--pack", str(RAISING_PACK), *FORMATS, "--out-dir", str(out)])
    return code, capsys.readouterr().out, out


def test_a_raising_policy_is_an_error_of_that_rule_alone_and_exits_1(checked: tuple[int, str, Path]) -> None:
    code, text, out = checked
    assert code == 1
    evidence = json.loads((out / "stackyard-check.json").read_text())
    results = {
        (r["rule"], r["urn"].rsplit("::", 1)[-1]): (r["result"], r["message"]) for r in evidence["results"]
    }
    error, message = results[("bucket-owner", "site")]
    assert error == "error"
    assert message == (f"the policy raised KeyError: 'tags' at {RAISING_PACK / '__main__.py'}:22")
    # The other rules of the same request kept their results.
    assert results[("bucket-versioned", "site")] == ("fail", "the bucket is not versioned")
    # The defaults the provider fills in a real preview are there: the two left out are false.
    assert results[("public-access-blocked", "site-block")] == (
        "fail",
        "the bucket's public access block lets public policies through",
    )
    assert evidence["summary"]["error"] == 1
    assert "ERROR         bucket-owner [advisory] site (aws:s3/bucket:Bucket)" in text
    assert "FAILED: 1 policy error (a policy raised)" in text


def test_the_error_is_in_every_report_format(checked: tuple[int, str, Path]) -> None:
    _, _, out = checked
    sarif = json.loads((out / "stackyard-check.sarif").read_text())
    invocation = sarif["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    [notification] = invocation["toolExecutionNotifications"]
    assert notification["level"] == "error"
    assert notification["descriptor"]["id"] == "bucket-owner"
    assert "the policy raised KeyError: 'tags'" in notification["message"]["text"]
    assert all(r["ruleId"] != "bucket-owner" for r in sarif["runs"][0]["results"])

    suites = ET.fromstring((out / "stackyard-check.junit.xml").read_text())
    assert suites.get("errors") == "1"
    [error] = suites.iter("error")
    assert error.get("type") == "policy-error"
    assert error.get("message", "").startswith("the policy raised KeyError: 'tags'")

    markdown = (out / "stackyard-check.md").read_text()
    assert "| Pass | Fail | Error | Indeterminate | Waived | Not applicable |" in markdown
    assert "the policy raised KeyError" in markdown
    html = (out / "stackyard-check.html").read_text()
    assert '<td class="num error">1</td>' in html


def test_every_commonly_read_default_comes_from_pulumi_aws_documentation() -> None:
    for type_token, properties in COMMONLY_READ.items():
        for prop in properties:
            assert documented_default(type_token, prop) is False, (type_token, prop)


def test_remote_components_are_reported_and_fail_only_under_strict_unless_waived(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = plan_of(tmp_path, "remote-component")
    vpc = "urn:pulumi:dev::remote-component::awsx:ec2:Vpc::main"
    out = tmp_path / "reports"
    assert (
        main(["check", str(plan), "--pack", str(RAISING_PACK), "--format", "json", "--out-dir", str(out)])
        == 0
    )
    text = capsys.readouterr().out
    assert f"coverage: 1 remote component whose contents are not visible offline: {vpc}" in text
    evidence = json.loads((out / "stackyard-check.json").read_text())
    assert evidence["coverage"] == {
        "remoteComponents": [{"urn": vpc, "type": "awsx:ec2:Vpc", "package": "awsx"}]
    }

    assert main(["check", str(plan), "--pack", str(RAISING_PACK), "--strict"]) == 1
    text = capsys.readouterr().out
    assert "FAIL          remote-component-not-visible [mandatory] main (awsx:ec2:Vpc)" in text

    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(
        "waivers:\n"
        "  - rule: remote-component-not-visible\n"
        f'    resources: "{vpc}"\n'
        '    reason: "awsx\'s VPC is checked in pulumi preview --json in CI"\n'
        "    approver: jane.doe@example.com\n"
        "    ticket: PLAT-7\n"
        "    expires: 2099-01-01\n"
    )
    assert main(["check", str(plan), "--pack", str(RAISING_PACK), "--strict", "--waivers", str(waivers)]) == 0
