"""Every service's API contract test: schemathesis against the real running service.

A service's ``tests/<service>/integration/test_contract.py`` starts the service as its other
integration tests do (uvicorn on a free port, real PostgreSQL, Redis and Kafka), then::

    result = await run_contract(
        base_url,
        headers={"Authorization": f"Bearer {token}"},
        report_dir=tmp_path,
        explicit=[ExplicitCase("GET", "/users", query={"offset": 10**40}, expect={400}, why=...)],
    )
    result.assert_passed()

Every check schemathesis has runs (``--checks all``) in every phase (examples, coverage,
fuzzing, stateful), and any finding fails the test. Two ways to ask for less, each printed
with every run and each needing a reason:

* ``Waiver(check, reason)`` leaves a check out of the run;
* ``Allowance(check, statuses, operations, reason)`` lets one check accept more statuses on
  some operations: for a rule no schema can state (an emailed token that was never issued, a
  college's own password policy).
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SCHEMA_PATH = "/schema/openapi.json"
PHASES = ("examples", "coverage", "fuzzing", "stateful")
# Modest on purpose: the suite runs on two shared cores; the coverage phase adds its own cases.
DEFAULT_MAX_EXAMPLES = 25
REQUEST_TIMEOUT = 30  # seconds; generous: the machine is shared, and a slow answer is no finding
_HOOKS_MODULE = "lms_platform.testing.contract_hooks"
# schemathesis 4's own lists: what a schema-valid request may get, what rejects an invalid one.
_ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]
_REJECTED = ["400", "401", "403", "404", "405", "406", "409", "415", "422", "428", "429", "5xx"]
# A body over the service's size limit: JSON Schema cannot state a size in bytes.
_ACCEPTED_ALWAYS = ["413"]


@dataclass(frozen=True)
class Waiver:
    """A check left out of the run, and why it cannot hold for this service."""

    check: str
    reason: str


@dataclass(frozen=True)
class Allowance:
    """More statuses one check accepts on some operations, and why no schema could say so.
    ``operations`` is a regex over "METHOD /path" (``"^PUT /roles/[{]role[}]$"``); no two
    allowances may match one operation (schemathesis would use one of them only)."""

    check: str  # "positive_data_acceptance" or "negative_data_rejection"
    statuses: tuple[int, ...]
    operations: str
    reason: str


@dataclass(frozen=True)
class ExplicitCase:
    """A request every run sends, whatever the generators draw: a past finding or an edge.
    It is validated with every check, and its status must be in ``expect`` when given."""

    method: str
    path: str  # a path of the schema, e.g. "/users/{user_id}"
    why: str
    query: Mapping[str, Any] | None = None
    path_parameters: Mapping[str, Any] | None = None
    headers: Mapping[str, str] | None = None
    body: Any = None
    expect: frozenset[int] | set[int] | None = None


@dataclass
class ContractResult:
    command: list[str]
    returncode: int
    output: str
    seconds: float
    explicit_failures: list[str] = field(default_factory=list)
    explicit_statuses: list[tuple[str, int]] = field(default_factory=list)

    @property
    def summary(self) -> str:
        """The summary block of the run (operations, phases, failures, test cases)."""
        marker = self.output.rfind(" SUMMARY ")
        return self.output[self.output.rfind("\n", 0, marker) + 1 :] if marker >= 0 else self.output

    def assert_passed(self) -> None:
        problems = []
        if self.returncode != 0:
            problems.append(f"schemathesis exited with {self.returncode}:\n{self.output}")
        problems.extend(self.explicit_failures)
        assert not problems, "\n\n".join(problems)


def _toml_list(values: Sequence[object]) -> str:
    return "[" + ", ".join(f'"{value}"' for value in dict.fromkeys(map(str, values))) + "]"


def config_text(state_statuses: Sequence[int], allowances: Sequence[Allowance]) -> str:
    """The schemathesis.toml of a run."""
    accepted = [*_ACCEPTED, *_ACCEPTED_ALWAYS, *state_statuses]
    rejected = [*_REJECTED, *state_statuses]
    defaults = {"positive_data_acceptance": accepted, "negative_data_rejection": rejected}
    lines = [
        "[cache]",  # no crash cache in the working directory: a run depends on its seed only
        "enabled = false",
        "[checks.positive_data_acceptance]",
        f"expected-statuses = {_toml_list(accepted)}",
        "[checks.negative_data_rejection]",
        f"expected-statuses = {_toml_list(rejected)}",
    ]
    for allowance in allowances:
        if allowance.check not in defaults:
            raise ValueError(f"an allowance is for one of {sorted(defaults)}")
        statuses = [*defaults[allowance.check], *allowance.statuses]
        lines += [
            "[[operations]]",
            f"include-name-regex = '{allowance.operations}'",  # the name is "METHOD /path"
            f"checks.{allowance.check}.expected-statuses = {_toml_list(statuses)}",
        ]
    return "\n".join(lines) + "\n"


def _command(
    schema_url: str,
    *,
    config_file: Path,
    headers: Mapping[str, str],
    max_examples: int,
    seed: int,
    phases: Sequence[str],
    waivers: Sequence[Waiver],
    report_dir: Path,
) -> list[str]:
    command = [
        *(sys.executable, "-m", "schemathesis.cli", "--config-file", str(config_file), "run"),
        schema_url,
        *("--checks", "all", "--phases", ",".join(phases)),
        *("--max-examples", str(max_examples), "--seed", str(seed)),
        *("--workers", "1"),  # two cores: the service under test needs the other one
        *("--request-timeout", str(REQUEST_TIMEOUT)),
        *("--generation-database", "none"),  # same seed, same cases: a failure reproduces
        *("--no-color", "--output-truncate", "false"),
        # ndjson: every case sent, with its phase and generation mode, for a closer look
        *("--report", "junit,ndjson", "--report-dir", str(report_dir)),
    ]
    if waivers:
        command += ["--exclude-checks", ",".join(sorted({w.check for w in waivers}))]
    for name, value in headers.items():
        command += ["--header", f"{name}: {value}"]
    return command


async def _run_cli(command: list[str]) -> tuple[int, str]:
    # The child imports what this process imports (also inside a Pants/PEX sandbox).
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(p for p in sys.path if p),
        "SCHEMATHESIS_HOOKS": _HOOKS_MODULE,
        "NO_COLOR": "1",
    }
    process = await asyncio.create_subprocess_exec(
        *command, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    output, _ = await process.communicate()
    return process.returncode or 0, output.decode(errors="replace")


def _run_explicit(
    schema_url: str, base_url: str, headers: Mapping[str, str], cases: Sequence[ExplicitCase]
) -> tuple[list[str], list[tuple[str, int]]]:
    import schemathesis
    from schemathesis.core.failures import FailureGroup

    import lms_platform.testing.contract_hooks  # noqa: F401  (the same deserializers as the run)

    schema = schemathesis.openapi.from_url(schema_url, config=schemathesis.Config())
    failures: list[str] = []
    statuses: list[tuple[str, int]] = []
    for explicit in cases:
        label = f"{explicit.method} {explicit.path} ({explicit.why})"
        case = schema[explicit.path][explicit.method].Case(
            query=dict(explicit.query) if explicit.query is not None else None,
            path_parameters=(
                dict(explicit.path_parameters) if explicit.path_parameters is not None else None
            ),
            headers={**headers, **(explicit.headers or {})},
            **({"body": explicit.body} if explicit.body is not None else {}),
        )
        try:
            response = case.call_and_validate(base_url=base_url, timeout=REQUEST_TIMEOUT)
        except FailureGroup as exc:  # every failed check, with a curl line to reproduce
            failures.append(f"explicit case {label} failed:\n{exc}")
            continue
        except OSError as exc:  # requests' errors are OSErrors: no answer at all
            failures.append(f"explicit case {label}: no answer: {exc!r}")
            continue
        statuses.append((label, response.status_code))
        if explicit.expect is not None and response.status_code not in explicit.expect:
            failures.append(
                f"explicit case {label}: expected {sorted(explicit.expect)},"
                f" got {response.status_code}: {response.text[:500]}"
            )
    return failures, statuses


async def run_contract(
    base_url: str,
    *,
    headers: Mapping[str, str],
    report_dir: Path,
    max_examples: int = DEFAULT_MAX_EXAMPLES,
    seed: int = 20_260_101,
    phases: Sequence[str] = PHASES,
    waivers: Sequence[Waiver] = (),
    allowances: Sequence[Allowance] = (),
    explicit: Sequence[ExplicitCase] = (),
    state_statuses: Sequence[int] = (),
) -> ContractResult:
    """Run schemathesis with every check (but the waived ones) against ``base_url``, whose
    schema is at ``/schema/openapi.json``, then the explicit cases. The service must be
    served by the caller's event loop or another process: this awaits without blocking it.

    ``state_statuses`` are answers any request may get from the service's state, beyond
    schemathesis' own lists (which have 409): 412 for an If-Match of another version. A
    precondition is evaluated before the content (RFC 9110 13.2.1), so an invalid body with a
    stale If-Match is a 412 too."""
    schema_url = base_url.rstrip("/") + SCHEMA_PATH
    report_dir.mkdir(parents=True, exist_ok=True)
    config_file = report_dir / "schemathesis.toml"
    config_file.write_text(config_text(state_statuses, allowances))
    command = _command(
        schema_url,
        config_file=config_file,
        headers=headers,
        max_examples=max_examples,
        seed=seed,
        phases=phases,
        waivers=waivers,
        report_dir=report_dir,
    )
    started = time.perf_counter()
    returncode, output = await _run_cli(command)
    explicit_failures, explicit_statuses = await asyncio.to_thread(
        _run_explicit, schema_url, base_url, headers, explicit
    )
    result = ContractResult(
        command=[
            part if not part.startswith("Authorization:") else "Authorization: …"
            for part in command
        ],
        returncode=returncode,
        output=output,
        seconds=time.perf_counter() - started,
        explicit_failures=explicit_failures,
        explicit_statuses=explicit_statuses,
    )
    for waiver in waivers:
        print(f"contract: check {waiver.check} waived: {waiver.reason}")
    for allowance in allowances:
        print(
            f"contract: {allowance.check} also accepts {list(allowance.statuses)} on"
            f" {allowance.operations}: {allowance.reason}"
        )
    print(result.summary)
    for label, status in explicit_statuses:
        print(f"contract: explicit case {label} -> {status}")
    print(f"contract: {result.seconds:.1f} s")
    return result
