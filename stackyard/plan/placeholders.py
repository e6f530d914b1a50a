"""Placeholder outputs: how a plan learns what a document built from unknown values looks like.

In a preview, a resource's computed outputs (an ARN, an ID, an autonamed name) are unknown, so a
policy document the program builds from them with `apply` or `Output.json_dumps` is one unknown
string: no rule can read it. Here, during the same run, each computed string output gets a
placeholder value shaped like the real one (an ARN of the resource's service and type, in the stack's
region and account) and carrying a token (`stackyard-ph-<n>-z`) that says which resource and output it
stands for. The program's own callbacks then build the document from the placeholders.

What the plan shows is still what the engine would see in preview: a value holding a placeholder is
recorded as unknown, and beside it, in the plan's metadata, its *template*: the value with each
placeholder written as `${<type>::<name>.<output>}` (`${aws:kms/key:Key::prod-key.arn}`).

So that nothing else changes, a callback run on placeholders counts only when its result still holds
one (it is then unknown in the plan, and templated): a result computed from a placeholder that lost
it (a length, a boolean, a slice) is unknown to the program, as in a preview, and so is a callback
that raises on a placeholder.
"""

from __future__ import annotations

import collections.abc
import contextlib
import re
import typing
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from inspect import isawaitable
from typing import Any

import pulumi
from pulumi import _types

TOKEN_PREFIX = "stackyard-ph-"
_TOKEN = re.compile(rf"{TOKEN_PREFIX}(\d+)-z")
"""A placeholder's token: its index in the book, closed so that a digit after it is not part of it."""


@dataclass(frozen=True)
class Source:
    """The output a placeholder stands for."""

    type: str
    name: str
    output: str

    @property
    def placeholder(self) -> str:
        return "${" + f"{self.type}::{self.name}.{self.output}" + "}"


# The ARN layouts that differ from `arn:<partition>:<service>:<region>:<account>:<type>/<id>`:
# services without region or account, and resource types written with ':' or without a type.
_GLOBAL_SERVICES = frozenset({"iam", "cloudfront", "route53", "organizations"})
_NO_ACCOUNT_SERVICES = frozenset({"s3"})
_SERVICE_OF_MODULE = {
    "cloudwatch/logGroup": "logs",
    "cloudwatch/eventRule": "events",
    "cloudwatch/eventBus": "events",
    "sfn": "states",
    "appautoscaling": "application-autoscaling",
    "elasticloadbalancingv2": "elasticloadbalancing",
    "lb": "elasticloadbalancing",
    "alb": "elasticloadbalancing",
}
_COLON_TYPES = frozenset({"log-group", "function", "secret", "alarm", "parameter", "stateMachine"})
_BARE_TYPES = frozenset({"topic", "queue", "bucket", "bucket-v2"})
_TYPE_OF_RESOURCE = {"LogGroup": "log-group", "StateMachine": "stateMachine", "MetricAlarm": "alarm"}


