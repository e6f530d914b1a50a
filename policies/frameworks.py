"""Display names of what the rules map to, compliance frameworks and peer tools, and the one way a
rule's mapping is written out. The catalog's evidence, the `stackyard rules` table and the reference
docs all read them here; importing this module loads nothing else."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

FRAMEWORK_NAMES = {
    "nist-800-53": "NIST SP 800-53 Rev. 5",
    "iso-27001": "ISO/IEC 27001:2022 Annex A",
    "gdpr": "GDPR",
    "hipaa": "HIPAA Security Rule (45 CFR 164)",
    "soc2": "SOC 2 Trust Services Criteria",
}
FRAMEWORK_SHORT_NAMES = {
    "nist-800-53": "NIST",
    "iso-27001": "ISO",
    "gdpr": "GDPR",
    "hipaa": "HIPAA",
    "soc2": "SOC2",
}
"""For a table column, where the full names would take most of the width."""
PEER_NAMES = {"checkov": "Checkov", "cdk-nag": "cdk-nag", "aws-config": "AWS Config"}


def mapped_ids(mapping: Mapping[str, Sequence[str]], names: Mapping[str, str]) -> list[str]:
    """`["NIST: SC-28, SC-12", "Checkov: CKV_AWS_145"]`: one entry per framework or peer that has
    IDs, in the mapping's order, named by `names` (the key itself when it has no name)."""
    return [f"{names.get(key, key)}: {', '.join(ids)}" for key, ids in mapping.items() if ids]
