"""Placeholders in the templates of a stackyard plan, as the rules read them.

A document a program builds from other resources' computed outputs is unknown at preview; a stackyard
plan records its template, in which each unknown is written `${<type>::<name>.<output>}`
(`${aws:s3/bucket:Bucket::data.arn}`), and `stackyard check` gives rules the template in its place.

A placeholder stands for one specific resource of its type in this stack: it never matches a
wildcard, it is never `*`, and a principal that is one is in the stack's own account.
"""

from __future__ import annotations

from dataclasses import dataclass

from stackyard.check.pack_host import PLACEHOLDER


@dataclass(frozen=True)
class Placeholder:
    type: str
    name: str
    output: str


def placeholder(value: object) -> Placeholder | None:
    """The placeholder a value is, whole; None for any other value (a placeholder inside a longer
    string, such as `${...}/*`, is a pattern built on one resource, not the resource itself)."""
    if not isinstance(value, str) or not PLACEHOLDER.fullmatch(value):
        return None
    source_type, _, rest = value[2:-1].partition("::")
    # Outputs are identifiers, possibly nested (`identities[0].oidcs[0].issuer`); names have no '::'.
    name, _, output = rest.partition(".")
    return Placeholder(source_type, name, output)


def holds_placeholder(value: object) -> bool:
    """Whether a string carries a placeholder anywhere."""
    return isinstance(value, str) and PLACEHOLDER.search(value) is not None


OIDC_PROVIDER_TYPE = "aws:iam/openIdConnectProvider:OpenIdConnectProvider"
