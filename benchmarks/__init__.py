"""Benchmarks of stackyard plan, check and start-up (`python -m benchmarks`); see README.md."""
