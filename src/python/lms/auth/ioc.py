"""The auth service's dishka providers: each port bound to its adapter, and the use cases.
The platform runtime adds the engine, sessions, Redis, clock, ids and the outbox stager."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from dishka import AnyOf, Provider, Scope, provide
from redis.asyncio import Redis

from lms.auth.adapters.http.controllers import JwksCache
from lms.auth.adapters.imports.wiring import AccountAdminProvider
from lms.auth.adapters.persistence.repository import SqlAlchemySigningKeyStore
from lms.auth.adapters.persistence.unit_of_work import AuthSqlAlchemyUnitOfWork
from lms.auth.adapters.reset_worker import ResetWakeup
from lms.auth.adapters.security.jwt_tokens import JwtAccessTokenSigner, RsaKeyPairGenerator
from lms.auth.adapters.security.passwords import (
    Argon2idPasswordHasher,
    Argon2Parameters,
    ScryptParameters,
    ScryptPasswordHasher,
)
from lms.auth.adapters.throttle.rate_limiter import RedisRateLimiter
from lms.auth.adapters.throttle.redis_throttle import RedisLoginThrottle
from lms.auth.application.accounts import (
    BootstrapSuperAdmin,
    DeactivateAccount,
    ReactivateAccount,
    RegisterAccount,
)
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
from lms.auth.application.colleges import (
    CreateCollege,
    GetCollege,
    ListColleges,
    UpdateCollegeSettings,
)
from lms.auth.application.credentials import (
    AcceptInvitation,
    ChangePassword,
    CompletePasswordReset,
    CredentialPolicy,
    InviteAccount,
    ProcessPasswordReset,
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
    AccountUnitOfWork,
    ApiKeyUnitOfWork,
    AuditUnitOfWork,
    AuthUnitOfWork,
    CollegeUnitOfWork,
    CredentialUnitOfWork,
    ImportUnitOfWork,
    KeyPairGenerator,
    LoginThrottle,
    PasswordHasher,
    RateLimiter,
    ResetQueueSignal,
    ResetUnitOfWork,
    RoleUnitOfWork,
    SigningKeyStore,
    TokenUnitOfWork,
)
from lms.auth.application.roles import (
    AssignRoles,
    GetRoleMapping,
    ResetRolePermissions,
    SetRolePermissions,
)
from lms.auth.application.tokens import Login, Logout, Refresh, TokenPolicy
from lms.auth.config import AuthSettings
from lms.auth.domain.model import LockoutPolicy
from lms_platform.kernel.ports import Clock


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


class AuthAdaptersProvider(Provider):
    """Ports bound to adapters; all process-wide except the unit of work."""

    scope = Scope.APP

    def __init__(self, settings: AuthSettings) -> None:
        super().__init__()
        self._settings = settings

    key_store = provide(SqlAlchemySigningKeyStore, provides=SigningKeyStore)
    # One unit of work per request, seen by each flow as the small port it needs.
    unit_of_work = provide(
        AuthSqlAlchemyUnitOfWork,
        provides=AnyOf[
            AuthUnitOfWork,
            TokenUnitOfWork,
            AccountUnitOfWork,
            CollegeUnitOfWork,
            CredentialUnitOfWork,
            ResetUnitOfWork,
            RoleUnitOfWork,
            ApiKeyUnitOfWork,
            ImportUnitOfWork,
            AuditUnitOfWork,
        ],
        scope=Scope.REQUEST,
    )

    @provide
    def rate_limiter(self, redis: Redis) -> RateLimiter:
        return RedisRateLimiter(redis)

    reset_wakeup = provide(ResetWakeup)

    @provide
    def reset_signal(self, wakeup: ResetWakeup) -> ResetQueueSignal:
        return wakeup

    @provide
    def jwks_cache(self) -> JwksCache:
        return JwksCache()

    @provide
    def policy(self) -> TokenPolicy:
        return token_policy(self._settings)

    @provide
    def credential_policy(self) -> CredentialPolicy:
        return credential_policy(self._settings)

    @provide
    def hasher(self) -> PasswordHasher:
        settings = self._settings
        return Argon2idPasswordHasher(
            Argon2Parameters(
                time_cost=settings.argon2_time_cost,
                memory_kib=settings.argon2_memory_kib,
                parallelism=settings.argon2_parallelism,
            ),
            legacy=ScryptPasswordHasher(ScryptParameters(n=settings.scrypt_n)),
        )

    @provide
    def key_generator(self) -> KeyPairGenerator:
        return RsaKeyPairGenerator(passphrase=self._settings.key_encryption_key or None)

    @provide
    def api_key_hasher(self) -> ApiKeyHasher:
        return ApiKeyHasher(self._settings.api_key_pepper)

    @provide
    def signer(
        self, store: SigningKeyStore, clock: Clock, policy: TokenPolicy
    ) -> AccessTokenSigner:
        return JwtAccessTokenSigner(
            store,
            clock,
            passphrase=self._settings.key_encryption_key or None,
            issuer=self._settings.jwt_issuer,
            audience=self._settings.jwt_audience,
            access_ttl=policy.access_ttl,
        )

    @provide
    def throttle(self, redis: Redis, policy: TokenPolicy) -> LoginThrottle:
        return RedisLoginThrottle(
            redis,
            policy.lockout,
            ip_limit=self._settings.login_ip_limit,
            ip_window_seconds=self._settings.login_ip_window_seconds,
        )


class AuthUseCasesProvider(Provider):
    scope = Scope.REQUEST
    tokens = provide(Login) + provide(Refresh) + provide(Logout)
    admin = (
        provide(CreateCollege)
        + provide(RegisterAccount)
        + provide(DeactivateAccount)
        + provide(ReactivateAccount)
        + provide(BootstrapSuperAdmin)
    )
    keys = (
        provide(EnsureSigningKey)
        + provide(RotateSigningKey)
        + provide(RevokeSigningKey)
        + provide(PublishedKeys)
    )
    audit = provide(AuditRecorder) + provide(SearchAuditLog)
    colleges = provide(GetCollege) + provide(ListColleges) + provide(UpdateCollegeSettings)
    credentials = (
        provide(ChangePassword)
        + provide(RequestPasswordReset)
        + provide(ProcessPasswordReset)
        + provide(CompletePasswordReset)
        + provide(RequestEmailVerification)
        + provide(VerifyEmail)
        + provide(InviteAccount)
        + provide(ResendInvitation)
        + provide(AcceptInvitation)
        + provide(SelfSignup)
    )
    api_keys = (
        provide(CreateApiKey)
        + provide(ListApiKeys)
        + provide(GetApiKey)
        + provide(RotateApiKey)
        + provide(RevokeApiKey)
        + provide(ExchangeApiKey)
    )
    roles = (
        provide(GetRoleMapping)
        + provide(SetRolePermissions)
        + provide(ResetRolePermissions)
        + provide(AssignRoles)
    )


def providers(settings: AuthSettings) -> Sequence[Provider]:
    return [AuthAdaptersProvider(settings), AuthUseCasesProvider(), AccountAdminProvider(settings)]