def _kebab(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def arn_shape(type_token: str, partition: str, region: str, account: str) -> str:
    """The ARN of a resource of `type_token`, up to its identifier: `arn:aws:kms:eu-west-1:<account>:key/`."""
    try:
        package, module_path, resource = type_token.split(":")
    except ValueError:
        return f"arn:{partition}:{type_token.replace(':', '-')}:{region}:{account}:"
    module = module_path.split("/")[0]
    service = _SERVICE_OF_MODULE.get(module_path) or _SERVICE_OF_MODULE.get(module)
    service = service or (module if package == "aws" else package)
    resource_type = _TYPE_OF_RESOURCE.get(resource) or _kebab(re.sub(r"V\d+$", "", resource))
    where_region = "" if service in _GLOBAL_SERVICES | _NO_ACCOUNT_SERVICES else region
    where_account = "" if service in _NO_ACCOUNT_SERVICES else account
    head = f"arn:{partition}:{service}:{where_region}:{where_account}:"
    if resource_type in _BARE_TYPES:
        return head
    separator = ":" if resource_type in _COLON_TYPES else "/"
    return f"{head}{resource_type}{separator}"


_STRING = "string"
_MAX_DEPTH = 4


def _shape(annotation: Any, depth: int = 0) -> Any:
    """What placeholders an output of this (unwrapped) type gets: `_STRING`, a one-item list of a
    shape, a mapping of engine names to shapes (an output type), or None (no placeholder: numbers,
    booleans, maps of tags, anything deeper than a few levels)."""
    if depth > _MAX_DEPTH:
        return None
    if annotation is str:
        return _STRING
    if typing.get_origin(annotation) in (collections.abc.Sequence, list):
        (item,) = typing.get_args(annotation) or (None,)
        inner = _shape(_types.unwrap_type(item), depth + 1) if item is not None else None
        return [inner] if inner is not None else None
    if isinstance(annotation, type) and _types.is_output_type(annotation):
        fields = {name: _shape(hint, depth + 1) for name, hint in _types.output_type_types(annotation).items()}
        fields = {name: shape for name, shape in fields.items() if shape is not None}
        return fields or None
    return None


def computed_outputs(resource_class: type) -> dict[str, Any]:
    """Engine name -> placeholder shape of each output of a typed resource class that can carry one.

    The types are the SDK's own (`pulumi._types`, cached per class), which it reads anyway to
    translate the resource's outputs."""
    shapes = {}
    for name, annotation in _types.resource_types(resource_class).items():
        shape = _shape(annotation)
        if shape is not None:
            shapes[name] = shape
    return shapes


class PlaceholderBook:
    """The placeholders handed out during one run, and what each stands for."""

    def __init__(self, partition: str, region: str, account: str) -> None:
        self._partition = partition
        self._region = region
        self._account = account
        self._values: list[str] = []
        self._sources: list[Source] = []
        self._outputs_of_type: dict[str, dict[str, Any]] = {}

    def learn_type(self, type_token: str, resource_class: type) -> None:
        """Remember which outputs of `type_token` carry placeholders (seen once per type)."""
        if type_token not in self._outputs_of_type:
            self._outputs_of_type[type_token] = computed_outputs(resource_class)

    def outputs_for(self, type_token: str, name: str, known: Mapping[str, Any]) -> dict[str, Any]:
        """Placeholder values for a new resource's ID (key `id`) and for its outputs that its inputs
        do not give: strings, and the strings inside structured outputs (one item per list)."""
        outputs: dict[str, Any] = {"id": self.hand_out(Source(type_token, name, "id"))}
        for key, shape in self._outputs_of_type.get(type_token, {}).items():
            if key not in known:
                outputs[key] = self._fill(shape, Source(type_token, name, key))
        return outputs

    def _fill(self, shape: Any, source: Source) -> Any:
        if shape == _STRING:
            return self.hand_out(source)
        if isinstance(shape, list):
            return [self._fill(shape[0], Source(source.type, source.name, f"{source.output}[0]"))]
        return {
            key: self._fill(inner, Source(source.type, source.name, f"{source.output}.{key}"))
            for key, inner in shape.items()
        }

    def hand_out(self, source: Source) -> str:
        """A new placeholder value for `source`: ARN-shaped for an ARN output, else its token."""
        token = f"{TOKEN_PREFIX}{len(self._values)}-z"
        field = source.output.rsplit(".", 1)[-1]
        if field == "arn" or field.endswith("Arn"):
            value = arn_shape(source.type, self._partition, self._region, self._account) + token
        else:
            value = token
        self._values.append(value)
        self._sources.append(source)
        return value

    @staticmethod
    def holds(value: Any) -> bool:
        """Whether a value (a string, or a structure of them) carries a placeholder."""
        if isinstance(value, str):
            return TOKEN_PREFIX in value
        if isinstance(value, Mapping):
            return any(PlaceholderBook.holds(item) for item in value.values())
        if isinstance(value, list | tuple):
            return any(PlaceholderBook.holds(item) for item in value)
        return False

    def template(self, value: str) -> str:
        """`value` with every placeholder written as `${<type>::<name>.<output>}`."""
        pieces: list[str] = []
        position = 0
        for match in _TOKEN.finditer(value):
            index = int(match.group(1))
            if index >= len(self._values):
                continue
            full = self._values[index]
            start = match.start() - (len(full) - len(match.group(0)))
            if start < position or value[start : match.end()] != full:
                start = match.start()  # the program kept only the token (a split, a slice)
            pieces.append(value[position:start])
            pieces.append(self._sources[index].placeholder)
            position = match.end()
        pieces.append(value[position:])
        return "".join(pieces)


def _unknown_output() -> pulumi.Output[Any]:
    import asyncio

    loop = asyncio.get_event_loop()

    def resolved(value: Any) -> asyncio.Future[Any]:
        future: asyncio.Future[Any] = loop.create_future()
        future.set_result(value)
        return future

    return pulumi.Output(set(), resolved(None), resolved(False), resolved(False))


@contextlib.contextmanager
def preview_faithful_applies(book: PlaceholderBook) -> Iterator[None]:
    """While the program runs, a callback given a placeholder counts only when its result keeps one.

    Its other results (and its exceptions) become unknown, which is what the callback's output is in
    a preview, where the callback does not run at all."""
    original: Callable[..., Any] = pulumi.Output.apply

    def apply(self: pulumi.Output[Any], func: Callable[[Any], Any], run_with_unknowns: bool = False) -> Any:
        def guarded(value: Any) -> Any:
            if not book.holds(value):
                return func(value)
            try:
                result = func(value)
            except Exception:
                return _unknown_output()
            if isinstance(result, pulumi.Output) or isawaitable(result) or book.holds(result):
                return result
            return _unknown_output()

        return original(self, guarded, run_with_unknowns)

    pulumi.Output.apply = apply  # type: ignore[method-assign]
    try:
        yield
    finally:
        pulumi.Output.apply = original  # type: ignore[method-assign]
