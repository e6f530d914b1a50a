"""Proving that an MLflow tracking server works, end to end, with the `mlflow` client.

Each step does one thing a user of the server relies on and checks its result: the server
answers, an experiment is created, a run logs a parameter, a metric and an artifact, they read
back unchanged, a model version is registered from the run. Whatever the steps created is then
removed, also after a failure. MLflow deletes runs and experiments softly (they stay in the
backend store, marked deleted, until `mlflow gc`); the registered model is deleted for good.

`verify_tracking` stops at the first failed step and raises `VerificationFailed` with the step
and the reason; it never lets an mlflow or network exception through.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stackyard.errors import ExitCode, UserError
from stackyard.input_files import quoted

PARAM = ("stackyard_verify_param", "42")
METRIC = ("stackyard_verify_metric", 0.625)
ARTIFACT_DIR = "stackyard-verify"
ARTIFACT_NAME = "hello.txt"
SUPPORTED_SCHEMES = ("http", "https", "arn", "databricks")
"""Tracking URIs of a server (local file and database URIs are not a server)."""


class VerificationFailed(UserError):
    """A step failed: the server does not work as a tracking server should."""

    def __init__(self, step: str, reason: str) -> None:
        super().__init__(f"{step}: {reason}", exit_code=ExitCode.POLICY_FAILURE)
        self.step = step
        self.reason = reason


@dataclass
class Created:
    """What the steps created, so that clean-up removes exactly that."""

    experiment_id: str | None = None
    run_id: str | None = None
    model_name: str | None = None
    notes: list[str] = field(default_factory=list)


_TRACKING_SERVER_ARN = re.compile(
    r"arn:aws(?:-[a-z]+)*:sagemaker:[a-z]{2}(?:-[a-z]+)+-\d:\d{12}:mlflow-tracking-server/"
    r"[a-zA-Z0-9](?:-?[a-zA-Z0-9]){0,255}"
)
"""A SageMaker managed MLflow tracking server ARN (the server name as SageMaker allows it)."""


def check_uri(uri: str) -> str:
    """A tracking server URI, or a `UserError` (bad input, exit 2) saying what is wrong."""
    uri = uri.strip()
    scheme = uri.split(":", 1)[0].lower() if ":" in uri else ""
    if scheme not in SUPPORTED_SCHEMES:
        raise UserError(
            f"{quoted(uri)} is not a tracking server URI: expected http(s)://host[:port], a SageMaker MLflow "
            "tracking server ARN, or databricks"
        )
    if scheme == "arn":
        if not _TRACKING_SERVER_ARN.fullmatch(uri):
            raise UserError(
                f"{quoted(uri)} is not a SageMaker MLflow tracking server ARN: expected "
                "arn:aws:sagemaker:REGION:ACCOUNT:mlflow-tracking-server/NAME"
            )
    elif scheme in ("http", "https"):
        _check_http_uri(uri)
    return uri


def _check_http_uri(uri: str) -> None:
    try:
        parsed = urllib.parse.urlsplit(uri)
    except ValueError as error:  # an unclosed IPv6 bracket, say
        raise UserError(f"{quoted(uri)} is not a valid URI: {error}") from None
    if not parsed.hostname:
        raise UserError(f"{quoted(uri)} has no host: expected {parsed.scheme}://host[:port]")
    try:
        parsed.hostname.encode("idna")
    except UnicodeError:
        raise UserError(
            f"{quoted(uri)} has an invalid host name: each dot-separated part must be 1 to 63 characters"
        ) from None
    try:
        port = parsed.port
    except ValueError:
        raise UserError(
            f"{quoted(uri)} has an invalid port {quoted(parsed.netloc.rpartition(':')[2])}: "
            "expected a number from 1 to 65535"
        ) from None
    if port == 0:
        raise UserError(f"{quoted(uri)} has an invalid port 0: expected a number from 1 to 65535")
    if parsed.query or parsed.fragment:
        raise UserError(f"{quoted(uri)}: a tracking server URI has no query or fragment")


@contextlib.contextmanager
def _client_settings(timeout: int) -> Iterator[None]:
    """Fail fast: the mlflow client otherwise retries a dead server for minutes."""
    wanted = {
        "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0",
        "MLFLOW_HTTP_REQUEST_TIMEOUT": str(timeout),
    }
    saved = {key: os.environ.get(key) for key in wanted}
    os.environ.update(wanted)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _reason(error: BaseException) -> str:
    """One line a user can act on, from whatever mlflow, requests or urllib raised."""
    message = getattr(error, "message", None) or str(error) or type(error).__name__
    first = message.strip().splitlines()[0] if message.strip() else type(error).__name__
    return first if len(first) <= 300 else first[:297] + "..."


def _probe_health(uri: str, timeout: int) -> None:
    """For HTTP servers, a plain request first: a clear 'cannot reach' beats a client retry trace."""
    if not uri.lower().startswith(("http://", "https://")):
        return
    url = uri.rstrip("/") + "/health"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # http(s) only: checked above
            response.read()
    except urllib.error.HTTPError as error:
        raise VerificationFailed("reach server", f"{url} answered HTTP {error.code}") from None
    except (urllib.error.URLError, OSError) as error:
        cause = getattr(error, "reason", error)
        reason = getattr(cause, "strerror", None) or str(cause)
        raise VerificationFailed("reach server", f"cannot reach {uri}: {reason}") from None


def verify_tracking(uri: str, *, on_pass: Callable[[str, str], None], timeout: int = 15) -> None:
    """Run every step against the server at `uri`; `on_pass(step, detail)` is told of each success."""
    uri = check_uri(uri)
    with _client_settings(timeout):
        _probe_health(uri, timeout)
        from mlflow.tracking import MlflowClient

        client = MlflowClient(tracking_uri=uri, registry_uri=uri)
        created = Created()
        failure: VerificationFailed | None = None
        try:
            _run_steps(client, created, on_pass)
        except VerificationFailed as error:
            failure = error
        finally:
            cleanup_error = _clean_up(client, created)
        if failure is not None:
            raise failure
        if cleanup_error is not None:
            raise cleanup_error
        on_pass("clean up", "; ".join(created.notes))


def _step(name: str, action: Callable[[], Any]) -> Any:
    try:
        return action()
    except VerificationFailed:
        raise
    except Exception as error:
        raise VerificationFailed(name, _reason(error)) from None


def _expect(step: str, condition: bool, reason: str) -> None:
    if not condition:
        raise VerificationFailed(step, reason)


def _run_steps(client: Any, created: Created, on_pass: Callable[[str, str], None]) -> None:
    suffix = uuid.uuid4().hex[:12]

    _step("reach server", lambda: client.search_experiments(max_results=1))
    on_pass("reach server", "the tracking API answers")

    created.experiment_id = _step(
        "create experiment", lambda: client.create_experiment(f"stackyard-verify-{suffix}")
    )
    on_pass("create experiment", f"stackyard-verify-{suffix} (id {created.experiment_id})")

    run = _step("start run", lambda: client.create_run(created.experiment_id, run_name="stackyard-verify"))
    created.run_id = run.info.run_id
    on_pass("start run", f"run {created.run_id}")

    _step("log parameter", lambda: client.log_param(created.run_id, *PARAM))
    _step("log metric", lambda: client.log_metric(created.run_id, METRIC[0], METRIC[1], step=1))
    content = f"stackyard verify {suffix}\n"
    with tempfile.TemporaryDirectory(prefix="stackyard-verify-") as directory:
        local = Path(directory) / ARTIFACT_NAME
        local.write_text(content, encoding="utf-8")
        _step("log artifact", lambda: client.log_artifact(created.run_id, str(local), ARTIFACT_DIR))
    _step("end run", lambda: client.set_terminated(created.run_id, "FINISHED"))
    on_pass("log run", "a parameter, a metric and an artifact")

    _read_back(client, created.run_id, content)
    on_pass("read back", "parameter, metric and artifact match what was logged")

    model_name = f"stackyard-verify-{suffix}"
    _step("register model", lambda: client.create_registered_model(model_name))
    created.model_name = model_name
    source = f"{run.info.artifact_uri.rstrip('/')}/{ARTIFACT_DIR}"
    version = _step(
        "register model", lambda: client.create_model_version(model_name, source, run_id=created.run_id)
    )
    fetched = _step("register model", lambda: client.get_model_version(model_name, version.version))
    _expect(
        "register model",
        fetched.run_id == created.run_id,
        f"version {version.version} points at run {fetched.run_id}, expected {created.run_id}",
    )
    on_pass("register model", f"{model_name} version {version.version}")


def _read_back(client: Any, run_id: str, content: str) -> None:
    step = "read back"
    run = _step(step, lambda: client.get_run(run_id))
    params, metrics = run.data.params, run.data.metrics
    _expect(step, params.get(PARAM[0]) == PARAM[1], f"parameter {PARAM[0]} is {params.get(PARAM[0])!r}")
    _expect(step, metrics.get(METRIC[0]) == METRIC[1], f"metric {METRIC[0]} is {metrics.get(METRIC[0])!r}")
    _expect(step, run.info.status == "FINISHED", f"run status is {run.info.status}")
    listed = [item.path for item in _step(step, lambda: client.list_artifacts(run_id, ARTIFACT_DIR))]
    expected = f"{ARTIFACT_DIR}/{ARTIFACT_NAME}"
    _expect(step, expected in listed, f"artifact {expected} is not listed (found {listed or 'nothing'})")
    with tempfile.TemporaryDirectory(prefix="stackyard-verify-") as directory:
        path = _step(step, lambda: client.download_artifacts(run_id, expected, directory))
        downloaded = Path(path).read_text(encoding="utf-8")
    _expect(step, downloaded == content, "the downloaded artifact differs from the one logged")


def _clean_up(client: Any, created: Created) -> VerificationFailed | None:
    """Remove what was created, newest first; report the first thing that could not be removed."""
    removals: list[tuple[str, Callable[[], Any]]] = []
    if created.model_name:
        removals.append(
            (
                f"registered model {created.model_name}",
                lambda: client.delete_registered_model(created.model_name),
            )
        )
    if created.run_id:
        removals.append((f"run {created.run_id} (soft-deleted)", lambda: client.delete_run(created.run_id)))
    if created.experiment_id:
        removals.append(
            (
                f"experiment {created.experiment_id} (soft-deleted)",
                lambda: client.delete_experiment(created.experiment_id),
            )
        )
    failure = None
    for what, remove in removals:
        try:
            remove()
            created.notes.append(f"deleted {what}")
        except Exception as error:
            failure = failure or VerificationFailed("clean up", f"cannot delete {what}: {_reason(error)}")
    return failure
