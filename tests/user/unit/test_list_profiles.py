"""GET /users: staff list their own college, with search, filters and pages."""

from __future__ import annotations

from uuid import UUID

import pytest

from lms.user.application.ports import ProfileFilter
from lms.user.application.use_cases import ListProfiles
from lms.user.domain.model import ProfileStatus
from lms_platform.kernel.errors import InvalidInput, PermissionDenied
from lms_platform.kernel.pagination import CursorPageRequest, Total
from lms_platform.kernel.principal import Principal
from lms_platform.kernel.roles import Role
from tests.user.unit.fakes import (
    T0,
    FakeUnitOfWork,
    admin_of,
    make_profile,
    principal_for,
    super_admin,
)


def _college_a_and_b() -> FakeUnitOfWork:
    gone = make_profile(id=UUID(int=4), email="gone@a.edu", display_name="Gone")
    gone.delete(T0)
    return FakeUnitOfWork(
        [
            make_profile(id=UUID(int=1), email="ada@a.edu", display_name="Ada"),
            make_profile(
                id=UUID(int=2), email="alan@a.edu", display_name="Alan", roles=("instructor",)
            ),
            make_profile(id=UUID(int=3), email="grace@a.edu", display_name="Grace"),
            gone,
            make_profile(
                id=UUID(int=5), tenant_id="college-b", email="ada@b.edu", display_name="Ada B"
            ),
        ]
    )


@pytest.fixture()
def uow() -> FakeUnitOfWork:
    return _college_a_and_b()


@pytest.fixture()
def list_profiles(uow: FakeUnitOfWork) -> ListProfiles:
    return ListProfiles(uow.repository)


async def test_listing_is_scoped_to_the_callers_college(
    list_profiles: ListProfiles, uow: FakeUnitOfWork
) -> None:
    page = await list_profiles(admin_of("college-a"), CursorPageRequest())
    assert [p.display_name for p in page.items] == ["Ada", "Alan", "Grace"]
    assert {p.tenant_id for p in page.items} == {"college-a"}
    assert page.total == Total(3, exact=True)
    criteria, _ = uow.repository.searches[-1]
    assert criteria.tenant_id == "college-a"


async def test_defaults_are_passed_to_the_repository(
    list_profiles: ListProfiles, uow: FakeUnitOfWork
) -> None:
    page_request = CursorPageRequest(limit=2, offset=0)
    await list_profiles(admin_of("college-a"), page_request)
    assert uow.repository.searches == [
        (
            ProfileFilter(
                tenant_id="college-a",
                search=None,
                role=None,
                status=None,
                include_deleted=False,
                sort="display_name",
            ),
            page_request,
        )
    ]


async def test_filters_sort_and_page_are_passed_through(
    list_profiles: ListProfiles, uow: FakeUnitOfWork
) -> None:
    page_request = CursorPageRequest(limit=5, offset=10)
    await list_profiles(
        admin_of("college-a"),
        page_request,
        search="  ada ",
        role="instructor",
        status=ProfileStatus.ACTIVE,
        sort="-created_at",
    )
    assert uow.repository.searches == [
        (
            ProfileFilter(
                tenant_id="college-a",
                search="ada",
                role="instructor",
                status=ProfileStatus.ACTIVE,
                include_deleted=False,
                sort="-created_at",
            ),
            page_request,
        )
    ]


@pytest.mark.parametrize("blank", ["", "   ", None])
async def test_blank_search_means_no_search(
    list_profiles: ListProfiles, uow: FakeUnitOfWork, blank: str | None
) -> None:
    page = await list_profiles(admin_of(), CursorPageRequest(), search=blank)
    assert uow.repository.searches[-1][0].search is None
    assert page.total == Total(3, exact=True)


