"""What the auth service adds to the platform runtime: its own key source, the signing key
ensured at start-up, and the ``bootstrap`` command (the first super admin)."""

from __future__ import annotations

import os
from typing import Any

from dishka import AsyncContainer

from lms.auth import ioc
from lms.auth.adapters.persistence.repository import SqlAlchemySigningKeyStore
from lms.auth.adapters.security.jwt_tokens import StoreKeySource
from lms.auth.application.accounts import BootstrapSuperAdmin
from lms.auth.application.keys import EnsureSigningKey
from lms.auth.config import AuthSettings
from lms_platform.config import SettingsError
from lms_platform.logging import get_logger
from lms_platform.persistence import create_session_factory
from lms_platform.runtime import RuntimeParts, ServiceRuntime

_log = get_logger("lms.auth")


def own_key_source(parts: RuntimeParts[AuthSettings]) -> StoreKeySource:
    """This service trusts its own key store; other services fetch the JWKS over HTTP."""
    assert parts.engine is not None
    store = SqlAlchemySigningKeyStore(create_session_factory(parts.engine))
    return StoreKeySource(
        store, parts.clock, access_ttl=ioc.token_policy(parts.settings).access_ttl
    )


async def ensure_signing_key(container: AsyncContainer) -> None:
    async with container() as request:
        key = await (await request.get(EnsureSigningKey))()
    _log.info("signing_key_ready", kid=key.kid)


async def bootstrap(runtime: ServiceRuntime[Any]) -> None:
    email = os.environ.get("LMS_AUTH_BOOTSTRAP_EMAIL", "")
    password = os.environ.get("LMS_AUTH_BOOTSTRAP_PASSWORD", "")
    if not email or not password:
        raise SettingsError("set LMS_AUTH_BOOTSTRAP_EMAIL and LMS_AUTH_BOOTSTRAP_PASSWORD")
    async with runtime.container() as request:
        account = await (await request.get(BootstrapSuperAdmin))(email, password)
    _log.info("super_admin_created", account_id=str(account.id), email=account.email)
