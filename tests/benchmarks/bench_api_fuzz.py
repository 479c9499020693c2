"""A long schemathesis run over every API operation (150 examples each, every check, a fresh search each run).

The suite runs the same test with 25 examples and a fixed search; this one looks further. It runs the suite's
test in a pytest process of its own and reports each operation where an example found a server error or broke
another check.
"""

import os
import re
import subprocess
import sys

from django.conf import settings

NAME = "api_fuzz"
EXAMPLES_PER_OPERATION = 150
TEST = "tests/api/test_schema.py::test_every_operation_answers_within_its_schema"
_SECTION = re.compile(r"^_+ test_every_operation_answers_within_its_schema\[(?P<operation>.+?)\] _+$", re.MULTILINE)
_CHECK = re.compile(r"^\s*\| - (ST\d+ [^\n]+)$", re.MULTILINE)
_SUMMARY = re.compile(r"(?:(?P<failed>\d+) failed)?(?:, )?(?:(?P<passed>\d+) passed)")


def _failures(output: str) -> dict[str, str]:
    """{operation: its failure text} from pytest's report."""
    sections = list(_SECTION.finditer(output))
    failures = {}
    for index, section in enumerate(sections):
        end = sections[index + 1].start() if index + 1 < len(sections) else len(output)
        failures[section["operation"]] = output[section.end() : end]
    return failures


def run() -> dict:
    environment = {**os.environ, "SCHEMATHESIS_MAX_EXAMPLES": str(EXAMPLES_PER_OPERATION)}
    environment.pop("CI", None)  # outside CI hypothesis searches anew each run instead of replaying one search
    finished = subprocess.run(
        [sys.executable, "-m", "pytest", TEST, "-q", "-p", "no:cacheprovider"],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    output = finished.stdout + finished.stderr
    summary = _SUMMARY.search(output.strip().splitlines()[-1] if output.strip() else "")
    if summary is None:
        raise RuntimeError(f"the schemathesis run did not finish:\n{output[-4000:]}")
    failures = _failures(output)
    server_errors = [op for op, text in failures.items() if "Server error" in text or "ST100" in text]
    return {
        "operations": int(summary["passed"] or 0) + int(summary["failed"] or 0),
        "examples_per_operation": EXAMPLES_PER_OPERATION,
        "operations_failing_a_check": len(failures),
        "operations_with_server_errors": len(server_errors),
        "failing": {op: sorted(set(_CHECK.findall(text))) for op, text in sorted(failures.items())},
    }
