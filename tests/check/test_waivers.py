"""The waiver file: validation with line numbers, expiry, and what a waiver matches."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from stackyard.check.model import Enforcement, Finding, Result, Rule
from stackyard.check.waivers import WaiverState, apply_waivers, load_waivers
from stackyard.errors import UserError

GOOD = """\
waivers:
  - rule: SY-ENC-001
    resources: "urn:pulumi:prod::ml::*aws:s3/bucket:Bucket::legacy-*"
    reason: "Legacy bucket, migration in PLAT-123"
    approver: "jane.doe@example.com"
    ticket: "PLAT-123"
    expires: 2026-12-31
"""
RULE = Rule("SY-ENC-001", "stackyard", "Buckets use KMS.", Enforcement.MANDATORY, "resource")
LEGACY = "urn:pulumi:prod::ml::stackyard:data:Store$aws:s3/bucket:Bucket::legacy-logs"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "waivers.yaml"
    path.write_text(text)
    return path


def finding(urn: str, result: Result = Result.FAIL, rule: Rule = RULE) -> Finding:
    return Finding(rule, urn, "aws:s3/bucket:Bucket", result, "not encrypted with KMS")


def test_a_good_file_loads(tmp_path: Path) -> None:
    [waiver] = load_waivers(write(tmp_path, GOOD))
    assert waiver.rule == "SY-ENC-001"
    assert waiver.expires == dt.date(2026, 12, 31)


def test_an_empty_file_has_no_waivers(tmp_path: Path) -> None:
    assert load_waivers(write(tmp_path, "")) == []
    assert load_waivers(None) == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (GOOD.replace('    ticket: "PLAT-123"\n', ""), ":2: waivers[0].ticket: Field required"),
        (
            GOOD.replace("2026-12-31", "soon"),
            ":7: waivers[0].expires: must be a date written YYYY-MM-DD",
        ),
        (GOOD.replace("2026-12-31", "20261231"), ":7: waivers[0].expires: must be a date"),
        (GOOD + "    owner: me\n", ":8: waivers[0].owner: Extra inputs are not permitted"),
        (
            GOOD.replace('reason: "Legacy bucket, migration in PLAT-123"', 'reason: ""'),
            ":4: waivers[0].reason: String should have at least 1 character",
        ),
        (
            "waivers:\n  - rule: [unclosed\n",
            " (line 3, column 1): malformed YAML: did not find expected ',' or ']'",
        ),
        ("- just a list\n", ":1: (document): expected a mapping, got a list"),
        ("waiver: []\n", ":1: waiver: Extra inputs are not permitted"),
    ],
)
def test_malformed_files_name_the_line(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(UserError) as error:
        load_waivers(path)
    assert f"{path}{message}" in error.value.message


def test_a_waiver_waives_matching_failures_and_indeterminates(tmp_path: Path) -> None:
    waivers = load_waivers(write(tmp_path, GOOD))
    findings = [
        finding(LEGACY),
        finding(LEGACY.replace("legacy-logs", "legacy-raw"), Result.INDETERMINATE),
        finding(LEGACY.replace("legacy-logs", "features")),
        finding(LEGACY, rule=Rule("SY-TAG-001", "stackyard", "Tags.", Enforcement.MANDATORY, "resource")),
        finding(LEGACY.replace("legacy-logs", "legacy-ok"), Result.PASS),
    ]
    [status] = apply_waivers(findings, waivers, dt.date(2026, 12, 31))
    assert [f.result for f in findings] == [
        Result.WAIVED,
        Result.WAIVED,
        Result.FAIL,
        Result.FAIL,
        Result.PASS,
    ]
    assert [f.waiver for f in findings] == ["W1", "W1", "", "", ""]
    assert status.state is WaiverState.ACTIVE
    assert len(status.matched) == 2


def test_an_expired_waiver_no_longer_waives(tmp_path: Path) -> None:
    waivers = load_waivers(write(tmp_path, GOOD))
    findings = [finding(LEGACY)]
    [status] = apply_waivers(findings, waivers, dt.date(2027, 1, 1))
    assert findings[0].result is Result.FAIL
    assert findings[0].waiver == "W1"  # the report says which expired waiver would have covered it
    assert status.state is WaiverState.EXPIRED
    assert status.matched == [f"SY-ENC-001 {LEGACY}"]


def test_a_waiver_that_matches_nothing_is_unused(tmp_path: Path) -> None:
    waivers = load_waivers(write(tmp_path, GOOD))
    [status] = apply_waivers(
        [finding(LEGACY.replace("legacy-logs", "features"))], waivers, dt.date(2026, 1, 1)
    )
    assert status.state is WaiverState.UNUSED
    assert status.matched == []
