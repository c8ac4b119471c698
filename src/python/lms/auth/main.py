"""The auth service: colleges, accounts, credentials, roles and the tokens every service
trusts. ``run()`` is the PEX entry point: ``auth serve | migrate | worker | bootstrap``
(bootstrap: the first super admin, from ``LMS_AUTH_BOOTSTRAP_EMAIL`` and ``_PASSWORD``)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from lms.auth import ioc
from lms.auth.adapters.http.routes import PUBLIC_PATHS, ROUTES
from lms.auth.adapters.imports.worker import ImportWorker
from lms.auth.adapters.reset_worker import PasswordResetWorker
from lms.auth.adapters.startup import bootstrap, ensure_signing_key, own_key_source
from lms.auth.config import load_auth_settings
from lms_platform.runtime import ServiceSpec, run_service

MIGRATIONS_DIR = Path(__file__).parent / "adapters" / "persistence" / "migrations"


SERVICE = ServiceSpec(
    name="auth",
    title="LMS auth service",
    description="Colleges, accounts, credentials, roles and the tokens every service trusts.",
    load_settings=load_auth_settings,
    providers=ioc.providers,
    routes=ROUTES,
    public_paths=PUBLIC_PATHS,
    migrations=MIGRATIONS_DIR,
    publishes=["account", "credential", "audit"],
    background=[ImportWorker.background, PasswordResetWorker.background],
    on_startup=[ensure_signing_key],
    commands={"bootstrap": bootstrap},
    key_source=own_key_source,
)


def run(argv: Sequence[str] | None = None) -> None:
    run_service(SERVICE, argv)


if __name__ == "__main__":
    run()
