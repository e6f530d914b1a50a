"""The shapes of a Pulumi project's own files, `Pulumi.yaml` and `Pulumi.<stack>.yaml`.

Only the fields stackyard reads are checked; anything else the Pulumi CLI understands
(`description`, `backend`, `secretsprovider`, `encryptedkey`, ...) is let through unread. The
functions return the document as plain data once its shape is known to be right, so a reader can
index into it without guarding every step.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from stackyard.input_files import PROJECT_FILE, STACK_CONFIG, load_yaml_document, validate_shape


class _Runtime(BaseModel):
    model_config = ConfigDict(extra="allow")

    name: str = Field(description="The language runtime (`python`).")
    options: dict[str, Any] | None = Field(default=None, description="Runtime options.")


class ProjectFile(BaseModel):
    """`Pulumi.yaml`."""

    model_config = ConfigDict(extra="allow")

    name: str | None = Field(default=None, description="The project name.")
    runtime: str | _Runtime | None = Field(default=None, description="The runtime, or its settings.")
    main: str | None = Field(default=None, description="The program's directory or entry file.")
    config: dict[str, Any] | None = Field(
        default=None, description="Project-level config: values or {type, default, value} declarations."
    )


class StackConfigFile(BaseModel):
    """`Pulumi.<stack>.yaml`."""

    model_config = ConfigDict(extra="allow")

    config: dict[str, Any] | None = Field(default=None, description="The stack's config, by key.")


def _read(path: Path, model: type[BaseModel], kind: Any) -> dict[str, Any] | None:
    document = load_yaml_document(path, kind)
    if document.data is None:
        return None
    validate_shape(model, document.data, str(path), kind, document)
    data: dict[str, Any] = document.data
    return data


def read_project_file(path: Path) -> dict[str, Any] | None:
    """`Pulumi.yaml` as data, its shape checked (None when the file is empty)."""
    return _read(path, ProjectFile, PROJECT_FILE)


def read_stack_config_file(path: Path) -> dict[str, Any] | None:
    """`Pulumi.<stack>.yaml` as data, its shape checked (None when the file is empty)."""
    return _read(path, StackConfigFile, STACK_CONFIG)
