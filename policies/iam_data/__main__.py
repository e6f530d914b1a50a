"""Regenerate the IAM dataset's files: `python -m stackyard.policies.iam_data` (needs the dev extras)."""

from stackyard.policies.iam_data.generate import write_all

print("wrote", ", ".join(str(path) for path in write_all()))
