"""Post-deploy checks: prove that what a stack stood up works (`stackyard verify ...`)."""
