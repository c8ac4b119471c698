"""Composition root of the auth service: one dishka container wired into Litestar.

``run()`` is the PEX entry point: ``auth serve`` (HTTP and the outbox relay in one process),
``auth migrate``, ``auth worker`` (the relay without HTTP) and ``auth bootstrap`` (the first
super admin, from ``LMS_AUTH_BOOTSTRAP_EMAIL`` and ``LMS_AUTH_BOOTSTRAP_PASSWORD``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
from datetime import timedelta
from pathlib import Path

from dishka import AsyncContainer, Provider, Scope, make_async_container, provide
from dishka.integrations.litestar import LitestarProvider
from litestar import Litestar
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from lms.auth.adapters.http.accounts import AccountsController
from lms.auth.adapters.http.api_keys import ApiKeyController, ApiKeyExchangeController
from lms.auth.adapters.http.audit import AuditController
from lms.auth.adapters.http.colleges import CollegeController
from lms.auth.adapters.http.controllers import (
    PUBLIC_PATHS,
    AdminController,
    JwksCache,
    TokenController,
)
from lms.auth.adapters.http.credentials import CredentialsController, PublicCredentialsController
from lms.auth.adapters.http.imports import ImportsController
from lms.auth.adapters.http.roles import RolesController
from lms.auth.adapters.http.templates import EmailTemplateController
from lms.auth.adapters.imports.wiring import AccountAdminProvider
from lms.auth.adapters.imports.worker import ImportWakeup, ImportWorker
from lms.auth.adapters.persistence.repository import SqlAlchemySigningKeyStore
from lms.auth.adapters.persistence.unit_of_work import AuthSqlAlchemyUnitOfWork
from lms.auth.adapters.security.jwt_tokens import (
    JwtAccessTokenSigner,
    RsaKeyPairGenerator,
    StoreKeySource,
)
from lms.auth.adapters.security.passwords import (
    Argon2idPasswordHasher,
    Argon2Parameters,
    ScryptParameters,
    ScryptPasswordHasher,
)
from lms.auth.adapters.templates.jinja_renderer import JinjaTemplateRenderer
from lms.auth.adapters.throttle.rate_limiter import RedisRateLimiter
from lms.auth.adapters.throttle.redis_throttle import RedisLoginThrottle
from lms.auth.application.api_keys import (
    ApiKeyHasher,
    CreateApiKey,
    ExchangeApiKey,
    GetApiKey,
    ListApiKeys,
    RevokeApiKey,
    RotateApiKey,
)
from lms.auth.application.audit import AuditRecorder, SearchAuditLog
from lms.auth.application.colleges import GetCollege, ListColleges, UpdateCollegeSettings
from lms.auth.application.credentials import (
    AcceptInvitation,
    ChangePassword,
    CompletePasswordReset,
    CredentialPolicy,
    InviteAccount,
    RateLimiter,
    RequestEmailVerification,
    RequestPasswordReset,
    ResendInvitation,
    SelfSignup,
    VerifyEmail,
)
from lms.auth.application.keys import (
    EnsureSigningKey,
    PublishedKeys,
    RevokeSigningKey,
    RotateSigningKey,
)
from lms.auth.application.ports import (
    AccessTokenSigner,
    AuthUnitOfWork,
    KeyPairGenerator,
    LoginThrottle,
    PasswordHasher,
    SigningKeyStore,
)
from lms.auth.application.roles import (
    AssignRoles,
    GetRoleMapping,
    ResetRolePermissions,
    SetRolePermissions,
)
from lms.auth.application.templates import (
    GetCurrentTemplate,
    ListTemplateVersions,
    PreviewTemplate,
    PublishTemplate,
    TemplateRenderer,
)
from lms.auth.application.use_cases import (
    BootstrapSuperAdmin,
    CreateCollege,
    DeactivateAccount,
    Login,
    Logout,
    ReactivateAccount,
    Refresh,
    RegisterAccount,
    TokenPolicy,
)
from lms.auth.config import AuthSettings, load_auth_settings
from lms.auth.domain.model import LockoutPolicy
from lms_platform.config import SettingsError
from lms_platform.http import PrincipalProvider, create_app
from lms_platform.http.serving import configure_process, run_worker, serve_http
from lms_platform.kernel.clock import SystemClock
from lms_platform.logging import get_logger
from lms_platform.messaging import ensure_topics, retry_until_ready
from lms_platform.messaging.relay import OutboxRelay
from lms_platform.messaging.topics import CATALOGUE
from lms_platform.persistence import (
    DatabaseProvider,
    create_engine,
    database_ready_check,
    upgrade_to_head,
)
from lms_platform.persistence.database import create_session_factory
from lms_platform.persistence.unit_of_work import EventStager
from lms_platform.providers import ServiceBasicsProvider
from lms_platform.security import TokenVerifier

MIGRATIONS_DIR = Path(__file__).parent / "adapters" / "persistence" / "migrations"
_UNENCRYPTED_KEYS_ALLOWED = frozenset({"development", "test"})

_log = get_logger("lms.auth")


def credential_policy(settings: AuthSettings) -> CredentialPolicy:
    return CredentialPolicy(
        reset_ttl=timedelta(seconds=settings.password_reset_ttl_seconds),
        verification_ttl=timedelta(seconds=settings.email_verification_ttl_seconds),
        invitation_ttl=timedelta(seconds=settings.invitation_ttl_seconds),
        reset_url_template=settings.password_reset_url_template,
        verification_url_template=settings.email_verification_url_template,
        invitation_url_template=settings.invitation_url_template,
        signup_ip_limit=settings.signup_ip_limit,
        signup_window_seconds=settings.signup_ip_window_seconds,
        reset_ip_limit=settings.password_reset_ip_limit,
        reset_email_limit=settings.password_reset_email_limit,
        reset_window_seconds=settings.password_reset_window_seconds,
    )


def token_policy(settings: AuthSettings) -> TokenPolicy:
    return TokenPolicy(
        access_ttl=timedelta(seconds=settings.access_token_ttl_seconds),
        refresh_ttl=timedelta(seconds=settings.refresh_token_ttl_seconds),
        key_publish_ahead=timedelta(seconds=settings.signing_key_publish_ahead_seconds),
        lockout=LockoutPolicy(
            threshold=settings.lockout_threshold,
            base_cooldown=timedelta(seconds=settings.lockout_base_seconds),
            max_cooldown=timedelta(seconds=settings.lockout_max_seconds),
        ),
    )


class AuthInfrastructureProvider(Provider):
    """Clients and adapters that live as long as the process (APP scope)."""

    def __init__(
        self, settings: AuthSettings, key_store: SigningKeyStore, signer: JwtAccessTokenSigner
    ) -> None:
        super().__init__()
        self._settings = settings
        self._key_store = key_store
        self._signer = signer

    @provide(scope=Scope.APP)
    def policy(self) -> TokenPolicy:
        return token_policy(self._settings)

    @provide(scope=Scope.APP)
    def hasher(self) -> PasswordHasher:
        return Argon2idPasswordHasher(
            Argon2Parameters(
                time_cost=self._settings.argon2_time_cost,
                memory_kib=self._settings.argon2_memory_kib,
                parallelism=self._settings.argon2_parallelism,
            ),
            legacy=ScryptPasswordHasher(ScryptParameters(n=self._settings.scrypt_n)),
        )

    @provide(scope=Scope.APP)
    def credential_policy(self) -> CredentialPolicy:
        return credential_policy(self._settings)

    @provide(scope=Scope.APP)
    def rate_limiter(self, redis: Redis) -> RateLimiter:
        return RedisRateLimiter(redis)

    @provide(scope=Scope.APP)
    def template_renderer(self) -> TemplateRenderer:
        return JinjaTemplateRenderer()

    @provide(scope=Scope.APP)
    def key_store(self) -> SigningKeyStore:
        return self._key_store

    @provide(scope=Scope.APP)
    def key_generator(self) -> KeyPairGenerator:
        return RsaKeyPairGenerator(passphrase=self._settings.key_encryption_key or None)

    @provide(scope=Scope.APP)
    def api_key_hasher(self) -> ApiKeyHasher:
        return ApiKeyHasher(self._settings.api_key_pepper)

    @provide(scope=Scope.APP)
    def jwks_cache(self) -> JwksCache:
        return JwksCache()

    @provide(scope=Scope.APP)
    def signer(self) -> AccessTokenSigner:
        return self._signer

    @provide(scope=Scope.APP)
    def throttle(self, redis: Redis, policy: TokenPolicy) -> LoginThrottle:
        return RedisLoginThrottle(
            redis,
            policy.lockout,
            ip_limit=self._settings.login_ip_limit,
            ip_window_seconds=self._settings.login_ip_window_seconds,
        )

    @provide(scope=Scope.REQUEST)
    def unit_of_work(self, session: AsyncSession, events: EventStager) -> AuthUnitOfWork:
        return AuthSqlAlchemyUnitOfWork(session, events)


class AuthUseCasesProvider(Provider):
    scope = Scope.REQUEST
    token_use_cases = provide(Login) + provide(Refresh) + provide(Logout)
    admin_use_cases = (
        provide(CreateCollege)
        + provide(RegisterAccount)
        + provide(DeactivateAccount)
        + provide(ReactivateAccount)
        + provide(BootstrapSuperAdmin)
    )
    key_use_cases = (
        provide(EnsureSigningKey)
        + provide(RotateSigningKey)
        + provide(RevokeSigningKey)
        + provide(PublishedKeys)
    )
    audit_use_cases = provide(AuditRecorder) + provide(SearchAuditLog)
    college_use_cases = provide(GetCollege) + provide(ListColleges) + provide(UpdateCollegeSettings)
    credential_use_cases = (
        provide(ChangePassword)
        + provide(RequestPasswordReset)
        + provide(CompletePasswordReset)
        + provide(RequestEmailVerification)
        + provide(VerifyEmail)
        + provide(InviteAccount)
        + provide(ResendInvitation)
        + provide(AcceptInvitation)
        + provide(SelfSignup)
    )
    template_use_cases = (
        provide(GetCurrentTemplate)
        + provide(ListTemplateVersions)
        + provide(PublishTemplate)
        + provide(PreviewTemplate)
    )
    api_key_use_cases = (
        provide(CreateApiKey)
        + provide(ListApiKeys)
        + provide(GetApiKey)
        + provide(RotateApiKey)
        + provide(RevokeApiKey)
        + provide(ExchangeApiKey)
    )
    role_use_cases = (
        provide(GetRoleMapping)
        + provide(SetRolePermissions)
        + provide(ResetRolePermissions)
        + provide(AssignRoles)
    )


class AuthService:
    """Everything one process of the auth service runs, built from settings."""

    def __init__(self, settings: AuthSettings) -> None:
        if not settings.key_encryption_key and settings.environment not in (
            _UNENCRYPTED_KEYS_ALLOWED
        ):
            raise SettingsError(
                "LMS_AUTH_KEY_ENCRYPTION_KEY is required outside development: signing keys "
                "are stored encrypted with it"
            )
        self.settings = settings
        self.engine = create_engine(
            settings.database_url,
            service=settings.service_name,
            pool_size=settings.database_pool_size,
        )
        self.redis = Redis.from_url(settings.redis_url)
        self.clock = SystemClock()
        policy = token_policy(settings)
        self.key_store = SqlAlchemySigningKeyStore(create_session_factory(self.engine))
        self.signer = JwtAccessTokenSigner(
            self.key_store,
            self.clock,
            passphrase=settings.key_encryption_key or None,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            access_ttl=policy.access_ttl,
        )
        self.import_wakeup = ImportWakeup()
        self.container = self._build_container(policy)
        self.import_worker = ImportWorker(
            self.container, self.import_wakeup, settings.import_poll_seconds
        )
        # This service trusts its own key store; other services fetch the JWKS over HTTP.
        self.verifier = TokenVerifier(
            StoreKeySource(self.key_store, self.clock, access_ttl=policy.access_ttl),
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
        )
        self.relay = OutboxRelay(
            self.engine,
            settings.kafka_bootstrap_servers,
            settings.service_name,
            enable_idempotence=settings.kafka_enable_idempotence,
        )
        self._topics_task: asyncio.Task[None] | None = None

    def _build_container(self, policy: TokenPolicy) -> AsyncContainer:
        return make_async_container(
            LitestarProvider(),
            PrincipalProvider(),
            DatabaseProvider(self.engine),
            ServiceBasicsProvider(self.settings, self.redis, self.clock),
            AuthInfrastructureProvider(self.settings, self.key_store, self.signer),
            AuthUseCasesProvider(),
            AccountAdminProvider(self.settings, self.import_wakeup),
        )

    async def ensure_signing_key(self) -> None:
        async with self.container() as request:
            key = await (await request.get(EnsureSigningKey))()
        _log.info("signing_key_ready", kid=key.kid)

    async def start_background(self) -> None:
        if self.settings.run_relay:
            self._topics_task = asyncio.create_task(self._ensure_topics(), name="auth-topics")
            await self.relay.start()
        if self.settings.run_import_worker:
            await self.import_worker.start()

    async def _ensure_topics(self) -> None:
        await retry_until_ready(
            lambda: ensure_topics(
                self.settings.kafka_bootstrap_servers,
                [CATALOGUE[name] for name in ("account", "credential", "audit")],
                self.settings.kafka_topic_prefix,
            ),
            waiting_event="topics_waiting_for_broker",
        )

    async def stop_background(self) -> None:
        if self._topics_task is not None:
            self._topics_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._topics_task
        await self.import_worker.stop()
        await self.relay.stop()

    async def dispose(self) -> None:
        await self.engine.dispose()

    def http_app(self) -> Litestar:
        async def redis_ready() -> None:
            await self.redis.ping()

        return create_app(
            settings=self.settings,
            route_handlers=[
                TokenController,
                AdminController,
                AuditController,
                CollegeController,
                CredentialsController,
                PublicCredentialsController,
                EmailTemplateController,
                RolesController,
                ApiKeyExchangeController,
                ApiKeyController,
                AccountsController,
                ImportsController,
            ],
            container=self.container,
            verifier=self.verifier,
            title="LMS auth service",
            description="Colleges, accounts, credentials, roles and the tokens every service trusts.",
            readiness_checks={
                "postgres": database_ready_check(self.engine),
                "redis": redis_ready,
            },
            public_paths=PUBLIC_PATHS,
            on_startup=[self.ensure_signing_key, self.start_background],
            on_shutdown=[self.stop_background, self.dispose],
        )


def create_auth_app(settings: AuthSettings | None = None) -> Litestar:
    return AuthService(settings or load_auth_settings()).http_app()


async def _bootstrap(service: AuthService) -> None:
    email = os.environ.get("LMS_AUTH_BOOTSTRAP_EMAIL", "")
    password = os.environ.get("LMS_AUTH_BOOTSTRAP_PASSWORD", "")
    if not email or not password:
        raise SettingsError("set LMS_AUTH_BOOTSTRAP_EMAIL and LMS_AUTH_BOOTSTRAP_PASSWORD")
    try:
        async with service.container() as request:
            account = await (await request.get(BootstrapSuperAdmin))(email, password)
        _log.info("super_admin_created", account_id=str(account.id), email=account.email)
    finally:
        await service.container.close()
        await service.dispose()


def run(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="auth", description="The LMS auth service.")
    parser.add_argument(
        "command", choices=["serve", "migrate", "worker", "bootstrap"], nargs="?", default="serve"
    )
    args = parser.parse_args(argv)
    settings = load_auth_settings()
    configure_process(settings)
    if args.command == "migrate":
        upgrade_to_head(MIGRATIONS_DIR, settings.database_url)
        _log.info("migrated", database=settings.database_url.rsplit("@", 1)[-1])
        return
    service = AuthService(settings)
    if args.command == "bootstrap":
        asyncio.run(_bootstrap(service))
        return
    if args.command == "worker":
        run_worker(service)
        return
    serve_http(service.http_app(), settings)


if __name__ == "__main__":
    run()
