"""Provider functions the program calls during an offline plan: the answers a user gives for the
lookups of things that live in an account, and what happens to the lookups nobody answered.

A lookup (`aws.ec2.get_ami`, `aws.route53.get_zone`, ...) asks the cloud, which a plan cannot.
Its answer comes from the user: the `stackyard:invokes` key of the stack config, or a file given
with `--invokes`. Both hold the same list:

    invokes:
      - token: aws:ec2/getAmi:getAmi
        args: {mostRecent: true, owners: [amazon]}   # optional: matches calls whose args include these
        result: {id: ami-0c55b159cbfafe1f0, architecture: x86_64}

Keys are the provider's wire names (camelCase), as `pulumi preview` sends them. The first entry
whose token matches and whose `args` are contained in the call's arguments answers it.

Without an answer a lookup is unknown, as in a preview whose inputs are not yet known: the `_output`
forms give an unknown Output, and the plain forms give results whose fields are unknown. Used as a
resource input such a field stays unknown in the plan; used as a concrete value (a string
operation in the program) it stops the plan with the snippet to add. Nothing is ever invented.
"""

from __future__ import annotations

import contextlib
import contextvars
import inspect
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from stackyard.errors import UserError

Answered = Literal["computed", "invokes", "unknown"]
"""How a call was answered: computed offline, from the user's invokes, or left unknown."""


class InvokeAnswer(BaseModel):
    """One answer a user gives for a provider function that looks something up in an account."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    token: str = Field(description="The function's token, e.g. aws:ec2/getAmi:getAmi.", min_length=1)
    args: dict[str, Any] = Field(
        default_factory=dict,
        description="Arguments a call must include to get this answer (wire names); empty matches every call.",
    )
    result: dict[str, Any] = Field(
        description="The function's result (wire names), as the provider returns it."
    )


class InvokesFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    invokes: list[InvokeAnswer] = Field(description="Answers, the first matching one wins.")


def _contains(call: Any, wanted: Any) -> bool:
    """Whether `wanted` is contained in `call`: mappings by key, lists item by item, scalars equal
    (1 and 1.0 are the same number, as on the wire)."""
    if isinstance(wanted, dict):
        return isinstance(call, dict) and all(
            key in call and _contains(call[key], value) for key, value in wanted.items()
        )
    if isinstance(wanted, list):
        return (
            isinstance(call, list)
            and len(call) == len(wanted)
            and all(_contains(a, b) for a, b in zip(call, wanted, strict=True))
        )
    return bool(call == wanted)


def parse_answers(document: Any, source: str, yaml_document: Any = None) -> list[InvokeAnswer]:
    """Answers from a parsed document: `{invokes: [...]}` (a file) or the list itself (config)."""
    from stackyard.input_files import INVOKES, validate_shape

    if isinstance(document, list):
        document = {"invokes": document}
    if document is None:
        return []
    return list(validate_shape(InvokesFile, document, source, INVOKES, yaml_document).invokes)


def load_answers_file(path: Path) -> list[InvokeAnswer]:
    """The answers in an invokes file, read through the input layer (size, UTF-8, depth, aliases,
    duplicate keys), its shape checked with the path and line of each problem."""
    from stackyard.input_files import INVOKES, load_yaml_document

    document = load_yaml_document(path, INVOKES)
    return parse_answers(document.data, str(path), document)


@dataclass
class InvokeCall:
    """One call the program made, for the plan's listing."""

    token: str
    args: dict[str, Any]
    answered: Answered
    call_site: str

    def as_json(self) -> dict[str, Any]:
        return {"token": self.token, "args": self.args, "answered": self.answered, "callSite": self.call_site}


@dataclass
class InvokeBook:
    """The answers of one run and the log of the calls made."""

    answers: list[InvokeAnswer] = field(default_factory=list)
    calls: list[InvokeCall] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def lookup(self, token: str, args: dict[str, Any]) -> dict[str, Any] | None:
        for answer in self.answers:
            if answer.token == token and _contains(args, answer.args):
                return dict(answer.result)
        return None

    def log(self, call: InvokeCall) -> None:
        with self._lock:
            self.calls.append(call)


# --- Where the program called a function, carried to the monitor's thread ---------------------

_call_site: contextvars.ContextVar[str] = contextvars.ContextVar("stackyard_invoke_call_site", default="")

_SKIPPED_PATHS = (
    str(Path(contextlib.__file__).parent),  # the standard library
    "site-packages",
    str(Path(__file__).resolve().parent.parent),  # stackyard itself
)


def program_call_site() -> str:
    """`file:line` of the innermost frame of the user's program (not the SDK, not stackyard)."""
    frame = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not filename.startswith("<") and not any(part in filename for part in _SKIPPED_PATHS):
            return f"{filename}:{frame.f_lineno}"
        frame = frame.f_back  # type: ignore[assignment]
    return "(unknown call site)"


def current_call_site() -> str:
    return _call_site.get()


# --- Unknown results the program may only pass on ---------------------------------------------


def _wire_name(python_name: str) -> str:
    head, *rest = python_name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


