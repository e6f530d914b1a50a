"""The indeterminate-result convention, as `stackyard check` reads it from any pack's messages."""

from __future__ import annotations

from stackyard.check.indeterminate import INDETERMINATE_PREFIX, IndeterminateItem, parse_indeterminate


def test_parse_indeterminate_reads_pulumi_and_stack_messages() -> None:
    resource_message = (
        "can't run policy 'SY-ENC-011' from policy pack 'stackyard@v0.1.0' during preview: "
        f"{INDETERMINATE_PREFIX}string value at .kmsMasterKeyId can't be known during preview"
    )
    assert parse_indeterminate(resource_message) == [
        IndeterminateItem("string value at .kmsMasterKeyId can't be known during preview")
    ]
    urn = "urn:pulumi:dev::p::aws:s3/bucket:Bucket::data"
    stack_message = f"{INDETERMINATE_PREFIX}policy unknown [{urn}]\n{INDETERMINATE_PREFIX}other [{urn}2]"
    assert parse_indeterminate(stack_message) == [
        IndeterminateItem("policy unknown", urn),
        IndeterminateItem("other", urn + "2"),
    ]
    other_pack = (
        "can't run policy 'x' from policy pack 'theirs@v1' during preview: string value at .a can't be known"
    )
    assert parse_indeterminate(other_pack) == [IndeterminateItem("string value at .a can't be known")]
    assert parse_indeterminate("S3 buckets are encrypted.\nbucket has no encryption") == []
    # A violation that mentions the prefix later is still a violation.
    assert parse_indeterminate(f"bucket has no encryption\n{INDETERMINATE_PREFIX}the key is unknown") == []
