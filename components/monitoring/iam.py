"""IAM documents the monitoring component's roles share."""

from __future__ import annotations

import json


def service_trust_policy(service: str, account_id: str) -> str:
    """A role only `service` may assume, and only on behalf of this account (confused deputy)."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": service},
                    "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
                }
            ],
        },
        sort_keys=True,
    )
