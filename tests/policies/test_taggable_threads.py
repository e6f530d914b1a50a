"""`is_taggable` answers the same on the pack's worker threads as it does serially: pulumi_aws
loads modules lazily, and a module imported by two threads at once used to look empty to one."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

TYPES = [
    "aws:s3/bucket:Bucket",
    "aws:s3/bucketPolicy:BucketPolicy",
    "aws:sagemaker/endpoint:Endpoint",
    "aws:sagemaker/featureGroup:FeatureGroup",
    "aws:cloudwatch/metricAlarm:MetricAlarm",
    "aws:cloudwatch/compositeAlarm:CompositeAlarm",
    "aws:iam/role:Role",
    "aws:iam/rolePolicy:RolePolicy",
    "aws:eks/cluster:Cluster",
    "aws:eks/nodeGroup:NodeGroup",
    "aws:sns/topic:Topic",
    "aws:sns/topicSubscription:TopicSubscription",
    "aws:glue/catalogDatabase:CatalogDatabase",
    "aws:batch/jobQueue:JobQueue",
    "aws:sfn/stateMachine:StateMachine",
    "aws:appautoscaling/target:Target",
]

PROGRAM = textwrap.dedent(
    """
    import json, random, sys, threading
    from stackyard.policies.rules.tagging import is_taggable
    types = json.loads(sys.argv[1])
    seen, barrier = {}, threading.Barrier(16)
    def ask(seed):
        order = list(types)
        random.Random(seed).shuffle(order)
        barrier.wait()
        for kind in order:
            seen.setdefault(kind, set()).add(is_taggable(kind))
    threads = [threading.Thread(target=ask, args=(seed,)) for seed in range(16)]
    for thread in threads: thread.start()
    for thread in threads: thread.join()
    print(json.dumps({kind: sorted(answers) for kind, answers in seen.items()}))
    """
)


def test_concurrent_lookups_in_a_fresh_process_match_the_classes() -> None:
    output = subprocess.run(
        [sys.executable, "-c", PROGRAM, json.dumps(TYPES)], capture_output=True, text=True, check=True
    ).stdout
    answers = json.loads(output)
    from stackyard.policies.rules.tagging import is_taggable

    assert answers == {kind: [is_taggable(kind)] for kind in TYPES}
    assert answers["aws:s3/bucket:Bucket"] == [True]
    assert answers["aws:s3/bucketPolicy:BucketPolicy"] == [False]


def test_reading_the_source_agrees_with_the_imported_class() -> None:
    import importlib
    import inspect

    from stackyard.policies.rules.tagging import _AWS_TOKEN, _source_takes_tags

    for kind in TYPES:
        match = _AWS_TOKEN.match(kind)
        assert match is not None
        cls = getattr(importlib.import_module(f"pulumi_aws.{match['module']}"), match["cls"])
        imported = "tags" in inspect.signature(cls._internal_init).parameters
        assert _source_takes_tags(match["module"], match["file"], match["cls"]) is imported, kind
