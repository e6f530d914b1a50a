"""Where commands write: output paths checked before any work starts, and files replaced only when
stackyard wrote them.

How a file is recognised as stackyard's:
- a plan (`plan --out`) is a JSON object whose `stackyard.generator` starts with `stackyard `;
- a report (`check --out-dir`) is listed, with the SHA-256 of its content, in the directory's
  `.stackyard-reports.json` manifest, which every `check` that writes reports rewrites. A report
  edited since it was written no longer matches and counts as the user's.
Anything else is refused unless `--force` is given.

A set of reports is rendered into a temporary directory inside the target (`.stackyard-tmp-<pid>-*`)
and then moved into place, with SIGINT and SIGTERM held back until every file and the manifest are
in place; reports of the previous set that this run did not write are removed, so the directory
never mixes two runs. SIGTERM during the rendering removes the temporary directory, as SIGINT does;
a run killed outright leaves it behind, and the next run removes it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path

from stackyard import __version__
from stackyard.errors import UserError

TEMP_PREFIX = ".stackyard-tmp-"
MANIFEST = ".stackyard-reports.json"
PSEUDO_FILESYSTEMS = (Path("/proc"), Path("/sys"), Path("/dev"))
_HELD_SIGNALS = {signal.SIGINT, signal.SIGTERM}
_PLAIN_NAME = re.compile(r"\w[\w.-]*")


def _nearest_existing(path: Path) -> Path:
    current = path.absolute()
    while not current.exists() and not current.is_symlink():
        current = current.parent
    return current


def _check_writable_place(path: Path, what: str) -> None:
    """Every part of `path` that exists is a directory (but the last), it is not in a
    pseudo-filesystem, and a file can be created where it would go."""
    absolute = Path(os.path.realpath(path.absolute()))
    for pseudo in PSEUDO_FILESYSTEMS:
        if absolute == pseudo or pseudo in absolute.parents:
            raise UserError(f"{path}: cannot write the {what} in {pseudo}")
    parents = list(reversed(path.absolute().parents))
    for part in [*parents, path.absolute()]:
        if part.is_symlink() and not part.exists():
            raise UserError(f"{path}: cannot write the {what}: {part} is a dangling symlink")
        if part in parents and part.exists() and not part.is_dir():
            raise UserError(f"{path}: cannot write the {what}: {part} is a file, not a directory")
    probe_dir = _nearest_existing(path.parent if not path.is_dir() else path)
    try:
        handle, probe = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-probe-", dir=probe_dir)
    except OSError as error:
        raise UserError(f"{path}: cannot write the {what} in {probe_dir}: {error.strerror}") from None
    os.close(handle)
    os.unlink(probe)


def check_output_file(path: Path, what: str) -> None:
    """Before any work: `path` can be written as a file (it is not a directory, no parent is a file)."""
    if path.is_dir():
        raise UserError(f"{path}: is a directory; give the file to write the {what} to")
    _check_writable_place(path, what)


def check_output_dir(path: Path, what: str) -> None:
    """Before any work: `path` is, or can be made, a directory that files can be written in."""
    if path.exists() and not path.is_dir():
        raise UserError(f"{path}: is a file; give a directory to write the {what} into")
    _check_writable_place(path, what)


def is_stackyard_plan(path: Path) -> bool:
    """Whether `path` holds a plan stackyard wrote (see the module docstring)."""
    from stackyard.input_files import PULUMI_DOCUMENT, InputError, read_text

    # Recognising is not trusting: the file is only looked at, so it is parsed by the C decoder
    # without the input layer's duplicate-key and depth checks, which cost as much again as the
    # plan takes to write (a 6 MB plan: 76 ms against 34 ms, paid before and after the run).
    try:
        document = json.loads(read_text(path, PULUMI_DOCUMENT))
    except (InputError, ValueError, RecursionError):
        return False
    meta = document.get("stackyard") if isinstance(document, dict) else None
    generator = meta.get("generator") if isinstance(meta, dict) else None
    return isinstance(generator, str) and generator.startswith("stackyard ")


def refuse_foreign_plan(path: Path, force: bool) -> None:
    if not force and path.is_file() and not is_stackyard_plan(path):
        raise UserError(
            f"{path}: exists and is not a plan stackyard wrote; not overwritten (use --force to replace it)"
        )
    if path.is_symlink() and not path.exists():
        raise UserError(f"{path}: is a dangling symlink; not followed")


# --- signals ----------------------------------------------------------------------------------


class Terminated(SystemExit):
    """SIGTERM, raised where the process was so that clean-up runs (exit code 143, as the shell's)."""

    def __init__(self) -> None:
        super().__init__(128 + signal.SIGTERM)


def _on_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def terminate_cleanly() -> Iterator[None]:
    """SIGTERM raises `Terminated` inside the body (SIGINT already raises KeyboardInterrupt), so
    the body's `finally` blocks remove what they started."""
    if not _on_main_thread():
        yield
        return

    def terminate(_signum: int, _frame: object) -> None:
        raise Terminated

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """SIGINT and SIGTERM wait until the body is done (a few renames must not be cut in half)."""
    if not _on_main_thread():
        yield
        return
    signal.pthread_sigmask(signal.SIG_BLOCK, _HELD_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _HELD_SIGNALS)


# --- leftovers --------------------------------------------------------------------------------


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def temp_name_prefix() -> str:
    """The start of every temporary name this process uses: the pid says whose it is."""
    return f"{TEMP_PREFIX}{os.getpid()}-"


def remove_leftovers(directory: Path) -> list[Path]:
    """Remove the temporary files and directories that killed stackyard runs left in `directory`
    (those of live processes stay: another run may be writing). Returns what was removed."""
    removed: list[Path] = []
    if not directory.is_dir():
        return removed
    for entry in directory.iterdir():
        marker = entry.name.find(TEMP_PREFIX)
        if marker < 0:
            continue
        pid_text = entry.name[marker + len(TEMP_PREFIX) :].split("-", 1)[0]
        if not pid_text.isdigit() or _pid_alive(int(pid_text)):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
        removed.append(entry)
    return removed


# --- report sets ------------------------------------------------------------------------------


def _sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _manifest(directory: Path) -> dict[str, str]:
    """Report file name -> SHA-256 of what the last run wrote (empty when unreadable)."""
    from stackyard.input_files import POLICY_CONFIG, InputError, load_json

    path = directory / MANIFEST
    if not path.is_file():
        return {}
    try:
        data = load_json(path, POLICY_CONFIG)
    except InputError:
        return {}
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, dict):
        return {}
    # Only plain file names: a manifest someone edited must not make this delete anything else.
    return {k: v for k, v in files.items() if isinstance(v, str) and _PLAIN_NAME.fullmatch(k) and k != MANIFEST}


