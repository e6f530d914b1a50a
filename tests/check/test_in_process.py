"""stackyard's own catalog evaluated in-process gives the evidence the pack process gives: every
rule x resource result and message, the resolved values and the coverage, on every example, the
reference stacks and the benchmark's 2,000-resource platform. Only `evaluation` (what ran the
pack), the run's start and its duration differ.

Each plan is built once for the session, and each input is checked once per path."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from benchmarks.generator import STACK, platform_spec, shape_for, write_project
from stackyard.check.evaluate import CheckOptions, run_check
from stackyard.check.model import Result
from stackyard.commands.check import default_pack
from stackyard.plan.document import write_document
from stackyard.plan.engine import plan_project
from stackyard.reports import evidence
from tests.examples.harness import EXAMPLES, EXAMPLES_DIR, policy_config_of, waivers_of

REPO = Path(__file__).resolve().parents[2]
STRICT = REPO / "policies" / "presets" / "strict.json"
TODAY = dt.date(2026, 6, 1)
RUN_FIELDS = ("generatedAt", "durationSeconds")
"""What differs between any two runs."""


@dataclass(frozen=True)
class Input:
    plan: Path
    config: Path
    waivers: Path | None = None
    strict: bool = False


def _examples(out: Path) -> dict[str, Callable[[], Input]]:
    def planned(name: str) -> Input:
        project = EXAMPLES_DIR / name
        plan = out / f"example-{name}.json"
        write_document(plan_project(project, "dev"), plan)
        return Input(plan, policy_config_of(project), waivers_of(project))

    return {f"example-{name}": (lambda name=name: planned(name)) for name in EXAMPLES}  # type: ignore[misc]


def _stacks(out: Path) -> dict[str, Callable[[], Input]]:
    def planned(stack: str) -> Input:
        plan = out / f"stack-{stack}.json"
        write_document(plan_project(REPO, stack), plan)
        return Input(plan, STRICT, strict=True)

    return {f"stack-{stack}": (lambda stack=stack: planned(stack)) for stack in ("dev", "staging", "prod")}  # type: ignore[misc]


def _benchmark(out: Path) -> Input:
    project = write_project(out / "benchmark-2000", platform_spec(shape_for(2000)))
    plan = out / "benchmark-2000.json"
    write_document(plan_project(project, STACK), plan)
    return Input(plan, STRICT)


INPUTS = (
    *(f"example-{name}" for name in EXAMPLES),
    "stack-dev",
    "stack-staging",
    "stack-prod",
    "benchmark-2000",
)


@pytest.fixture(scope="session")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Input]:
    """Each input planned the first time a test asks for it, once for the session."""
    out = tmp_path_factory.mktemp("in-process")
    builders = {**_examples(out), **_stacks(out), "benchmark-2000": lambda: _benchmark(out)}
    built: dict[str, Input] = {}

    def get(name: str) -> Input:
        if name not in built:
            built[name] = builders[name]()
        return built[name]

    return get


def _evidence(given: Input, engine_faithful: bool, packs: list[Path] | None = None) -> dict[str, Any]:
    run = run_check(
        CheckOptions(
            input_path=given.plan,
            packs=packs or [default_pack()],
            config=given.config,
            waivers=given.waivers,
            strict=given.strict,
            today=TODAY,
            engine_faithful=engine_faithful,
        )
    )
    document = evidence.document(run)
    for field in RUN_FIELDS:
        document.pop(field)
    return document


@pytest.mark.parametrize("name", INPUTS)
def test_both_paths_give_the_same_evidence(inputs: Callable[[str], Input], name: str) -> None:
    given = inputs(name)
    in_process = _evidence(given, engine_faithful=False)
    engine = _evidence(given, engine_faithful=True)

    catalog = [pack for pack in in_process["packs"] if pack["name"] == "stackyard"]
    assert [pack["evaluation"] for pack in catalog] == ["in-process"]
    assert [pack["evaluation"] for pack in engine["packs"] if pack["name"] == "stackyard"] == ["engine"]
    for document in (in_process, engine):
        for pack in document["packs"]:
            pack.pop("evaluation")
    # Compared part by part, so a difference names its part; the results pair by pair.
    assert len(in_process["results"]) == len(engine["results"]) > 0
    for ours, theirs in zip(in_process["results"], engine["results"], strict=True):
        assert ours == theirs
    assert in_process["resolved"] == engine["resolved"]
    assert in_process["coverage"] == engine["coverage"]
    assert in_process == engine
    # Every kind of result the rules give shows up somewhere, so the comparison compares something.
    assert in_process["summary"][Result.NOT_APPLICABLE.value] > 0
    assert in_process["summary"][Result.PASS.value] > 0


def test_a_copy_of_the_catalog_is_a_foreign_pack_and_runs_in_its_own_process(
    inputs: Callable[[str], Input], tmp_path: Path
) -> None:
    copy = shutil.copytree(default_pack(), tmp_path / "policies", ignore=shutil.ignore_patterns("__pycache__"))
    given = inputs("example-quickstart")

    document = _evidence(given, engine_faithful=False, packs=[copy, default_pack()])

    assert [(pack["path"], pack["evaluation"]) for pack in document["packs"]] == [
        (str(copy), "engine"),
        (str(default_pack().resolve()), "in-process"),
    ]
    # Both packs are named `stackyard`: their results come one pack after the other, the same twice.
    results = [(r["pack"], r["rule"], r["urn"], r["result"], r["message"]) for r in document["results"]]
    half = len(results) // 2
    assert results[:half] == results[half:]


def test_the_evidence_says_which_path_ran(inputs: Callable[[str], Input], tmp_path: Path) -> None:
    from stackyard.reports import write_reports

    given = inputs("example-quickstart")
    for engine_faithful, expected in ((False, "in-process"), (True, "engine")):
        run = run_check(CheckOptions(given.plan, [default_pack()], config=given.config, engine_faithful=engine_faithful))
        out = tmp_path / expected
        out.mkdir()
        [path] = write_reports(run, ["json"], out)
        document = json.loads(path.read_text())
        assert document["schemaVersion"] == "2.1"
        assert [pack["evaluation"] for pack in document["packs"]] == [expected]
