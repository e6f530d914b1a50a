"""Writing files so that nothing is ever half-written."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from stackyard.outputs import remove_leftovers, temp_name_prefix, terminate_cleanly


def write_text_atomically(path: Path, text: str) -> Path:
    """A reader never sees half a file; an interrupted run leaves the old file as it was, and the
    temporary file of a killed run goes at the next write into the same directory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_leftovers(path.parent)
    with terminate_cleanly():
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}{temp_name_prefix()}", dir=path.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(text)
                stream.flush()
                os.fsync(stream.fileno())
            # mkstemp makes the file private; give it the permissions any new file would get.
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(temporary, 0o666 & ~umask)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    return path
