"""Reading a Pulumi project the way the Pulumi CLI does: `Pulumi.yaml` and `Pulumi.<stack>.yaml`.

Only what an offline plan needs: the project name, that it is a Python program, where its
entry point is, and the stack's config (structured values and provider settings included).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stackyard.errors import UserError

DEFAULT_NEW_STACK = "dev"
"""The stack planned in a project that has no stack config yet (as `pulumi stack init dev` would make)."""

SECURE_PLACEHOLDER = "[secret]"
"""What a program reads for a `secure:` config value: it cannot be decrypted offline."""


@dataclass(frozen=True)
class PulumiProject:
    directory: Path
    name: str
    main: Path
    """The program's entry file (`__main__.py` in the project or in its `main` directory)."""


@dataclass(frozen=True)
class StackConfig:
    stack: str
    values: dict[str, str] = field(default_factory=dict)
    """`namespace:key` -> the string the SDK reads (structured values as JSON), as the CLI passes them."""
    secret_keys: frozenset[str] = frozenset()
    encrypted_keys: frozenset[str] = frozenset()
    """Keys whose value was stored `secure:` and is unknown offline."""
    new_stack: bool = False
    """No `Pulumi.<stack>.yaml`: a stack `pulumi preview` would create, with empty config."""

    def get(self, key: str) -> str | None:
        return self.values.get(key)


def _read_yaml(path: Path, what: str) -> Any:
    from stackyard.pulumi_files import read_project_file, read_stack_config_file

    return read_project_file(path) if what == "Pulumi.yaml" else read_stack_config_file(path)


def load_project(directory: Path) -> PulumiProject:
    directory = directory.resolve()
    if not directory.is_dir():
        raise UserError(f"{directory}: not a directory")
    path = next(
        (directory / name for name in ("Pulumi.yaml", "Pulumi.yml") if (directory / name).exists()), None
    )
    if path is None:
        raise UserError(f"{directory}: no Pulumi.yaml; is this a Pulumi project directory?")
    document = _read_yaml(path, "Pulumi.yaml")
    if not isinstance(document, dict):
        raise UserError(f"{path}: expected a mapping with 'name' and 'runtime'")
    name = document.get("name")
    if not isinstance(name, str) or not name:
        raise UserError(f"{path}: 'name' is missing")
    runtime = document.get("runtime")
    runtime_name = runtime.get("name") if isinstance(runtime, dict) else runtime
    if runtime_name != "python":
        raise UserError(
            f"{path}: runtime is {runtime_name!r}; stackyard plan runs Python programs (runtime: python)"
        )
    main = directory / str(document.get("main") or ".")
    entry = main / "__main__.py" if main.is_dir() else main
    if not entry.is_file():
        raise UserError(f"{path}: the program's entry point {entry} does not exist")
    return PulumiProject(directory=directory, name=name, main=entry)


def _qualify(key: str, project: str) -> str:
    return key if ":" in key else f"{project}:{key}"


def _as_config_string(value: Any) -> str:
    # The CLI hands the SDK strings: scalars as written, structured values as JSON.
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value)


def _contains_secure(value: Any) -> bool:
    if isinstance(value, dict):
        return set(value) == {"secure"} or any(_contains_secure(item) for item in value.values())
    if isinstance(value, list):
        return any(_contains_secure(item) for item in value)
    return False


def _replace_secure(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            return SECURE_PLACEHOLDER
        return {key: _replace_secure(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_replace_secure(item) for item in value]
    return value


def stack_names(project: PulumiProject) -> list[str]:
    names = []
    for path in sorted(project.directory.glob("Pulumi.*.y*ml")):
        stem = path.name[len("Pulumi.") :].rsplit(".", 1)[0]
        names.append(stem)
    return names


def choose_stack(project: PulumiProject, stack: str | None) -> str:
    if stack:
        return stack
    names = stack_names(project)
    if len(names) == 1:
        return names[0]
    if not names:
        return DEFAULT_NEW_STACK
    raise UserError(f"{project.directory}: several stacks ({', '.join(names)}); pass --stack NAME")


def load_stack_config(project: PulumiProject, stack: str) -> StackConfig:
    values: dict[str, str] = {}
    secret_keys: set[str] = set()
    encrypted: set[str] = set()

    # Project-level config in Pulumi.yaml: plain values or {default:, value:} declarations.
    project_doc = (
        _read_yaml(project.directory / "Pulumi.yaml", "Pulumi.yaml")
        if (project.directory / "Pulumi.yaml").exists()
        else {}
    )
    for key, declared in ((project_doc or {}).get("config") or {}).items():
        if isinstance(declared, dict) and ("default" in declared or "value" in declared):
            declared = declared.get("value", declared.get("default"))
        elif isinstance(declared, dict) and "type" in declared:
            continue
        values[_qualify(str(key), project.name)] = _as_config_string(declared)

    path = project.directory / f"Pulumi.{stack}.yaml"
    if not path.exists():
        # `pulumi preview` on a new stack runs with the project's config only.
        return StackConfig(stack=stack, values=values, new_stack=True)
    document = _read_yaml(path, "stack config") or {}
    if not isinstance(document, dict):
        raise UserError(f"{path}: expected a mapping with a 'config' key")
    config = document.get("config") or {}
    if not isinstance(config, dict):
        raise UserError(f"{path}: 'config' must be a mapping of keys to values")
    for raw_key, value in config.items():
        key = _qualify(str(raw_key), project.name)
        if _contains_secure(value):
            secret_keys.add(key)
            encrypted.add(key)
            value = _replace_secure(value)
        values[key] = _as_config_string(value)
    return StackConfig(
        stack=stack, values=values, secret_keys=frozenset(secret_keys), encrypted_keys=frozenset(encrypted)
    )
