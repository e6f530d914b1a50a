"""`stackyard verify tracking` against a real `mlflow server` on 127.0.0.1 (SQLite backend store,
proxied local artifacts, as the Kubernetes backend serves them), and against a stopped one."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from stackyard.commands.verify import app
from stackyard.verify.tracking import VerificationFailed, verify_tracking
from tests.loopback import free_port, wait_until_serving


@pytest.fixture(scope="module")
def mlflow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("mlflow")
    port = free_port()
    uri = f"http://127.0.0.1:{port}"
    log = root / "server.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "mlflow",
                "server",
                "--backend-store-uri",
                f"sqlite:///{root / 'mlflow.db'}",
                "--serve-artifacts",
                "--artifacts-destination",
                str(root / "artifacts"),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                "1",
            ],
            stdout=output,
            stderr=subprocess.STDOUT,
            cwd=root,
            # The server's background job runner is not under test and slows its start.
            env={**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"},
        )
    try:
        wait_until_serving("mlflow server", f"{uri}/health", server, log, "healthy")
        yield uri
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def test_every_step_passes_and_cleans_up(mlflow_server: str) -> None:
    from mlflow.entities import ViewType
    from mlflow.tracking import MlflowClient

    result = CliRunner().invoke(app, ["tracking", "--uri", mlflow_server])

    assert result.exit_code == 0, result.output
    for step in ("reach server", "create experiment", "start run", "log run", "read back", "register model"):
        assert f"✓ {step}:" in result.output
    assert "✓ clean up: deleted registered model stackyard-verify-" in result.output
    assert f"tracking server at {mlflow_server} works" in result.output
    client = MlflowClient(tracking_uri=mlflow_server)
    assert client.search_registered_models() == []
    remaining = client.search_experiments(view_type=ViewType.ACTIVE_ONLY)
    assert [e.name for e in remaining if e.name.startswith("stackyard-verify-")] == []
    deleted = client.search_experiments(view_type=ViewType.DELETED_ONLY)
    assert any(e.name.startswith("stackyard-verify-") for e in deleted)  # soft-deleted, as documented


def test_a_failing_step_stops_with_its_reason_and_still_cleans_up(
    mlflow_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mlflow.entities import ViewType
    from mlflow.tracking import MlflowClient

    def refuse(self: MlflowClient, *args: object, **kwargs: object) -> None:
        raise RuntimeError("registry is read-only\nsecond line of detail")

    monkeypatch.setattr(MlflowClient, "create_registered_model", refuse)
    passed: list[str] = []

    with pytest.raises(VerificationFailed) as failure:
        verify_tracking(mlflow_server, on_pass=lambda step, detail: passed.append(step))

    assert failure.value.step == "register model"
    assert failure.value.message == "register model: registry is read-only"
    assert failure.value.exit_code == 1
    assert passed == ["reach server", "create experiment", "start run", "log run", "read back"]
    active = MlflowClient(tracking_uri=mlflow_server).search_experiments(view_type=ViewType.ACTIVE_ONLY)
    assert [e.name for e in active if e.name.startswith("stackyard-verify-")] == []


def test_a_stopped_server_is_one_clear_line_and_exit_1() -> None:
    port = free_port()  # nothing listens there once the probe socket is closed

    result = CliRunner().invoke(app, ["tracking", "--uri", f"http://127.0.0.1:{port}", "--timeout", "2"])

    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"✗ reach server: cannot reach http://127.0.0.1:{port}:")
    assert "refused" in lines[0].lower()
    assert "Traceback" not in result.output


@pytest.mark.parametrize("uri", ["sqlite:///mlflow.db", "mlflow.example.com", "./mlruns"])
def test_a_uri_that_is_not_a_server_is_bad_input(uri: str) -> None:
    result = CliRunner().invoke(app, ["tracking", "--uri", uri])

    assert result.exit_code == 2
    assert result.output.strip() == (
        f"✗ '{uri}' is not a tracking server URI: expected http(s)://host[:port], a SageMaker MLflow "
        "tracking server ARN, or databricks"
    )


@pytest.mark.parametrize(
    ("uri", "reason"),
    [
        ("http://", "'http://' has no host: expected http://host[:port]"),
        ("https://:5000", "'https://:5000' has no host: expected https://host[:port]"),
        (
            "http://127.0.0.1:99999",
            "'http://127.0.0.1:99999' has an invalid port '99999': expected a number from 1 to 65535",
        ),
        (
            "http://host:port",
            "'http://host:port' has an invalid port 'port': expected a number from 1 to 65535",
        ),
        ("http://[::1:5000", "'http://[::1:5000' is not a valid URI: Invalid IPv6 URL"),
        (
            "http://" + "a" * 64 + ":5000",
            f"'http://{'a' * 64}:5000' has an invalid host name: each dot-separated part must be 1 to 63 characters",
        ),
        ("http://host:0", "'http://host:0' has an invalid port 0: expected a number from 1 to 65535"),
        ("http://host:5000/?x=1", "'http://host:5000/?x=1': a tracking server URI has no query or fragment"),
        (
            "arn:aws:sagemaker:eu-west-1:123456789012:endpoint/prod",
            "'arn:aws:sagemaker:eu-west-1:123456789012:endpoint/prod' is not a SageMaker MLflow tracking "
            "server ARN: expected arn:aws:sagemaker:REGION:ACCOUNT:mlflow-tracking-server/NAME",
        ),
        (
            "arn:...",
            "'arn:...' is not a SageMaker MLflow tracking server ARN: expected "
            "arn:aws:sagemaker:REGION:ACCOUNT:mlflow-tracking-server/NAME",
        ),
    ],
)
def test_a_malformed_uri_or_port_is_bad_input_with_the_reason(uri: str, reason: str) -> None:
    result = CliRunner().invoke(app, ["tracking", "--uri", uri])

    assert result.exit_code == 2
    assert result.output.strip() == f"✗ {reason}"


def test_a_tracking_server_arn_is_accepted_as_written() -> None:
    from stackyard.verify.tracking import check_uri

    arn = "arn:aws:sagemaker:eu-west-1:123456789012:mlflow-tracking-server/ml-prod-mlflow"
    assert check_uri(f"  {arn} ") == arn
    assert check_uri("arn:aws-cn:sagemaker:cn-north-1:123456789012:mlflow-tracking-server/a").startswith(
        "arn:aws-cn"
    )
