"""Run a Python policy pack the way the Pulumi engine runs it, and speak the analyzer protocol to it.

The engine (pkg/resource/plugin/analyzer_plugin.go, and the Python language host's RunPlugin)
starts the pack's program in the pack directory, reads the gRPC port the program prints on its first line of stdout, then calls
`ConfigureStack`, `GetAnalyzerInfo`, `Configure` (the reconciled policy config), `Analyze` once per
resource (inputs, unknowns kept as sentinels, secrets kept as envelopes, internal keys dropped) and
`AnalyzeStack` once with every resource. So does this module: any Python pack built on
`pulumi_policy` works, not only stackyard's.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from google.protobuf import struct_pb2

from stackyard.check.model import CheckInput, Resource
from stackyard.check.pack_host import TEMPLATED_URNS_ENV, templated_properties, write_templated
from stackyard.errors import UserError

if TYPE_CHECKING:
    from stackyard.check.in_process import InProcessPack

PACK_HOST = str(Path(__file__).with_name("pack_host.py"))
START_TIMEOUT_S = 60.0
DEPLOYED_KINDS = ("export", "audit")
"""Inputs that describe deployed resources: packs see them as the engine does after an update
(not a dry run)."""
NO_ENGINE = "127.0.0.1:0"
IN_FLIGHT = 8
"""`Analyze` requests kept in flight: the pack's server has a thread pool, and pipelining hides
the round trip even where the GIL serialises the policies themselves."""
_MAX_MESSAGE = 400 * 1024 * 1024  # as the engine and pulumi_policy: a whole stack fits in one request
_CHANNEL_OPTIONS = [
    ("grpc.max_receive_message_length", _MAX_MESSAGE),
    ("grpc.max_send_message_length", _MAX_MESSAGE),
]


class PackProcess:
    """A started policy pack process; `close` stops it (`started_packs` does so for every pack)."""

    def __init__(
        self,
        path: Path,
        checked: CheckInput,
        deadline: float | None = None,
        templated_urns: Path | None = None,
    ) -> None:
        self.path = path.resolve()
        self.deadline = deadline
        """`time.monotonic()` by which every call must be answered (None: no limit)."""
        main = self.path / "__main__.py"
        if not (self.path / "PulumiPolicy.yaml").is_file() or not main.is_file():
            raise UserError(f"{path}: not a Python policy pack (needs PulumiPolicy.yaml and __main__.py)")
        self.manifest = read_manifest(self.path / "PulumiPolicy.yaml")
        env = dict(os.environ)
        env.update(
            {
                # What the engine passes to a pack (constructEnv in analyzer_plugin.go).
                "PULUMI_PROJECT": checked.project,
                "PULUMI_STACK": checked.stack,
                "PULUMI_DRY_RUN": "false" if checked.kind in DEPLOYED_KINDS else "true",
                "PULUMI_CONFIG": json.dumps(checked.config),
                "PYTHONUNBUFFERED": "1",
            }
        )
        if templated_urns is not None:
            env[TEMPLATED_URNS_ENV] = str(templated_urns)
        self._stderr: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the process; closed in close()
        # The Python language host runs `python -u -m pulumi.policy <engine> <pack dir>` in the pack
        # directory; `pulumi.policy` configures the runtime from the environment, then runs
        # `__main__.py`. `pack_host` does exactly that, with each policy's exceptions caught as its
        # own error result. There is no engine here: the address is never dialled by a pack.
        self._process = subprocess.Popen(
            # `-X faulthandler`: on SIGABRT the pack prints every thread's stack, which says which
            # rule was running when the time limit ran out (`_stuck_in`).
            [
                interpreter(self.path, self.manifest),
                "-X",
                "faulthandler",
                "-u",
                PACK_HOST,
                NO_ENGINE,
                str(self.path),
            ],
            cwd=self.path,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
        )
        self._channel: Any = None
        self._stub: Any = None
        self._analyze: Any = None

    def connect(self) -> None:
        """Wait for the port the pack prints, and open the channel."""
        import grpc
        from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

        port = self._read_port()
        self._channel = grpc.insecure_channel(f"127.0.0.1:{port}", options=_CHANNEL_OPTIONS)
        self._stub = analyzer_pb2_grpc.AnalyzerStub(self._channel)
        # `Analyze` answers stay bytes: most are byte-for-byte repeats (the same rules not
        # applicable to every resource of a type), which the caller then parses once.
        self._analyze = self._channel.unary_unary(
            "/pulumirpc.Analyzer/Analyze",
            request_serializer=analyzer_pb2.AnalyzeRequest.SerializeToString,
            response_deserializer=None,
        )

    def _read_port(self) -> int:
        assert self._process.stdout is not None
        deadline = min(time.monotonic() + START_TIMEOUT_S, self.deadline or float("inf"))
        line = b""
        while not line.endswith(b"\n"):
            remaining = deadline - time.monotonic()
            ready, _, _ = select.select([self._process.stdout], [], [], max(remaining, 0))
            if not ready and self.deadline is not None and time.monotonic() >= self.deadline:
                raise self.expired("starting (it printed no port yet)")
            if not ready:
                raise UserError(
                    f"{self.path}: the policy pack printed no port within {START_TIMEOUT_S:.0f} s"
                )
            chunk = os.read(self._process.stdout.fileno(), 64)
            if not chunk:
                raise UserError(f"{self.path}: the policy pack exited before serving:\n{self.stderr_tail()}")
            line += chunk
        try:
            return int(line.strip())
        except ValueError as e:
            raise UserError(f"{self.path}: the policy pack printed {line!r} instead of a port") from e

    def stderr_tail(self, limit: int = 4000) -> str:
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")[-limit:]

    def remaining(self) -> float | None:
        """Seconds left before the deadline (a call given 0 fails at once), or None."""
        return None if self.deadline is None else max(self.deadline - time.monotonic(), 0.001)

    def expired(self, doing: str) -> UserError:
        """The time limit ran out while the pack was `doing` something: stop it, and say which of
        its rules was running when its stack shows it."""
        from stackyard.deadline import TimeLimitExceeded

        where = self._stuck_in()
        return TimeLimitExceeded(
            f"policy pack {self.path}: no answer while {doing}"
            + (f"; it was running {where}" if where else "")
            + " (the time limit of --timeout ran out)"
        )

    def _stuck_in(self) -> str:
        """The innermost frame of the pack's own code in the stacks faulthandler prints on SIGABRT."""
        import re
        import signal

        if self._process.poll() is not None:
            return ""
        self._process.send_signal(signal.SIGABRT)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._process.wait(timeout=5)
        frames = re.findall(r'File "([^"]+)", line (\d+) in (\S+)', self.stderr_tail(64_000))
        for filename, line, function in frames:  # innermost first, thread by thread
            if Path(filename).is_relative_to(self.path):
                return f"{function} ({Path(filename).relative_to(self.path)}:{line})"
        return ""

    def call(self, method: str, request: Any) -> Any:
        import grpc

        try:
            return getattr(self._stub, method)(request, timeout=self.remaining())
        except grpc.RpcError as e:
            if e.code() == grpc.StatusCode.DEADLINE_EXCEEDED:
                raise self.expired(f"answering {method}") from None
            raise UserError(f"{self.path}: {method} failed: {e.details()}\n{self.stderr_tail()}") from e

    def configure_stack(self, checked: CheckInput) -> None:
        import grpc

        try:
            self._stub.ConfigureStack(stack_configure_request(checked), timeout=self.remaining())
        except grpc.RpcError as e:
            if e.code() == grpc.StatusCode.DEADLINE_EXCEEDED:
                raise self.expired("answering ConfigureStack") from None
            # Older packs lack ConfigureStack; the engine carries on, and so do we.
            if e.code() != grpc.StatusCode.UNIMPLEMENTED:
                raise UserError(f"{self.path}: ConfigureStack failed: {e.details()}") from e

    def analyze(
        self,
        next_request: Callable[[], tuple[int, Any] | None],
        responses: list[Any],
        progress: Callable[[int], None] | None = None,
    ) -> None:
        """Send `Analyze` requests, pipelined, while `next_request` gives one (with its index);
        each response (a serialized `AnalyzeResponse`) goes to its index in `responses`."""
        import grpc

        pending: deque[tuple[int, Any, str]] = deque()
        urn = ""
        try:
            while True:
                job = next_request() if len(pending) < IN_FLIGHT else None
                if job is not None:
                    index, request = job
                    pending.append(
                        (index, self._analyze.future(request, timeout=self.remaining()), request.urn)
                    )
                    continue
                if not pending:
                    return
                index, future, urn = pending.popleft()
                responses[index] = future.result()
                if progress:
                    progress(1)
        except grpc.RpcError as e:
            if e.code() == grpc.StatusCode.DEADLINE_EXCEEDED:
                raise self.expired(f"analyzing {urn}") from None
            raise UserError(f"{self.path}: Analyze failed: {e.details()}\n{self.stderr_tail()}") from e

    def analyze_stack(self, request: Any) -> StackAnalysis:
        """Send `AnalyzeStack` now; it runs in the pack while this process sends other requests."""
        return StackAnalysis(self, self._stub.AnalyzeStack.future(request, timeout=self.remaining()))

    def close(self) -> None:
        if self._channel is not None:
            self._channel.close()
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        if self._process.stdout:
            self._process.stdout.close()
        self._stderr.close()


