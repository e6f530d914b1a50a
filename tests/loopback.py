"""Real servers the tests start on 127.0.0.1 (moto, mlflow): a free port, and waiting until one
serves, failing with the tail of its log when it exits or never answers."""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

STARTUP_TIMEOUT = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_serving(
    name: str, probe_url: str, server: subprocess.Popen[bytes], log: Path, ready: str
) -> None:
    """Poll `probe_url` until it answers 200; `name` and `ready` word the failure
    ("moto server not ready after 60s")."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"{name} exited with {server.returncode}:\n{log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(probe_url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"{name} not {ready} after {STARTUP_TIMEOUT}s:\n{log.read_text()[-2000:]}")
