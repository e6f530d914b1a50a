"""The JSON evidence matrix: every rule x subject with its result, and what the run rests on.

Its shape is `evidence.schema.json` (JSON Schema draft 2020-12) next to this module, versioned by
`schemaVersion`: a new optional field raises the minor version, anything else the major version.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import stackyard
from stackyard.check.evaluate import CheckRun
from stackyard.pulumi_documents import resolution_record

SCHEMA_VERSION = "2.1"
"""2.0: the `error` result (a policy that raised) and `coverage` (what the policies could not see).
2.1: each pack's `evaluation`: `engine` (its own process, as the Pulumi engine runs it) or
`in-process` (the stackyard catalog, evaluated in stackyard's process); `decidedOn` of a result, and
`kind` of a resolution (templates of a stackyard plan)."""
SCHEMA_PATH = Path(__file__).with_name("evidence.schema.json")


def document(run: CheckRun) -> dict[str, Any]:
    checked = run.input
    return {
        "schemaVersion": SCHEMA_VERSION,
        "tool": {"name": "stackyard", "version": stackyard.__version__},
        "generatedAt": run.started_at.isoformat(timespec="seconds"),
        "durationSeconds": round(run.duration_s, 3),
        "git": {"commit": run.git_commit},
        "input": {
            "kind": checked.kind,
            "source": checked.source,
            "sha256": checked.sha256,
            "project": checked.project,
            "stack": checked.stack,
            "resources": len(checked.resources),
        },
        "strict": run.strict,
        "exitCode": int(run.exit_code),
        "summary": run.counts(),
        "packs": [
            {
                "name": pack.name,
                "version": pack.version,
                "path": pack.path,
                "configSha256": pack.config_sha256,
                "evaluation": pack.evaluation,
                "rules": [
                    {
                        "name": rule.name,
                        "kind": rule.kind,
                        "description": rule.description,
                        "enforcement": rule.enforcement.value,
                        "severity": rule.severity,
                        "remediation": rule.remediation,
                        "url": rule.url,
                        "frameworks": [{"name": f.name, "control": f.control} for f in rule.frameworks],
                    }
                    for rule in pack.rules
                ],
            }
            for pack in run.packs
        ],
        "results": [
            {
                "pack": f.rule.pack,
                "rule": f.rule.name,
                "urn": f.urn,
                "type": f.resource_type,
                "result": f.result.value,
                "enforcement": f.rule.enforcement.value,
                "message": f.message,
                "waiver": f.waiver or None,
                "decidedOn": f.decided_on,
            }
            for f in run.findings
        ],
        "resolved": [
            resolution_record(resource.urn, r) for resource in checked.resources for r in resource.resolutions
        ],
        "coverage": {
            "remoteComponents": [{"urn": c.urn, "type": c.type, "package": c.package} for c in checked.opaque]
        },
        "waivers": [
            {
                "id": s.id,
                "rule": s.waiver.rule,
                "resources": s.waiver.resources,
                "reason": s.waiver.reason,
                "approver": s.waiver.approver,
                "ticket": s.waiver.ticket,
                "expires": s.waiver.expires.isoformat(),
                "state": s.state.value,
                "matched": s.matched,
            }
            for s in run.waivers
        ],
    }


def render(run: CheckRun) -> str:
    # Compact: the matrix of a large stack has a hundred thousand rows.
    return json.dumps(document(run), separators=(",", ":")) + "\n"
