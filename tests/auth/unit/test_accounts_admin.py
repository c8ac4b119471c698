"""Account administration use cases on fakes: list, read, change, delete, export."""

from __future__ import annotations

import pytest

from lms.auth.application.accounts import (
    AccountChanges,
    DeleteAccount,
    ExportAccounts,
    GetAccount,
    ListAccounts,
    NewAccount,
    UpdateAccount,
)
from lms.auth.application.ports import AccountQuery, AccountSort
from lms.auth.domain.audit import AuditAction
from lms.auth.domain.model import AccountStatus
from lms_platform.kernel.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from lms_platform.kernel.pagination import PageRequest
from lms_platform.kernel.principal import Principal
from lms_platform.kernel.roles import Role
from tests.auth.unit.conftest import SUPER_ADMIN, Auth, college_admin


def _student(account_id: object, college_id: str) -> Principal:
    return Principal(str(account_id), college_id, frozenset({Role.STUDENT}))


async def test_list_filters_sorts_and_pages(auth: Auth) -> None:
    college = await auth.college()
    other = await auth.college("uni-b")
    await auth.account(college, "bea@uni-a.edu")
    await auth.account(college, "ada@uni-a.edu", roles=(Role.INSTRUCTOR,))
    await auth.account(college, "abe@uni-a.edu")
    await auth.account(other, "ada@uni-b.edu")
    use_case = ListAccounts(auth.uow)
    admin = auth.admin_of(college)

    page = await use_case(admin, AccountQuery(college_id=college.id), PageRequest(1, 1))
    assert [a.email for a in page.items] == ["ada@uni-a.edu"]
    assert (page.total, page.has_more) == (3, True)
    by_prefix = await use_case(admin, AccountQuery(college_id=college.id, q="B"), PageRequest())
    assert [a.email for a in by_prefix.items] == ["bea@uni-a.edu"]
    by_role = await use_case(
        admin, AccountQuery(college_id=college.id, role=Role.INSTRUCTOR), PageRequest()
    )
    assert [a.email for a in by_role.items] == ["ada@uni-a.edu"]
    descending = await use_case(
        admin, AccountQuery(college_id=college.id, sort=AccountSort.EMAIL_DESC), PageRequest()
    )
    assert [a.email for a in descending.items] == [
        "bea@uni-a.edu",
        "ada@uni-a.edu",
        "abe@uni-a.edu",
    ]
    deactivated = await use_case(
        admin,
        AccountQuery(college_id=college.id, status=AccountStatus.DEACTIVATED),
        PageRequest(),
    )
    assert deactivated.total == 0
    with pytest.raises(NotFound):
        await use_case(admin, AccountQuery(college_id=other.id), PageRequest())


async def test_an_account_reads_itself_but_not_others(auth: Auth) -> None:
    college = await auth.college()
    ada = await auth.account(college, "ada@uni-a.edu")
    bob = await auth.account(college, "bob@uni-a.edu")
    get = GetAccount(auth.uow)
    assert (await get(_student(ada.id, college.tenant_id), ada.id)).email == "ada@uni-a.edu"
    with pytest.raises(PermissionDenied):
        await get(_student(ada.id, college.tenant_id), bob.id)
    assert (await get(auth.admin_of(college), bob.id)).id == bob.id
    other_admin = college_admin("x", "another-college")
    with pytest.raises(NotFound):
        await get(other_admin, bob.id)


async def test_update_emits_only_the_changed_fields_and_audits_once(auth: Auth) -> None:
    college = await auth.college()
    ada = await auth.account(college, "ada@uni-a.edu")
    update = UpdateAccount(auth.uow, auth.clock, auth.audit)
    before = len(auth.uow.audit_log.table.committed)

    updated = await update(
        auth.admin_of(college), ada.id, AccountChanges(email="Ada.L@uni-a.edu", display_name="Ada")
    )

    assert updated.email == "ada.l@uni-a.edu"
    event = auth.uow.account_events[-1]
    assert event.event_type == "account.updated"
    assert event.payload()["changes"] == {"email": "ada.l@uni-a.edu"}  # the name did not change
    assert auth.uow.audit_log.actions()[before:] == [AuditAction.ACCOUNT_UPDATED]

    commits = auth.uow.commits
    await update(auth.admin_of(college), ada.id, AccountChanges(display_name="Ada"))
    assert auth.uow.commits == commits  # nothing changed: no event, no audit entry


