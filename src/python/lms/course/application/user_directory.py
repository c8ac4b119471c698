"""The read model of users, kept from the user service's events (this service never calls
it): ``user.created`` and ``user.updated`` upsert, newest version wins; ``user.deleted``
forgets the user and takes their enrollments away (tombstones and ``enrollment.deleted``),
freeing their seats for the waitlist. Idempotent: the consumer skips a duplicate delivery,
and a replayed or out-of-order event changes nothing either."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from lms.course.application.enrollment_changes import promote_waitlisted
from lms.course.application.ports import EnrollmentStore
from lms.course.application.removal import remove_enrollments
from lms.course.domain.users import KnownUser
from lms_platform.kernel.ports import Clock


@dataclass(frozen=True, slots=True, kw_only=True)
class UserSnapshot:
    id: UUID
    tenant_id: str
    email: str
    display_name: str
    status: str
    version: int


class ApplyUserSnapshot:
    def __init__(self, store: EnrollmentStore) -> None:
        self._store = store

    async def __call__(self, snapshot: UserSnapshot) -> bool:
        """False when the event was older than what is known (or the user is forgotten)."""
        known = await self._store.users.lock(snapshot.id)
        if known is None:
            await self._store.users.add(
                KnownUser(
                    id=snapshot.id, tenant_id=snapshot.tenant_id, email=snapshot.email.lower(),
                    display_name=snapshot.display_name, status=snapshot.status,
                    version=snapshot.version,
                )  # fmt: skip
            )
        elif known.deleted_at is None and snapshot.version > known.version:
            known.email, known.display_name = snapshot.email.lower(), snapshot.display_name
            known.status, known.version = snapshot.status, snapshot.version
            await self._store.users.save(known)
        else:
            await self._store.commit()  # the dedup record, nothing else
            return False
        await self._store.commit()
        return True


class ForgetUser:
    def __init__(self, store: EnrollmentStore, clock: Clock) -> None:
        self._store, self._clock = store, clock

    async def __call__(self, user_id: UUID, tenant_id: str, deleted_at: datetime | None) -> int:
        """Returns how many enrollments were taken away."""
        now = self._clock.now()
        known = await self._store.users.lock(user_id)
        if known is None:
            # Deleted before we heard of them: remember, so a late user.created cannot revive.
            known = KnownUser(
                id=user_id, tenant_id=tenant_id, email="", display_name="", status="deleted",
                version=0, deleted_at=deleted_at or now,
            )  # fmt: skip
            await self._store.users.add(known)
        elif known.deleted_at is None:
            known.deleted_at, known.status = deleted_at or now, "deleted"
            await self._store.users.save(known)
        enrollments = await self._store.enrollments.live_of_user(user_id)
        # Sections first, in one order, as enrolling does: no deadlock with an enrollment.
        seat_sections = sorted({e.section_id for e in enrollments if e.holds_seat})
        locked = [await self._store.sections.lock(section_id) for section_id in seat_sections]
        await remove_enrollments(self._store, enrollments, now)
        for section in locked:
            if section is not None and section.deleted_at is None:
                await promote_waitlisted(self._store, section, now)
        await self._store.commit()
        return len(enrollments)
