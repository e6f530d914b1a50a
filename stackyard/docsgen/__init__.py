"""Reference docs generated from the code: the spec (from the JSON Schema), the policy catalog
(from the rules' metadata), the CLI (from its help) and the CI workflows (from `init`'s templates). `stackyard docs --out docs` writes them;
`stackyard docs --check` (and a test) fails when the committed copies are out of date.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

Command = Any
"""The CLI's root command (typer's own click), documented by `cli_reference`."""

REGENERATE = "stackyard docs --out docs"


def _generators(cli: Command) -> dict[str, Callable[[], str]]:
    from stackyard.docsgen.ci import ci_reference
    from stackyard.docsgen.cli import cli_reference
    from stackyard.docsgen.policies import policy_catalog
    from stackyard.docsgen.spec import spec_reference

    return {
        "reference/spec.md": spec_reference,
        "reference/policies.md": policy_catalog,
        "reference/cli.md": lambda: cli_reference(cli),
        "ci.md": ci_reference,
    }


def generate(cli: Command) -> dict[str, str]:
    """Each generated page by its path relative to the docs directory; `cli` is the root command
    (`stackyard docs` passes its own, so this package never imports the CLI)."""
    return {path: render() for path, render in _generators(cli).items()}


def write_docs(out_dir: Path, cli: Command) -> list[Path]:
    from stackyard.files import write_text_atomically

    written = []
    for relative, text in generate(cli).items():
        path = out_dir / relative
        write_text_atomically(path, text)
        written.append(path)
    return written


def stale_docs(out_dir: Path, cli: Command) -> list[Path]:
    """The generated pages under `out_dir` that are missing or differ from what the code says now."""
    stale = []
    for relative, text in generate(cli).items():
        path = out_dir / relative
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            stale.append(path)
    return stale
