"""Applying one enrollment snapshot: an upsert that only a higher version wins."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from lms_platform.kernel.membership import Membership
from lms_platform.membership.events import EnrollmentSnapshot
from lms_platform.membership.models import MembershipRecord


@dataclass(frozen=True, slots=True)
class MembershipChange:
    """What an applied snapshot changed: the membership before (None if new or a tombstone)
    and after (None once deleted). Chat uses it to cut a dropped student off live."""

    before: Membership | None
    after: Membership | None

    @property
    def lost_access(self) -> bool:
        was = self.before is not None and self.before.is_active
        is_now = self.after is not None and self.after.is_active
        return was and not is_now


def to_membership(record: MembershipRecord) -> Membership | None:
    if record.deleted_at is not None:
        return None
    from lms_platform.kernel.membership import EnrollmentState, SectionRole

    return Membership(
        tenant_id=record.tenant_id,
        user_id=record.user_id,
        section_id=record.section_id,
        course_id=record.course_id,
        role=SectionRole(record.role),
        state=EnrollmentState(record.state),
        observed_user_id=record.observed_user_id,
    )


async def apply_enrollment(
    session: AsyncSession, tenant_id: str, snapshot: EnrollmentSnapshot
) -> MembershipChange | None:
    """Upsert ``snapshot`` unless a version at least as new is stored; the caller commits.
    Returns what changed, or None when the snapshot was stale (a replay or out of order)."""
    current = await session.scalar(
        select(MembershipRecord)
        .where(MembershipRecord.enrollment_id == snapshot.id)
        .with_for_update()
    )
    if current is not None and current.version >= snapshot.version:
        return None
    before = to_membership(current) if current is not None else None
    values = {
        "tenant_id": tenant_id,
        "user_id": snapshot.user_id,
        "section_id": snapshot.section_id,
        "course_id": snapshot.course_id,
        "role": snapshot.role.value,
        "state": snapshot.state.value,
        "observed_user_id": snapshot.observed_user_id,
        "version": snapshot.version,
        "updated_at": snapshot.updated_at,
        "deleted_at": snapshot.deleted_at,
    }
    statement = pg_insert(MembershipRecord).values(enrollment_id=snapshot.id, **values)
    statement = statement.on_conflict_do_update(
        index_elements=[MembershipRecord.enrollment_id],
        set_=values,
        # Two first deliveries racing: the row lock above does not exist yet for either.
        where=MembershipRecord.version < statement.excluded.version,
    )
    await session.execute(statement)
    after_record = MembershipRecord(enrollment_id=snapshot.id, **values)
    return MembershipChange(before=before, after=to_membership(after_record))
