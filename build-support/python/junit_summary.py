"""Prints one line, "tests: N passed, N failed, N skipped", from the JUnit XML files that
`pants test --test-report` writes (one file per pytest batch). Exit 1 when there are none."""

from __future__ import annotations

import sys
from pathlib import Path
from xml.etree import ElementTree


def main(report_dir: str) -> int:
    reports = sorted(Path(report_dir).rglob("*.xml"))
    if not reports:
        print(f"tests: no JUnit reports under {report_dir}", file=sys.stderr)
        return 1
    total = failed = skipped = 0
    for report in reports:
        for suite in ElementTree.parse(report).getroot().iter("testsuite"):
            total += int(suite.get("tests", 0))
            failed += int(suite.get("failures", 0)) + int(suite.get("errors", 0))
            skipped += int(suite.get("skipped", 0))
    passed = total - failed - skipped
    print(f"tests: {passed} passed, {failed} failed, {skipped} skipped")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "dist/test-reports"))
