"""The plan document: what `pulumi preview --json` prints, plus stackyard's metadata.

Tools that read preview JSON (infracost, KICS, `stackyard check`) read a plan unchanged. The
shape: `config`, `steps` (one `op: create` step per resource, its `newState` a ResourceV3),
`changeSummary`, and one extra top-level key, `stackyard`, with the plan's own metadata.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stackyard import __version__
from stackyard.errors import UserError
from stackyard.files import write_text_atomically
from stackyard.plan import PLAN_VERSION
from stackyard.plan.project import StackConfig
from stackyard.plan.wire import SECRET, UNKNOWN

if TYPE_CHECKING:
    from stackyard.plan.monitor import Registration

PROVIDER_TYPE_PREFIX = "pulumi:providers:"


def _config_value(raw: str) -> Any:
    # Structured config reaches the SDK as JSON text; show it structured, as the CLI does.
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _public_config(config: StackConfig) -> dict[str, Any]:
    return {
        key: SECRET if key in config.secret_keys else _config_value(value)
        for key, value in sorted(config.values.items())
    }


def _package(type_token: str) -> str:
    return type_token.split(":", 1)[0]


def default_provider_urn(project: str, stack: str, package: str, version: str) -> str:
    suffix = version.replace(".", "_") if version else "unversioned"
    return f"urn:pulumi:{stack}::{project}::pulumi:providers:{package}::default_{suffix}"


def _provider_inputs(package: str, config: StackConfig, version: str) -> dict[str, Any]:
    """A default provider's inputs are its package's config keys (`aws:region`, ...)."""
    inputs: dict[str, Any] = {}
    prefix = f"{package}:"
    for key, value in sorted(config.values.items()):
        if key.startswith(prefix):
            inputs[key[len(prefix) :]] = SECRET if key in config.secret_keys else _config_value(value)
    if version:
        inputs["version"] = version
    return inputs


def _new_state(registration: Registration, provider: str) -> dict[str, Any]:
    state: dict[str, Any] = {
        "urn": registration.urn,
        "custom": registration.custom,
        "type": registration.type,
    }
    if registration.inputs or registration.custom:
        state["inputs"] = registration.inputs
    if registration.parent:
        state["parent"] = registration.parent
    if provider:
        state["provider"] = provider
    if registration.dependencies:
        state["dependencies"] = registration.dependencies
    if registration.property_dependencies:
        state["propertyDependencies"] = registration.property_dependencies
    if registration.protect:
        state["protect"] = True
    if registration.retain_on_delete:
        state["retainOnDelete"] = True
    if registration.ignore_changes:
        state["ignoreChanges"] = registration.ignore_changes
    return state


def _parents_first(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A deterministic order, whatever order the program's async registrations finished in:
    the stack, then providers, then a depth-first walk of the parent tree with siblings by URN."""
    children: dict[str, list[dict[str, Any]]] = {}
    roots: list[dict[str, Any]] = []
    urns = {step["urn"] for step in steps}
    for step in steps:
        parent = step["newState"].get("parent", "")
        if parent and parent in urns:
            children.setdefault(parent, []).append(step)
        else:
            roots.append(step)

    def rank(step: dict[str, Any]) -> tuple[int, str]:
        kind = step["newState"]["type"]
        return (
            0 if kind == "pulumi:pulumi:Stack" else 1 if kind.startswith(PROVIDER_TYPE_PREFIX) else 2,
            step["urn"],
        )

    ordered: list[dict[str, Any]] = []
    pending = sorted(roots, key=rank, reverse=True)
    while pending:
        step = pending.pop()
        ordered.append(step)
        pending.extend(sorted(children.get(step["urn"], []), key=rank, reverse=True))
    return ordered


def build_document(
    registrations: list[Registration],
    *,
    project: str,
    stack: str,
    config: StackConfig,
    generated_at: datetime | None = None,
) -> dict[str, Any]:
    steps: list[dict[str, Any]] = []
    providers: dict[str, dict[str, Any]] = {}
    secrets: dict[str, list[str]] = {}
    delete_before_replace: list[str] = []

    def add_step(state: dict[str, Any], provider: str) -> None:
        step: dict[str, Any] = {"op": "create", "urn": state["urn"]}
        if provider:
            step["provider"] = provider
        step["newState"] = state
        steps.append(step)

    for registration in registrations:
        provider = registration.provider
        package = _package(registration.type)
        if registration.type.startswith(PROVIDER_TYPE_PREFIX):
            package = registration.type[len(PROVIDER_TYPE_PREFIX) :]
            providers[f"{registration.urn}::{UNKNOWN}"] = {
                "urn": registration.urn,
                "package": package,
                "default": False,
                "region": registration.inputs.get("region"),
            }
        elif registration.custom and not provider and package != "pulumi":
            # The engine, not the SDK, creates default providers; a preview references them
            # by URN and an id that is unknown until they exist.
            urn = default_provider_urn(project, stack, package, registration.version)
            provider = f"{urn}::{UNKNOWN}"
            if provider not in providers:
                inputs = _provider_inputs(package, config, registration.version)
                providers[provider] = {
                    "urn": urn,
                    "package": package,
                    "default": True,
                    "region": inputs.get("region"),
                }
                add_step(
                    {
                        "urn": urn,
                        "custom": True,
                        "type": f"{PROVIDER_TYPE_PREFIX}{package}",
                        "inputs": inputs,
                    },
                    "",
                )
        if registration.secret_paths:
            secrets[registration.urn] = registration.secret_paths
        if registration.delete_before_replace:
            delete_before_replace.append(registration.urn)
        add_step(
            _new_state(registration, provider if registration.custom else ""),
            provider if registration.custom else "",
        )

    steps = _parents_first(steps)
    counts = Counter(step["newState"]["type"] for step in steps)
    return {
        "config": _public_config(config),
        "steps": steps,
        "changeSummary": {"create": len(steps)},
        "stackyard": {
            "planVersion": PLAN_VERSION,
            "generator": f"stackyard {__version__}",
            "project": project,
            "stack": stack,
            "generatedAt": (generated_at or datetime.now(UTC)).isoformat(timespec="seconds"),
            "providers": providers,
            "secrets": secrets,
            "unreadableConfig": sorted(config.encrypted_keys),
            "deleteBeforeReplace": delete_before_replace,
            "resourceCounts": dict(sorted(counts.items())),
        },
    }


def resources_of(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The `newState` of every step that creates or keeps a resource, in order."""
    return [
        step["newState"]
        for step in document.get("steps", [])
        if step.get("op") != "delete" and "newState" in step
    ]


def load_document(path: Path) -> dict[str, Any]:
    """A plan file (or any `pulumi preview --json` document), or a `UserError` saying what is wrong."""
    from stackyard.document_shapes import check_document_shape
    from stackyard.input_files import PULUMI_DOCUMENT, load_json

    document = load_json(path, PULUMI_DOCUMENT)
    if not isinstance(document, dict) or not isinstance(document.get("steps"), list):
        raise UserError(
            f"{path}: not a plan: expected a JSON object with a 'steps' list (pulumi preview --json)"
        )
    for index, step in enumerate(document["steps"]):
        if not isinstance(step, dict) or not isinstance(step.get("urn"), str):
            raise UserError(f"{path}: steps[{index}] has no 'urn'")
    check_document_shape(document, str(path))
    return document


def write_document(document: dict[str, Any], path: Path) -> None:
    write_text_atomically(path, json.dumps(document, indent=2) + "\n")
