"""A self-contained HTML report for auditors (inline CSS, no script, no external asset): the
summary, results by framework and control, the failures, the evidence matrix and the waivers.

The matrix lists every result except `not_applicable`, which is counted per rule instead: with
thousands of resources, the inapplicable pairs would bury the evidence an auditor reads.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from stackyard.check.evaluate import CheckRun
from stackyard.check.model import Result
from stackyard.reports.summary import notable, resource_name, status_line, templates_line


@dataclass
class ControlRow:
    framework: str
    control: str
    rules: list[str] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)


def _controls(run: CheckRun) -> list[ControlRow]:
    rows: dict[tuple[str, str], ControlRow] = {}
    per_rule: dict[tuple[str, str], Counter[str]] = {}
    for f in run.findings:
        per_rule.setdefault((f.rule.pack, f.rule.name), Counter())[f.result.value] += 1
    for pack in run.packs:
        for rule in pack.rules:
            for framework in rule.frameworks or ():
                row = rows.setdefault(
                    (framework.name, framework.control), ControlRow(framework.name, framework.control)
                )
                row.rules.append(rule.name)
                row.counts.update(per_rule.get((pack.name, rule.name), Counter()))
    return sorted(rows.values(), key=lambda r: (r.framework, r.control))


def render(run: CheckRun) -> str:
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("stackyard.reports", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    blocking = {id(f) for f in run.blocking()}
    not_applicable = Counter(f.rule.name for f in run.findings if f.result is Result.NOT_APPLICABLE)
    return environment.get_template("report.html.j2").render(
        run=run,
        checked=run.input,
        counts=run.counts(),
        status=status_line(run),
        templates=templates_line(run),
        failed=bool(blocking),
        is_blocking=lambda finding: id(finding) in blocking,
        notable=notable(run),
        controls=_controls(run),
        matrix=[f for f in run.findings if f.result is not Result.NOT_APPLICABLE],
        not_applicable=not_applicable,
        name=resource_name,
    )
