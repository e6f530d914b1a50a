"""Everything stackyard knows about Pulumi's documents, in one place: the wire sentinels, the three
documents it reads (a stackyard plan, `pulumi preview --json`, `pulumi stack export`) and the one
resource model that `plan`, `diff` and `check` work on.

Fields each reader relies on (anything else is ignored):

`pulumi preview --json`
    `config` (map of "pkg:key" to string; `aws:region` gives the region of resources whose default
    provider does not appear as a step), `steps[]` with `op`, `urn` and `newState`. From a state:
    `urn`, `type`, `custom`, `id`, `parent`, `provider` ("<provider URN>::<provider id>"),
    `inputs` (with the provider's `__defaults`), `outputs`, `dependencies`, `propertyDependencies`,
    `protect`, `retainOnDelete`, `ignoreChanges`, `deleteBeforeReplace`, `aliases`,
    `additionalSecretOutputs`. The new state is what the steps leave: a URN with a step that
    creates, updates, keeps, replaces, reads, refreshes or imports it is in the new state (read
    from its last such step); a URN whose only steps delete or discard it is not.
stackyard plan
    The preview shape above plus a top-level `stackyard` object (`planVersion` 1, `project`,
    `stack`); explicit providers appear as steps of type `pulumi:providers:<pkg>`.
`pulumi stack export`
    `version` 3 (1 and 2 read the same way) and `deployment.resources[]` with the state fields
    above; resources marked `delete` (pending deletion) are not part of the deployed state.

Values are kept in the engine's wire form. Internal keys (`__defaults`, ...) are dropped from
inputs, as the engine drops them before analysis; the keys the provider defaulted are kept aside
(`Resource.defaults`). A secret (an envelope, or the "[secret]" a preview shows) becomes a secret
whose value is unknown: stackyard never has, and never passes on, a secret's value.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stackyard.errors import UserError

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
"""The engine's sentinel for a value unknown at preview (`UnknownStringValue` in the Pulumi SDKs)."""

SIG_KEY = "4dabf18193072939515e22adb298388d"
"""The key whose value says what a special object is (`sig.Key` in the Pulumi SDKs)."""

SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
"""A secret travels as `{SIG_KEY: SECRET_SIG, "value" | "ciphertext": ...}`."""

ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17"
ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7"
RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
"""A resource reference: `{SIG_KEY: RESOURCE_SIG, "urn": ..., "id": ..., "packageVersion": ...}`."""

OUTPUT_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4"
"""An output value: `{SIG_KEY: OUTPUT_SIG, "value"?: ..., "secret"?: bool, "dependencies"?: [...]}`."""

SECRET_PLACEHOLDER = "[secret]"
"""What `pulumi preview --json` and stackyard plans show instead of a secret value."""

PROVIDER_TYPE_PREFIX = "pulumi:providers:"
STACK_TYPE = "pulumi:pulumi:Stack"

_REPLACING_OPS = frozenset({"replace", "create-replacement", "import-replacement", "read-replacement"})
_NEW_STATE_OPS = frozenset({"create", "update", "same", "read", "refresh", "import"}) | _REPLACING_OPS
_REMOVING_OPS = frozenset(
    {"delete", "delete-replaced", "discard", "read-discard", "discard-replaced", "remove-pending-replace"}
)
STEP_OPS = _NEW_STATE_OPS | _REMOVING_OPS
"""Every step op of `pulumi preview --json` (`display.StepOp` in the Pulumi CLI)."""


def secret_value() -> dict[str, Any]:
    """A secret whose value is unknown: what stackyard passes on in place of every secret."""
    return {SIG_KEY: SECRET_SIG, "value": UNKNOWN}


def signature(value: Any) -> str | None:
    """The signature of a special object (secret, asset, archive, resource reference, output value)."""
    if isinstance(value, dict):
        found = value.get(SIG_KEY)
        return found if isinstance(found, str) else None
    return None


def is_secret(value: Any) -> bool:
    return value == SECRET_PLACEHOLDER or signature(value) == SECRET_SIG


def contains_unknown(value: Any) -> bool:
    if value == UNKNOWN:
        return True
    if isinstance(value, dict):
        return any(contains_unknown(item) for item in value.values())
    if isinstance(value, list):
        return any(contains_unknown(item) for item in value)
    return False


