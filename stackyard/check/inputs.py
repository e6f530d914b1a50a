"""Read what `stackyard check` is given: a project directory, a stackyard plan, a
`pulumi preview --json` document or a `pulumi stack export` document. The format is detected.

Fields each reader relies on (anything else is ignored):

`pulumi preview --json`
    `config` (map of "pkg:key" to string; `aws:region` gives the region of resources whose default
    provider does not appear as a step), `steps[]` with `op` and `newState`. From `newState`:
    `urn`, `type`, `custom`, `parent`, `provider` ("<provider URN>::<provider id>"), `inputs`,
    `dependencies`, `propertyDependencies`, `protect`, and when present `ignoreChanges`,
    `deleteBeforeReplace`, `aliases`, `additionalSecretOutputs`. Steps whose op removes a resource
    (`delete`, `delete-replaced`, `discard`, `read-discard`, `remove-pending-replace`) are not
    analyzed, as the engine analyzes only the resources of the new state. A URN that appears in
    several steps (a replacement) is read from its last step.
stackyard plan
    The preview shape above plus a top-level `stackyard` object (`planVersion` 1, `project`,
    `stack`); explicit providers appear as steps of type `pulumi:providers:<pkg>`.
`pulumi stack export`
    `version` 3 and `deployment.resources[]` with `urn`, `type`, `custom`, `inputs`, `outputs`,
    `parent`, `provider`, `dependencies`, `propertyDependencies`, `protect`, `ignoreChanges`,
    `aliases`, `additionalSecretOutputs`; resources marked `delete` (pending deletion) are skipped.

Values are kept in the engine's wire form. Internal keys (`__defaults`, ...) are dropped, as the
engine drops them before analysis. A secret (an envelope, or the "[secret]" a preview shows) becomes
a secret whose value is unknown: stackyard never has, and never passes on, a secret's value.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from stackyard.check.model import (
    SECRET_PLACEHOLDER,
    SECRET_SIG,
    SIG_KEY,
    UNKNOWN,
    CheckInput,
    Provider,
    Resource,
)
from stackyard.document_shapes import check_document_shape
from stackyard.errors import UserError
from stackyard.input_files import PULUMI_DOCUMENT, parse_json, read_bytes

_REMOVING_OPS = frozenset({"delete", "delete-replaced", "discard", "read-discard", "remove-pending-replace"})
_SECRET = {SIG_KEY: SECRET_SIG, "value": UNKNOWN}


def read_input(path: Path, stack: str | None = None) -> CheckInput:
    """Read `path`, detecting its format; a directory is a Pulumi project and is planned first."""
    if path.is_dir():
        return _read_project(path, stack)
    raw = read_bytes(path, PULUMI_DOCUMENT)
    document = parse_json(raw, str(path))
    return read_document(document, source=str(path), sha256=hashlib.sha256(raw).hexdigest())


def read_document(document: Any, *, source: str, sha256: str) -> CheckInput:
    reader = _detect(document)
    if reader is None:
        raise UserError(
            f"{source}: not a stackyard plan, a `pulumi preview --json` document or a "
            "`pulumi stack export` document"
        )
    check_document_shape(document, source)
    try:
        return reader(document, source, sha256)
    except (KeyError, TypeError, AttributeError, ValueError) as e:
        raise UserError(f"{source}: malformed document: {type(e).__name__}: {e}") from e


def _detect(document: Any) -> Callable[[dict[str, Any], str, str], CheckInput] | None:
    if not isinstance(document, dict):
        return None
    if isinstance(document.get("steps"), list):
        if isinstance(document.get("stackyard"), dict):
            return _read_plan
        return _read_preview
    deployment = document.get("deployment")
    if isinstance(deployment, dict) and isinstance(deployment.get("resources"), list):
        return _read_export
    return None


def _read_project(path: Path, stack: str | None) -> CheckInput:
    try:
        from stackyard.plan import plan_project
    except ImportError as e:  # the plan engine ships separately from the checker
        raise UserError(f"{path}: planning a project directory needs stackyard.plan ({e})") from e
    document = plan_project(path, stack)
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":")).encode()
    return read_document(document, source=str(path), sha256=hashlib.sha256(canonical).hexdigest())


def _read_plan(document: dict[str, Any], source: str, sha256: str) -> CheckInput:
    meta = document["stackyard"]
    if meta.get("planVersion") != 1:
        raise UserError(
            f"{source}: unsupported stackyard plan version {meta.get('planVersion')!r} (expected 1)"
        )
    checked = _read_steps(document, source, sha256, kind="plan")
    return CheckInput(
        kind="plan",
        source=source,
        sha256=sha256,
        project=str(meta.get("project") or checked.project),
        stack=str(meta.get("stack") or checked.stack),
        config=checked.config,
        resources=checked.resources,
    )


def _read_preview(document: dict[str, Any], source: str, sha256: str) -> CheckInput:
    return _read_steps(document, source, sha256, kind="preview")


def _read_steps(document: dict[str, Any], source: str, sha256: str, *, kind: str) -> CheckInput:
    config = {
        str(k): v if isinstance(v, str) else json.dumps(v) for k, v in document.get("config", {}).items()
    }
    states: dict[str, dict[str, Any]] = {}
    for step in document["steps"]:
        state = step.get("newState")
        if step.get("op") in _REMOVING_OPS:
            # A replacement's `delete-replaced` comes after its create: the new state stays.
            if step.get("op") != "delete-replaced":
                states.pop(step["urn"], None)
        elif isinstance(state, dict):
            states[state["urn"]] = state
    return _build(kind, source, sha256, config, list(states.values()), with_outputs=False)


def _read_export(document: dict[str, Any], source: str, sha256: str) -> CheckInput:
    if document.get("version") not in (1, 2, 3):
        raise UserError(f"{source}: unsupported `pulumi stack export` version {document.get('version')!r}")
    states = [r for r in document["deployment"]["resources"] if not r.get("delete")]
    return _build("export", source, sha256, {}, states, with_outputs=True)


def _build(
    kind: str,
    source: str,
    sha256: str,
    config: dict[str, str],
    states: list[dict[str, Any]],
    *,
    with_outputs: bool,
) -> CheckInput:
    if not states:
        raise UserError(f"{source}: the document contains no resources to check")
    stack, project = _stack_and_project(states[0]["urn"], source)
    by_urn = {s["urn"]: s for s in states}
    providers: dict[str, Provider] = {}
    resources = []
    for state in states:
        reference = state.get("provider") or ""
        resources.append(
            Resource(
                urn=state["urn"],
                type=state["type"],
                custom=bool(state.get("custom", False)),
                inputs=wire(state.get("inputs") or {}),
                outputs=wire(state.get("outputs") or {}) if with_outputs else None,
                parent=state.get("parent") or "",
                provider=_provider(reference, by_urn, config, providers) if reference else None,
                dependencies=tuple(state.get("dependencies") or ()),
                property_dependencies={
                    k: list(v or ()) for k, v in (state.get("propertyDependencies") or {}).items()
                },
                protect=bool(state.get("protect", False)),
                ignore_changes=tuple(state.get("ignoreChanges") or ()),
                delete_before_replace=state.get("deleteBeforeReplace"),
                aliases=tuple(a for a in state.get("aliases") or () if isinstance(a, str)),
                additional_secret_outputs=tuple(state.get("additionalSecretOutputs") or ()),
            )
        )
    return CheckInput(kind, source, sha256, project, stack, config, tuple(resources))


def _stack_and_project(urn: str, source: str) -> tuple[str, str]:
    parts = urn.split("::")
    if not urn.startswith("urn:pulumi:") or len(parts) < 4:
        raise UserError(f"{source}: {urn!r} is not a Pulumi URN")
    return parts[0].removeprefix("urn:pulumi:"), parts[1]


def _provider(
    reference: str,
    by_urn: Mapping[str, dict[str, Any]],
    config: Mapping[str, str],
    cache: dict[str, Provider],
) -> Provider:
    urn = reference.rsplit("::", 1)[0]
    if urn not in cache:
        state = by_urn.get(urn)
        provider_type = urn.split("::")[2] if urn.count("::") >= 3 else "pulumi:providers:unknown"
        if state is not None:
            properties = wire(state.get("inputs") or {})
        else:
            # A default provider never appears as a step: the engine configures it from the stack
            # config of its package (`aws:region` becomes the provider's `region`).
            package = provider_type.removeprefix("pulumi:providers:")
            properties = {k.split(":", 1)[1]: v for k, v in config.items() if k.startswith(f"{package}:")}
        cache[urn] = Provider(
            urn=urn, type=provider_type, name=urn.rsplit("::", 1)[-1], properties=properties
        )
    return cache[urn]


def wire(value: Any) -> Any:
    """The form the engine sends to analyzers: internal keys dropped, secrets as unknown secrets."""
    if isinstance(value, dict):
        if value.get(SIG_KEY) == SECRET_SIG:
            return dict(_SECRET)
        if SIG_KEY in value:
            return value  # an asset or archive: its keys are file names, never internal keys
        return {k: wire(v) for k, v in value.items() if not k.startswith("__")}
    if isinstance(value, list):
        return [wire(v) for v in value]
    if value == SECRET_PLACEHOLDER:
        return dict(_SECRET)
    return value
