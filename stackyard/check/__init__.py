"""`stackyard check`: evaluate Pulumi policy packs offline against a plan, a `pulumi preview --json`
document or a `pulumi stack export`, and produce evidence (see `evaluate` for the result kinds)."""
