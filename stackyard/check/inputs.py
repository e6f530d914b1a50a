"""Read what `stackyard check` is given: a project directory (planned first), a stackyard plan, a
`pulumi preview --json` document or a `pulumi stack export` document. The documents are read by
`stackyard.pulumi_documents`, the one reader `plan`, `diff` and `check` share.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from stackyard.errors import UserError
from stackyard.pulumi_documents import Document, read_document, read_file


def read_input(path: Path, stack: str | None = None, invokes: Path | None = None) -> Document:
    """Read `path`, detecting its format; a directory is a Pulumi project and is planned first
    (`invokes` answers its account lookups)."""
    checked = _read_project(path, stack, invokes) if path.is_dir() else read_file(path)
    if not checked.resources:
        raise UserError(f"{path}: the document contains no resources to check")
    return checked


def _read_project(path: Path, stack: str | None, invokes: Path | None = None) -> Document:
    try:
        from stackyard.plan import plan_project
    except ImportError as e:  # the plan engine ships separately from the checker
        raise UserError(f"{path}: planning a project directory needs stackyard.plan ({e})") from e
    document = plan_project(path, stack, invokes_file=invokes)
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":")).encode()
    return read_document(document, source=str(path), sha256=hashlib.sha256(canonical).hexdigest())
