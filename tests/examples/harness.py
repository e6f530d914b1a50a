"""Planning and checking example projects the way a user (and CI) does, shared by the example and
init tests."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from stackyard.check.evaluate import CheckOptions, CheckRun, run_check
from stackyard.commands.check import default_pack
from stackyard.plan.document import write_document
from stackyard.plan.engine import plan_project
from stackyard.policies.presets import preset_path

REPO = Path(__file__).resolve().parents[2]
EXAMPLES_DIR = REPO / "examples"
EXAMPLES = (
    "quickstart",
    "eu-regulated",
    "gpu-training",
    "continuous-training",
    "multi-model-serving",
    "compose-your-own",
)
SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
UPDATE_ENV = "STACKYARD_UPDATE_SNAPSHOTS"
UPDATE_COMMAND = f"{UPDATE_ENV}=1 pytest tests/examples"
POLICY_CONFIG = "stackyard-policy.json"
WAIVERS = "waivers.yaml"
DEFAULT_PRESET = "baseline"


def policy_config_of(project: Path) -> Path:
    """The project's own policy config, else the baseline preset (what `stackyard init` writes)."""
    own = project / POLICY_CONFIG
    return own if own.is_file() else preset_path(DEFAULT_PRESET)


def waivers_of(project: Path) -> Path | None:
    own = project / WAIVERS
    return own if own.is_file() else None


def plan_to(project: Path, out: Path, stack: str = "dev") -> dict[str, Any]:
    document = plan_project(project, stack)
    write_document(document, out)
    return document


def check(plan: Path, project: Path) -> CheckRun:
    """`stackyard check PLAN --config <project's> --waivers <project's>` (exit code: `run.exit_code`)."""
    return run_check(
        CheckOptions(
            input_path=plan,
            packs=[default_pack()],
            config=policy_config_of(project),
            waivers=waivers_of(project),
        )
    )


def summary(document: dict[str, Any]) -> dict[str, Any]:
    """What an example creates, for review: resource count, count per type, every resource's name."""
    states = [step["newState"] for step in document["steps"] if step.get("newState")]
    names = sorted(f"{state['type']}::{state['urn'].rsplit('::', 1)[-1]}" for state in states)
    return {
        "resources": len(states),
        "types": dict(sorted(Counter(state["type"] for state in states).items())),
        "names": names,
    }


def render_summary(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2) + "\n"
