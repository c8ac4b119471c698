"""Bulk update and delete on fakes: per-item report, one transaction, one audit entry."""

from __future__ import annotations

import uuid

import pytest

from lms.auth.application.bulk import (
    BulkChange,
    BulkDeleteAccounts,
    BulkLimits,
    BulkUpdateAccounts,
)
from lms.auth.application.errors import TooManyItems
from lms.auth.domain.audit import AuditAction
from lms.auth.domain.model import AccountStatus
from lms_platform.kernel.errors import InvalidInput, NotFound, PermissionDenied
from lms_platform.kernel.principal import Principal
from lms_platform.kernel.roles import Role
from tests.auth.unit.conftest import Auth, college_admin


def _update(auth: Auth, max_items: int = 500) -> BulkUpdateAccounts:
    return BulkUpdateAccounts(auth.uow, auth.clock, auth.audit, BulkLimits(max_items=max_items))


def _delete(auth: Auth, max_items: int = 500) -> BulkDeleteAccounts:
    return BulkDeleteAccounts(auth.uow, auth.clock, auth.audit, BulkLimits(max_items=max_items))


async def test_bulk_update_reports_each_item_in_one_commit(auth: Auth) -> None:
    college = await auth.college()
    other = await auth.college("uni-b")
    admin = await auth.account(college, "admin@uni-a.edu", roles=(Role.COLLEGE_ADMIN,))
    ta = await auth.account(college, "ta@uni-a.edu", roles=(Role.TEACHING_ASSISTANT,))
    already = await auth.account(college, "ins@uni-a.edu", roles=(Role.INSTRUCTOR,))
    elsewhere = await auth.account(other, "x@uni-b.edu")
    await auth.login(email="ta@uni-a.edu")
    me = college_admin(str(admin.id), college.tenant_id)
    missing = uuid.uuid4()
    commits, audits = auth.uow.commits, len(auth.uow.audit_log.table.committed)

    report = await _update(auth)(
        me,
        college.id,
        [ta.id, already.id, elsewhere.id, missing, admin.id, ta.id],
        BulkChange(roles=(Role.INSTRUCTOR,), active=False),
    )

    assert [(i.id, i.outcome.value) for i in report.items] == [
        (ta.id, "updated"),
        (already.id, "updated"),  # roles equal, but deactivated
        (elsewhere.id, "not_found"),  # another college's account does not exist here
        (missing, "not_found"),
        (admin.id, "refused"),
    ]
    assert auth.uow.commits == commits + 1
    stored = await auth.stored_account(ta.id)
    assert (stored.roles, stored.status) == ((Role.INSTRUCTOR,), AccountStatus.DEACTIVATED)
    assert all(t.revoked_at is not None for t in auth.uow.refresh_tokens.all())
    types = [e.event_type for e in auth.uow.account_events[-3:]]
    assert types == ["account.updated", "account.deactivated", "account.deactivated"]
    entries = list(auth.uow.audit_log.table.committed.values())[audits:]
    assert [e.action for e in entries] == [AuditAction.BULK_UPDATED]
    assert entries[0].details["counts"]["updated"] == 2
    assert entries[0].details["refused_ids"] == [str(admin.id)]


async def test_unchanged_items_and_reactivation(auth: Auth) -> None:
    college = await auth.college()
    ada = await auth.account(college, "ada@uni-a.edu")
    admin = auth.admin_of(college)
    report = await _update(auth)(admin, college.id, [ada.id], BulkChange(active=True))
    assert report.items[0].outcome.value == "unchanged"
    await _update(auth)(admin, college.id, [ada.id], BulkChange(active=False))
    report = await _update(auth)(admin, college.id, [ada.id], BulkChange(active=True))
    assert report.items[0].outcome.value == "updated"
    assert auth.uow.account_events[-1].event_type == "account.reactivated"


async def test_request_level_problems_write_nothing(auth: Auth) -> None:
    college = await auth.college()
    ada = await auth.account(college, "ada@uni-a.edu")
    admin = auth.admin_of(college)
    commits = auth.uow.commits
    with pytest.raises(TooManyItems):
        await _update(auth, max_items=2)(
            admin, college.id, [ada.id, uuid.uuid4(), uuid.uuid4()], BulkChange(active=False)
        )
    with pytest.raises(TooManyItems):
        await _delete(auth, max_items=2)(admin, college.id, [ada.id, uuid.uuid4(), uuid.uuid4()])
    with pytest.raises(PermissionDenied):
        await _update(auth)(admin, college.id, [ada.id], BulkChange(roles=(Role.SUPER_ADMIN,)))
    with pytest.raises(InvalidInput):
        await _update(auth)(admin, college.id, [ada.id], BulkChange())
    with pytest.raises(InvalidInput):
        await _delete(auth)(admin, college.id, [])
    student = Principal(str(ada.id), college.tenant_id, frozenset({Role.STUDENT}))
    with pytest.raises(PermissionDenied):
        await _delete(auth)(student, college.id, [ada.id])
    with pytest.raises(NotFound):
        await _delete(auth)(admin, uuid.uuid4(), [ada.id])
    assert auth.uow.commits == commits


async def test_bulk_delete(auth: Auth) -> None:
    college = await auth.college()
    ada = await auth.account(college, "ada@uni-a.edu")
    bob = await auth.account(college, "bob@uni-a.edu")
    audits = len(auth.uow.audit_log.table.committed)

    report = await _delete(auth)(auth.admin_of(college), college.id, [ada.id, bob.id, ada.id])

    assert report.counts["deleted"] == 2
    assert await auth.uow.accounts.get(ada.id) is None
    assert await auth.uow.accounts.get(bob.id) is None
    assert [e.event_type for e in auth.uow.account_events[-2:]] == ["account.deleted"] * 2
    assert auth.uow.audit_log.actions()[audits:] == [AuditAction.BULK_DELETED]