def engine_form(value: Any) -> Any:
    """The form the engine sends to analyzers: internal keys dropped, secrets as unknown secrets."""
    if isinstance(value, dict):
        kind = signature(value)
        if kind == SECRET_SIG:
            return secret_value()
        if kind is not None:
            return value  # an asset or archive: its keys are file names, never internal keys
        return {k: engine_form(v) for k, v in value.items() if not k.startswith("__")}
    if isinstance(value, list):
        return [engine_form(v) for v in value]
    if value == SECRET_PLACEHOLDER:
        return secret_value()
    return value


def normalized(value: Any) -> Any:
    """A value as the engine compares it: whole floats are integers (the wire has only floats), a
    string holding a JSON object or array is that object (AWS stores policies as parsed JSON, so
    their key order and spacing never matter), an asset or archive is its hash when it has one,
    and a resource reference is its URN."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, str):
        if value[:1] in ("{", "[") and value != UNKNOWN:
            try:
                return normalized(json.loads(value))
            except ValueError:
                return value
        return value
    if isinstance(value, list):
        return [normalized(item) for item in value]
    if isinstance(value, dict):
        kind = signature(value)
        if kind in (ASSET_SIG, ARCHIVE_SIG) and isinstance(value.get("hash"), str):
            return {SIG_KEY: kind, "hash": value["hash"]}
        if kind == RESOURCE_SIG:
            return value.get("urn", UNKNOWN)
        if kind == OUTPUT_SIG:
            return normalized(value.get("value", UNKNOWN))
        return {key: normalized(item) for key, item in value.items()}
    return value


def urn_name(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


@dataclass(frozen=True)
class Provider:
    """The provider a resource is created with, as the analyzer protocol describes it."""

    urn: str
    type: str
    name: str
    properties: dict[str, Any]


@dataclass(frozen=True)
class Resolution:
    """An input that was unknown at preview, replaced because a dependency proves what it is
    (`kind` "dependency"), or by the template the plan recorded for it (`kind` "template": the
    placeholder is the whole template, and `from_urn`/`from_type` are empty)."""

    path: str
    from_urn: str
    from_type: str
    placeholder: str
    kind: str = "dependency"


def resolution_record(urn: str, resolution: Resolution) -> dict[str, str]:
    """A resolution in the JSON of reports (`check`'s evidence, `diff --format json`)."""
    return {
        "urn": urn,
        "path": resolution.path,
        "kind": resolution.kind,
        "fromUrn": resolution.from_urn,
        "fromType": resolution.from_type,
        "placeholder": resolution.placeholder,
    }


@dataclass(frozen=True)
class Resource:
    """One resource of a document, in the engine's wire form (camelCase inputs, unknown sentinels,
    secret envelopes)."""

    urn: str
    type: str
    custom: bool
    inputs: dict[str, Any]
    outputs: dict[str, Any] | None = None
    """Set only for `pulumi stack export`; the stack policies then see final outputs, like the engine."""
    parent: str = ""
    provider: Provider | None = None
    dependencies: tuple[str, ...] = ()
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)
    protect: bool = False
    ignore_changes: tuple[str, ...] = ()
    delete_before_replace: bool | None = None
    aliases: tuple[str, ...] = ()
    additional_secret_outputs: tuple[str, ...] = ()
    resolutions: tuple[Resolution, ...] = ()
    id: str = ""
    retain_on_delete: bool = False
    defaults: tuple[str, ...] = ()
    """Inputs the provider filled in (`__defaults`): absent from the program, kept from the state."""
    op: str = ""
    """For a preview: `replace` when a step replaces the resource, else the op of its last step."""
    templates: dict[str, str] = field(default_factory=dict)
    """For a stackyard plan: input path -> the template of a string unknown at preview (the value
    with each unknown written as a `${<type>::<name>.<output>}` placeholder)."""

    @property
    def name(self) -> str:
        return urn_name(self.urn)

    @property
    def is_provider(self) -> bool:
        return self.type.startswith(PROVIDER_TYPE_PREFIX)


@dataclass(frozen=True)
class OpaqueComponent:
    """A component built inside its provider plugin (a multi-language component such as pulumi-eks'
    `eks.Cluster`): offline, its children are not in the document and no rule sees them."""

    urn: str
    type: str
    package: str


