"""Evaluate policy packs against an input and build the evidence matrix.

Results per rule and subject:

- `fail`: the pack reported a violation (its enforcement level comes from the pack and config).
- `indeterminate`: the rule could not decide because a value is unknown at preview, either because
  the pack's rule said so or because `pulumi_policy` stopped the rule on an unknown value (its
  "can't run policy ... during preview" diagnostic, which Pulumi shows as advisory); see
  `stackyard.check.indeterminate`. The message is the reason alone, without Pulumi's lead-in.
- `not_applicable`: the pack said so through the protocol (`args.not_applicable()`; the stackyard
  catalog's rules do for the resource types they do not check), or the policy is disabled by
  configuration.
- `pass`: the rule ran on the subject and reported nothing.
- `waived`: a `fail` or `indeterminate` result that an unexpired waiver covers.
- `error`: the policy raised (`stackyard.check.pack_host` reports it for that rule and subject
  alone); the other rules' results are kept. An error always makes the run fail.

Components built inside their provider plugin (remote components) have contents no rule sees: every
report lists them. Under `--strict` each is a failure of `OFFLINE_COVERAGE_RULE`, which a waiver
can waive.

Resource policies produce one result per resource. Stack policies produce a result for each
resource they report against, or that their indeterminate message names (a violation without a
URN is the stack's, at its root URN), and a single `pass` for the stack when they report nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stackyard.check.analyzer import PackWorkers, StackAnalysis, build_requests, started_packs
from stackyard.check.defaults import with_provider_defaults
from stackyard.check.in_process import IN_PROCESS, Answered, InProcessPack
from stackyard.check.indeterminate import parse_indeterminate
from stackyard.check.inputs import read_input
from stackyard.check.model import (
    CheckInput,
    Enforcement,
    Finding,
    Framework,
    Pack,
    Resolution,
    Result,
    Rule,
)
from stackyard.check.pack_host import ERROR_MARK, TEMPLATE_MARK
from stackyard.check.policy_config import (
    PolicyConfig,
    check_names,
    config_hash,
    for_pack,
    load_config_file,
    reconcile,
    to_request,
)
from stackyard.check.resolve import resolve_unknowns
from stackyard.check.waivers import Waiver, WaiverStatus, apply_waivers, check_rules, load_waivers
from stackyard.errors import ExitCode


@dataclass
class CheckRun:
    input: CheckInput
    packs: list[Pack]
    findings: list[Finding]
    waivers: list[WaiverStatus]
    started_at: dt.datetime
    duration_s: float
    git_commit: str | None
    strict: bool

    def count(self, result: Result) -> int:
        return sum(1 for f in self.findings if f.result is result)

    def counts(self) -> dict[str, int]:
        counted = Counter(f.result for f in self.findings)
        return {r.value: counted[r] for r in Result}

    def blocking(self) -> list[Finding]:
        """The findings that make the run fail: errors, mandatory failures (and, strict, indeterminates)."""
        return self._blocking

    @functools.cached_property
    def _blocking(self) -> list[Finding]:
        # Every report asks, and a large stack has a hundred thousand findings: found once per run.
        blocking_results = {Result.FAIL, Result.INDETERMINATE} if self.strict else {Result.FAIL}
        return [
            f
            for f in self.findings
            if f.result is Result.ERROR or (f.result in blocking_results and f.mandatory)
        ]

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.POLICY_FAILURE if self.blocking() else ExitCode.OK


@dataclass(frozen=True)
class CheckOptions:
    input_path: Path
    packs: Sequence[Path]
    stack: str | None = None
    config: Path | None = None
    waivers: Path | None = None
    strict: bool = False
    today: dt.date | None = None
    invokes: Path | None = None
    """Answers to the account lookups of a project directory's program (`stackyard plan --invokes`)."""
    timeout_s: float | None = None
    """Seconds the packs have, in all, to answer (None: no limit)."""
    resources: CheckInput | None = None
    """Resources already read (`stackyard audit` reads them from the account); else `input_path` is read."""
    engine_faithful: bool = False
    """Run every pack in its own process, as the engine runs it, stackyard's own catalog included
    (otherwise that one is evaluated in-process: `stackyard.check.in_process`)."""


