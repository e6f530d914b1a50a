"""Answers of a slow library kept on disk per installed version (stackyard.sdk_answer_cache)."""

from __future__ import annotations

import json
from importlib import metadata
from pathlib import Path

import pytest

from stackyard.sdk_answer_cache import Answers


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("STACKYARD_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _unused() -> object:
    raise AssertionError("a kept answer is not computed again")


def _not_supported() -> object:
    raise ValueError("Unsupported region: mars-1")


def test_an_answer_is_kept_per_version_and_not_computed_again(cache: Path) -> None:
    assert Answers("pydantic").get("q", lambda: ["a", "b"]) == ["a", "b"]
    kept = cache / f"pydantic-{metadata.version('pydantic')}.json"
    assert json.loads(kept.read_text()) == {"q": {"value": ["a", "b"]}}
    # A new process (a new Answers) reads the file instead of computing.
    assert Answers("pydantic").get("q", _unused) == ["a", "b"]


def test_a_not_supported_answer_is_kept_and_raised_again(cache: Path) -> None:
    with pytest.raises(ValueError, match="Unsupported region: mars-1"):
        Answers("pydantic").get("region mars-1", _not_supported)
    with pytest.raises(ValueError, match="Unsupported region: mars-1"):
        Answers("pydantic").get("region mars-1", _unused)


def test_answers_of_two_processes_are_both_kept(cache: Path) -> None:
    first, second = Answers("pydantic"), Answers("pydantic")
    first.get("one", lambda: 1)
    second.get("two", lambda: 2)
    first.get("three", lambda: 3)  # `first` never read "two"; writing merges what is on disk
    assert sorted(json.loads(next(cache.iterdir()).read_text())) == ["one", "three", "two"]


def test_a_damaged_file_is_ignored(cache: Path) -> None:
    answers = Answers("pydantic")
    assert answers.path is not None
    answers.path.parent.mkdir(parents=True)
    answers.path.write_text("{not json")
    assert answers.get("q", lambda: 7) == 7
    assert json.loads(answers.path.read_text()) == {"q": {"value": 7}}


def test_nothing_is_kept_for_a_distribution_that_is_not_installed(cache: Path) -> None:
    answers = Answers("no-such-distribution")
    assert answers.path is None
    assert answers.get("q", lambda: 1) == 1
    assert answers.get("q", lambda: 2) == 1  # still remembered by this process
    assert not cache.exists()


def test_nothing_is_kept_where_nothing_can_be_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("STACKYARD_CACHE_DIR", str(blocker / "cache"))  # under a file: cannot be created
    answers = Answers("pydantic")
    assert answers.get("q", lambda: 1) == 1
    assert not (blocker / "cache").exists()


def test_the_default_directory_follows_xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STACKYARD_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    path = Answers("pydantic").path
    assert path is not None and path.parent == tmp_path / "stackyard"


def test_a_second_run_resolves_framework_images_without_importing_the_sdk(cache: Path) -> None:
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from stackyard.components.serving import images\n"
        "print(images.retrieve_image_uri('pytorch', 'eu-west-1', '2.6.0', instance_type='ml.g5.xlarge'))\n"
        "print('sagemaker.core' in sys.modules)\n"
    )
    runs = [
        subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, check=True
        ).stdout.split()
        for _ in range(2)
    ]
    assert runs[0][0] == runs[1][0]
    assert runs[0][0].endswith(".dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:2.6.0-gpu-py312")
    assert [run[1] for run in runs] == ["True", "False"]
