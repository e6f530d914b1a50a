"""SARIF 2.1.0 for GitHub code scanning.

- Rules carry their description, help (remediation) and a `security-severity` GitHub ranks by.
- A result is emitted for each failed, indeterminate or waived finding. Its level is `error` for a
  blocking finding, `warning` for an advisory failure, `note` for a non-blocking indeterminate.
- Fingerprints are stable across runs: a hash of the rule and the URN (`partialFingerprints`).
- Waived findings carry a suppression whose justification is the waiver's reason, approver, ticket
  and expiry; GitHub shows them as dismissed.
- Code scanning needs a physical location: the checked input file (a resource has no source line).
- A policy that raised is not a result about the resource but a failure of the tool on it: a
  `toolExecutionNotification` of level `error` (and `executionSuccessful` false). Remote components
  the policies could not see are notifications of level `warning`.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import stackyard
from stackyard.check.evaluate import CheckRun
from stackyard.check.model import Finding, Result, Rule
from stackyard.check.waivers import WaiverStatus
from stackyard.reports.summary import notable

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
_SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}
_SEVERITY_LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}


def fingerprint(rule: str, urn: str) -> str:
    return hashlib.sha256(f"{rule}\n{urn}".encode()).hexdigest()


def _artifact_uri(source: str) -> str:
    path = Path(source)
    if path.is_dir():
        path = path / "Pulumi.yaml"
    try:
        path = path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return path.resolve().as_uri()
    return path.as_posix()


def _rule(rule: Rule) -> dict[str, Any]:
    help_text = rule.remediation or rule.description
    properties: dict[str, Any] = {"tags": ["security", "compliance", rule.pack]}
    properties["tags"] += [f"{f.name}:{f.control}" for f in rule.frameworks]
    if rule.severity in _SECURITY_SEVERITY:
        properties["security-severity"] = _SECURITY_SEVERITY[rule.severity]
    level = _SEVERITY_LEVEL.get(
        rule.severity, "error" if rule.enforcement.value == "mandatory" else "warning"
    )
    entry: dict[str, Any] = {
        "id": rule.name,
        "name": rule.name,
        "shortDescription": {"text": rule.description or rule.name},
        "fullDescription": {"text": f"{rule.description} ({rule.enforcement.value}, pack {rule.pack})"},
        "help": {"text": help_text, "markdown": help_text},
        "defaultConfiguration": {"level": level},
        "properties": properties,
    }
    if rule.url:
        entry["helpUri"] = rule.url
    return entry


def _suppression(status: WaiverStatus) -> dict[str, Any]:
    w = status.waiver
    return {
        "kind": "external",
        "status": "accepted",
        "justification": f"{w.reason} (waiver {status.id}, ticket {w.ticket}, approved by {w.approver}, "
        f"expires {w.expires.isoformat()})",
        "properties": {
            "waiver": status.id,
            "ticket": w.ticket,
            "approver": w.approver,
            "expires": w.expires.isoformat(),
        },
    }


def _result(
    finding: Finding, index: int, uri: str, blocking: bool, waivers: dict[str, WaiverStatus]
) -> dict[str, Any]:
    if blocking:
        level = "error"
    elif finding.result is Result.INDETERMINATE:
        level = "note"
    else:
        level = "warning"
    kind = "indeterminate (unknown at preview)" if finding.result is Result.INDETERMINATE else "failed"
    text = f"{finding.rule.name} {kind} on {finding.urn}: {finding.message or finding.rule.description}"
    result: dict[str, Any] = {
        "ruleId": finding.rule.name,
        "ruleIndex": index,
        "level": level,
        "kind": "review" if finding.result is Result.INDETERMINATE else "fail",
        "message": {"text": text},
        "locations": [
            {
                "physicalLocation": {"artifactLocation": {"uri": uri}, "region": {"startLine": 1}},
                "logicalLocations": [{"fullyQualifiedName": finding.urn, "kind": "resource"}],
            }
        ],
        "partialFingerprints": {"stackyardRuleUrn/v1": fingerprint(finding.rule.name, finding.urn)},
        "properties": {
            "result": finding.result.value,
            "resourceType": finding.resource_type,
            "decidedOn": finding.decided_on,
        },
    }
    if finding.result is Result.WAIVED:
        result["kind"] = "fail"
        result["suppressions"] = [_suppression(waivers[finding.waiver])]
    return result


def document(run: CheckRun) -> dict[str, Any]:
    rules: list[Rule] = []
    index: dict[tuple[str, str], int] = {}
    for pack in run.packs:
        for rule in pack.rules:
            index[(pack.name, rule.name)] = len(rules)
            rules.append(rule)
    uri = _artifact_uri(run.input.source)
    blocking = {id(f) for f in run.blocking()}
    waivers = {s.id: s for s in run.waivers}
    shown = notable(run)
    results = [
        _result(f, index[(f.rule.pack, f.rule.name)], uri, id(f) in blocking, waivers)
        for f in shown
        if f.result is not Result.ERROR
    ]
    notifications = [
        _error_notification(f, index[(f.rule.pack, f.rule.name)], uri)
        for f in shown
        if f.result is Result.ERROR
    ]
    notifications += [
        {
            "level": "warning",
            "message": {
                "text": f"remote component {c.type} (package {c.package}) is not visible offline: "
                "no policy saw its contents"
            },
            "locations": [{"logicalLocations": [{"fullyQualifiedName": c.urn, "kind": "resource"}]}],
        }
        for c in run.input.opaque
    ]
    invocation: dict[str, Any] = {
        "executionSuccessful": not any(f.result is Result.ERROR for f in shown),
        "toolExecutionNotifications": notifications,
        "exitCode": int(run.exit_code),
        "startTimeUtc": run.started_at.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "properties": {"waivers": [_waiver_note(s) for s in run.waivers]},
    }
    sarif_run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "stackyard",
                "version": stackyard.__version__,
                "informationUri": "https://github.com/stackyard/stackyard",
                "rules": [_rule(r) for r in rules],
            }
        },
        "automationDetails": {"id": f"stackyard/{run.input.project}/{run.input.stack}/"},
        "invocations": [invocation],
        "results": results,
    }
    if run.git_commit:
        sarif_run["versionControlProvenance"] = [
            {"repositoryUri": Path(os.getcwd()).resolve().as_uri(), "revisionId": run.git_commit}
        ]
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [sarif_run]}


def _error_notification(finding: Finding, index: int, uri: str) -> dict[str, Any]:
    return {
        "level": "error",
        "message": {"text": f"{finding.rule.name} on {finding.urn}: {finding.message}"},
        "descriptor": {"id": finding.rule.name, "index": index},
        "locations": [
            {
                "physicalLocation": {"artifactLocation": {"uri": uri}, "region": {"startLine": 1}},
                "logicalLocations": [{"fullyQualifiedName": finding.urn, "kind": "resource"}],
            }
        ],
        "properties": {
            "result": finding.result.value,
            "resourceType": finding.resource_type,
            "decidedOn": finding.decided_on,
        },
    }


def _waiver_note(status: WaiverStatus) -> dict[str, Any]:
    w = status.waiver
    return {
        "id": status.id,
        "rule": w.rule,
        "resources": w.resources,
        "reason": w.reason,
        "approver": w.approver,
        "ticket": w.ticket,
        "expires": w.expires.isoformat(),
        "state": status.state.value,
        "matched": len(status.matched),
    }


def render(run: CheckRun) -> str:
    return json.dumps(document(run), indent=1) + "\n"
