"""stackyard's rule catalog and policy packs (installed as `stackyard.policies`).

- `stackyard.policies.catalog`: the `Rule` type, `all_rules()`, the `pulumi_policy` policies, the
  merged config schema and the indeterminate-result convention (`INDETERMINATE_PREFIX`).
- `stackyard.policies.rules.<group>`: the rules, one module per group.
- `stackyard.policies.presets`: the baseline, strict and gdpr-eu `--policy-pack-config` files.
- This directory is also the Pulumi policy pack: `pulumi preview --policy-pack policies`.

Importing this package is cheap; `pulumi_policy` loads with the catalog.
"""
