"""Reports of a `stackyard check` run: text, JSON evidence, SARIF, JUnit XML, Markdown and HTML.

Every renderer takes a `CheckRun` and returns the document as a string. No renderer reads an
input value: what reports show comes from rule metadata, URNs, types and the packs' messages (which
never see a secret's value, see `stackyard.check.inputs`). Files are written atomically.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from stackyard.files import write_text_atomically

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


def write_reports(run: CheckRun, formats: Iterable[str], out_dir: Path) -> list[Path]:
    """Write one file per format into `out_dir`; return their paths."""
    renderers = _renderers()
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name in dict.fromkeys(formats):
        filename, render = renderers[name]
        written.append(write_text_atomically(out_dir / filename, render(run)))
    return written