@dataclass(frozen=True)
class Document:
    """What a reader found in a document."""

    kind: str
    """`plan`, `preview`, `export`, or `audit` (read from a live account by `stackyard audit`)."""
    source: str
    """The path given on the command line (or the project directory)."""
    sha256: str
    project: str
    stack: str
    config: dict[str, str]
    resources: tuple[Resource, ...]
    opaque: tuple[OpaqueComponent, ...] = ()
    """Remote components of a stackyard plan (`stackyard.remoteComponents`)."""

    @property
    def stack_urn(self) -> str:
        return f"urn:pulumi:{self.stack}::{self.project}::{STACK_TYPE}::{self.project}-{self.stack}"


def _load_json(path: Path) -> tuple[Any, bytes]:
    """The one place a document file is read, through the input layer (size, UTF-8, depth and
    duplicate-key limits): its parsed JSON and its bytes (for the digest)."""
    from stackyard.input_files import PULUMI_DOCUMENT, parse_json, read_bytes

    raw = read_bytes(path, PULUMI_DOCUMENT)
    return parse_json(raw, str(path)), raw


def read_file(path: Path) -> Document:
    """Read a plan, a `pulumi preview --json` or a `pulumi stack export` file, detecting which."""
    document, raw = _load_json(path)
    return read_document(document, source=str(path), sha256=hashlib.sha256(raw).hexdigest())


_NOT_A_DOCUMENT = (
    "not a stackyard plan, a `pulumi preview --json` document or a `pulumi stack export` document"
)


def read_document(document: Any, *, source: str, sha256: str) -> Document:
    from stackyard.document_shapes import check_document_shape

    if not isinstance(document, dict):
        raise UserError(f"{source}: {_NOT_A_DOCUMENT}")
    check_document_shape(document, source)
    if isinstance(document.get("steps"), list):
        meta = document.get("stackyard")
        if isinstance(meta, dict):
            return _read_plan(document, meta, source, sha256)
        return _read_steps(document, source, sha256, kind="preview")
    deployment = document.get("deployment")
    if isinstance(deployment, dict) and isinstance(deployment.get("resources", []), list):
        # A stack that was never deployed exports a deployment without resources.
        return _read_export(document, deployment.get("resources", []), source, sha256)
    raise UserError(f"{source}: {_NOT_A_DOCUMENT}")


def new_states(document: Mapping[str, Any], source: str = "the document") -> list[dict[str, Any]]:
    """The state every resource has once a preview's steps are applied, in order of first step."""
    return [state for state, _ in _fold_steps(document, source)]


def _fold_steps(document: Mapping[str, Any], source: str) -> list[tuple[dict[str, Any], str]]:
    """Each resource of the new state with its op: `replace` when a step replaced it, else the op
    of its last step."""
    states: dict[str, dict[str, Any]] = {}
    ops: dict[str, str] = {}
    for index, step in enumerate(document.get("steps") or ()):
        where = f"{source}: steps[{index}]"
        if not isinstance(step, dict) or not isinstance(step.get("urn"), str):
            raise UserError(f"{where} has no 'urn'")
        op = step.get("op", "create")
        if op not in STEP_OPS:
            raise UserError(f"{where}: unknown op {op!r} (expected one of {', '.join(sorted(STEP_OPS))})")
        if op in _REMOVING_OPS:
            continue
        state = step.get("newState")
        if not isinstance(state, dict):
            raise UserError(f"{where}: a {op!r} step needs a 'newState' object")
        _check_state(state, f"{where}.newState")
        urn = state["urn"]
        states[urn] = state
        if ops.get(urn) != "replace":
            ops[urn] = "replace" if op in _REPLACING_OPS else op
    return [(state, ops[urn]) for urn, state in states.items()]


def _check_state(state: Mapping[str, Any], where: str) -> None:
    for key in ("urn", "type"):
        if not isinstance(state.get(key), str):
            raise UserError(f"{where} has no {key!r}")
    if not state["urn"].startswith("urn:pulumi:") or state["urn"].count("::") < 3:
        raise UserError(f"{where}: {state['urn']!r} is not a Pulumi URN")