class StackAnalysis:
    """An `AnalyzeStack` call under way."""

    def __init__(self, process: PackProcess, future: Any) -> None:
        self._process, self._future = process, future

    def wait(self) -> None:
        """Until the pack has answered (or failed: `result` reports that)."""
        self._future.exception()

    def result(self) -> Any:
        import grpc

        try:
            return self._future.result()
        except grpc.RpcError as e:
            if e.code() == grpc.StatusCode.DEADLINE_EXCEEDED:
                raise self._process.expired("analyzing the stack (its stack policies)") from None
            raise UserError(
                f"{self._process.path}: AnalyzeStack failed: {e.details()}\n{self._process.stderr_tail()}"
            ) from e


RESOURCES_PER_WORKER = 400
"""Below this many resources per process, another process costs more to start than it saves."""


def worker_count(resources: int) -> int:
    """Processes to run per pack: `Analyze` calls are independent of each other, so a pack's work
    splits across processes, one per core, when the stack is large enough to pay for it."""
    return max(1, min(os.cpu_count() or 1, resources // RESOURCES_PER_WORKER))


def stack_configure_request(checked: CheckInput) -> Any:
    """The `ConfigureStack` request the engine sends a pack before anything else."""
    from pulumi.runtime.proto import analyzer_pb2

    return analyzer_pb2.AnalyzerStackConfigureRequest(
        stack=checked.stack,
        project=checked.project,
        dry_run=checked.kind not in DEPLOYED_KINDS,
        config=checked.config,
    )


@dataclass
class PackWorkers:
    """The processes running one pack; the first also answers the one-off calls."""

    processes: list[PackProcess]
    evaluation = "engine"
    """What the evidence says ran the pack (`stackyard.check.in_process.ENGINE`)."""

    @property
    def main(self) -> PackProcess:
        return self.processes[0]

    @property
    def path(self) -> Path:
        return self.main.path

    @property
    def manifest(self) -> dict[str, Any]:
        return self.main.manifest

    def call(self, method: str, request: Any) -> Any:
        """A one-off call (`GetAnalyzerInfo`), answered by the first process."""
        return self.main.call(method, request)

    def connect(self, checked: CheckInput) -> None:
        for process in self.processes:
            process.connect()
            process.configure_stack(checked)

    def each(self, method: str, request: Any) -> Any:
        """Call `method` on every process (configuration must reach all); return the first answer."""
        answers = [process.call(method, request) for process in self.processes]
        return answers[0]

    def analyze_all(
        self,
        requests: Sequence[Any],
        stack_request: Any | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> tuple[list[Any], StackAnalysis | None]:
        """Every `Analyze` request, answered in order (serialized `AnalyzeResponse`s), and the
        `AnalyzeStack` call when there is one.

        The processes take `Analyze` requests from one queue as they have room. The first process
        runs the stack analysis, and while it does, it takes none when others can: a process busy
        with the stack would answer them late and finish last."""
        stack = self.main.analyze_stack(stack_request) if stack_request is not None else None
        responses: list[Any] = [None] * len(requests)
        queue = iter(enumerate(requests))
        lock = threading.Lock()

        def next_request() -> tuple[int, Any] | None:
            with lock:
                return next(queue, None)

        def serve(process: PackProcess) -> None:
            if stack is not None and process is self.main and len(self.processes) > 1:
                stack.wait()
            process.analyze(next_request, responses, progress)

        if len(self.processes) == 1:
            serve(self.main)
            return responses, stack
        with ThreadPoolExecutor(len(self.processes)) as pool:
            for job in [pool.submit(serve, process) for process in self.processes]:
                job.result()
        return responses, stack


@contextlib.contextmanager
def started_packs(
    paths: Sequence[Path], checked: CheckInput, timeout_s: float | None = None, engine_faithful: bool = False
) -> Iterator[list[PackWorkers | InProcessPack]]:
    """Start every pack process at once (their start-up overlaps the caller's own work until it
    connects to them); stop all on exit. With `timeout_s`, every call to a pack must be answered
    within that many seconds of now, or the check stops naming the pack and what it was doing.

    stackyard's own catalog is evaluated in this process instead (`stackyard.check.in_process`),
    unless `engine_faithful` asks for every pack to run as the engine runs it."""
    from stackyard.check.in_process import InProcessPack, serves_in_process

    deadline = time.monotonic() + timeout_s if timeout_s else None
    workers = worker_count(len(checked.resources))
    packs: list[PackWorkers | InProcessPack] = []
    # Only properties with templates can have a policy decide on one: only reads of those are watched.
    templated = templated_properties((r.urn, r.templates) for r in checked.resources if r.templates)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".urns") as listing:
        write_templated(templated, listing)
        try:
            for path in paths:
                if not engine_faithful and serves_in_process(path):
                    packs.append(InProcessPack(path, checked, deadline, templated))
                    continue
                started = PackWorkers([])
                packs.append(started)
                for _ in range(workers):
                    started.processes.append(PackProcess(path, checked, deadline, Path(listing.name)))
            yield packs
        finally:
            for pack in packs:
                if isinstance(pack, PackWorkers):
                    for process in pack.processes:
                        process.close()


def interpreter(pack: Path, manifest: dict[str, Any]) -> str:
    """The pack's own virtualenv when its manifest names one (`runtime.options.virtualenv`), as the
    Python language host would use; otherwise the interpreter running stackyard."""
    runtime = manifest.get("runtime")
    options = runtime.get("options") if isinstance(runtime, dict) else None
    virtualenv = options.get("virtualenv") if isinstance(options, dict) else None
    if isinstance(virtualenv, str):
        python = (pack / virtualenv / "bin" / "python").absolute()
        if python.exists():
            return str(python)
    return sys.executable


def read_manifest(path: Path) -> dict[str, Any]:
    import yaml

    try:
        manifest = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as e:
        raise UserError(f"{path}: unreadable policy pack manifest: {e}") from e
    if not isinstance(manifest, dict):
        raise UserError(f"{path}: the policy pack manifest is not a mapping")
    return manifest


def properties_struct(value: dict[str, Any]) -> Any:
    """Properties as every request carries them (a `google.protobuf.Struct`)."""
    struct = struct_pb2.Struct()
    struct.update(value)
    return struct


def build_requests(resources: Sequence[Resource], stack: bool = True) -> tuple[list[Any], Any | None]:
    """The `Analyze` request of each resource and the one `AnalyzeStack` request (None without
    `stack`: no pack process needs it; stackyard's catalog in-process builds its stack from the
    resources and these requests, `stackyard.check.in_process`).

    They are the same for every pack, so they are built once. A provider's message and a set of
    options are built once too and shared: thousands of resources use a handful of each.
    """
    from pulumi.runtime.proto import analyzer_pb2

    providers: dict[str, Any] = {}
    options: dict[tuple[Any, ...], Any] = {}

    def provider_of(resource: Resource) -> Any:
        p = resource.provider
        if p is None:
            return None
        if p.urn not in providers:
            providers[p.urn] = analyzer_pb2.AnalyzerProviderResource(
                urn=p.urn, type=p.type, name=p.name, properties=properties_struct(p.properties)
            )
        return providers[p.urn]

    def options_of(resource: Resource) -> Any:
        key = (
            resource.protect,
            resource.ignore_changes,
            resource.delete_before_replace,
            resource.additional_secret_outputs,
            resource.aliases,
            resource.parent,
        )
        if key not in options:
            options[key] = analyzer_pb2.AnalyzerResourceOptions(
                protect=resource.protect,
                ignoreChanges=list(resource.ignore_changes),
                deleteBeforeReplace=bool(resource.delete_before_replace),
                deleteBeforeReplaceDefined=resource.delete_before_replace is not None,
                additionalSecretOutputs=list(resource.additional_secret_outputs),
                aliases=list(resource.aliases),
                customTimeouts=analyzer_pb2.AnalyzerResourceOptions.CustomTimeouts(),
                parent=resource.parent,
            )
        return options[key]

    analyze: list[Any] = []
    stack_resources: list[Any] = []
    for resource in resources:
        inputs = properties_struct(resource.inputs)
        resource_options, provider = options_of(resource), provider_of(resource)
        analyze.append(
            analyzer_pb2.AnalyzeRequest(
                urn=resource.urn,
                type=resource.type,
                name=resource.name,
                properties=inputs,
                options=resource_options,
                provider=provider,
            )
        )
        if not stack:
            continue
        # The engine gives stack policies the final outputs; a plan or preview has none, so they
        # get the inputs, which is what the outputs of a create are at preview.
        outputs = properties_struct(resource.outputs) if resource.outputs is not None else inputs
        stack_resources.append(
            analyzer_pb2.AnalyzerResource(
                urn=resource.urn,
                type=resource.type,
                name=resource.name,
                properties=outputs,
                options=resource_options,
                provider=provider,
                parent=resource.parent,
                dependencies=list(resource.dependencies),
                propertyDependencies={
                    k: analyzer_pb2.AnalyzerPropertyDependencies(urns=v)
                    for k, v in resource.property_dependencies.items()
                    if v
                },
            )
        )
    return analyze, analyzer_pb2.AnalyzeStackRequest(resources=stack_resources) if stack else None
