"""The policy pack the Pulumi engine runs: `pulumi preview --policy-pack policies`.

The engine starts `python __main__.py` in this directory; `PolicyPack` starts the analyzer's gRPC
server, prints its port and serves until the engine stops it. `stackyard.policies` is used when it
is installed (the repository's own environment); otherwise the pack loads itself from this checkout,
so a copy of the repository works with only `requirements.txt` installed.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

PACK_DIR = Path(__file__).resolve().parent


def _load_catalog() -> ModuleType:
    # Running a script puts its directory first on sys.path, which would make `catalog`, `rules`, ...
    # importable as top-level modules and shadow same-named packages; the pack imports them by full name.
    if sys.path and Path(sys.path[0] or ".").resolve() == PACK_DIR:
        sys.path.pop(0)
    try:
        return importlib.import_module("stackyard.policies.catalog")
    except ImportError:
        pass
    sys.path.insert(0, str(PACK_DIR.parent))
    import stackyard  # the core package of the same checkout

    spec = importlib.util.spec_from_file_location(
        "stackyard.policies", PACK_DIR / "__init__.py", submodule_search_locations=[str(PACK_DIR)]
    )
    assert spec is not None and spec.loader is not None
    package = importlib.util.module_from_spec(spec)
    sys.modules["stackyard.policies"] = package
    spec.loader.exec_module(package)
    stackyard.policies = package  # type: ignore[attr-defined]
    return importlib.import_module("stackyard.policies.catalog")


def main() -> None:
    from pulumi_policy import PolicyPack

    catalog = _load_catalog()
    from stackyard.gc_tuning import young_collections_only
    from stackyard.policies.conversion import share_request_conversion

    share_request_conversion()
    # The pack serves one preview or check and keeps what it converts (see stackyard.gc_tuning).
    with young_collections_only():
        PolicyPack(**catalog.pack_arguments())


if __name__ == "__main__":
    main()
