"""Applying one validated OneRoster row: what each file's row becomes here.

| file | becomes | matched by |
|---|---|---|
| orgs | a known org (referenced by courses, classes, enrollments) | sourcedId |
| academicSessions | a term | sourcedId |
| courses | a course (published), code = courseCode or sourcedId | sourcedId |
| classes | a section of its course, code = classCode or sourcedId | sourcedId |
| users | a link to the college's existing user with that email (no account: reported) | email |
| roles | checked (user and org must be known); roles themselves are auth's | sourcedId |
| enrollments | an enrollment; role mapped by ``SECTION_ROLE`` | sourcedId |

Every row is idempotent by sourcedId: its content digest is stored with the link, so the same
row again is ``unchanged``, and a row older (``dateLastModified``) than the one applied is too.
``status=tobedeleted`` deletes what the row made (a course and a class go with their
enrollments; an enrollment is dropped).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from lms.course.application.enrolling import NewEnrollment, Seats, enroll_into
from lms.course.application.enrollment_changes import promote_waitlisted
from lms.course.application.ports import RosterStore
from lms.course.application.removal import remove_enrollments, remove_sections
from lms.course.domain.courses import Course, CourseStatus, Term
from lms.course.domain.enrollments import EnrollmentState, SectionRole
from lms.course.domain.events import (
    CourseCreated,
    CourseDeleted,
    CourseUpdated,
    EnrollmentUpdated,
    SectionCreated,
    SectionUpdated,
    course_event,
    enrollment_event,
    section_event,
)
from lms.course.domain.roster import SECTION_ROLE, RosterRow, RowErrorCode
from lms.course.domain.roster_jobs import SourceLink
from lms.course.domain.sections import Section
from lms_platform.kernel.errors import DomainError
from lms_platform.kernel.ports import Clock, IdGenerator


class RowRefused(Exception):
    def __init__(self, field: str | None, code: str, message: str) -> None:
        super().__init__(message)
        self.field, self.code, self.message = field, code, message


@dataclass(frozen=True, slots=True)
class Applied:
    outcome: str  # created | updated | deleted | unchanged


class RosterApplier:
    def __init__(
        self, store: RosterStore, clock: Clock, ids: IdGenerator, tenant_id: str, owner: str
    ) -> None:
        self._store, self._clock, self._ids = store, clock, ids
        self._tenant, self._owner = tenant_id, owner

    async def apply(self, row: RosterRow) -> Applied:
        link = await self._store.sources.get(self._tenant, row.kind, row.sourced_id)
        if link is not None and link.digest == row.digest and link.deleted == row.deleted:
            return Applied("unchanged")
        if link is not None and row.modified and link.modified and row.modified <= link.modified:
            return Applied("unchanged")  # older than what was applied
        if row.deleted:
            if link is None or link.deleted:
                return Applied("unchanged")
            await _DELETERS[row.kind](self, link)
            link.deleted, link.digest, link.modified = True, row.digest, row.modified
            await self._store.sources.put(link)
            return Applied("deleted")
        entity_id, detail = await _APPLIERS[row.kind](self, row, link)
        outcome = "created" if link is None or link.deleted else "updated"
        await self._store.sources.put(
            SourceLink(
                tenant_id=self._tenant, kind=row.kind, sourced_id=row.sourced_id,
                entity_id=entity_id, digest=row.digest, modified=row.modified, deleted=False,
                detail=detail,
            )  # fmt: skip
        )
        return Applied(outcome)

    # --- references ---------------------------------------------------------------------------

    async def _ref(self, kind: str, sourced_id: str, field: str) -> SourceLink:
        link = await self._store.sources.get(self._tenant, kind, sourced_id)
        if link is None or link.deleted:
            raise RowRefused(
                field, RowErrorCode.UNKNOWN_REFERENCE, f"no {kind} with sourcedId {sourced_id!r}"
            )
        return link

    # --- per file -----------------------------------------------------------------------------

    async def _org(
        self, row: RosterRow, link: SourceLink | None
    ) -> tuple[UUID | None, dict[str, str]]:
        return None, {"name": row.fields["name"]}

    async def _session(
        self, row: RosterRow, link: SourceLink | None
    ) -> tuple[UUID | None, dict[str, str]]:
        f = row.fields
        start, end = date.fromisoformat(f["startDate"]), date.fromisoformat(f["endDate"])
        term = await self._store.terms.get(link.entity_id) if link and link.entity_id else None
        if term is None:
            term = Term(id=self._ids.new_id(), tenant_id=self._tenant, name=f["title"],
                        start_date=start, end_date=end, created_at=self._clock.now())  # fmt: skip
            await self._store.terms.add(term)
        else:
            term.name, term.start_date, term.end_date = f["title"], start, end
            await self._store.terms.save(term)
        return term.id, {}

    async def _course(
        self, row: RosterRow, link: SourceLink | None
    ) -> tuple[UUID | None, dict[str, str]]:
        f = row.fields
        await self._ref("org", f["orgSourcedId"], "orgSourcedId")
        term_id = None
        if f["schoolYearSourcedId"]:
            term_id = (
                await self._ref("academicSession", f["schoolYearSourcedId"], "schoolYearSourcedId")
            ).entity_id
        values: dict[str, object] = {
            "code": f["courseCode"] or row.sourced_id,
            "title": f["title"][:200],
            "term_id": term_id,
        }
        now = self._clock.now()
        course = await self._store.courses.lock(link.entity_id) if link and link.entity_id else None
        if course is None or course.is_deleted:
            course = Course(
                id=self._ids.new_id(), tenant_id=self._tenant, description="", start_date=None,
                end_date=None, status=CourseStatus.PUBLISHED, owner_id=self._owner,
                created_at=now, updated_at=now, code=str(values["code"]),
                title=str(values["title"]), term_id=term_id,
            )  # fmt: skip
            await self._store.courses.add(course)
            self._store.record(course_event(CourseCreated, course))
        elif changed := course.edit(values, now):
            await self._store.courses.save(course)
            self._store.record(course_event(CourseUpdated, course, changed))
        return course.id, {}

    async def _class(
        self, row: RosterRow, link: SourceLink | None
    ) -> tuple[UUID | None, dict[str, str]]:
        f = row.fields
        course_id = (await self._ref("course", f["courseSourcedId"], "courseSourcedId")).entity_id
        await self._ref("org", f["schoolSourcedId"], "schoolSourcedId")
        for term in f["termSourcedIds"].split(","):
            await self._ref("academicSession", term, "termSourcedIds")
        code, name = f["classCode"] or row.sourced_id, f["title"][:200]
        now = self._clock.now()
        section = (
            await self._store.sections.lock(link.entity_id) if link and link.entity_id else None
        )
        if section is None or section.deleted_at is not None or section.course_id != course_id:
            section = Section(
                id=self._ids.new_id(), tenant_id=self._tenant, course_id=course_id,  # type: ignore[arg-type]
                batch_id=None, capacity=None, waitlist=False, schedule="", start_date=None,
                end_date=None, created_at=now, updated_at=now, code=code, name=name,
            )  # fmt: skip
            await self._store.sections.add(section)
            self._store.record(section_event(SectionCreated, section))
        elif changed := section.edit({"code": code, "name": name}, now):
            await self._store.sections.save(section)
            self._store.record(section_event(SectionUpdated, section, changed))
        return section.id, {}

    async def _user(
        self, row: RosterRow, link: SourceLink | None
    ) -> tuple[UUID | None, dict[str, str]]:
        email = row.fields["email"]
        known = (await self._store.users.by_emails(self._tenant, [email])).get(email)
        if known is None:
            raise RowRefused(
                "email", RowErrorCode.NO_ACCOUNT,
                "no account with this email in the college; create it in auth (account import), then import again",
            )  # fmt: skip
        return known.id, {"agents": row.fields["agentSourcedIds"]}

    async def _role(
        self, row: RosterRow, link: SourceLink | None
    ) -> tuple[UUID | None, dict[str, str]]:
        await self._ref("user", row.fields["userSourcedId"], "userSourcedId")
        await self._ref("org", row.fields["orgSourcedId"], "orgSourcedId")
        return None, {}

    async def _enrollment(
        self, row: RosterRow, link: SourceLink | None
    ) -> tuple[UUID | None, dict[str, str]]:
        f = row.fields
        role_name = SECTION_ROLE.get(f["role"])
        if role_name is None:
            raise RowRefused(
                "role", RowErrorCode.UNSUPPORTED, f"role {f['role']} has no section role here"
            )
        section_link = await self._ref("class", f["classSourcedId"], "classSourcedId")
        user_link = await self._ref("user", f["userSourcedId"], "userSourcedId")
        await self._ref("org", f["schoolSourcedId"], "schoolSourcedId")
        role = SectionRole(role_name)
        section = await self._store.sections.lock(section_link.entity_id)  # type: ignore[arg-type]
        if section is None or section.deleted_at is not None:
            raise RowRefused(
                "classSourcedId", RowErrorCode.UNKNOWN_REFERENCE, "the class was deleted"
            )
        observed = (
            await self._observed_student(user_link, section)
            if role is SectionRole.OBSERVER
            else None
        )
        now = self._clock.now()
        existing = (
            await self._store.enrollments.get(link.entity_id) if link and link.entity_id else None
        )
        if (
            existing is not None
            and existing.deleted_at is None
            and existing.section_id == section.id
        ):
            if existing.state is EnrollmentState.DROPPED:
                existing.rejoin(role, EnrollmentState.ACTIVE, observed, now)
                await self._store.enrollments.save(existing)
                self._store.record(enrollment_event(EnrollmentUpdated, existing, ["role", "state"]))
            elif existing.change_role(role, observed, now):
                await self._store.enrollments.save(existing)
                self._store.record(
                    enrollment_event(EnrollmentUpdated, existing, ["role", "observed_user_id"])
                )
            return existing.id, {}
        seats = Seats(section, await self._store.enrollments.seats_taken(section.id))
        enrollment = await enroll_into(
            self._store, section, seats,
            NewEnrollment(user_id=user_link.entity_id, role=role, observed_user_id=observed),  # type: ignore[arg-type]
            self._clock, self._ids,
        )  # fmt: skip
        return enrollment.id, {}

    async def _observed_student(self, guardian: SourceLink, section: Section) -> UUID:
        for agent in filter(None, guardian.detail.get("agents", "").split(",")):
            student = await self._store.sources.get(self._tenant, "user", agent)
            if student is None or student.deleted or student.entity_id is None:
                continue
            enrolled = await self._store.enrollments.find(section.id, student.entity_id)
            if (
                enrolled is not None
                and enrolled.is_current
                and enrolled.role is SectionRole.STUDENT
            ):
                return student.entity_id
        raise RowRefused(
            "userSourcedId", RowErrorCode.UNKNOWN_REFERENCE,
            "an observer needs one of their agentSourcedIds enrolled as a student of the class",
        )  # fmt: skip

    # --- tobedeleted --------------------------------------------------------------------------

    async def _forget(self, link: SourceLink) -> None:
        return None  # orgs, users and roles leave only the link behind

    async def _delete_term(self, link: SourceLink) -> None:
        return None  # a term may still be named by courses; it stays, unlinked

    async def _delete_course(self, link: SourceLink) -> None:
        course = await self._store.courses.lock(link.entity_id) if link.entity_id else None
        if course is None or course.is_deleted:
            return
        now = self._clock.now()
        course.change_status(CourseStatus.ARCHIVED, now)
        course.delete(active_enrollments=0, now=now)
        await self._store.courses.save(course)
        await remove_enrollments(
            self._store, await self._store.enrollments.live_of_course(course.id), now
        )
        await remove_sections(self._store, await self._store.sections.all_of_course(course.id), now)
        self._store.record(course_event(CourseDeleted, course, ["deleted_at"]))

    async def _delete_class(self, link: SourceLink) -> None:
        section = await self._store.sections.lock(link.entity_id) if link.entity_id else None
        if section is None or section.deleted_at is not None:
            return
        now = self._clock.now()
        await remove_enrollments(
            self._store, await self._store.enrollments.live_of_section(section.id), now
        )
        await remove_sections(self._store, [section], now)

    async def _delete_enrollment(self, link: SourceLink) -> None:
        enrollment = await self._store.enrollments.get(link.entity_id) if link.entity_id else None
        if enrollment is None or enrollment.deleted_at is not None:
            return
        section = await self._store.sections.lock(enrollment.section_id)
        enrollment = await self._store.enrollments.get(enrollment.id)
        if enrollment is None or section is None:
            return
        if enrollment.state in (EnrollmentState.COMPLETED, EnrollmentState.DROPPED):
            return  # nothing to end
        held = enrollment.holds_seat
        now = self._clock.now()
        enrollment.change_state(EnrollmentState.DROPPED, now)
        await self._store.enrollments.save(enrollment)
        self._store.record(enrollment_event(EnrollmentUpdated, enrollment, ["state"]))
        if held:
            await promote_waitlisted(self._store, section, now)


_APPLIERS = {
    "org": RosterApplier._org,
    "academicSession": RosterApplier._session,
    "course": RosterApplier._course,
    "class": RosterApplier._class,
    "user": RosterApplier._user,
    "role": RosterApplier._role,
    "enrollment": RosterApplier._enrollment,
}
_DELETERS = {
    "org": RosterApplier._forget,
    "academicSession": RosterApplier._delete_term,
    "course": RosterApplier._delete_course,
    "class": RosterApplier._delete_class,
    "user": RosterApplier._forget,
    "role": RosterApplier._forget,
    "enrollment": RosterApplier._delete_enrollment,
}


def refusal(error: DomainError | RowRefused, row: RosterRow) -> tuple[str | None, str, str]:
    """(field, code, message) of a row that could not be applied."""
    if isinstance(error, RowRefused):
        return error.field, error.code, error.message
    field = error.extra.get("field") if isinstance(error.extra, dict) else None
    return (
        field,
        RowErrorCode.CONFLICT if error.code != "invalid_input" else RowErrorCode.INVALID,
        error.detail,
    )


__all__ = ["Applied", "RosterApplier", "RowRefused", "refusal"]
