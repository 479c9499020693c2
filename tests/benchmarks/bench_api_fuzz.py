"""A long schemathesis run over every API operation (150 examples each, all checks, random search).

The suite runs the same test with 25 examples and a fixed search; this one looks further. It runs the suite's
test in a pytest process of its own and reports, per operation, whether any example found a server error or
broke another check.
"""

import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

from django.conf import settings

NAME = "api_fuzz"
EXAMPLES_PER_OPERATION = 150
TEST = "tests/api/test_schema.py::test_every_operation_answers_within_its_schema"


def _failures(report: Path) -> tuple[int, list[str], list[str]]:
    operations, failed, server_errors = 0, [], []
    for case in ET.parse(report).getroot().iter("testcase"):
        operations += 1
        problem = case.find("failure")
        if problem is None:
            problem = case.find("error")
        if problem is None:
            continue
        name = case.get("name", "")
        text = (problem.get("message") or "") + (problem.text or "")
        failed.append(name)
        if "Server error" in text or "[500]" in text or "Internal Server Error" in text:
            server_errors.append(name)
    return operations, failed, server_errors


def run() -> dict:
    environment = {**os.environ, "SCHEMATHESIS_MAX_EXAMPLES": str(EXAMPLES_PER_OPERATION)}
    environment.pop("CI", None)  # outside CI hypothesis searches anew each run instead of replaying one search
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "report.xml"
        finished = subprocess.run(
            [sys.executable, "-m", "pytest", TEST, "-q", "-p", "no:cacheprovider", f"--junitxml={report}"],
            cwd=settings.BASE_DIR,
            env=environment,
            capture_output=True,
            text=True,
            check=False,
        )
        if not report.exists():
            output = finished.stdout[-4000:] + finished.stderr[-4000:]
            raise RuntimeError(f"the schemathesis run did not report:\n{output}")
        operations, failed, server_errors = _failures(report)
    return {
        "operations": operations,
        "examples_per_operation": EXAMPLES_PER_OPERATION,
        "operations_failing_a_check": len(failed),
        "operations_with_server_errors": len(server_errors),
        "failing": failed,
    }
