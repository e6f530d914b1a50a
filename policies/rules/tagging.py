"""Tagging: ownership, cost and data-classification tags on every taggable AWS resource."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import re
import threading
from pathlib import Path

from stackyard.policies import resource_properties
from stackyard.policies.catalog import Indeterminate, ResourceCheck, resource_rule

_TAGGING = {
    "nist-800-53": ["CM-8", "RA-2"],
    "iso-27001": ["A.5.9", "A.5.12", "A.5.13"],
    "gdpr": ["Art. 30"],
    "hipaa": ["164.310(d)(1)"],
    "soc2": ["CC6.1", "C1.1"],
}

_AWS_TOKEN = re.compile(r"^aws:(?P<module>[A-Za-z0-9]+)/(?P<file>[A-Za-z0-9]+):(?P<cls>[A-Za-z0-9]+)$")


_TAGGABLE: dict[str, bool] = {}
_TAGGABLE_LOCK = threading.Lock()


def is_taggable(resource_type: str) -> bool:
    """Whether a pulumi-aws resource type takes `tags`, read from the installed pulumi_aws class
    (`aws:s3/bucket:Bucket` -> `pulumi_aws.s3.Bucket`), so the answer follows the provider version.
    Types the installed pulumi_aws does not know are not taggable as far as we can tell.

    The pack serves `Analyze` calls on several threads, and pulumi_aws loads its modules lazily: a
    module imported by two threads at once can look empty to one of them, so lookups are serialised."""
    with _TAGGABLE_LOCK:
        answer = _TAGGABLE.get(resource_type)
        if answer is None:
            answer = _TAGGABLE[resource_type] = _class_takes_tags(resource_type)
        return answer


def _class_takes_tags(resource_type: str) -> bool:
    match = _AWS_TOKEN.match(resource_type)
    if not match:
        return False
    in_source = _source_takes_tags(match["module"], match["file"], match["cls"])
    if in_source is not None:
        return in_source
    module = "pulumi_aws" if match["module"] == "index" else f"pulumi_aws.{match['module']}"
    try:
        cls = getattr(importlib.import_module(module), match["cls"], None)
    except ImportError:
        return False
    init = getattr(cls, "_internal_init", None)
    return init is not None and "tags" in inspect.signature(init).parameters


_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def _source_takes_tags(module: str, file: str, cls: str) -> bool | None:
    """The same answer read from the class's source file, without importing it: importing a
    pulumi_aws module costs tens of milliseconds, and the pack would pay it in every process for
    every type it sees. None when the file is not where pulumi_aws's layout puts it."""
    package = importlib.util.find_spec("pulumi_aws")
    if package is None or not package.submodule_search_locations:
        return None
    directory = Path(next(iter(package.submodule_search_locations)))
    if module != "index":
        directory /= module
    path = directory / f"{_CAMEL_BOUNDARY.sub('_', file).lower()}.py"
    try:
        source = path.read_text(encoding="utf-8")
    except OSError:
        return None
    start = source.find(f"class {cls}(pulumi.CustomResource)")
    init = source.find("def _internal_init(", start)
    if start < 0 or init < 0:
        return None
    signature = source[init : source.find("):", init)]
    return re.search(r"^\s+tags: ", signature, re.M) is not None


def _taggable_or_not_applicable(ctx: ResourceCheck) -> None:
    if not is_taggable(ctx.type):
        ctx.not_applicable("resource type takes no tags")


@resource_rule(
    id="SY-TAG-001",
    name="required-tags",
    group="tagging",
    severity="medium",
    enforcement="mandatory",
    description="Every taggable AWS resource carries the required tags (by default owner, cost-center and "
    "data-classification), as its own tags or the provider's default tags.",
    remediation="Add the missing tags to the resource, or to the AWS provider's default_tags; stackyard "
    "components take them from the spec's tags section.",
    frameworks=_TAGGING,
    peers={"aws-config": ["required-tags"]},
    settings=["requiredTags"],
)
def required_tags(ctx: ResourceCheck) -> None:
    _taggable_or_not_applicable(ctx)
    tags = ctx.tags()
    missing = resource_properties.missing_tags(tags, ctx.config["requiredTags"])
    if missing:
        ctx.violation(f"missing required tags {missing}")
    elif unknown := resource_properties.unknown_tags(tags, ctx.config["requiredTags"]):
        raise Indeterminate(f"required tags {unknown} have values unknown at preview")


@resource_rule(
    id="SY-TAG-002",
    name="data-classification-value",
    group="tagging",
    severity="medium",
    enforcement="mandatory",
    description="The data-classification tag takes one of the known classifications.",
    remediation="Set data-classification to one of allowedClassifications (public, internal, confidential, "
    "restricted).",
    frameworks={
        "nist-800-53": ["RA-2"],
        "iso-27001": ["A.5.12", "A.5.13"],
        "gdpr": ["Art. 30"],
        "soc2": ["C1.1"],
    },
    peers={},
    settings=["allowedClassifications"],
)
def data_classification_value(ctx: ResourceCheck) -> None:
    _taggable_or_not_applicable(ctx)
    value = ctx.tags().get("data-classification")
    if value is resource_properties.UNKNOWN_VALUE:
        raise Indeterminate("the data-classification tag is unknown at preview")
    if value is None:
        ctx.not_applicable("no data-classification tag (SY-TAG-001 requires it)")
    allowed = ctx.config["allowedClassifications"]
    if str(value) not in allowed:
        ctx.violation(f"data-classification '{value}' is not one of {allowed}")
