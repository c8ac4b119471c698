"""In-memory stand-ins for the auth service's ports, cosmicpython style: one module per port
family, re-exported here. Repositories hand out copies and make writes visible only on commit,
as a database would."""

from tests.auth.unit.fakes.accounts import FakeAccounts, FakeColleges
from tests.auth.unit.fakes.api_keys import FakeApiKeys, FakeImportJobs
from tests.auth.unit.fakes.audit import FakeAuditLog, FakeRolePermissions
from tests.auth.unit.fakes.basics import T0, FakeKeyStore, FixedClock, SequentialIds
from tests.auth.unit.fakes.credentials import (
    FakeCredentialTokens,
    FakeRateLimiter,
    FakeResetQueue,
    FakeResetSignal,
)
from tests.auth.unit.fakes.tokens import FakeHasher, FakeRefreshTokens, FakeSigner, FakeThrottle
from tests.auth.unit.fakes.unit_of_work import FakeUnitOfWork

__all__ = [
    "T0",
    "FakeAccounts",
    "FakeApiKeys",
    "FakeAuditLog",
    "FakeColleges",
    "FakeCredentialTokens",
    "FakeHasher",
    "FakeImportJobs",
    "FakeKeyStore",
    "FakeRateLimiter",
    "FakeRefreshTokens",
    "FakeResetQueue",
    "FakeResetSignal",
    "FakeRolePermissions",
    "FakeSigner",
    "FakeThrottle",
    "FakeUnitOfWork",
    "FixedClock",
    "SequentialIds",
]
