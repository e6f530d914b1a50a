"""Model package groups and experiment tracking."""
