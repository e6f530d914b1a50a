"""A 2,000-resource plan against a pack of the catalog's size (50 rules): every pair is evaluated,
and the work is split across pack processes. This test checks the results; the time is the
benchmark's (`python -m benchmarks`: the check of the 2,000-resource plan)."""

from __future__ import annotations

from pathlib import Path

from stackyard.check.evaluate import CheckOptions, run_check
from stackyard.check.model import Result
from tests.check.checkdocs import FIXTURES, synthetic_plan


def test_two_thousand_resources(tmp_path: Path) -> None:
    plan = synthetic_plan(2000).write(tmp_path / "plan.json")
    run = run_check(CheckOptions(plan, [FIXTURES / "bench_pack"]))
    assert len(run.input.resources) == 2000
    assert len(run.findings) == 2000 * 48 + 2
    # BENCH-000 (every 7th rule, on buckets) wants an owner tag, which the synthetic buckets have.
    assert run.counts() == {
        "pass": 96002,
        "fail": 0,
        "not_applicable": 0,
        "waived": 0,
        "indeterminate": 0,
        "error": 0,
    }
    resolved = [f for f in run.findings if f.resolutions and f.rule.name == "BENCH-000"]
    assert len(resolved) == 666  # every encryption configuration's key came from the stack's KMS key
    assert all(f.result is Result.PASS for f in run.findings[:10])
