"""The base every spec model shares, and the way cross-field rules report errors with paths."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from types import UnionType
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, ValidationError, ValidatorFunctionWrapHandler, model_validator
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails, InitErrorDetails, PydanticCustomError

Loc = tuple[str | int, ...]
"""A location inside a spec, as pydantic reports it: ("serving", "endpoints", 2, "instance_type")."""


class SpecModel(BaseModel):
    """Immutable, strict model: an unknown key is an error, never silently ignored.

    pydantic runs a model's cross-field rules (`model_validator(mode="after")`) only when every
    field validated. So that one run reports everything, a model whose fields failed runs its
    rules itself on what did validate (`_rules_beside_field_errors`): a rule that reads only
    valid fields reports its errors beside the field errors; one that reads an invalid field
    stops there, keeping what it had found before.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=False)

    @model_validator(mode="wrap")
    @classmethod
    def _rules_beside_field_errors(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        # The wrap encloses field validation only: pydantic runs the after-rules outside it, and
        # not at all when this raises.
        try:
            return handler(data)
        except ValidationError as error:
            field_errors = error.errors(include_url=False)
            partial = _partial_model(cls, data, field_errors)
            rule_errors = _rule_errors(cls, partial) if partial is not None else []
            if not rule_errors:
                raise
            raise ValidationError.from_exception_data(
                cls.__name__, [_as_init(detail) for detail in field_errors] + rule_errors
            ) from None


class SpecIssues:
    """Collects the errors of a cross-field rule so that a validator reports all of them at once.

    A `ValidationError` raised from a nested model's `model_validator(mode="after")` has its
    locations prefixed by pydantic with the path to that model, so every message ends up with its
    full path (`serving.endpoints[2].autoscaling`).
    """

    def __init__(self) -> None:
        self._errors: list[InitErrorDetails] = []
        started = _STARTED_ISSUES.get()
        if started is not None:
            started.append(self)

    def add(self, loc: Loc | str, message: str, value: Any = None) -> None:
        if isinstance(loc, str):
            loc = (loc,)
        self._errors.append(_message_error(loc, message, value))

    def extend(self, prefix: Loc, issues: Iterable[tuple[Loc, str]]) -> None:
        for loc, message in issues:
            self.add(prefix + tuple(loc), message)

    def __bool__(self) -> bool:
        return bool(self._errors)

    def raise_if_any(self, title: str) -> None:
        if self._errors:
            raise ValidationError.from_exception_data(title, self._errors)


class _NeedsInvalidField(Exception):
    """A cross-field rule used a field that did not validate: it cannot be judged."""


class _Invalid:
    """Stands for a field that did not validate in a model whose rules run on the rest: any use
    of it (attribute, comparison, truth, iteration, formatting) stops the rule that made it."""

    def __repr__(self) -> str:
        return "<invalid field>"

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # protocols probed by copy and pydantic, not a rule's reading
            raise AttributeError(name)
        raise _NeedsInvalidField

    def __deepcopy__(self, memo: dict[int, Any]) -> _Invalid:
        return self


def _refuse(self: _Invalid, *args: Any, **kwargs: Any) -> Any:
    raise _NeedsInvalidField


_USES = (
    "__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__hash__", "__bool__", "__len__",
    "__iter__", "__contains__", "__getitem__", "__str__", "__format__", "__int__", "__float__",
    "__index__", "__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__", "__truediv__",
    "__floordiv__", "__mod__", "__and__", "__or__", "__call__",
)  # fmt: skip
for _use in _USES:
    setattr(_Invalid, _use, _refuse)

INVALID: Any = _Invalid()

_STARTED_ISSUES: ContextVar[list[SpecIssues] | None] = ContextVar("stackyard_started_issues", default=None)


@contextmanager
def _issues_started() -> Iterator[list[SpecIssues]]:
    """The `SpecIssues` a rule creates while it runs, so that a rule stopped by an invalid field
    still reports what it found before it got there."""
    started: list[SpecIssues] = []
    token = _STARTED_ISSUES.set(started)
    try:
        yield started
    finally:
        _STARTED_ISSUES.reset(token)


def _unchecked(self: SpecModel) -> SpecModel:
    return self


@cache
def _fields_only(model: type[SpecModel]) -> type[SpecModel]:
    """`model` with its after-rules switched off and its required fields defaulting to INVALID:
    validating the fields that passed gives their values, as the real model would hold them."""
    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = {"__module__": model.__module__, "__annotations__": annotations}
    for name, field in model.model_fields.items():
        if field.is_required():
            annotations[name] = field.annotation
            namespace[name] = FieldInfo.merge_field_infos(field, default=INVALID)
    for decorator in model.__pydantic_decorators__.model_validators.values():
        if decorator.info.mode == "after":
            namespace[decorator.cls_var_name] = _unchecked
    return type(f"{model.__name__}Fields", (model,), namespace)


def _errors_under(errors: Iterable[ErrorDetails], key: str | int) -> list[ErrorDetails]:
    """The errors located under `key`, their locations made relative to it."""
    return [{**detail, "loc": detail["loc"][1:]} for detail in errors if detail["loc"][:1] == (key,)]


def _partial_model(model: type[SpecModel], data: Any, errors: list[ErrorDetails]) -> SpecModel | None:
    """An instance of `model` holding the fields of `data` that validated; those that did not are
    INVALID, or for a nested model (or a list or mapping of them) the part of it that validated."""
    if not isinstance(data, Mapping):
        return None
    failed = {detail["loc"][0] for detail in errors if detail["loc"]}
    valid = {key: value for key, value in data.items() if key in model.model_fields and key not in failed}
    try:
        values = dict(_fields_only(model).model_validate(valid).__dict__)
    except ValidationError:
        return None
    for name, field in model.model_fields.items():
        if name in failed:
            values[name] = _partial_value(field.annotation, data.get(name), _errors_under(errors, name))
    # The fields the user gave stay the ones set: rules ask `model_fields_set` what was chosen.
    return model.model_construct(_fields_set={key for key in data if key in model.model_fields}, **values)


def _partial_value(annotation: Any, raw: Any, errors: list[ErrorDetails]) -> Any:
    if get_origin(annotation) in (Union, UnionType):
        for option in get_args(annotation):
            value = _partial_value(option, raw, errors)
            if value is not INVALID:
                return value
        return INVALID
    if isinstance(annotation, type) and issubclass(annotation, SpecModel):
        partial = _partial_model(annotation, raw, errors)
        return INVALID if partial is None else partial
    item = _model_item(annotation)
    if get_origin(annotation) is list and item is not None and isinstance(raw, list):
        return [_item_value(item, index, value, errors) for index, value in enumerate(raw)]
    if get_origin(annotation) is dict and item is not None and isinstance(raw, Mapping):
        return {key: _item_value(item, key, value, errors) for key, value in raw.items()}
    return INVALID


def _model_item(annotation: Any) -> type[SpecModel] | None:
    """The model a `list[Model]` or `dict[str, Model]` holds, if it holds one."""
    args = get_args(annotation)
    item = args[-1] if args else None
    return item if isinstance(item, type) and issubclass(item, SpecModel) else None


def _item_value(model: type[SpecModel], key: str | int, raw: Any, errors: list[ErrorDetails]) -> Any:
    under = _errors_under(errors, key)
    if not under:
        return model.model_validate(raw)
    return _partial_value(model, raw, under)


def _rule_errors(model: type[SpecModel], partial: SpecModel) -> list[InitErrorDetails]:
    """What `model`'s after-rules find in a partly valid instance, rule by rule."""
    found: list[InitErrorDetails] = []
    for decorator in model.__pydantic_decorators__.model_validators.values():
        if decorator.info.mode != "after":
            continue
        with _issues_started() as started:
            try:
                decorator.func(partial)
            except ValidationError as error:
                found += [_as_init(detail) for detail in error.errors(include_url=False)]
            except (ValueError, AssertionError) as error:
                kind = "Assertion failed" if isinstance(error, AssertionError) else "Value error"
                found.append(_message_error((), f"{kind}, {error}", partial))
            except _NeedsInvalidField:
                found += [detail for issues in started for detail in issues._errors]
    return found


def _message_error(loc: Loc, message: str, value: Any, kind: str = "stackyard_spec") -> InitErrorDetails:
    # The message is passed as a context value so that braces in user input are never
    # interpreted as a format string.
    return InitErrorDetails(
        type=PydanticCustomError(kind, "{detail}", {"detail": message}), loc=loc, input=value
    )


def _as_init(detail: ErrorDetails) -> InitErrorDetails:
    """An error as pydantic reported it, to be raised again with others: same place, same words."""
    return _message_error(tuple(detail["loc"]), detail["msg"], detail.get("input"), detail["type"])


def format_loc(loc: Sequence[str | int]) -> str:
    """`("serving", "endpoints", 2, "instance_type")` -> `serving.endpoints[2].instance_type`."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "(spec)"


def duplicates(values: Iterable[str]) -> list[str]:
    """The values that occur more than once, in first-seen order."""
    seen: set[str] = set()
    repeated: list[str] = []
    for value in values:
        if value in seen and value not in repeated:
            repeated.append(value)
        seen.add(value)
    return repeated


class SectionSpec(SpecModel):
    """A capability's section of the root spec.

    Rules that need the whole stack (the region offers a service, a name refers to another
    section) are answered by these hooks, which `StackSpec` calls once every section is valid.
    """

    def required_services(self) -> set[str]:
        """botocore service names this section needs offered in the stack's region."""
        return set()

    def required_vpc_endpoints(self) -> set[str]:
        """AWS services this section's workloads reach from private subnets, as VPC endpoint
        suffixes (`ecs-agent`, `secretsmanager`); a created network adds them to its endpoints."""
        return set()

    def stack_issues(self, stack: Any) -> Iterable[tuple[Loc, str]]:
        """Problems that only show against the whole stack, located relative to this section."""
        return ()