def run_check(
    options: CheckOptions, progress: Callable[[int, int], Callable[[int], None]] | None = None
) -> CheckRun:
    """Read the input, run every pack over it, apply waivers. Bad input raises `UserError`."""
    started_at = dt.datetime.now(dt.UTC)
    clock = time.perf_counter()
    # Everything the user wrote is read before a pack starts, so bad input fails fast.
    waivers = load_waivers(options.waivers)
    config = load_config_file(options.config)
    read = with_provider_defaults(
        options.resources or read_input(options.input_path, options.stack, options.invokes)
    )
    packs: list[Pack] = []
    findings: list[Finding] = []
    with started_packs(options.packs, read, options.timeout_s, options.engine_faithful) as running:
        # Done while the packs start: the requests are the same for every pack.
        checked = resolve_unknowns(read)
        requests, stack_request = build_requests(
            checked.resources, stack=any(isinstance(each, PackWorkers) for each in running)
        )
        for workers in running:
            workers.connect(checked)
        infos = [workers.call("GetAnalyzerInfo", _empty()) for workers in running]
        # Every pack's rules are known before any runs: a typo in the config or waivers fails fast.
        _check_names(infos, config, waivers, options.waivers)
        for workers, info in zip(running, infos, strict=True):
            advance = progress(len(checked.resources), len(running)) if progress else None
            pack, pack_findings = _run_pack(workers, info, checked, requests, stack_request, config, advance)
            packs.append(pack)
            findings.extend(pack_findings)
    if options.strict and checked.opaque:
        coverage = _coverage_pack()
        packs.append(coverage)
        findings.extend(_coverage_findings(coverage.rules[0], checked))
    statuses = apply_waivers(findings, waivers, options.today or started_at.date())
    return CheckRun(
        input=checked,
        packs=packs,
        findings=findings,
        waivers=statuses,
        started_at=started_at,
        duration_s=time.perf_counter() - clock,
        git_commit=git_commit(Path.cwd()),
        strict=options.strict,
    )


def _empty() -> Any:
    from google.protobuf import empty_pb2

    return empty_pb2.Empty()


def _check_names(
    infos: list[Any], config: dict[str, PolicyConfig], waivers: list[Waiver], path: Path | None
) -> None:
    """Refuse config entries and waivers that name a pack, rule or setting no loaded pack has."""
    check_names(config, infos)
    rules = {policy.name for info in infos for policy in info.policies} | {OFFLINE_COVERAGE_RULE}
    check_rules(waivers, rules, path)


def _run_pack(
    running: PackWorkers | InProcessPack,
    info: Any,
    checked: CheckInput,
    requests: list[Any],
    stack_request: Any,
    config: dict[str, PolicyConfig],
    advance: Callable[[int], None] | None,
) -> tuple[Pack, list[Finding]]:
    effective = reconcile(info, for_pack(config, info.name))
    running.each("Configure", to_request(effective))
    # The version in PulumiPolicy.yaml wins over the server's, as in the engine.
    version = str(running.manifest.get("version") or info.version)
    rules = [_rule(p, info.name, effective) for p in info.policies]
    pack = Pack(
        info.name, version, str(running.path), config_hash(effective), tuple(rules), running.evaluation
    )
    resource_rules = [r for r in rules if r.kind == "resource"]
    stack_rules = [r for r in rules if r.kind == "stack"]
    findings: list[Finding] = []
    responses: list[Any]
    stack: StackAnalysis | Answered | None
    if isinstance(running, InProcessPack):
        responses, stack = running.evaluate(
            checked, requests, bool(resource_rules), bool(stack_rules), advance
        )
    else:
        responses, stack = running.analyze_all(
            requests if resource_rules else [], stack_request if stack_rules else None, advance
        )
    for resource, verdicts in zip(checked.resources, _resource_verdicts(responses), strict=False):
        for rule in resource_rules:
            verdict = verdicts.get(rule.name) or _silent(rule)
            if verdict.result is Result.INDETERMINATE and resource.templates:
                verdict = dataclasses.replace(
                    verdict, message=_why_unknown(verdict.message, resource.templates)
                )
            findings.append(_finding(rule, resource.urn, resource.type, verdict, resource.resolutions))
    if stack is not None:
        findings.extend(_stack_findings(stack.result(), stack_rules, checked))
    return pack, findings


def _resource_verdicts(responses: list[Any]) -> Iterator[dict[str, _Verdict]]:
    """What a pack said about each resource, per policy that said something.

    From a pack process, a serialized `AnalyzeResponse`: resources of one type mostly get the same
    answer, byte for byte, so each answer is read once. In-process, an `in_process.Answer`: the
    policies not applicable to the resource's type (one mapping per type), and the response of
    those that ran."""
    from pulumi.runtime.proto import analyzer_pb2

    parsed: dict[Any, dict[str, _Verdict]] = {}
    for response in responses:
        if isinstance(response, bytes):
            verdicts = parsed.get(response)
            if verdicts is None:
                verdicts = parsed[response] = _verdicts(analyzer_pb2.AnalyzeResponse.FromString(response))
            yield verdicts
            continue
        skipped, ran = response
        base = parsed.get(id(skipped))
        if base is None:
            base = parsed[id(skipped)] = {
                name: _Verdict(Result.NOT_APPLICABLE, reason) for name, reason in skipped.items()
            }
        if ran is None or not (ran.diagnostics or ran.not_applicable):
            yield base
        else:
            yield {**base, **_verdicts(ran)}


