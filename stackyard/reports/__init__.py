"""Reports of a `stackyard check` run: text, JSON evidence, SARIF, JUnit XML, Markdown and HTML.

Every renderer takes a `CheckRun` and returns the document as a string. No renderer reads an
input value: what reports show comes from rule metadata, URNs, types and the packs' messages (which
never see a secret's value, see `stackyard.check.inputs`). The files of a run are written as one set.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from stackyard.outputs import write_report_set

if TYPE_CHECKING:  # `FORMATS` is read by the CLI without loading the check machinery
    from stackyard.check.evaluate import CheckRun


def _renderers() -> dict[str, tuple[str, Callable[[CheckRun], str]]]:
    from stackyard.reports import evidence, html, junit, markdown, sarif, text

    return {
        "text": ("stackyard-check.txt", text.render),
        "json": ("stackyard-check.json", evidence.render),
        "sarif": ("stackyard-check.sarif", sarif.render),
        "junit": ("stackyard-check.junit.xml", junit.render),
        "md": ("stackyard-check.md", markdown.render),
        "html": ("stackyard-check.html", html.render),
    }


FORMATS = ("text", "json", "sarif", "junit", "md", "html")


def report_files(formats: Iterable[str]) -> list[str]:
    """The file names the reports of `formats` are written to."""
    renderers = _renderers()
    return [renderers[name][0] for name in dict.fromkeys(formats)]


def write_reports(run: CheckRun, formats: Iterable[str], out_dir: Path, *, force: bool = False) -> list[Path]:
    """Write one file per format into `out_dir`, as one set (`stackyard.outputs.write_report_set`):
    all of them or none, replacing only reports stackyard wrote unless `force`. Returns their paths."""
    renderers = _renderers()
    files = {renderers[name][0]: renderers[name][1](run) for name in dict.fromkeys(formats)}
    return write_report_set(out_dir, files, force) if files else []