class NeedsConcreteValue(UserError):
    """The program used an unanswered lookup's result as a concrete value."""


def _snippet(token: str, args: dict[str, Any], fields: list[str]) -> str:
    entry: dict[str, Any] = {"token": token}
    if args:
        entry["args"] = args
    entry["result"] = {name: "<value>" for name in fields}
    text = yaml.safe_dump([entry], sort_keys=False, default_flow_style=None, width=100)
    return "\n".join(f"    {line}" for line in text.rstrip().splitlines())


def _unanswered_message(token: str, args: dict[str, Any], call_site: str, used_field: str) -> str:
    return (
        f"{call_site}: the program uses {used_field!r} of {token} as a concrete value, and that lookup has "
        "no answer offline (it asks the cloud). Add its answer to the stack config under "
        "stackyard:invokes, or to a file given with --invokes:\n" + _snippet(token, args, [used_field])
    )


def _unknown_class() -> type:
    from pulumi.output import Unknown

    return Unknown


def _raise_needs_value(self: Any, *_: Any, **__: Any) -> Any:
    raise NeedsConcreteValue(_unanswered_message(self._token, self._args, self._call_site, self._field))


def _falsy_to_the_sdk(self: Any) -> bool:
    # The SDK's generated result types check each field with `if value and not isinstance(...)`:
    # to them an unknown is falsy and passes. To the program, truth is a concrete use.
    caller = sys._getframe(1).f_code.co_filename
    if "site-packages" in caller or caller.startswith(_SKIPPED_PATHS[0]):
        return False
    _raise_needs_value(self)
    return False


def _make_unanswered_type() -> type:
    """A subclass of the SDK's `Unknown`, so resource inputs built from it stay unknown, that stops
    the plan with a clear message when the program treats it as a concrete value."""
    unknown = _unknown_class()
    namespace: dict[str, Any] = {
        "__slots__": ("_token", "_args", "_call_site", "_field"),
        "__repr__": lambda self: f"<unknown {self._field} of {self._token}>",
        "__bool__": _falsy_to_the_sdk,
        "__getattr__": lambda self, name: (
            _raise_needs_value(self) if not name.startswith("_") else object.__getattribute__(self, name)
        ),
    }
    for dunder in (
        "__str__",
        "__format__",
        "__add__",
        "__radd__",
        "__mod__",
        "__mul__",
        "__getitem__",
        "__iter__",
        "__len__",
        "__contains__",
        "__int__",
        "__float__",
        "__index__",
        "__fspath__",
        "__lt__",
        "__gt__",
        "__le__",
        "__ge__",
    ):
        namespace[dunder] = _raise_needs_value
    return type("UnansweredValue", (unknown,), namespace)


_UNANSWERED: type | None = None


def unanswered_value(token: str, args: dict[str, Any], call_site: str, field_name: str) -> Any:
    global _UNANSWERED
    if _UNANSWERED is None:
        _UNANSWERED = _make_unanswered_type()
    value: Any = object.__new__(_UNANSWERED)
    object.__setattr__(value, "_token", token)
    object.__setattr__(value, "_args", args)
    object.__setattr__(value, "_call_site", call_site)
    object.__setattr__(value, "_field", field_name)
    return value


def unanswered_result(typ: type | None, token: str, args: dict[str, Any], call_site: str) -> Any:
    """A plain-form result whose every field is unknown."""
    if typ is None:
        return {}
    names = [name for name in inspect.signature(typ).parameters if name != "self"]
    return typ(**{name: unanswered_value(token, args, call_site, _wire_name(name)) for name in names})


# --- The SDK's invoke entry points, wrapped for the length of a plan ---------------------------


@contextlib.contextmanager
def tracking_invokes(book: InvokeBook) -> Iterator[None]:
    """Wrap `pulumi.runtime.invoke` and friends for the length of a plan: remember where the
    program called them (the monitor logs it), and give a plain call that got no answer a result
    whose fields are unknown, where the SDK would fail on a missing result."""
    import pulumi.runtime as runtime

    names = ("invoke", "invoke_single", "invoke_output", "invoke_output_single")
    originals = {name: getattr(runtime, name) for name in names}

    def with_site(name: str) -> Callable[..., Any]:
        original = originals[name]

        def wrapper(tok: str, *args: Any, **kwargs: Any) -> Any:
            site = program_call_site()
            context = _call_site.set(site)
            calls_before = len(book.calls)
            try:
                result = original(tok, *args, **kwargs)
            finally:
                _call_site.reset(context)
            if name == "invoke" and result.value is None and not result.is_known:
                typ = kwargs.get("typ", args[2] if len(args) > 2 else None)
                logged = [call for call in book.calls[calls_before:] if call.token == tok]
                if not logged:
                    # The SDK skipped the call: its arguments are not known yet in preview.
                    book.log(InvokeCall(tok, {}, "unknown", site))
                call_args = logged[-1].args if logged else {}
                result.value = unanswered_result(typ, tok, call_args, site)
            return result

        return wrapper

    for name in names:
        setattr(runtime, name, with_site(name))
    try:
        yield
    finally:
        for name, original in originals.items():
            setattr(runtime, name, original)
