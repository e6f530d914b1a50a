"""Reading a `pulumi stack export` document for the commands that hold it against the live
account (`audit --state`, `verify STATE.json`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from stackyard.errors import UserError


def read_stack_export(path: Path) -> dict[str, Any]:
    """The document, or a `UserError` (exit 2) saying why it is not a stack export."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise UserError(f"{path}: cannot read the state: {e.strerror}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise UserError(f"{path}: not a JSON document ({e})") from None
    deployment = document.get("deployment") if isinstance(document, dict) else None
    if not isinstance(deployment, dict) or not isinstance(deployment.get("resources"), list):
        raise UserError(f"{path}: not a `pulumi stack export` document (no deployment.resources)")
    for index, resource in enumerate(deployment["resources"]):
        if not isinstance(resource, dict):
            raise UserError(f"{path}: deployment.resources[{index}] is not an object")
        for key in ("urn", "type"):
            if not isinstance(resource.get(key), str):
                raise UserError(f"{path}: deployment.resources[{index}].{key} is not a string")
        for key in ("inputs", "outputs"):
            if not isinstance(resource.get(key) or {}, dict):
                raise UserError(f"{path}: deployment.resources[{index}].{key} is not an object")
    return dict(document)
