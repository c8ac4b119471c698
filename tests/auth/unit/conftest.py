"""Fresh fakes per test and an ``auth`` helper that builds use cases on them."""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

import pytest

from lms.auth.application.accounts import (
    DeactivateAccount,
    NewAccount,
    ReactivateAccount,
    RegisterAccount,
)
from lms.auth.application.audit import AuditRecorder
from lms.auth.application.colleges import CreateCollege, NewCollege
from lms.auth.application.tokens import Login, LoginAttempt, Logout, Refresh, TokenPair, TokenPolicy
from lms.auth.domain.model import Account, College
from lms.auth.domain.permissions import ROLE_PERMISSIONS
from lms_platform.kernel.principal import Principal
from lms_platform.kernel.roles import Role
from tests.auth.unit.fakes import (
    FakeHasher,
    FakeSigner,
    FakeThrottle,
    FakeUnitOfWork,
    FixedClock,
    SequentialIds,
)

GOOD_PASSWORD = "correct horse battery"


def college_admin(user_id: str, tenant_id: str) -> Principal:
    """A college admin as their token shows them: the role and its default permissions."""
    return Principal(
        user_id, tenant_id, frozenset({Role.COLLEGE_ADMIN}), ROLE_PERMISSIONS[Role.COLLEGE_ADMIN]
    )


SUPER_ADMIN = Principal("root", "platform", frozenset({Role.SUPER_ADMIN}))


@dataclass
class Auth:
    uow: FakeUnitOfWork = field(default_factory=FakeUnitOfWork)
    clock: FixedClock = field(default_factory=FixedClock)
    ids: SequentialIds = field(default_factory=SequentialIds)
    hasher: FakeHasher = field(default_factory=FakeHasher)
    signer: FakeSigner = field(default_factory=FakeSigner)
    policy: TokenPolicy = field(default_factory=TokenPolicy)
    throttle: FakeThrottle | None = None

    def __post_init__(self) -> None:
        self.throttle = self.throttle or FakeThrottle(self.clock, self.policy.lockout)

    def admin_of(self, college: College) -> Principal:
        return college_admin("admin", college.tenant_id)

    @property
    def audit(self) -> AuditRecorder:
        return AuditRecorder(self.uow, self.clock, self.ids)

    @property
    def create_college(self) -> CreateCollege:
        return CreateCollege(self.uow, self.clock, self.ids, self.audit)

    @property
    def register(self) -> RegisterAccount:
        return RegisterAccount(self.uow, self.clock, self.ids, self.hasher, self.audit)

    @property
    def login_use_case(self) -> Login:
        assert self.throttle is not None
        return Login(
            self.uow,
            self.signer,
            self.clock,
            self.ids,
            self.policy,
            self.hasher,
            self.throttle,
            self.audit,
        )

    @property
    def refresh(self) -> Refresh:
        return Refresh(self.uow, self.signer, self.clock, self.ids, self.policy)

    @property
    def logout(self) -> Logout:
        return Logout(self.uow, self.signer, self.clock, self.ids, self.policy)

    @property
    def deactivate(self) -> DeactivateAccount:
        return DeactivateAccount(self.uow, self.clock, self.audit)

    @property
    def reactivate(self) -> ReactivateAccount:
        return ReactivateAccount(self.uow, self.clock, self.audit)

    async def college(self, slug: str = "uni-a", **options: object) -> College:
        return await self.create_college(
            SUPER_ADMIN, NewCollege(slug=slug, name=slug.upper(), **options)  # type: ignore[arg-type]
        )

    async def account(
        self,
        college: College,
        email: str = "ada@uni-a.edu",
        roles: tuple[str, ...] = (Role.STUDENT,),
    ) -> Account:
        return await self.register(
            self.admin_of(college),
            NewAccount(
                college_id=college.id,
                email=email,
                password=GOOD_PASSWORD,
                roles=roles,
                display_name="Ada",
            ),
        )

    async def login(
        self,
        college: str = "uni-a",
        email: str = "ada@uni-a.edu",
        password: str = GOOD_PASSWORD,
        ip: str = "10.0.0.1",
    ) -> TokenPair:
        return await self.login_use_case(
            LoginAttempt(college=college, email=email, password=password, client_ip=ip)
        )

    async def stored_account(self, account_id: UUID) -> Account:
        found = await self.uow.accounts.get(account_id)
        assert found is not None
        return found


@pytest.fixture()
def auth() -> Auth:
    return Auth()
