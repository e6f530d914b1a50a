from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from stackyard.commands.rules import command, rules
from stackyard.errors import UserError
from stackyard.policies.catalog import all_rules


def test_json_lists_every_rule_with_frameworks_and_peers() -> None:
    document = json.loads(rules("json"))
    assert document["count"] == len(all_rules())
    enc = next(r for r in document["rules"] if r["id"] == "SY-ENC-001")
    assert enc["severity"] == "high" and enc["enforcement"] == "mandatory" and enc["kind"] == "stack"
    assert enc["frameworks"]["nist-800-53"] == ["SC-28", "SC-28(1)", "SC-12"]
    assert enc["peers"]["checkov"] == ["CKV_AWS_145"]


def test_markdown_has_a_row_per_rule() -> None:
    text = rules("md")
    rows = [line for line in text.splitlines() if line.startswith("| `SY-")]
    assert len(rows) == len(all_rules())
    assert "| `SY-NET-005` | no-world-open-ingress | critical | mandatory |" in text


def test_text_is_a_table() -> None:
    text = rules("text")
    assert "SY-TAG-001" in text and "required-tags" in text and "CKV_AWS_145" in text


def test_unknown_format_is_a_user_error() -> None:
    with pytest.raises(UserError, match="unknown format 'yaml'"):
        rules("yaml")


def test_command_runs_under_typer() -> None:
    app = typer.Typer()
    app.command()(command)
    result = CliRunner().invoke(app, ["--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["count"] == len(all_rules())
    assert "SY-RES-001" in CliRunner().invoke(app, []).output


def test_importing_the_command_stays_light() -> None:
    code = (
        "import sys, stackyard.commands.rules; print('pulumi_policy' in sys.modules, 'pulumi' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_piped_rules_print_one_unbroken_line_per_rule() -> None:
    """Piped (no terminal), the table is not wrapped to 80 columns: every rule is one line, with its
    whole name, frameworks and peers."""
    completed = subprocess.run(
        [str(Path(sys.executable).with_name("stackyard")), "rules"],
        capture_output=True,
        text=True,
        check=True,
    )
    lines = completed.stdout.splitlines()
    catalog = all_rules()
    assert lines[0] == f"stackyard policy catalog ({len(catalog)} rules)"
    assert lines[1].split() == ["ID", "Severity", "Default", "Kind", "Name", "Frameworks", "Peers"]
    assert len(lines) == 2 + len(catalog)
    for line, rule in zip(lines[2:], catalog, strict=True):
        assert line.split()[:5] == [rule.id, rule.severity, rule.enforcement, rule.kind, rule.name]
    cost = next(line for line in lines if line.startswith("SY-COST-001 "))
    assert "allowed-gpu-families" in cost and "NIST: CM-7, SA-2, SC-6; ISO: A.8.6" in cost
    enc = next(line for line in lines if line.startswith("SY-ENC-001 "))
    assert "Checkov: CKV_AWS_145" in enc
