"""The plan document: what `pulumi preview --json` prints, plus stackyard's metadata.

Tools that read preview JSON (infracost, KICS, `stackyard check`) read a plan unchanged. The
shape: `config`, `steps` (one `op: create` step per resource, its `newState` a ResourceV3),
`changeSummary`, and one extra top-level key, `stackyard`, with the plan's own metadata.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stackyard import __version__
from stackyard.files import write_text_atomically
from stackyard.plan import PLAN_VERSION
from stackyard.plan.project import StackConfig
from stackyard.plan.secrets import RunSecrets
from stackyard.pulumi_documents import PROVIDER_TYPE_PREFIX, STACK_TYPE, UNKNOWN
from stackyard.pulumi_documents import SECRET_PLACEHOLDER as SECRET

if TYPE_CHECKING:
    from stackyard.plan.invokes import InvokeCall
    from stackyard.plan.monitor import Registration


def _config_value(raw: str) -> Any:
    # Structured config reaches the SDK as JSON text; show it structured, as the CLI does.
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _public_config(config: StackConfig, secrets: RunSecrets) -> dict[str, Any]:
    return {
        key: SECRET if key in config.secret_keys else secrets.redact(_config_value(value))
        for key, value in sorted(config.values.items())
    }


def _package(type_token: str) -> str:
    return type_token.split(":", 1)[0]


def default_provider_urn(project: str, stack: str, package: str, version: str) -> str:
    suffix = version.replace(".", "_") if version else "unversioned"
    return f"urn:pulumi:{stack}::{project}::pulumi:providers:{package}::default_{suffix}"


def _provider_inputs(package: str, config: StackConfig, version: str, secrets: RunSecrets) -> dict[str, Any]:
    """A default provider's inputs are its package's config keys (`aws:region`, ...)."""
    inputs: dict[str, Any] = {}
    prefix = f"{package}:"
    for key, value in sorted(config.values.items()):
        if key.startswith(prefix):
            inputs[key[len(prefix) :]] = (
                SECRET if key in config.secret_keys else secrets.redact(_config_value(value))
            )
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
    if registration.aliases:
        state["aliases"] = registration.aliases
    if registration.read_id is not None:
        state["id"] = registration.read_id
        state["external"] = True
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
            0 if kind == STACK_TYPE else 1 if kind.startswith(PROVIDER_TYPE_PREFIX) else 2,
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
    invokes: Sequence[InvokeCall] = (),
    run_secrets: RunSecrets | None = None,
) -> dict[str, Any]:
    revealed = run_secrets or RunSecrets()
    steps: list[dict[str, Any]] = []
    references: dict[str, dict[str, str]] = {}
    remote_components: list[dict[str, str]] = []
    providers: dict[str, dict[str, Any]] = {}
    secrets: dict[str, list[str]] = {}
    templates: dict[str, dict[str, str]] = {}
    delete_before_replace: list[str] = []

    def add_step(state: dict[str, Any], provider: str) -> None:
        step: dict[str, Any] = {"op": "read" if state.get("external") else "create", "urn": state["urn"]}
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
                inputs = _provider_inputs(package, config, registration.version, revealed)
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
        if registration.references:
            references[registration.urn] = dict(sorted(registration.references.items()))
        if registration.templates:
            # A template holds what the program wrote around the placeholders: a secret in it is redacted.
            templates[registration.urn] = {
                path: revealed.redact_within(text) for path, text in sorted(registration.templates.items())
            }
        if registration.remote:
            remote_components.append({"urn": registration.urn, "type": registration.type, "package": package})
        if registration.delete_before_replace:
            delete_before_replace.append(registration.urn)
        state = _new_state(registration, provider if registration.custom else "")
        if revealed.values and "inputs" in state:
            state["inputs"] = revealed.redact(state["inputs"])
        add_step(state, provider if registration.custom else "")

    steps = _parents_first(steps)
    counts = Counter(step["newState"]["type"] for step in steps)
    return {
        "config": _public_config(config, revealed),
        "steps": steps,
        "changeSummary": dict(sorted(Counter(step["op"] for step in steps).items())),
        "stackyard": {
            "planVersion": PLAN_VERSION,
            "generator": f"stackyard {__version__}",
            "project": project,
            "stack": stack,
            "generatedAt": (generated_at or datetime.now(UTC)).isoformat(timespec="seconds"),
            # Keyed by URN, in URN order: the order registrations finished in is not the program's.
            "providers": dict(sorted(providers.items())),
            "secrets": dict(sorted(secrets.items())),
            "unreadableConfig": sorted(config.encrypted_keys),
            "secretConfig": sorted(
                key
                for key, value in config.values.items()
                if key in config.secret_keys or revealed.redact(_config_value(value)) != _config_value(value)
            ),
            "deleteBeforeReplace": sorted(delete_before_replace),
            "resourceCounts": dict(sorted(counts.items())),
            "references": dict(sorted(references.items())),
            "templates": dict(sorted(templates.items())),
            "remoteComponents": sorted(remote_components, key=lambda component: component["urn"]),
            "invokes": [call.as_json() for call in invokes],
            "newStack": config.new_stack,
        },
    }


def write_document(document: dict[str, Any], path: Path) -> None:
    write_text_atomically(path, json.dumps(document, indent=2) + "\n")
