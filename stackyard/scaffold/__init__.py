"""`stackyard init`: a new project from one of the examples, with its policy config, waivers file and
CI workflows.

The examples ship inside the package (`stackyard.examples`, the repository's `examples/`
directory), so `init` writes exactly what the repository tests plan and check. Nothing that exists
is overwritten: when any file `init` would write is already there, it writes nothing at all and
says which files are in the way (all or nothing, so a half-initialised project never happens).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from stackyard.errors import UserError
from stackyard.scaffold.policy import render_policy_config

DEFAULT_EXAMPLE = "quickstart"
POLICY_CONFIG = "stackyard-policy.json"
WAIVERS = "waivers.yaml"
WORKFLOWS = {
    ".github/workflows/stackyard-preview.yml": "stackyard-preview.yml.j2",
    ".github/workflows/stackyard-deploy.yml": "stackyard-deploy.yml.j2",
}
DEFAULT_PRESET = "baseline"
STACKS = ("dev", "staging", "prod")
# What of an example directory is project source (plans, caches and virtualenvs are not).
_PROJECT_FILE = re.compile(r"^(?!\.)[\w.-]+\.(py|ya?ml|json|txt|md)$")
_PROJECT_NAME = re.compile(r"^[a-z][a-z0-9-]{1,30}[a-z0-9]$")


@dataclass(frozen=True)
class InitResult:
    directory: Path
    example: str
    project: str
    written: list[Path]


def _examples_root() -> Traversable:
    return resources.files("stackyard.examples")


def example_names() -> list[str]:
    """Every example directory with a Pulumi project in it."""
    return sorted(
        entry.name
        for entry in _examples_root().iterdir()
        if entry.is_dir() and entry.joinpath("Pulumi.yaml").is_file()
    )


def project_name_for(directory: Path) -> str:
    """A valid stackyard project name from a directory name: `My Stack_2` -> `my-stack-2`."""
    slug = re.sub(r"[^a-z0-9]+", "-", directory.resolve().name.lower()).strip("-")
    if slug and not slug[0].isalpha():
        slug = f"ml-{slug}"
    slug = slug[:32].rstrip("-")
    if not _PROJECT_NAME.fullmatch(slug):
        raise UserError(
            f"cannot derive a project name from '{directory.resolve().name}': give one with --name "
            "(lowercase letters, digits and hyphens, 3-32 characters, starting with a letter)"
        )
    return slug


def _template(name: str) -> str:
    return resources.files("stackyard.scaffold").joinpath("templates", name).read_text(encoding="utf-8")


def _render(name: str, **values: object) -> str:
    import jinja2

    # GitHub Actions owns `${{ ... }}`; the templates mark their own values with `[[ ... ]]`.
    environment = jinja2.Environment(
        variable_start_string="[[",
        variable_end_string="]]",
        block_start_string="[%",
        block_end_string="%]",
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )
    return environment.from_string(_template(name)).render(**values)


def _with_project(text: str, key: str, project: str) -> str:
    """Set the first `key: value` line (top level or the spec's) to the new project name, keeping
    every comment and the rest of the file as written."""
    return re.sub(rf"(?m)^(\s*{key}:[ \t]*)\S.*$", lambda m: m.group(1) + project, text, count=1)


def _pulumi_description(example: Traversable) -> str:
    match = re.search(
        r"(?m)^description:\s*(.+)$", example.joinpath("Pulumi.yaml").read_text(encoding="utf-8")
    )
    return match.group(1).strip() if match else "An MLOps stack built with stackyard."


def _region(stack_config: str) -> str:
    import yaml

    config = (yaml.safe_load(stack_config) or {}).get("config") or {}
    region = config.get("aws:region")
    if not isinstance(region, str):
        raise UserError("the example's Pulumi.dev.yaml sets no aws:region")
    return region


_FILE_ROLES = {
    "Pulumi.yaml": "the Pulumi project",
    "__main__.py": "the program Pulumi runs",
    "requirements.txt": "what the program needs installed",
    POLICY_CONFIG: "which policy rules apply and how strictly (`stackyard check --config`)",
    WAIVERS: "accepted exceptions to rules, each with a reason and an expiry (`--waivers`)",
    ".github/workflows/stackyard-preview.yml": "GitHub Actions: preview and check every pull request",
    ".github/workflows/stackyard-deploy.yml": "GitHub Actions: deploy merges to dev, staging, then prod",
}


def _readme(example: str, project: str, description: str, files: dict[str, str]) -> str:
    """The new project's own README: its name, its files, and commands run from its directory (the
    example's README describes the example inside stackyard's repository)."""
    spec_driven = "stackyard.program" in files.get("__main__.py", "")
    roles = {
        name: f"the `{name.split('.')[1]}` stack's configuration" + (", with the spec" if spec_driven else "")
        for name in files
        if re.fullmatch(r"Pulumi\.[\w-]+\.yaml", name)
    }
    roles.update(_FILE_ROLES)
    listed = sorted(name for name in [*files, *WORKFLOWS] if name in roles)
    return _render(
        "README.md.j2",
        project=project,
        description=description,
        example=example,
        spec_driven=spec_driven,
        files=[(name, roles[name]) for name in listed],
        policy_config=POLICY_CONFIG,
        waivers=WAIVERS,
    )


def project_files(example: str, project: str, presets: Sequence[str] = ()) -> dict[str, str]:
    """Every file `init` writes, by path relative to the new project, with its content."""
    if example not in example_names():
        raise UserError(f"no example '{example}'; examples: {', '.join(example_names())}")
    source = _examples_root().joinpath(example)
    files: dict[str, str] = {}
    for entry in sorted(source.iterdir(), key=lambda e: e.name):
        if entry.is_file() and _PROJECT_FILE.match(entry.name) and entry.name != "__init__.py":
            files[entry.name] = entry.read_text(encoding="utf-8")
    files["Pulumi.yaml"] = _render(
        "Pulumi.yaml.j2", project=project, description=_pulumi_description(source), example=example
    )
    for stack_config in [name for name in files if re.fullmatch(r"Pulumi\.[\w-]+\.yaml", name)]:
        files[stack_config] = _with_project(files[stack_config], "project", project)
    # An example that brings its own policy config or waivers keeps them (unless presets are named);
    # the others start from the baseline preset and no waivers.
    if presets:
        files[POLICY_CONFIG] = render_policy_config(presets)
    files.setdefault(POLICY_CONFIG, render_policy_config([DEFAULT_PRESET]))
    files.setdefault(WAIVERS, _render("waivers.yaml.j2", project=project))
    files["README.md"] = _readme(example, project, _pulumi_description(source), files)
    for path, template in WORKFLOWS.items():
        files[path] = _render(
            template,
            project=project,
            policy_config=POLICY_CONFIG,
            waivers=WAIVERS,
            stacks=STACKS,
            region=_region(files["Pulumi.dev.yaml"]),
        )
    return files


def init_project(
    directory: Path,
    example: str = DEFAULT_EXAMPLE,
    project: str | None = None,
    presets: Sequence[str] = (),
) -> InitResult:
    """Write a new project into `directory` (created if needed). Raises `UserError` and writes nothing
    when any of the files is already there."""
    from stackyard.files import write_text_atomically
    from stackyard.outputs import check_output_dir

    if directory.is_symlink() and not directory.exists():
        raise UserError(f"{directory}: is a dangling symlink")
    if directory.exists() and not directory.is_dir():
        raise UserError(f"{directory}: exists and is not a directory")
    name = project or project_name_for(directory)
    if not _PROJECT_NAME.fullmatch(name):
        raise UserError(
            f"'{name}' is not a valid project name (lowercase letters, digits and hyphens, "
            "3-32 characters, starting with a letter)"
        )
    files = project_files(example, name, presets)
    in_the_way = _in_the_way(directory, files)
    if in_the_way:
        raise UserError(
            f"{directory}: not initialised, nothing was written; in the way: "
            + "; ".join(in_the_way)
            + " (move them away or choose another directory)"
        )
    check_output_dir(directory, "project")
    written: list[Path] = []
    created: list[Path] = [p for p in (directory, *directory.parents) if not p.exists()]
    try:
        for relative, text in files.items():
            path = directory / relative
            created += [p for p in reversed(path.parents) if not p.exists()]
            write_text_atomically(path, text)
            written.append(path)
    except BaseException:
        # All or nothing: take back what this run wrote, newest first.
        for path in reversed(written):
            path.unlink(missing_ok=True)
        for path in sorted(set(created), key=lambda p: len(p.parts), reverse=True):
            with contextlib.suppress(OSError):
                path.rmdir()
        raise
    return InitResult(directory=directory, example=example, project=name, written=written)


def _in_the_way(directory: Path, files: Mapping[str, str]) -> list[str]:
    """What stops `files` being written under `directory`: files that exist, symlinks (dangling
    ones too: writing through one would land elsewhere) and parents that are not directories."""
    problems: dict[str, str] = {}
    for relative in files:
        parts = Path(relative).parts
        for depth in range(1, len(parts)):
            parent = directory.joinpath(*parts[:depth])
            label = "/".join(parts[:depth])
            if parent.is_symlink():
                problems[label] = f"{label} is a symlink"
            elif parent.exists() and not parent.is_dir():
                problems[label] = f"{label} is a file, not a directory"
        target = directory / relative
        if target.is_symlink():
            problems[relative] = f"{relative} is a symlink" + ("" if target.exists() else " (dangling)")
        elif target.exists():
            problems[relative] = f"{relative} exists"
    return [problems[key] for key in sorted(problems)]
