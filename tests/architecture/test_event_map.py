"""docs/architecture.md's "Who hears whom" table is what the services' specs declare: every
topic with its one publisher and every service that consumes it."""

from __future__ import annotations

import importlib
import re
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVICES = sorted(
    p.parent.name for p in (ROOT / "src" / "python" / "lms").glob("*/main.py")
    if "ServiceSpec(" in p.read_text()
)  # fmt: skip


def _declared() -> dict[str, tuple[str, tuple[str, ...]]]:
    publishers: dict[str, list[str]] = defaultdict(list)
    consumers: dict[str, list[str]] = defaultdict(list)
    for service in SERVICES:
        spec = importlib.import_module(f"lms.{service}.main").SERVICE
        for topic in spec.publishes:
            publishers[topic].append(service)
        for topic in spec.consumes:
            consumers[topic].append(service)
    for topic, names in publishers.items():
        assert len(names) == 1, f"topic {topic} has two publishers: {names}"
    orphans = set(consumers) - set(publishers)
    assert not orphans, f"consumed but published by no service: {sorted(orphans)}"
    return {t: (names[0], tuple(sorted(consumers[t]))) for t, names in publishers.items()}


def _documented() -> dict[str, tuple[str, tuple[str, ...]]]:
    text = (ROOT / "docs" / "architecture.md").read_text()
    block = text.split("<!-- event-map:start -->")[1].split("<!-- event-map:end -->")[0]
    rows = {}
    for line in block.splitlines():
        cells = re.fullmatch(r"\| `(\w+)` \| (\w+) \| (.+) \|", line.strip())
        if cells:
            topic, publisher, consumed = cells.groups()
            names = () if consumed == "—" else tuple(n.strip() for n in consumed.split(","))
            rows[topic] = (publisher, names)
    return rows


def test_the_documented_event_map_is_what_the_services_declare() -> None:
    assert len(SERVICES) >= 9, SERVICES
    assert _documented() == _declared()
