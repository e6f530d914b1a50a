"""The continuous-training example's Batch path, end to end in its plan: drift and alarm rules ->
the budget state machine -> the retrain job queue and job definition."""

from __future__ import annotations

from typing import Any

from stackyard.plan.engine import plan_project
from tests.examples.harness import EXAMPLES_DIR


def test_the_batch_path_runs_from_the_triggers_through_the_budget_to_the_queue() -> None:
    plan = plan_project(EXAMPLES_DIR / "continuous-training", "dev")
    by_name: dict[str, dict[str, Any]] = {
        step["newState"]["urn"].rsplit("::", 1)[-1]: step["newState"] for step in plan["steps"]
    }
    prefix = "ctrain-dev-monitoring-retrain-recommender"
    machine = by_name[f"{prefix}-budget"]
    queue = by_name["ctrain-dev-training-retrain-queue"]
    job = by_name["ctrain-dev-training-retrain-job"]
    assert (queue["type"], job["type"]) == (
        "aws:batch/jobQueue:JobQueue",
        "aws:batch/jobDefinition:JobDefinition",
    )
    # The definition is built from the queue's and the job definition's ARNs (and the topic's).
    assert {queue["urn"], job["urn"]} <= set(machine["propertyDependencies"]["definition"])
    access = by_name[f"{prefix}-access"]
    assert {queue["urn"], job["urn"]} <= set(access["propertyDependencies"]["policy"])
    for trigger in ("drift", "alarms"):
        assert by_name[f"{prefix}-{trigger}-target"]["propertyDependencies"]["arn"] == [machine["urn"]]
    assert (
        '"alarmName": ["ctrain-dev-recommender-health"]'
        in by_name[f"{prefix}-alarms"]["inputs"]["eventPattern"]
    )
    assert machine["inputs"]["encryptionConfiguration"]["type"] == "CUSTOMER_MANAGED_KMS_KEY"
