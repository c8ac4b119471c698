"""The visibility rules, evaluated on plain documents by a tiny interpreter of the filters."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from lms.search.domain.documents import DocType
from lms.search.domain.filters import AllOf, AnyOf, Eq, Filter, In, MatchesText, NotAfter, Nothing
from lms.search.domain.query import search_query
from lms.search.domain.visibility import Viewer, visible
from lms_platform.kernel.membership import EnrollmentState, Membership, SectionRole
from lms_platform.kernel.principal import Principal

NOW = datetime(2026, 9, 1, 12, tzinfo=UTC)
COURSE, OTHER_COURSE = uuid.uuid4(), uuid.uuid4()
SECTION, OTHER_SECTION = uuid.uuid4(), uuid.uuid4()
ME = uuid.uuid4()


def matches(node: Filter, doc: dict[str, Any]) -> bool:
    match node:
        case Eq(field, value):
            current = doc.get(field)
            return value in current if isinstance(current, list) else current == value
        case In(field, values):
            current = doc.get(field)
            found = current if isinstance(current, list) else [current]
            return any(v in values for v in found)
        case NotAfter(field, moment):
            return doc.get(field) is not None and doc[field] <= moment
        case MatchesText(field, text):  # word beginnings, enough for these rules
            words = str(doc.get(field, "")).lower().split()
            return all(any(w.startswith(t) for w in words) for t in text.lower().split())
        case AllOf(parts):
            return all(matches(p, doc) for p in parts)
        case AnyOf(parts):
            return any(matches(p, doc) for p in parts)
        case Nothing():
            return False
    raise TypeError(node)


def assignment(**fields: Any) -> dict[str, Any]:
    base = {
        "doc_type": "assignment", "tenant_id": "a", "deleted": False, "status": "published",
        "course_id": str(COURSE), "section_ids": [], "all_sections": True,
        "visible_from": NOW - timedelta(days=1),
    }  # fmt: skip
    return base | fields


def course(**fields: Any) -> dict[str, Any]:
    base = {"doc_type": "course", "tenant_id": "a", "deleted": False, "status": "published",
            "id": str(COURSE), "owner_id": "someone"}  # fmt: skip
    return base | fields


def viewer(*memberships: Membership, permissions: tuple[str, ...] = ("course:read",
           "assignment:read"), roles: tuple[str, ...] = ("student",)) -> Viewer:  # fmt: skip
    principal = Principal(str(ME), "a", frozenset(roles), frozenset(permissions))
    return Viewer(principal=principal, memberships=memberships, now=NOW)


def member(role: SectionRole = SectionRole.STUDENT, state: EnrollmentState = EnrollmentState.ACTIVE,
           section: uuid.UUID = SECTION, course_id: uuid.UUID = COURSE) -> Membership:  # fmt: skip
    return Membership("a", ME, section, course_id, role, state)


def sees(v: Viewer, doc: dict[str, Any]) -> bool:
    return matches(visible(v, [DocType(doc["doc_type"])]), doc)


def test_a_student_sees_published_unlocked_assignments_of_their_sections_only() -> None:
    student = viewer(member())
    assert sees(student, assignment())
    assert sees(student, assignment(all_sections=False, section_ids=[str(SECTION)]))
    assert not sees(student, assignment(all_sections=False, section_ids=[str(OTHER_SECTION)]))
    assert not sees(student, assignment(status="draft"))
    assert not sees(student, assignment(visible_from=NOW + timedelta(minutes=1)))
    assert not sees(student, assignment(course_id=str(OTHER_COURSE)))
    assert not sees(student, assignment(tenant_id="b"))
    assert not sees(student, assignment(deleted=True))


def test_a_dropped_or_invited_student_sees_no_assignment() -> None:
    for state in (EnrollmentState.DROPPED, EnrollmentState.INVITED, EnrollmentState.COMPLETED):
        assert not sees(viewer(member(state=state)), assignment())


def test_staff_of_one_section_see_every_assignment_of_the_course_drafts_included() -> None:
    ta = viewer(member(SectionRole.TEACHING_ASSISTANT, section=OTHER_SECTION))
    assert sees(ta, assignment(status="draft", all_sections=False, section_ids=[str(SECTION)]))
    assert not sees(ta, assignment(course_id=str(OTHER_COURSE)))


def test_without_the_permission_nothing_is_found() -> None:
    nobody = viewer(member(), permissions=())
    assert not sees(nobody, assignment())
    assert not sees(nobody, course())


def test_courses_published_member_or_owned_and_admins_see_all() -> None:
    outsider = viewer()
    assert sees(outsider, course())
    assert sees(outsider, course(status="concluded"))
    assert not sees(outsider, course(status="draft"))
    assert sees(viewer(member(state=EnrollmentState.INVITED)), course(status="draft"))
    assert sees(viewer(), course(status="draft", owner_id=str(ME)))
    admin = viewer(permissions=("course:manage",), roles=("college_admin",))
    assert sees(admin, course(status="archived"))
    assert not sees(admin, course(tenant_id="b"))


def test_users_need_user_read_else_only_oneself() -> None:
    me = {"doc_type": "user", "tenant_id": "a", "deleted": False, "id": str(ME)}
    other = me | {"id": str(uuid.uuid4())}
    assert sees(viewer(), me) and not sees(viewer(), other)
    assert sees(viewer(permissions=("user:read",)), other)
    assert not sees(viewer(permissions=("user:read",)), other | {"tenant_id": "b"})


def test_classmates_are_found_by_name_only_and_never_through_a_users_filter_or_facet() -> None:
    peer_id = str(uuid.uuid4())
    me: dict[str, Any] = {"doc_type": "user", "tenant_id": "a", "deleted": False, "id": str(ME),
                          "display_name": "Me Myself"}  # fmt: skip
    peer = me | {"id": peer_id, "display_name": "Clara Mate"}
    stranger = me | {"id": str(uuid.uuid4()), "display_name": "Clara Other"}
    student = dataclasses.replace(viewer(member()), classmates=frozenset({peer_id}))

    def finds(doc: dict[str, Any], **asked: Any) -> bool:
        query = search_query(types=[DocType.USER], **{"text": "", **asked})
        return matches(visible(student, query.types, query), doc)

    assert finds(peer) and finds(me) and not finds(stranger)
    assert finds(peer, text="clar") and not finds(stranger, text="clar")
    assert not finds(peer, text="cmate77")  # an email's words are not a classmate's to match
    assert not finds(peer, filters={DocType.USER: {"roles": ["student"]}})
    assert not finds(peer, facets={DocType.USER: ["status"]})
    assert finds(me, filters={DocType.USER: {"roles": ["student"]}})
    assert not finds(peer | {"tenant_id": "b"})


def test_several_types_at_once_keep_each_types_rule() -> None:
    student = viewer(member())
    rule = visible(student, list(DocType))
    assert matches(rule, assignment()) and matches(rule, course())
    assert not matches(rule, assignment(status="draft"))


def note(**fields: Any) -> dict[str, Any]:
    base = {"doc_type": "note", "tenant_id": "a", "deleted": False, "has_content": True,
            "owner_id": str(uuid.uuid4()), "shared_user_ids": [], "shared_section_ids": [],
            "shared_course_ids": []}  # fmt: skip
    return base | fields


def test_a_note_is_found_by_its_owner_and_those_it_is_shared_with_only() -> None:
    me = viewer()
    assert sees(me, note(owner_id=str(ME)))
    assert sees(me, note(shared_user_ids=[str(ME)]))
    assert not sees(me, note())
    assert not sees(me, note(owner_id=str(ME), tenant_id="b"))
    assert not sees(me, note(owner_id=str(ME), deleted=True))
    assert not sees(me, note(owner_id=str(ME), has_content=False))


def test_a_section_or_course_share_is_found_by_active_members_only() -> None:
    shared = note(shared_section_ids=[str(SECTION)])
    assert sees(viewer(member()), shared)
    assert sees(viewer(member(SectionRole.INSTRUCTOR)), shared)
    assert not sees(viewer(member(section=OTHER_SECTION)), shared)
    for state in (EnrollmentState.DROPPED, EnrollmentState.INVITED, EnrollmentState.COMPLETED):
        assert not sees(viewer(member(state=state)), shared)
    by_course = note(shared_course_ids=[str(COURSE)])
    assert sees(viewer(member(section=OTHER_SECTION)), by_course)
    assert not sees(viewer(member(course_id=OTHER_COURSE)), by_course)


def test_no_role_reads_other_peoples_notes() -> None:
    admin = viewer(permissions=("course:manage", "user:manage", "user:read"),
                   roles=("college_admin",))  # fmt: skip
    operator = viewer(permissions=(), roles=("super_admin",))
    for v in (admin, operator):
        assert not sees(v, note())
        assert not sees(v, note(shared_section_ids=[str(SECTION)]))
    service = Viewer(
        principal=Principal("key-search-sync", "a", frozenset(), frozenset({"course:read"})),
        memberships=(), now=NOW,
    )  # fmt: skip
    assert not sees(service, note(owner_id="key-search-sync"))
