"""The shapes of the Pulumi documents stackyard reads: a plan, `pulumi preview --json` output and
`pulumi stack export` output.

Only the fields the readers use are checked (see `stackyard.check.inputs` for which), each for its
type, so a document of the wrong shape is refused with the path of what is wrong
(`steps[3].newState.inputs: expected a mapping, got a list`) before a reader indexes into it.
Everything else is let through unread: the Pulumi CLI adds fields over time.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from stackyard.input_files import PULUMI_DOCUMENT, validate_shape


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class ResourceState(_Open):
    """A ResourceV3: a step's `newState`, or a resource of a stack export."""

    urn: str
    type: str
    custom: bool | None = None
    inputs: dict[str, Any] | None = None
    outputs: dict[str, Any] | None = None
    parent: str | None = None
    provider: str | None = None
    dependencies: list[str] | None = None
    propertyDependencies: dict[str, list[str] | None] | None = None
    protect: bool | None = None
    ignoreChanges: list[str] | None = None
    deleteBeforeReplace: bool | None = None
    aliases: list[Any] | None = None
    additionalSecretOutputs: list[str] | None = None
    delete: bool | None = None


class Step(_Open):
    op: str | None = None
    urn: str | None = None
    newState: ResourceState | None = None


class _PlanMeta(_Open):
    planVersion: int | None = None
    project: str | None = None
    stack: str | None = None


class PreviewDocument(_Open):
    """`pulumi preview --json`, or a stackyard plan (which adds `stackyard`)."""

    config: dict[str, Any] | None = None
    steps: list[Step]
    stackyard: _PlanMeta | None = None


class _Deployment(_Open):
    # A stack that was never deployed exports a deployment without resources.
    resources: list[ResourceState] = []


class ExportDocument(_Open):
    """`pulumi stack export`."""

    version: int | None = None
    deployment: _Deployment


def check_document_shape(document: Any, source: str) -> None:
    """Refuse a detected preview, plan or export document whose fields have the wrong types."""
    if not isinstance(document, dict):
        return
    if "steps" in document:
        validate_shape(PreviewDocument, document, source, PULUMI_DOCUMENT)
    elif "deployment" in document:
        validate_shape(ExportDocument, document, source, PULUMI_DOCUMENT)
