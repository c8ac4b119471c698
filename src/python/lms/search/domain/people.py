"""Whom a person without ``user:read`` finds in ``/search/users`` besides themselves: the people
who share an **active** section with them (Canvas's "People" of a course), read per query from
the memberships read model, so an enrolment or a drop counts at the next search.

- A student: the active students and active staff of each section they are active in (not its
  observers: whom a parent follows is not the class's business).
- Staff (instructor, TA, designer): every active member of their active sections, observers
  included.
- An observer: the active staff of the sections they observe in, and the students they observe
  there; not the other students.

Such people are found by name only and show their public profile only (``PUBLIC_PROFILE_FIELDS``):
their email, roles, status, locale, timezone and bio stay with whoever has ``user:read``.

Bounded: the rosters of at most ``MAX_ROSTER_SECTIONS`` active sections are read (the first by
section id), and at most ``MAX_PEOPLE`` people go into the query; a section whose active roster
would take the count past it is left out whole (a partial roster would be arbitrary).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from uuid import UUID

from lms_platform.kernel.membership import Membership, SectionRole

MAX_ROSTER_SECTIONS = 20
MAX_PEOPLE = 5_000
# What a classmate's hit shows, and the one field their hit may match on.
PUBLIC_PROFILE_FIELDS = frozenset({"display_name", "avatar_url"})
PUBLIC_MATCH_FIELD = "display_name"


def roster_sections(memberships: Iterable[Membership]) -> list[UUID]:
    """The viewer's active sections whose rosters to read, at most ``MAX_ROSTER_SECTIONS``."""
    active = {m.section_id for m in memberships if m.is_active}
    return sorted(active, key=str)[:MAX_ROSTER_SECTIONS]


def people_seen(
    memberships: Iterable[Membership], rosters: Mapping[UUID, Sequence[Membership]]
) -> frozenset[str]:
    """The user ids the viewer finds through their sections (possibly their own among them)."""
    own = [m for m in memberships if m.is_active]
    seen: set[str] = set()
    for section_id in sorted(rosters, key=str):
        found = set()
        for mine in (m for m in own if m.section_id == section_id):
            found |= _seen_from(mine, rosters[section_id])
        if len(seen | found) > MAX_PEOPLE:
            continue
        seen |= found
    return frozenset(seen)


def _seen_from(mine: Membership, roster: Sequence[Membership]) -> set[str]:
    active = [m for m in roster if m.is_active and m.tenant_id == mine.tenant_id]
    if mine.is_staff:
        return {str(m.user_id) for m in active}
    if mine.role is SectionRole.STUDENT:
        return {str(m.user_id) for m in active if m.role is not SectionRole.OBSERVER}
    if mine.role is SectionRole.OBSERVER:
        return {
            str(m.user_id)
            for m in active
            if m.is_staff or (m.role is SectionRole.STUDENT and m.user_id == mine.observed_user_id)
        }
    return set()
