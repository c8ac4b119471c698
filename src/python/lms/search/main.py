"""The search service. ``run()`` is the PEX entry point (``search serve | migrate | worker |
reindex``); the platform runtime builds and runs everything."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from lms.search import ioc
from lms.search.adapters.commands import reindex
from lms.search.adapters.elastic.client import elasticsearch_ready
from lms.search.adapters.http.routes import ROUTES
from lms.search.adapters.messaging.consumers import subscribe
from lms.search.config import load_search_settings
from lms_platform.runtime import ServiceSpec, run_service

MIGRATIONS_DIR = Path(__file__).parent / "adapters" / "persistence" / "migrations"


SERVICE = ServiceSpec(
    name="search",
    title="LMS search service",
    description=(
        "Permission-aware full-text search over users, courses, assignments and notes, indexed "
        "from their services' events."
    ),
    load_settings=load_search_settings,
    providers=ioc.providers,
    routes=ROUTES,
    migrations=MIGRATIONS_DIR,
    publishes=[],
    consumes=["course", "assignment", "user", "note", "enrollment"],
    subscribe=subscribe,
    commands={"reindex": reindex},
    readiness={"elasticsearch": elasticsearch_ready},
)


def run(argv: Sequence[str] | None = None) -> None:
    run_service(SERVICE, argv)


if __name__ == "__main__":
    run()