def _read_plan(document: dict[str, Any], meta: dict[str, Any], source: str, sha256: str) -> Document:
    if meta.get("planVersion") != 1:
        raise UserError(
            f"{source}: unsupported stackyard plan version {meta.get('planVersion')!r} (expected 1)"
        )
    read = _read_steps(document, source, sha256, kind="plan")
    templates = meta.get("templates") or {}
    if not isinstance(templates, dict) or not all(
        isinstance(paths, dict) and all(isinstance(text, str) for text in paths.values())
        for paths in templates.values()
    ):
        raise UserError(f"{source}: stackyard.templates must map URNs to {{input path: template}} objects")
    resources = read.resources
    if templates:
        resources = tuple(
            dataclasses.replace(r, templates=dict(templates[r.urn])) if r.urn in templates else r
            for r in resources
        )
    return Document(
        kind="plan",
        source=source,
        sha256=sha256,
        project=str(meta.get("project") or read.project),
        stack=str(meta.get("stack") or read.stack),
        config=read.config,
        resources=resources,
        opaque=tuple(
            OpaqueComponent(str(c.get("urn")), str(c.get("type")), str(c.get("package", "")))
            for c in meta.get("remoteComponents") or ()
            if isinstance(c, dict)
        ),
    )


def _read_steps(document: dict[str, Any], source: str, sha256: str, *, kind: str) -> Document:
    raw_config = document.get("config") or {}
    if not isinstance(raw_config, dict):
        raise UserError(f"{source}: 'config' is not an object")
    config = {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in raw_config.items()}
    return _build(kind, source, sha256, config, _fold_steps(document, source), with_outputs=False)


def _read_export(document: dict[str, Any], resources: list[Any], source: str, sha256: str) -> Document:
    if document.get("version") not in (1, 2, 3):
        raise UserError(f"{source}: unsupported `pulumi stack export` version {document.get('version')!r}")
    states: list[tuple[dict[str, Any], str]] = []
    for index, state in enumerate(resources):
        where = f"{source}: deployment.resources[{index}]"
        if not isinstance(state, dict):
            raise UserError(f"{where} is not an object")
        _check_state(state, where)
        if not state.get("delete"):
            states.append((state, ""))
    return _build("export", source, sha256, {}, states, with_outputs=True)


def _build(
    kind: str,
    source: str,
    sha256: str,
    config: dict[str, str],
    states: list[tuple[dict[str, Any], str]],
    *,
    with_outputs: bool,
) -> Document:
    stack, project = _stack_and_project(states[0][0]["urn"]) if states else ("", "")
    by_urn = {s["urn"]: s for s, _ in states}
    providers: dict[str, Provider] = {}
    resources = []
    for state, op in states:
        try:
            resources.append(_resource(state, op, by_urn, config, providers, with_outputs=with_outputs))
        except (TypeError, AttributeError, ValueError) as error:
            raise UserError(f"{source}: malformed state of {state['urn']}: {error}") from None
    return Document(kind, source, sha256, project, stack, config, tuple(resources))


def _resource(
    state: dict[str, Any],
    op: str,
    by_urn: Mapping[str, dict[str, Any]],
    config: Mapping[str, str],
    providers: dict[str, Provider],
    *,
    with_outputs: bool,
) -> Resource:
    reference = state.get("provider") or ""
    raw_inputs = state.get("inputs") or {}
    return Resource(
        urn=state["urn"],
        type=state["type"],
        custom=bool(state.get("custom", False)),
        inputs=engine_form(raw_inputs),
        outputs=engine_form(state.get("outputs") or {}) if with_outputs else None,
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
        id=str(state.get("id") or ""),
        retain_on_delete=bool(state.get("retainOnDelete", False)),
        defaults=tuple(str(key) for key in raw_inputs.get("__defaults") or ()),
        op=op,
    )


def _stack_and_project(urn: str) -> tuple[str, str]:
    parts = urn.split("::")
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
            properties = engine_form(state.get("inputs") or {})
        else:
            # A default provider never appears as a step: the engine configures it from the stack
            # config of its package (`aws:region` becomes the provider's `region`).
            package = provider_type.removeprefix(PROVIDER_TYPE_PREFIX)
            properties = {k.split(":", 1)[1]: v for k, v in config.items() if k.startswith(f"{package}:")}
        cache[urn] = Provider(urn=urn, type=provider_type, name=urn_name(urn), properties=properties)
    return cache[urn]