async def test_asking_for_deleted_profiles_includes_them(
    list_profiles: ListProfiles, uow: FakeUnitOfWork
) -> None:
    page = await list_profiles(admin_of(), CursorPageRequest(), status=ProfileStatus.DELETED)
    assert uow.repository.searches[-1][0].include_deleted is True
    assert [p.display_name for p in page.items] == ["Gone"]


async def test_search_and_role_narrow_the_results(list_profiles: ListProfiles) -> None:
    by_name = await list_profiles(admin_of(), CursorPageRequest(), search="GRACE")
    assert [p.email for p in by_name.items] == ["grace@a.edu"]
    by_role = await list_profiles(admin_of(), CursorPageRequest(), role="instructor")
    assert [p.email for p in by_role.items] == ["alan@a.edu"]


async def test_pages_follow_each_other_by_cursor_and_report_the_total(
    list_profiles: ListProfiles,
) -> None:
    first = await list_profiles(admin_of(), CursorPageRequest(limit=2))
    assert [p.display_name for p in first.items] == ["Ada", "Alan"]
    assert (first.total, first.has_more) == (Total(3, exact=True), True)
    assert first.next_key == ("Alan", UUID(int=2))
    second = await list_profiles(admin_of(), CursorPageRequest(limit=2, after=first.next_key))
    assert [p.display_name for p in second.items] == ["Grace"]
    assert (second.total, second.has_more, second.next_key) == (Total(3, exact=True), False, None)


async def test_a_descending_sort_pages_backwards(list_profiles: ListProfiles) -> None:
    first = await list_profiles(admin_of(), CursorPageRequest(limit=2), sort="-display_name")
    assert [p.display_name for p in first.items] == ["Grace", "Alan"]
    rest = await list_profiles(
        admin_of(), CursorPageRequest(limit=2, after=first.next_key), sort="-display_name"
    )
    assert [p.display_name for p in rest.items] == ["Ada"]


async def test_an_offset_page_is_still_possible(list_profiles: ListProfiles) -> None:
    page = await list_profiles(admin_of(), CursorPageRequest(limit=1, offset=2))
    assert [p.display_name for p in page.items] == ["Grace"]


async def test_an_unknown_sort_is_refused_before_any_query(
    list_profiles: ListProfiles, uow: FakeUnitOfWork
) -> None:
    with pytest.raises(InvalidInput) as raised:
        await list_profiles(admin_of(), CursorPageRequest(), sort="password")
    assert raised.value.field == "sort"
    assert uow.repository.searches == []


@pytest.mark.parametrize(
    "principal",
    [
        principal_for(Role.INSTRUCTOR, tenant_id="college-a"),
        principal_for(Role.TEACHING_ASSISTANT, tenant_id="college-a"),
    ],
    ids=["instructor", "ta"],
)
async def test_instructors_and_tas_may_list_their_college(
    list_profiles: ListProfiles, principal: Principal
) -> None:
    page = await list_profiles(principal, CursorPageRequest())
    assert page.total == Total(3, exact=True)


async def test_super_admin_lists_their_own_tenant(
    list_profiles: ListProfiles, uow: FakeUnitOfWork
) -> None:
    page = await list_profiles(super_admin(home_tenant="college-b"), CursorPageRequest())
    assert [p.display_name for p in page.items] == ["Ada B"]


@pytest.mark.parametrize(
    "principal", [principal_for(Role.STUDENT), principal_for()], ids=["student", "no-roles"]
)
async def test_students_are_refused_before_any_query(
    list_profiles: ListProfiles, uow: FakeUnitOfWork, principal: Principal
) -> None:
    with pytest.raises(PermissionDenied):
        await list_profiles(principal, CursorPageRequest())
    assert uow.repository.searches == []
    assert uow.repository.reads == 0


async def test_listing_writes_nothing(list_profiles: ListProfiles, uow: FakeUnitOfWork) -> None:
    await list_profiles(admin_of(), CursorPageRequest())
    assert (uow.commits, uow.committed_events, uow.repository.writes) == (0, [], 0)
