"""The reference docs in `docs/` are what the code says now, and the generators cover everything."""

from __future__ import annotations

from pathlib import Path

import pytest

from stackyard.cli import command_tree, main
from stackyard.docsgen import REGENERATE, generate, stale_docs
from stackyard.docsgen.spec import anchor, constraints_of, display_name, render_spec_reference, type_of
from stackyard.errors import ExitCode
from stackyard.policies.catalog import all_rules
from stackyard.spec.schema import stack_spec_schema

DOCS = Path(__file__).resolve().parents[2] / "docs"
CLI = command_tree()


@pytest.fixture(scope="module")
def pages() -> dict[str, str]:
    return generate(CLI)


def test_committed_docs_are_up_to_date(pages: dict[str, str]) -> None:
    for relative, text in pages.items():
        path = DOCS / relative
        assert path.is_file(), f"docs/{relative} is missing: run `{REGENERATE}`"
        assert path.read_text(encoding="utf-8") == text, f"docs/{relative} is out of date: run `{REGENERATE}`"


def test_generation_is_deterministic(pages: dict[str, str]) -> None:
    assert generate(CLI) == pages


def test_docs_check_fails_on_stale_pages_and_names_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["docs", "--out", str(tmp_path)]) == 0
    assert main(["docs", "--out", str(tmp_path), "--check"]) == 0
    (tmp_path / "reference" / "cli.md").write_text("old\n")
    capsys.readouterr()
    assert main(["docs", "--out", str(tmp_path), "--check"]) == ExitCode.STALE_DOCS == 3
    err = capsys.readouterr().err
    assert f"out of date: {tmp_path / 'reference' / 'cli.md'}" in err
    assert REGENERATE in err
    assert stale_docs(tmp_path, CLI) == [tmp_path / "reference" / "cli.md"]


def test_spec_reference_documents_every_field_of_every_section(pages: dict[str, str]) -> None:
    schema = stack_spec_schema()
    text = pages["reference/spec.md"]
    sections = {"StackSpec": schema, **schema["$defs"]}
    for name, node in sections.items():
        heading = f"## {display_name(name)}\n"
        assert heading in text, f"no section for {name}"
        body = text.split(heading, 1)[1].split("\n## ", 1)[0]
        for field, prop in node.get("properties", {}).items():
            row = next((line for line in body.splitlines() if line.startswith(f"| `{field}` |")), None)
            assert row is not None, f"{name}.{field} is not documented"
            assert " ".join(prop.get("description", "").split()).replace("|", "\\|") in row


def test_spec_reference_rendering() -> None:
    schema = {
        "description": "Root.",
        "properties": {
            "mode": {"enum": ["a", "b"], "default": "a", "description": "Pick one."},
            "size": {"type": "integer", "minimum": 1, "maximum": 9, "description": "How big."},
            "child": {
                "anyOf": [{"$ref": "#/$defs/pkg__components__serving__spec__Child"}, {"type": "null"}],
                "default": None,
            },
            "tags": {"type": "object", "additionalProperties": {"type": "string"}},
        },
        "required": ["size"],
        "$defs": {"pkg__components__serving__spec__Child": {"description": "A child.", "properties": {}}},
    }
    text = render_spec_reference(schema)
    assert '| `mode` | `"a"` \\| `"b"` | `"a"` | Pick one. |' in text
    assert "| `size` | integer | required | How big. (>= 1; <= 9) |" in text
    assert "| `child` | [Child (serving)](#child-serving) or null | `null` |  |" in text
    assert "| `tags` | map of string to string | optional |  |" in text
    assert "## Child (serving)\n\nA child.\n" in text
    assert (
        display_name("Plain") == "Plain"
        and anchor("pkg__components__serving__spec__Child") == "child-serving"
    )
    assert type_of({"type": "array", "items": {"type": "string"}}) == "list of string"
    assert constraints_of({"type": "array", "minItems": 1, "items": {"minLength": 2}}) == [
        ">= 1 items",
        "each length >= 2",
    ]


def test_policy_catalog_has_every_rule_with_its_metadata(pages: dict[str, str]) -> None:
    text = pages["reference/policies.md"]
    for rule in all_rules():
        meta = rule.as_dict()
        heading = f"### {meta['id']}: {meta['name']}\n"
        assert heading in text, f"{meta['id']} is not in the catalog"
        body = text.split(heading, 1)[1].split("\n### ", 1)[0]
        assert f"Severity: {meta['severity']}; default enforcement: {meta['enforcement']}" in body
        assert " ".join(meta["remediation"].split()) in body
        for controls in meta["frameworks"].values():
            for control in controls:
                assert control in body
        for checks in meta["peers"].values():
            for check in checks:
                assert check in body
        for setting in meta["settings"]:
            assert f"`{setting}`" in body


def test_cli_reference_has_every_command(pages: dict[str, str]) -> None:
    text = pages["reference/cli.md"]
    for command in (
        "plan",
        "validate",
        "schema",
        "diff",
        "check",
        "rules",
        "init",
        "docs",
        "verify",
        "verify tracking",
    ):
        assert f"## `stackyard {command}`\n" in text
    assert "Usage: stackyard init [OPTIONS] {DIR}" in text


def test_concepts_page_covers_the_concepts() -> None:
    text = (DOCS / "concepts.md").read_text(encoding="utf-8")
    for heading in (
        "## The spec",
        "## Components",
        "## The plan",
        "## Policies",
        "## Waivers",
        "## Reports",
        "## Exit codes",
    ):
        assert heading in text


def test_the_docs_generators_never_import_the_cli() -> None:
    """No import circle: the CLI calls the docs generators, which are handed the command tree."""
    import subprocess
    import sys

    code = "import sys, stackyard.docsgen, stackyard.docsgen.cli, stackyard.docsgen.spec; print('stackyard.cli' in sys.modules, 'stackyard.commands.schema' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