async def test_update_refuses_a_taken_email_and_bad_values(auth: Auth) -> None:
    college = await auth.college()
    ada = await auth.account(college, "ada@uni-a.edu")
    await auth.account(college, "bob@uni-a.edu")
    update = UpdateAccount(auth.uow, auth.clock, auth.audit)
    with pytest.raises(Conflict):
        await update(auth.admin_of(college), ada.id, AccountChanges(email="BOB@uni-a.edu"))
    with pytest.raises(InvalidInput):
        await update(auth.admin_of(college), ada.id, AccountChanges(email="nope"))
    with pytest.raises(PermissionDenied):
        await update(_student(ada.id, college.tenant_id), ada.id, AccountChanges(display_name="x"))
    assert (await auth.stored_account(ada.id)).email == "ada@uni-a.edu"


async def test_clearing_the_display_name(auth: Auth) -> None:
    college = await auth.college()
    ada = await auth.account(college, "ada@uni-a.edu")
    update = UpdateAccount(auth.uow, auth.clock, auth.audit)
    await update(auth.admin_of(college), ada.id, AccountChanges(display_name=None))
    assert (await auth.stored_account(ada.id)).display_name is None
    assert auth.uow.account_events[-1].payload()["changes"] == {"display_name": None}


async def test_delete_removes_the_account_and_keeps_the_audit_trail(auth: Auth) -> None:
    college = await auth.college()
    ada = await auth.account(college, "ada@uni-a.edu")
    delete = DeleteAccount(auth.uow, auth.clock, auth.audit)

    await delete(auth.admin_of(college), ada.id)

    assert await auth.uow.accounts.get(ada.id) is None
    assert auth.uow.account_events[-1].event_type == "account.deleted"
    entry = next(
        e
        for e in auth.uow.audit_log.table.committed.values()
        if e.action is AuditAction.ACCOUNT_DELETED
    )
    assert entry.target_id == str(ada.id)
    with pytest.raises(NotFound):
        await delete(auth.admin_of(college), ada.id)


async def test_delete_refuses_yourself_and_super_admins(auth: Auth) -> None:
    college = await auth.college()
    admin = await auth.account(college, "admin@uni-a.edu", roles=(Role.COLLEGE_ADMIN,))
    root = await auth.register(
        SUPER_ADMIN,
        NewAccount(
            college_id=college.id,
            email="root@uni-a.edu",
            password="correct horse battery",
            roles=(Role.SUPER_ADMIN,),
        ),
    )
    delete = DeleteAccount(auth.uow, auth.clock, auth.audit)
    me = college_admin(str(admin.id), college.tenant_id)
    with pytest.raises(Conflict):
        await delete(me, admin.id)
    with pytest.raises(PermissionDenied):
        await delete(me, root.id)


async def test_export_is_audited_and_streams_every_account(auth: Auth) -> None:
    college = await auth.college()
    for n in range(3):
        await auth.account(college, f"user{n}@uni-a.edu")
    export = ExportAccounts(auth.uow, auth.audit)

    found, batches = await export(auth.admin_of(college), college.id)

    emails = [a.email for batch in [b async for b in batches] for a in batch]
    assert found.id == college.id
    assert emails == ["user0@uni-a.edu", "user1@uni-a.edu", "user2@uni-a.edu"]
    assert auth.uow.audit_log.actions().count(AuditAction.BULK_EXPORTED) == 1
    with pytest.raises(PermissionDenied):
        await export(_student("s", college.tenant_id), college.id)
