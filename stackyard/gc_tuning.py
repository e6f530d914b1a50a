"""Garbage collection for long, allocation-heavy runs: planning a program, checking a plan,
serving a policy pack.

Such a run keeps most of what it allocates until it ends (the plan's resources; the check's
requests and findings; the pack's converted requests), so each automatic full collection walks
everything alive again, to find little: on a 2,000-resource stack they cost about a third of a plan
and of the pack's stack analysis, and a third of checking 10,000 resources. Inside
`young_collections_only` the young generations are still collected, which is where short-lived
garbage (futures, per-rule arguments) dies; full collections wait until the end.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

_NEVER = 1_000_000_000


@contextlib.contextmanager
def young_collections_only() -> Iterator[None]:
    """No full (generation 2) collections inside; what is alive on entry is never walked again."""
    thresholds = gc.get_threshold()
    if thresholds[2] >= _NEVER:  # nested: the outer run already set this up
        yield
        return
    # What exists now (the imported modules, classes and functions) stays for the whole run.
    gc.freeze()
    gc.set_threshold(thresholds[0], thresholds[1], _NEVER)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()
