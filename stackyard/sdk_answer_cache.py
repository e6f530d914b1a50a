"""Answers of a slow library, kept on disk for the library's installed version.

The sagemaker SDK is the source of truth for framework images, and importing it takes about a
second: more than a third of planning the quickstart. Its answers only change with its version, so
each answer is kept in one JSON file per library and version, under the user's cache directory
(`$STACKYARD_CACHE_DIR`, else `$XDG_CACHE_HOME/stackyard`, else `~/.cache/stackyard`). A later run
asks the file first and imports the library only for a question it has not seen. When the directory
cannot be written, nothing is kept and every answer is computed, as without a cache.

An answer is a JSON value, or a `ValueError`'s message (the library's "not supported" answers,
which validation reports to the user).
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

from stackyard.files import write_text_atomically


def cache_dir() -> Path:
    explicit = os.environ.get("STACKYARD_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "stackyard"


class Answers:
    """The kept answers of one installed distribution (`sagemaker-core`, ...)."""

    def __init__(self, distribution: str) -> None:
        self.distribution = distribution
        self._known: dict[str, Any] | None = None

    @property
    def path(self) -> Path | None:
        """Where the answers are kept; None when the distribution's version is unknown (then
        nothing is kept: an answer could not be tied to what computed it)."""
        try:
            version = metadata.version(self.distribution)
        except metadata.PackageNotFoundError:
            return None
        return cache_dir() / f"{self.distribution}-{version}.json"

    def get(self, question: str, compute: Callable[[], Any]) -> Any:
        """The kept answer to `question`, else `compute()`'s, which is kept. A `ValueError` raised by
        `compute` is kept too, and raised again on later asks."""
        known = self._load()
        if question not in known:
            try:
                known[question] = {"value": compute()}
            except ValueError as e:
                known[question] = {"error": str(e)}
            self._save()
        answer = known[question]
        if "error" in answer:
            raise ValueError(answer["error"])
        return answer["value"]

    def _load(self) -> dict[str, Any]:
        if self._known is None:
            self._known = _read(self.path)
        return self._known

    def _save(self) -> None:
        path = self.path
        if path is None:
            return
        # Another process may have kept answers since this one read the file: keep theirs too.
        merged = {**_read(path), **(self._known or {})}
        # A read-only or missing home keeps nothing: the answers are computed again next time.
        with contextlib.suppress(OSError):
            write_text_atomically(path, json.dumps(merged, sort_keys=True))


def _read(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}
