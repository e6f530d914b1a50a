"""Loading a `StackSpec` from a Python object, a YAML or JSON file, or Pulumi stack config.

Whatever the source, a bad spec raises one `SpecError` that lists every problem with its path,
before anything is created.
"""

from __future__ import annotations

import runpy
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from stackyard.errors import UserError
from stackyard.input_files import SPEC, clip_message, load_json, load_yaml, validate_shape
from stackyard.spec.base import format_loc

if TYPE_CHECKING:
    from stackyard.spec.stack import StackSpec

CONFIG_NAMESPACE = "stackyard"
CONFIG_KEY = "spec"
"""Pulumi stack config key holding a structured spec: `stackyard:spec`."""

_PYDANTIC_PREFIXES = ("Value error, ", "Assertion failed, ")


class SpecError(UserError):
    """An invalid spec: every problem, each with its path in the spec."""

    def __init__(self, source: str, issues: list[tuple[str, str]]) -> None:
        self.source = source
        self.issues = issues
        count = len(issues)
        lines = [f"{source}: invalid spec, {count} error{'s' if count != 1 else ''}:"]
        lines += [f"  {path}: {clip_message(message)}" for path, message in issues]
        super().__init__("\n".join(lines))


def _issues(error: ValidationError, prefix: tuple[str | int, ...] = ()) -> list[tuple[str, str]]:
    issues = []
    for detail in error.errors(include_url=False):
        message = detail["msg"]
        for noise in _PYDANTIC_PREFIXES:
            if message.startswith(noise):
                message = message[len(noise) :]
        issues.append((format_loc(prefix + tuple(detail["loc"])), message))
    return issues


def validate(data: Any, source: str = "spec") -> StackSpec:
    """A `StackSpec` from plain data (a mapping as read from YAML, JSON or config)."""
    from stackyard.spec.stack import StackSpec

    if isinstance(data, StackSpec):
        return data
    if not isinstance(data, Mapping):
        raise SpecError(
            source, [("(spec)", f"expected a mapping of spec sections, got {type(data).__name__}")]
        )
    try:
        return StackSpec.model_validate(dict(data))
    except ValidationError as error:
        raise SpecError(source, _issues(error)) from None


def _read_document(path: Path) -> Any:
    return load_json(path, SPEC) if path.suffix == ".json" else load_yaml(path, SPEC)


def _from_stack_config(document: Mapping[str, Any]) -> Any:
    """The structured `stackyard:spec` value of a `Pulumi.<stack>.yaml` document (its shape checked)."""
    config = document.get("config") or {}
    return config.get(f"{CONFIG_NAMESPACE}:{CONFIG_KEY}")


def load_spec_file(path: Path | str, *, timeout: float | None = None) -> StackSpec:
    """Load a spec from `.yaml`/`.yml`/`.json` (a spec, or a Pulumi stack config with
    `stackyard:spec`) or from a `.py` file that defines `spec`, run for at most `timeout` seconds."""
    path = Path(path)
    if path.suffix == ".py":
        return validate(_run_spec_module(path, timeout), str(path))
    if path.suffix not in {".yaml", ".yml", ".json"}:
        raise UserError(f"{path}: unknown spec format '{path.suffix}' (use .yaml, .yml, .json or .py)")
    document = _read_document(path)
    if isinstance(document, Mapping) and "config" in document and "project" not in document:
        from stackyard.pulumi_files import StackConfigFile

        validate_shape(StackConfigFile, document, str(path), SPEC)
        spec = _from_stack_config(document)
        if spec is None:
            raise UserError(f"{path}: stack config has no '{CONFIG_NAMESPACE}:{CONFIG_KEY}' value")
        return validate(spec, f"{path} ({CONFIG_NAMESPACE}:{CONFIG_KEY})")
    return validate(document, str(path))


def _run_spec_module(path: Path, timeout: float | None) -> Any:
    """The `spec` a Python spec module defines. Whatever the module does (raise, exit, loop past
    the time limit) becomes one message naming the file."""
    from stackyard.deadline import time_limit

    if not path.is_file():
        raise UserError(f"{path}: spec file not found")
    try:
        with time_limit(timeout, lambda: f"{path}: the spec module"):
            namespace = runpy.run_path(str(path))
    except UserError:
        raise
    except SystemExit as error:
        raise UserError(f"{path}: the spec module exited (code {error.code}) before it defined 'spec'") from None
    except Exception as error:  # the user's module: report it, not our traceback
        raise UserError(
            f"{path}: the spec module failed: {type(error).__name__}: {clip_message(str(error))}"
        ) from None
    if "spec" not in namespace:
        raise UserError(f"{path}: the module defines no 'spec'")
    return namespace["spec"]


def load_spec(source: StackSpec | Mapping[str, Any] | Path | str) -> StackSpec:
    """A `StackSpec` from a model, a mapping or a spec file path."""
    if isinstance(source, Path | str):
        return load_spec_file(source)
    return validate(source)


def spec_from_config(key: str = CONFIG_KEY, namespace: str = CONFIG_NAMESPACE) -> StackSpec:
    """Inside a Pulumi program: the structured spec in the stack's config (`stackyard:spec`)."""
    import pulumi

    config = pulumi.Config(namespace)
    data = config.get_object(key)
    if data is None:
        raise UserError(
            f"Pulumi.{pulumi.get_stack()}.yaml: no '{namespace}:{key}' config value holding the spec"
        )
    return validate(data, f"Pulumi.{pulumi.get_stack()}.yaml ({namespace}:{key})")
