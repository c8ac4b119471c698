"""The shared kernel pieces the user service's use cases stand on."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import ClassVar

import pytest

from lms_platform.kernel.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
)
from lms_platform.kernel.events import DomainEvent
from lms_platform.kernel.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, PageRequest
from lms_platform.kernel.principal import Principal
from lms_platform.kernel.roles import ALL_ROLES, STAFF_ROLES, Role

# -- roles


def test_roles_are_their_wire_strings() -> None:
    assert {
        "super_admin",
        "college_admin",
        "instructor",
        "teaching_assistant",
        "student",
    } == ALL_ROLES
    assert str(Role.COLLEGE_ADMIN) == "college_admin"
    assert Role("student") is Role.STUDENT


def test_staff_are_everyone_but_students() -> None:
    assert {"student"} == ALL_ROLES - STAFF_ROLES


# -- principal


def test_principal_role_checks_accept_enum_or_string() -> None:
    principal = Principal(user_id="u1", tenant_id="a", roles=frozenset({"instructor"}))
    assert principal.has_role(Role.INSTRUCTOR)
    assert principal.has_role("instructor")
    assert not principal.has_role(Role.STUDENT)


def test_principal_permissions() -> None:
    principal = Principal(user_id="u1", tenant_id="a", permissions=frozenset({"users:read"}))
    assert principal.has_permission("users:read")
    assert not principal.has_permission("users:write")


def test_college_admin_administers_only_their_own_college() -> None:
    admin = Principal(user_id="u1", tenant_id="a", roles=frozenset({"college_admin"}))
    assert admin.is_admin_of("a")
    assert not admin.is_admin_of("b")
    assert not admin.is_super_admin
    assert admin.can_see_tenant("a")
    assert not admin.can_see_tenant("b")


def test_super_admin_administers_and_sees_every_college() -> None:
    root = Principal(user_id="u1", tenant_id="platform", roles=frozenset({"super_admin"}))
    assert root.is_super_admin
    assert root.is_admin_of("a")
    assert root.can_see_tenant("b")


@pytest.mark.parametrize("role", ["instructor", "teaching_assistant", "student"])
def test_other_roles_administer_nothing(role: str) -> None:
    principal = Principal(user_id="u1", tenant_id="a", roles=frozenset({role}))
    assert not principal.is_admin_of("a")
    assert principal.can_see_tenant("a")
    assert not principal.can_see_tenant("b")


def test_principal_is_immutable() -> None:
    principal = Principal(user_id="u1", tenant_id="a")
    with pytest.raises(dataclasses.FrozenInstanceError):
        principal.tenant_id = "b"  # type: ignore[misc]


# -- errors


@pytest.mark.parametrize(
    ("error_type", "code"),
    [
        (NotFound, "not_found"),
        (PermissionDenied, "permission_denied"),
        (Conflict, "conflict"),
        (InvalidInput, "invalid_input"),
        (PreconditionFailed, "precondition_failed"),
    ],
)
def test_each_error_kind_has_a_stable_code(error_type: type[DomainError], code: str) -> None:
    error = error_type("it went wrong")
    assert isinstance(error, DomainError)
    assert error.code == code
    assert (error.detail, str(error), error.extra) == ("it went wrong", "it went wrong", {})


def test_invalid_input_names_its_field_in_extra_without_mutating_the_caller_mapping() -> None:
    given = {"limit": 10}
    error = InvalidInput("too long", field="bio", extra=given)
    assert error.field == "bio"
    assert error.extra == {"limit": 10, "field": "bio"}
    assert given == {"limit": 10}


# -- pagination


def test_page_request_defaults_and_bounds() -> None:
    assert (PageRequest().limit, PageRequest().offset) == (DEFAULT_LIMIT, 0)
    assert PageRequest(limit=1).limit == 1
    assert PageRequest(limit=MAX_LIMIT, offset=10_000).limit == MAX_LIMIT


@pytest.mark.parametrize(("limit", "offset"), [(0, 0), (MAX_LIMIT + 1, 0), (-1, 0), (10, -1)])
def test_page_request_refuses_out_of_range_values(limit: int, offset: int) -> None:
    with pytest.raises(ValueError, match="limit|offset"):
        PageRequest(limit=limit, offset=offset)


@pytest.mark.parametrize(
    ("items", "total", "offset", "has_more"),
    [
        ([], 0, 0, False),
        ([1, 2], 5, 0, True),
        ([3, 4], 5, 2, True),
        ([5], 5, 4, False),
        ([], 5, 10, False),
    ],
)
def test_page_knows_whether_more_items_follow(
    items: list[int], total: int, offset: int, has_more: bool
) -> None:
    assert Page(items=items, total=total, limit=2, offset=offset).has_more is has_more


# -- domain events


@dataclass(frozen=True, kw_only=True)
class _ThingHappened(DomainEvent):
    event_type: ClassVar[str] = "thing.happened"
    topic: ClassVar[str] = "thing"
    size: int


def test_event_payload_drops_the_routing_fields_and_class_constants() -> None:
    event = _ThingHappened(aggregate_id="t1", tenant_id="a", size=3)
    assert event.payload() == {"size": 3}
    assert (event.event_type, event.topic, event.schema_version) == ("thing.happened", "thing", 1)
