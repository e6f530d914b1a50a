"""A fuzz run of every CLI entry point on generated malformed inputs, each in its own process.

    .venv/bin/python -m tests.fuzz_cli                  # every case once (a few minutes)
    .venv/bin/python -m tests.fuzz_cli --rounds 3       # three seeds per mutation
    .venv/bin/python -m tests.fuzz_cli --bound 30 --seed 7 --verbose

Each case starts from a valid input of one entry point (a spec for `validate`, a project for
`plan` and `check`, a preview for `check` and `diff`, a policy config, a waivers file, a URI for
`verify tracking`, a target directory for `init`, an output path for `plan --out`, `check --out-dir`
and `schema --out`) and breaks it one way: bytes that are not UTF-8, truncation, flipped bytes, deep
nesting, an alias bomb, duplicate keys, values of the wrong type, a value of 1.5 MB, an empty file,
garbage, or an output path that cannot be written. It counts, per entry point:

- tracebacks (a Python traceback on stdout or stderr);
- runs past the bound (`--bound` seconds, default 120);
- exit 0 without output (exit 0 with nothing printed, or without the plan or report it should write);
- exit codes other than 0, 1 and 2.

Exit status: 0 when all four counts are 0. Nothing here is collected by pytest (it runs the CLI
hundreds of times); it is the check that the example tests in tests/inputs/ stand for.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
STACKYARD = [str(Path(sys.executable).parent / "stackyard")]
PREVIEW = Path("/work/shared/fixtures/pulumi-real/sample-preview-creates.json")
USER_PACK = REPO / "tests" / "check" / "fixtures" / "user_pack"
SPEC = {
    "project": "demo",
    "environment": "dev",
    "region": "eu-west-1",
    "tags": {"owner": "ml-platform", "cost_center": "cc-1042", "data_classification": "internal"},
}
PROGRAM = "import pulumi_aws as aws\n\naws.s3.Bucket('b', tags={'owner': 'me'})\n"
STACK = "config:\n  aws:region: eu-west-1\n  p:settings:\n    replicas: 2\n"
POLICY = json.dumps({"all": "advisory", "required-tags": {"requiredTags": ["owner"]}})
WAIVERS = (
    "waivers:\n  - rule: no-public-buckets\n    resources: 'urn:*'\n    reason: legacy\n"
    "    approver: me@example.com\n    ticket: T-1\n    expires: 2099-12-31\n"
)


# --- mutations of a text -------------------------------------------------------------------------


def _not_utf8(text: str, rng: random.Random) -> bytes:
    data = bytearray(text.encode())
    data.insert(rng.randrange(len(data) + 1), rng.choice([0xFF, 0xC3, 0xE9, 0x80]))
    return bytes(data)


def _truncated(text: str, rng: random.Random) -> bytes:
    return text.encode()[: rng.randrange(max(len(text), 1))]


def _flipped(text: str, rng: random.Random) -> bytes:
    data = bytearray(text.encode())
    for _ in range(rng.randint(1, 4)):
        data[rng.randrange(len(data))] = rng.choice(b"{}[]:,\"'&*!-\n\t ?#%|>")
    return bytes(data)


def _deep(text: str, rng: random.Random) -> bytes:
    depth = rng.choice([150, 1_000, 100_000])
    return ("[" * depth + "]" * depth).encode()


def _deep_value(text: str, rng: random.Random) -> bytes:
    depth = rng.choice([150, 100_000])
    return (text.rstrip("\n") + "\nx: " + "[" * depth + "]" * depth + "\n").encode()


def _alias_bomb(text: str, rng: random.Random) -> bytes:
    lines = ["config:" if text.startswith("config") else "bomb:", "  a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"  a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    return ("\n".join(lines) + "\n").encode()


def _duplicate(text: str, rng: random.Random) -> bytes:
    if text.lstrip().startswith("{"):
        return text.replace("{", '{"dup": 1, "dup": 2, ', 1).encode()
    first = next(line for line in text.splitlines() if ":" in line)
    return (text + first + "\n").encode()


def _wrong_type(text: str, rng: random.Random) -> bytes:
    data = json.loads(text) if text.lstrip().startswith("{") else yaml.safe_load(text)
    replacement = rng.choice([[1, 2], "a string", 7, None, {"k": "v"}, True])

    def walk(value: object, depth: int) -> object:
        if isinstance(value, dict) and value:
            key = rng.choice(sorted(value, key=str))
            if depth > 0 and rng.random() < 0.5:
                return {**value, key: walk(value[key], depth - 1)}
            return {**value, key: replacement}
        if isinstance(value, list) and value:
            index = rng.randrange(len(value))
            return [walk(v, depth - 1) if i == index else v for i, v in enumerate(value)]
        return replacement

    broken = walk(data, 4)
    return (json.dumps(broken) if text.lstrip().startswith("{") else yaml.safe_dump(broken)).encode()


def _huge_value(text: str, rng: random.Random) -> bytes:
    if text.lstrip().startswith("{"):
        return text.replace("{", '{"huge": "' + "x" * 1_500_000 + '", ', 1).encode()
    return (text + "huge: " + "x" * 1_500_000 + "\n").encode()


def _empty(text: str, rng: random.Random) -> bytes:
    return b""


def _garbage(text: str, rng: random.Random) -> bytes:
    return bytes(rng.randrange(256) for _ in range(rng.randint(1, 300)))


MUTATIONS: dict[str, Callable[[str, random.Random], bytes]] = {
    "not-utf8": _not_utf8,
    "truncated": _truncated,
    "flipped": _flipped,
    "deep": _deep,
    "deep-value": _deep_value,
    "alias-bomb": _alias_bomb,
    "duplicate-key": _duplicate,
    "wrong-type": _wrong_type,
    "huge-value": _huge_value,
    "empty": _empty,
    "garbage": _garbage,
}


# --- entry points --------------------------------------------------------------------------------


@dataclass
class Case:
    entry: str
    mutation: str
    argv: list[str]
    must_write: Path | None = None
    """A file that an exit 0 must have written."""


def _project(directory: Path) -> Path:
    directory.mkdir(parents=True)
    (directory / "Pulumi.yaml").write_text("name: p\nruntime: python\n")
    (directory / "__main__.py").write_text(PROGRAM)
    (directory / "Pulumi.dev.yaml").write_text(STACK)
    return directory


def cases(work: Path, rng: random.Random) -> list[Case]:
    found: list[Case] = []
    preview = PREVIEW.read_text()
    for index, (name, mutate) in enumerate(MUTATIONS.items()):
        here = work / f"{index}-{name}"
        here.mkdir()
        spec_yaml, spec_json = here / "spec.yaml", here / "spec.json"
        spec_yaml.write_bytes(mutate(yaml.safe_dump(SPEC), rng))
        spec_json.write_bytes(mutate(json.dumps(SPEC), rng))
        found += [
            Case("validate yaml", name, ["validate", str(spec_yaml)]),
            Case("validate json", name, ["validate", str(spec_json)]),
        ]
        for target in ("Pulumi.yaml", "Pulumi.dev.yaml"):
            project = _project(here / f"project-{target}")
            original = (project / target).read_text()
            (project / target).write_bytes(mutate(original, rng))
            plan = here / f"plan-{target}.json"
            found.append(
                Case(f"plan ({target})", name, ["plan", str(project), "--out", str(plan), "-q"], plan)
            )
            reports = here / f"reports-{target}"
            found.append(
                Case(
                    f"check DIR ({target})",
                    name,
                    [
                        "check",
                        str(project),
                        "--pack",
                        str(USER_PACK),
                        "--format",
                        "json",
                        "--out-dir",
                        str(reports),
                    ],
                    reports / "stackyard-check.json",
                )
            )
        document = here / "preview.json"
        document.write_bytes(mutate(preview, rng))
        reports = here / "reports"
        found += [
            Case(
                "check FILE",
                name,
                [
                    "check",
                    str(document),
                    "--pack",
                    str(USER_PACK),
                    "--format",
                    "sarif",
                    "--out-dir",
                    str(reports),
                ],
                reports / "stackyard-check.sarif",
            ),
            Case("diff OLD", name, ["diff", str(document), str(PREVIEW)]),
            Case("diff NEW", name, ["diff", str(PREVIEW), str(document)]),
        ]
        for option, valid in (("--config", POLICY), ("--waivers", WAIVERS)):
            given = here / option.strip("-")
            given.write_bytes(mutate(valid, rng))
            found.append(
                Case(
                    f"check {option}",
                    name,
                    ["check", str(PREVIEW), "--pack", str(USER_PACK), option, str(given)],
                )
            )
    found += _uri_cases(rng) + _path_cases(work)
    return found


def _uri_cases(rng: random.Random) -> list[Case]:
    uris = [
        "http://",
        "https://",
        "http://127.0.0.1:99999",
        "http://127.0.0.1:-1",
        "http://host:port",
        "http://[::1",
        "arn:...",
        "arn:aws:sagemaker:eu-west-1:123456789012:endpoint/x",
        "ftp://host",
        "",
        " ",
        "x" * 100_000,
        "http://" + "a" * 300,
    ]
    return [
        Case("verify tracking", "uri", ["verify", "tracking", "--uri", uri, "--timeout", "2"]) for uri in uris
    ]


def _path_cases(work: Path) -> list[Case]:
    here = work / "paths"
    project = _project(here / "project")
    a_file = here / "a-file"
    a_file.write_text("not a directory\n")
    dangling = here / "dangling"
    dangling.symlink_to(here / "nowhere")
    init_file = here / "init-github"
    init_file.mkdir()
    (init_file / ".github").write_text("a file\n")
    init_link = here / "init-link"
    init_link.mkdir()
    (init_link / "waivers.yaml").symlink_to(here / "nowhere.yaml")
    bad_outputs = [
        str(here),
        str(a_file / "x.json"),
        "/proc/plan.json",
        "/sys/plan.json",
        str(dangling / "p.json"),
    ]
    found = [Case("plan --out", "path", ["plan", str(project), "--out", out, "-q"]) for out in bad_outputs]
    found += [
        Case(
            "check --out-dir",
            "path",
            ["check", str(PREVIEW), "--pack", str(USER_PACK), "--format", "md", "--out-dir", out],
        )
        for out in (str(a_file), str(a_file / "sub"), "/proc/reports", str(dangling))
    ]
    found += [
        Case("schema --out", "path", ["schema", "--out", out]) for out in (str(here), str(a_file / "s.json"))
    ]
    found += [
        Case("docs --out", "path", ["docs", "--out", out]) for out in (str(a_file), str(a_file / "docs"))
    ]
    found += [
        Case("init", "path", ["init", str(target)]) for target in (a_file, init_file, init_link, dangling)
    ]
    found += [
        Case("rules", "usage", ["rules", "--format", "xml"]),
        Case("check --format", "usage", ["check", str(PREVIEW), "--format", "pdf"]),
        Case("validate --timeout", "usage", ["validate", str(here), "--timeout", "-1"]),
    ]
    return found


# --- running -------------------------------------------------------------------------------------


@dataclass
class Tally:
    runs: Counter[str] = field(default_factory=Counter)
    tracebacks: Counter[str] = field(default_factory=Counter)
    past_bound: Counter[str] = field(default_factory=Counter)
    silent_ok: Counter[str] = field(default_factory=Counter)
    odd_exit: Counter[str] = field(default_factory=Counter)
    exits: Counter[int] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)


def run_case(case: Case, bound: float, tally: Tally, verbose: bool) -> None:
    tally.runs[case.entry] += 1
    started = time.monotonic()
    try:
        done = subprocess.run(
            [*STACKYARD, *case.argv],
            capture_output=True,
            text=True,
            errors="replace",
            timeout=bound,
            cwd=REPO,
        )
    except subprocess.TimeoutExpired:
        tally.past_bound[case.entry] += 1
        tally.problems.append(f"past the bound: {case.entry} / {case.mutation}: {case.argv}")
        return
    output = done.stdout + done.stderr
    tally.exits[done.returncode] += 1
    if "Traceback" in output:
        tally.tracebacks[case.entry] += 1
        tally.problems.append(f"traceback: {case.entry} / {case.mutation}: {output[-600:]}")
    # An exit 0 must show its result: the file it writes, else something printed (`plan -q` prints nothing).
    wrote = case.must_write.exists() if case.must_write else bool(output.strip())
    if done.returncode == 0 and not wrote:
        tally.silent_ok[case.entry] += 1
        tally.problems.append(f"exit 0 without output: {case.entry} / {case.mutation}")
    if done.returncode not in (0, 1, 2):
        tally.odd_exit[case.entry] += 1
        tally.problems.append(f"exit {done.returncode}: {case.entry} / {case.mutation}: {output[-300:]}")
    if verbose:
        print(
            f"{time.monotonic() - started:6.1f}s exit {done.returncode} {case.entry} / {case.mutation}",
            flush=True,
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz_cli", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=1, help="Seeds per mutation (default 1).")
    parser.add_argument("--seed", type=int, default=17, help="The first seed (default 17).")
    parser.add_argument("--bound", type=float, default=120.0, help="Seconds a run may take (default 120).")
    parser.add_argument("--verbose", action="store_true", help="One line per run.")
    options = parser.parse_args(argv)
    tally = Tally()
    clock = time.monotonic()
    for round_ in range(options.rounds):
        rng = random.Random(options.seed + round_)
        work = Path(tempfile.mkdtemp(prefix="stackyard-fuzz-"))
        try:
            for case in cases(work, rng):
                run_case(case, options.bound, tally, options.verbose)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    total = sum(tally.runs.values())
    print(
        f"{'entry point':<28} {'runs':>5} {'traceback':>9} {'past bound':>10} {'exit 0, no output':>17} {'other exit':>10}"
    )
    for entry in sorted(tally.runs):
        print(
            f"{entry:<28} {tally.runs[entry]:>5} {tally.tracebacks[entry]:>9} {tally.past_bound[entry]:>10} "
            f"{tally.silent_ok[entry]:>17} {tally.odd_exit[entry]:>10}"
        )
    counts = [sum(c.values()) for c in (tally.tracebacks, tally.past_bound, tally.silent_ok, tally.odd_exit)]
    print(
        f"{'total':<28} {total:>5} {counts[0]:>9} {counts[1]:>10} {counts[2]:>17} {counts[3]:>10}"
        f"   exit codes: {dict(sorted(tally.exits.items()))}; {time.monotonic() - clock:.0f} s"
    )
    for problem in tally.problems:
        print(problem)
    return 0 if not any(counts) else 1


if __name__ == "__main__":
    sys.exit(main())
