"""Rule modules, one per group. Importing a module registers its rules in the catalog."""