OFFLINE_COVERAGE_PACK = "stackyard-offline-coverage"
OFFLINE_COVERAGE_RULE = "remote-component-not-visible"


def _coverage_pack() -> Pack:
    import stackyard

    rule = Rule(
        name=OFFLINE_COVERAGE_RULE,
        pack=OFFLINE_COVERAGE_PACK,
        description="Every resource of the stack is visible to the policies: no component is built "
        "inside its provider plugin, out of sight of an offline check.",
        enforcement=Enforcement.MANDATORY,
        kind="resource",
        severity="medium",
        remediation="Check the output of `pulumi preview --json` (where the engine has expanded the "
        "component) instead of a stackyard plan, or waive the component with a reason.",
    )
    return Pack(OFFLINE_COVERAGE_PACK, stackyard.__version__, "(built in)", "", (rule,), IN_PROCESS)


def _coverage_findings(rule: Rule, checked: CheckInput) -> list[Finding]:
    return [
        Finding(
            rule,
            component.urn,
            component.type,
            Result.FAIL,
            f"remote component of package {component.package!r}: its contents are built by its provider "
            "plugin and are not visible offline (--strict)",
        )
        for component in checked.opaque
    ]


def _rule(policy: Any, pack: str, config: dict[str, PolicyConfig]) -> Rule:
    from pulumi.runtime.proto import analyzer_pb2

    effective = config.get(policy.name)
    enforcement = effective.enforcement if effective and effective.enforcement else Enforcement.ADVISORY
    frameworks = [Framework(*tag.split(":", 1)) for tag in policy.tags if ":" in tag]
    if policy.framework.name:
        frameworks.append(
            Framework(policy.framework.name, policy.framework.reference or policy.framework.version)
        )
    severity = analyzer_pb2.PolicySeverity.Name(policy.severity).removeprefix("POLICY_SEVERITY_").lower()
    return Rule(
        name=policy.name,
        pack=pack,
        description=policy.description,
        enforcement=enforcement,
        kind="stack" if policy.policy_type == analyzer_pb2.POLICY_TYPE_STACK else "resource",
        severity="" if severity == "unspecified" else severity,
        remediation=policy.remediation_steps,
        url=policy.url,
        frameworks=tuple(frameworks),
    )


@dataclass(frozen=True)
class _Verdict:
    result: Result
    message: str
    placeholders: tuple[str, ...] = ()
    """The placeholders of templates the rule read (`stackyard.check.pack_host`)."""


_UNKNOWN_AT = re.compile(r"^\w+ value at \.(?P<path>\S+) can't be known during preview$")
_TEMPLATE_SHOWN = 200
"""Characters of a template an indeterminate reason quotes."""


def _why_unknown(message: str, templates: Mapping[str, str]) -> str:
    """Pulumi's reason for an unknown value, with what the plan's template says the value is built
    from (`kmsKeyId` is `${aws:kms/key:Key::k.arn}`): the rule needs the value itself."""
    match = _UNKNOWN_AT.match(message)
    if match is None:
        return message
    # pulumi_policy writes list indexes as path segments (`.subnets.0`); plans write `subnets[0]`.
    path = re.sub(r"\.(\d+)(?=\.|$)", r"[\1]", match.group("path"))
    template = templates.get(path)
    if template is None:
        return message
    if len(template) > _TEMPLATE_SHOWN:
        template = template[:_TEMPLATE_SHOWN] + "..."
    return f"{message}: it is {template}, known only once the resources it names exist"


def _finding(
    rule: Rule, urn: str, resource_type: str, verdict: _Verdict, resolutions: tuple[Resolution, ...] = ()
) -> Finding:
    """The finding of a verdict: one that passed or failed on a template says so, and names the
    placeholders it read."""
    decided = verdict.placeholders and verdict.result in (Result.PASS, Result.FAIL)
    if not decided:
        return Finding(rule, urn, resource_type, verdict.result, verdict.message, "", resolutions)
    named = ", ".join(verdict.placeholders)
    message = (
        f"{verdict.message} (decided on a template: {named})"
        if verdict.message
        else f"decided on a template: {named}"
    )
    return Finding(rule, urn, resource_type, verdict.result, message, "", resolutions, decided_on="template")


