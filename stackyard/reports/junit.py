"""JUnit XML, which CI systems display as tests.

One test suite per pack. A rule with findings to show gets one test case per resource it failed,
was indeterminate on or was waived for; a rule without any gets one passing test case. A blocking
finding (one that makes `stackyard check` exit 1) is a `<failure>`; an advisory failure, a
non-blocking indeterminate and a waived finding are `<skipped>` with the reason, so CI shows
them without failing the build. A policy that raised is an `<error>`. Waivers, and remote
components the policies could not see, are listed in each suite's properties.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from stackyard.check.evaluate import CheckRun
from stackyard.check.model import Finding, Result
from stackyard.reports.summary import notable, resource_name


def render(run: CheckRun) -> str:
    blocking = {id(f) for f in run.blocking()}
    by_rule: dict[int, list[Finding]] = {}
    for finding in notable(run):
        by_rule.setdefault(id(finding.rule), []).append(finding)
    root = ET.Element("testsuites", name="stackyard check", time=f"{run.duration_s:.3f}")
    total_tests = total_failures = total_skipped = total_errors = 0
    for pack in run.packs:
        suite = ET.SubElement(
            root,
            "testsuite",
            name=f"{pack.name}@{pack.version}",
            timestamp=run.started_at.isoformat(timespec="seconds"),
        )
        properties = ET.SubElement(suite, "properties")
        ET.SubElement(properties, "property", name="input", value=f"{run.input.source} ({run.input.sha256})")
        for component in run.input.opaque:
            ET.SubElement(
                properties,
                "property",
                name=f"not visible offline {component.urn}",
                value=f"remote component {component.type} (package {component.package})",
            )
        for status in run.waivers:
            w = status.waiver
            ET.SubElement(
                properties,
                "property",
                name=f"waiver {status.id}",
                value=f"{status.state.value}: {w.rule} {w.resources} until {w.expires} "
                f"({w.ticket}, {w.approver}) matched {len(status.matched)}: {w.reason}",
            )
        tests = failures = skipped = errors = 0
        for rule in pack.rules:
            mine = by_rule.get(id(rule), [])
            if not mine:
                ET.SubElement(suite, "testcase", classname=f"{pack.name}.{rule.name}", name=rule.name)
                tests += 1
                continue
            for finding in mine:
                case = ET.SubElement(
                    suite,
                    "testcase",
                    classname=f"{pack.name}.{rule.name}",
                    name=f"{rule.name} {resource_name(finding.urn)} ({finding.resource_type})",
                )
                tests += 1
                message = finding.message or rule.description
                detail = f"{finding.urn}\n{message}"
                if finding.result is Result.ERROR:
                    errors += 1
                    error = ET.SubElement(case, "error", message=message, type="policy-error")
                    error.text = detail
                elif id(finding) in blocking:
                    failures += 1
                    failure = ET.SubElement(case, "failure", message=message, type=finding.result.value)
                    failure.text = detail
                else:
                    skipped += 1
                    if finding.result is Result.WAIVED:
                        why = f"waived by {finding.waiver}"
                    elif finding.result is Result.FAIL:
                        why = f"advisory failure: {message}"
                    else:
                        why = f"indeterminate: {message}"
                    ET.SubElement(case, "skipped", message=why).text = detail
        suite.set("tests", str(tests))
        suite.set("failures", str(failures))
        suite.set("errors", str(errors))
        suite.set("skipped", str(skipped))
        total_tests, total_failures, total_skipped, total_errors = (
            total_tests + tests,
            total_failures + failures,
            total_skipped + skipped,
            total_errors + errors,
        )
    root.set("tests", str(total_tests))
    root.set("failures", str(total_failures))
    root.set("skipped", str(total_skipped))
    root.set("errors", str(total_errors))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
