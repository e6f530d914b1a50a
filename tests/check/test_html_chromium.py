"""The HTML report as an auditor sees it: rendered by headless Chromium (Debian's `chromium`)."""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from stackyard.check.evaluate import CheckRun
from stackyard.reports import html

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


class _Tables(HTMLParser):
    """The text of each table row, per table id, and the text of elements with an id."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.by_id: dict[str, str] = {}
        self._table: str | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._id_stack: list[tuple[str, str, list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "table":
            self._table = attributes.get("id") or ""
            self.tables[self._table] = []
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")
        if attributes.get("id") and tag != "table":
            self._id_stack.append((tag, attributes["id"] or "", []))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._row is not None and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._table is not None and self._row is not None:
            self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None
        if self._id_stack and self._id_stack[-1][0] == tag:
            _, element_id, parts = self._id_stack.pop()
            self.by_id[element_id] = " ".join("".join(parts).split())

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        for _, _, parts in self._id_stack:
            parts.append(data)


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install -y chromium)")
def test_chromium_shows_the_report(scenario: CheckRun, tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text(html.render(scenario))
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page.read_text())  # self-contained
    completed = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    dom = _Tables()
    dom.feed(completed.stdout)
    assert dom.by_id["verdict"] == "FAILED: 1 mandatory failure"
    assert dom.tables["counts"] == [
        ["Pass", "Fail", "Error", "Indeterminate", "Waived", "Not applicable"],
        ["26", "2", "0", "2", "1", "30"],
    ]
    controls = {(row[0], row[1]): row[2:] for row in dom.tables["controls"][1:]}
    assert controls[("NIST-800-53", "AC-6")] == ["SY-IAM-900", "1", "0", "1", "0"]
    assert ("ISO-27001", "A.9.2.3") in controls
    findings = dom.tables["findings"][1:]
    assert findings[0][:4] == [
        "fail (blocking)",
        "no-public-buckets",
        "mandatory",
        "public aws:s3/bucket:Bucket",
    ]
    assert len(dom.tables["matrix"]) - 1 == len(scenario.findings) - scenario.counts()["not_applicable"]
    waivers = {row[0]: row for row in dom.tables["waivers"][1:]}
    assert waivers["W1"][1] == "active"
    assert waivers["W2"][1] == "expired"
    assert waivers["W3"][1:3] == ["unused", "customer-managed-key"]
    assert waivers["W1"][4:8] == [
        "Legacy public bucket, migration in PLAT-123",
        "jane.doe@example.com",
        "PLAT-123",
        "2026-12-31",
    ]