def _verdicts(response: Any) -> dict[str, _Verdict]:
    """What a pack said about one resource, per policy that said something."""
    verdicts: dict[str, tuple[Result, str]] = {}
    placeholders: dict[str, tuple[str, ...]] = {}
    for na in response.not_applicable:
        verdicts[na.policy_name] = (Result.NOT_APPLICABLE, na.reason)
    for diagnostic in response.diagnostics:
        if (read := _template_mark(diagnostic)) is not None:
            placeholders[diagnostic.policyName] = read
            continue
        results = _classify(diagnostic)
        result, message = results[0].result, "\n".join(r.message for r in results)
        previous = verdicts.get(diagnostic.policyName)
        if previous and previous[0] is Result.ERROR:
            continue  # the rule did not finish: what it reported before raising is not its verdict
        if previous and previous[0] is Result.FAIL and result is Result.FAIL:
            message = f"{previous[1]}\n{message}"
        elif previous and previous[0] is Result.FAIL:
            continue  # a failure outweighs an indeterminate part of the same rule
        verdicts[diagnostic.policyName] = (result, message)
    for name in placeholders:
        verdicts.setdefault(name, _PASSED)
    return {
        name: _Verdict(result, message, placeholders.get(name, ()))
        for name, (result, message) in verdicts.items()
    }


def _own_message(diagnostic: Any) -> str:
    """A diagnostic's message as the rule reported it: pulumi_policy prefixes each violation with
    the policy's description line."""
    message = str(diagnostic.message)
    if diagnostic.description and message.startswith(diagnostic.description):
        message = message[len(diagnostic.description) :].lstrip("\n")
    return message


def _template_mark(diagnostic: Any) -> tuple[str, ...] | None:
    """The placeholders a diagnostic says its rule read, or None for any other diagnostic."""
    message = _own_message(diagnostic)
    if not message.startswith(TEMPLATE_MARK):
        return None
    return tuple(message[len(TEMPLATE_MARK) :].split(", "))


@dataclass(frozen=True)
class _Reported:
    result: Result
    message: str
    urn: str | None = None
    """The resource a stack rule's result is about, when the message names it."""


def _classify(diagnostic: Any) -> list[_Reported]:
    """What a diagnostic reports: a failure, or one indeterminate result per unknown it names
    (`stackyard.check.indeterminate`; a stack rule names each resource's URN)."""
    message = _own_message(diagnostic)
    if message.startswith(ERROR_MARK):
        return [_Reported(Result.ERROR, message.removeprefix("stackyard: "))]
    unknowns = parse_indeterminate(message)
    if unknowns:
        return [_Reported(Result.INDETERMINATE, item.reason, item.urn) for item in unknowns]
    return [_Reported(Result.FAIL, message or diagnostic.description)]


_DISABLED = (Result.NOT_APPLICABLE, "disabled by the policy configuration")
_PASSED = (Result.PASS, "")


def _silent(rule: Rule) -> _Verdict:
    """The result of a rule that said nothing about a resource."""
    return _Verdict(*(_DISABLED if rule.enforcement is Enforcement.DISABLED else _PASSED))


def _stack_findings(response: Any, rules: list[Rule], checked: CheckInput) -> list[Finding]:
    types = {r.urn: r.type for r in checked.resources}
    by_rule: dict[str, list[tuple[str, Result, str]]] = {}
    placeholders: dict[tuple[str, str], tuple[str, ...]] = {}
    for diagnostic in response.diagnostics:
        if (read := _template_mark(diagnostic)) is not None:
            placeholders[(diagnostic.policyName, diagnostic.urn)] = read
            continue
        for reported in _classify(diagnostic):
            # A result belongs to the resource it names, else to the diagnostic's, else the stack's.
            urn = next(
                (u for u in (reported.urn, diagnostic.urn) if u in types),
                checked.stack_urn,
            )
            by_rule.setdefault(diagnostic.policyName, []).append((urn, reported.result, reported.message))
    not_applicable = {na.policy_name: na.reason for na in response.not_applicable}
    findings = []
    for rule in rules:
        stack_type = "pulumi:pulumi:Stack"
        if rule.enforcement is Enforcement.DISABLED or rule.name in not_applicable:
            reason = not_applicable.get(rule.name) or "disabled by the policy configuration"
            findings.append(Finding(rule, checked.stack_urn, stack_type, Result.NOT_APPLICABLE, reason))
            continue
        of_rule = by_rule.get(rule.name, [])
        for urn, result, message in of_rule:
            verdict = _Verdict(result, message, placeholders.pop((rule.name, urn), ()))
            findings.append(_finding(rule, urn, types.get(urn, stack_type), verdict))
        # A resource the rule passed after reading a template of it has its own result, which says so.
        for (name, urn), read in sorted(placeholders.items()):
            if name == rule.name and urn in types:
                findings.append(_finding(rule, urn, types[urn], _Verdict(Result.PASS, "", read)))
        if not of_rule:
            findings.append(Finding(rule, checked.stack_urn, stack_type, Result.PASS, ""))
    return findings


def git_commit(directory: Path) -> str | None:
    """The commit checked out at `directory`, when it is inside a git repository."""
    try:
        completed = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=directory,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return completed.stdout.strip() if completed.returncode == 0 else None
