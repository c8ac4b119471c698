"""Every service's command line: ``serve`` (default), ``migrate``, ``worker``, plus the
service's own commands (``ServiceSpec.commands``)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from lms_platform.http.serving import configure_process, serve_http
from lms_platform.logging import get_logger
from lms_platform.messaging.admin import OutboxAdmin
from lms_platform.messaging.admin_cli import run_outbox_command
from lms_platform.persistence import create_engine, upgrade_to_head
from lms_platform.runtime.service import ServiceRuntime, run_worker
from lms_platform.runtime.spec import S, ServiceSpec

BUILT_IN_COMMANDS = ("serve", "migrate", "worker", "outbox")


def run_service(spec: ServiceSpec[S], argv: Sequence[str] | None = None) -> None:
    """The PEX entry point of a service."""
    parser = argparse.ArgumentParser(prog=spec.name, description=spec.title)
    parser.add_argument(
        "command",
        choices=[*BUILT_IN_COMMANDS, *spec.commands],
        nargs="?",
        default="serve",
        help="serve: HTTP with the relay, consumers and background work; worker: the same "
        "without HTTP; migrate: apply the database migrations; outbox: list, count, retry or "
        "discard parked outbox rows (outbox --help)",
    )
    parser.add_argument("arguments", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.arguments and args.command != "outbox":
        parser.error(f"unrecognized arguments: {' '.join(args.arguments)}")
    settings = spec.load_settings()
    configure_process(settings)
    if args.command == "migrate":
        if spec.migrations is None:
            parser.error(f"{spec.name} has no database to migrate")
        upgrade_to_head(
            spec.migrations,
            settings.database_url,
            lock_timeout_ms=settings.migration_lock_timeout_ms,
        )
        get_logger(f"lms.{spec.name}").info(
            "migrated", database=settings.database_url.rsplit("@", 1)[-1]
        )
        return
    if args.command == "outbox":
        sys.exit(asyncio.run(_outbox(spec, settings, args.arguments)))
    runtime = ServiceRuntime(spec, settings)
    if args.command in spec.commands:
        asyncio.run(runtime.run_command(spec.commands[args.command]))
    elif args.command == "worker":
        run_worker(runtime)
    else:
        serve_http(runtime.http_app(), settings)


async def _outbox(spec: ServiceSpec[S], settings: S, arguments: Sequence[str]) -> int:
    """Parked outbox rows (lms_platform/messaging/README.md), without starting the service."""
    prog = f"{spec.name} outbox"
    if spec.outbox_admin is not None:
        async with spec.outbox_admin(settings) as admin:
            return await run_outbox_command(admin, arguments, prog=prog)
    if spec.migrations is None:
        raise SystemExit(f"{spec.name} has no outbox")
    if not settings.database_url:
        prefix = f"LMS_{spec.name.upper()}_"
        raise SystemExit(f"{spec.name} outbox: set {prefix}DATABASE_URL to the service's database")
    engine = create_engine(settings.database_url, service=settings.service_name, pool_size=1)
    try:
        return await run_outbox_command(OutboxAdmin(engine), arguments, prog=prog)
    finally:
        await engine.dispose()