def _owned(directory: Path, name: str, manifest: Mapping[str, str]) -> bool:
    path = directory / name
    return name in manifest and not path.is_symlink() and _sha256(path) == manifest[name]


def refuse_foreign_reports(directory: Path, names: list[str], force: bool) -> None:
    """Refuse, before any work, to replace files in `directory` that stackyard did not write."""
    if force or not directory.is_dir():
        return
    manifest = _manifest(directory)
    foreign = [
        name
        for name in names
        if ((directory / name).exists() or (directory / name).is_symlink())
        and not _owned(directory, name, manifest)
    ]
    if foreign:
        raise UserError(
            f"{directory}: not overwritten, stackyard did not write (or the user changed) "
            + ", ".join(foreign)
            + "; move them away or use --force"
        )


def write_report_set(directory: Path, files: Mapping[str, str], force: bool = False) -> list[Path]:
    """Write `files` (name -> text) into `directory` as one set (see the module docstring)."""
    check_output_dir(directory, "reports")
    remove_leftovers(directory)
    refuse_foreign_reports(directory, list(files), force)
    directory.mkdir(parents=True, exist_ok=True)
    previous = _manifest(directory)
    with terminate_cleanly():
        staging = Path(tempfile.mkdtemp(prefix=temp_name_prefix(), dir=directory))
        try:
            for name, text in files.items():
                with (staging / name).open("w", encoding="utf-8") as stream:
                    stream.write(text)
                    stream.flush()
                    os.fsync(stream.fileno())
                os.chmod(staging / name, 0o666 & ~_umask())
            digests = {name: hashlib.sha256(text.encode("utf-8")).hexdigest() for name, text in files.items()}
            manifest = json.dumps({"generator": f"stackyard {__version__}", "files": digests}, indent=2)
            (staging / MANIFEST).write_text(manifest + "\n", encoding="utf-8")
            with signals_held():
                for name in files:
                    os.replace(staging / name, directory / name)
                for name in previous:
                    if name not in files and _owned(directory, name, previous):
                        (directory / name).unlink()
                os.replace(staging / MANIFEST, directory / MANIFEST)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return [directory / name for name in files]


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask
