"""The stores of the notification service on one session."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import delete, exists, func, null, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from lms.notification.adapters.persistence.mappers import (
    copy_delivery,
    delivery_from,
    notification_from,
    notification_row,
    preferences_from,
)
from lms.notification.adapters.persistence.models import (
    CollegeDefaultRecord,
    DeliveryRecord,
    NotificationRecord,
    PreferenceRecord,
    PushSubscriptionRecord,
    RecipientRecord,
    ReminderRecord,
    SubmittedRecord,
    TemplateRecord,
    TrackedAssignmentRecord,
)
from lms.notification.application.ports import DeliveryFilter, DueDelivery, PushTarget
from lms.notification.domain.assignments import AssignmentCopy, reminder_time
from lms.notification.domain.deliveries import Delivery, DeliveryState, Notification, Recipient
from lms.notification.domain.kinds import Channel, NotificationType
from lms.notification.domain.preferences import Preferences
from lms.notification.domain.push import PushSubscription
from lms.notification.domain.reminders import Reminder, ReminderState
from lms.notification.domain.templates import MessageTemplate, TemplateContent
from lms_platform.kernel.grading import DateOverride, OverrideTarget
from lms_platform.kernel.membership import EnrollmentState, SectionRole
from lms_platform.kernel.pagination import Page, PageRequest
from lms_platform.kernel.ports import Clock
from lms_platform.membership.models import MembershipRecord


class SqlPreferenceStore:
    def __init__(self, session: AsyncSession, clock: Clock) -> None:
        self._session, self._clock = session, clock

    async def get(self, college_id: str, account_id: str) -> Preferences:
        row = await self._session.scalar(
            select(PreferenceRecord).where(
                PreferenceRecord.college_id == college_id, PreferenceRecord.account_id == account_id
            )
        )
        return preferences_from(row)

    async def get_many(self, college_id: str, account_ids: Sequence[str]) -> dict[str, Preferences]:
        if not account_ids:
            return {}
        rows = (
            await self._session.scalars(
                select(PreferenceRecord).where(
                    PreferenceRecord.college_id == college_id,
                    PreferenceRecord.account_id.in_(list(account_ids)),
                )
            )
        ).all()
        return {row.account_id: preferences_from(row) for row in rows}

    async def put(self, college_id: str, account_id: str, preferences: Preferences) -> None:
        quiet = preferences.quiet_hours
        values = {
            "timezone": preferences.timezone,
            "quiet_start": quiet.start.strftime("%H:%M") if quiet else None,
            "quiet_end": quiet.end.strftime("%H:%M") if quiet else None,
            "choices": [[k.value, c.value, v.value] for (k, c), v in preferences.choices.items()],
            "updated_at": self._clock.now(),
        }
        statement = pg_insert(PreferenceRecord).values(
            id=uuid4(), college_id=college_id, account_id=account_id, **values
        )
        await self._session.execute(
            statement.on_conflict_do_update(
                index_elements=["college_id", "account_id"], set_=values
            )
        )


class SqlCollegeDefaultsStore:
    def __init__(self, session: AsyncSession, clock: Clock) -> None:
        self._session, self._clock = session, clock

    async def get(self, college_id: str) -> dict[NotificationType, frozenset[Channel]]:
        rows = (
            await self._session.scalars(
                select(CollegeDefaultRecord).where(CollegeDefaultRecord.college_id == college_id)
            )
        ).all()
        return {
            NotificationType(row.type): frozenset(Channel(c) for c in row.channels) for row in rows
        }

    async def put(
        self,
        college_id: str,
        defaults: Mapping[NotificationType, frozenset[Channel]],
        updated_by: str,
    ) -> None:
        await self._session.execute(
            delete(CollegeDefaultRecord).where(CollegeDefaultRecord.college_id == college_id)
        )
        now = self._clock.now()
        for kind, channels in defaults.items():
            self._session.add(
                CollegeDefaultRecord(
                    id=uuid4(), college_id=college_id, type=kind.value,
                    channels=sorted(c.value for c in channels), updated_at=now,
                    updated_by=updated_by,
                )
            )  # fmt: skip
        await self._session.flush()


class SqlAssignmentStore:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, college_id: str, assignment_id: str) -> AssignmentCopy | None:
        row = await self._session.scalar(
            select(TrackedAssignmentRecord).where(
                TrackedAssignmentRecord.college_id == college_id,
                TrackedAssignmentRecord.assignment_id == assignment_id,
            )
        )
        return _assignment(row) if row is not None else None

    async def keep(self, copy: AssignmentCopy) -> bool:
        dates = copy.due_dates()
        values: dict[str, Any] = {
            "earliest_due_at": dates[0] if dates else None,
            "latest_due_at": dates[-1] if dates else None,
            "course_id": copy.course_id,
            "title": copy.title[:255],
            "section_ids": list(copy.section_ids),
            "published": copy.published,
            "deleted": copy.deleted,
            "due_at": copy.due_at,
            "overrides": [_override_row(o) for o in copy.overrides],
            "version": copy.version,
        }
        statement = pg_insert(TrackedAssignmentRecord).values(
            id=uuid4(), college_id=copy.college_id, assignment_id=copy.id, **values
        )
        stored = await self._session.scalar(
            statement.on_conflict_do_update(
                index_elements=["college_id", "assignment_id"],
                set_=values,
                where=TrackedAssignmentRecord.version < statement.excluded.version,
            ).returning(TrackedAssignmentRecord.id)
        )
        return stored is not None

    async def in_reminder_window(
        self, now: datetime, horizon: datetime, planned_before: datetime, limit: int
    ) -> list[AssignmentCopy]:
        rows = (
            await self._session.scalars(
                select(TrackedAssignmentRecord)
                .where(
                    TrackedAssignmentRecord.published.is_(True),
                    TrackedAssignmentRecord.deleted.is_(False),
                    TrackedAssignmentRecord.earliest_due_at <= horizon,
                    TrackedAssignmentRecord.latest_due_at > now,
                    (TrackedAssignmentRecord.replanned_at.is_(None))
                    | (TrackedAssignmentRecord.replanned_at < planned_before),
                )
                .order_by(TrackedAssignmentRecord.earliest_due_at)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        ).all()
        return [_assignment(row) for row in rows]

    async def planned(self, college_id: str, assignment_id: str, at: datetime) -> None:
        await self._session.execute(
            update(TrackedAssignmentRecord)
            .where(
                TrackedAssignmentRecord.college_id == college_id,
                TrackedAssignmentRecord.assignment_id == assignment_id,
            )
            .values(replanned_at=at)
        )

    async def record_submission(self, college_id: str, assignment_id: str, student_id: str) -> None:
        await self._session.execute(
            pg_insert(SubmittedRecord)
            .values(id=uuid4(), college_id=college_id, assignment_id=assignment_id,
                    account_id=student_id)
            .on_conflict_do_nothing(index_elements=["college_id", "assignment_id", "account_id"])
        )  # fmt: skip

    async def submitted(
        self, college_id: str, assignment_id: str, student_ids: Sequence[str]
    ) -> set[str]:
        if not student_ids:
            return set()
        rows = await self._session.scalars(
            select(SubmittedRecord.account_id).where(
                SubmittedRecord.college_id == college_id,
                SubmittedRecord.assignment_id == assignment_id,
                SubmittedRecord.account_id.in_(list(student_ids)),
            )
        )
        return set(rows.all())


def _override_row(override: DateOverride) -> dict[str, Any]:
    row: dict[str, Any] = {"target": override.target.value, "target_id": str(override.target_id)}
    if "due_at" in override.fields:
        row["due_at"] = override.due_at.isoformat() if override.due_at else None
    return row


def _assignment(row: TrackedAssignmentRecord) -> AssignmentCopy:
    overrides = []
    for o in row.overrides:
        sets_due = "due_at" in o
        due = datetime.fromisoformat(o["due_at"]) if sets_due and o["due_at"] else None
        overrides.append(
            DateOverride(
                target=OverrideTarget(o["target"]), target_id=UUID(o["target_id"]),
                due_at=due, fields=frozenset({"due_at"} if sets_due else ()),
            )
        )  # fmt: skip
    return AssignmentCopy(
        college_id=row.college_id, id=row.assignment_id, course_id=row.course_id,
        title=row.title, section_ids=tuple(row.section_ids), published=row.published,
        deleted=row.deleted, due_at=row.due_at, overrides=tuple(overrides), version=row.version,
    )  # fmt: skip


class SqlReminderStore:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def schedule(
        self, college_id: str, assignment_id: str, due: Mapping[str, datetime], now: datetime
    ) -> None:
        of_assignment = [
            ReminderRecord.college_id == college_id,
            ReminderRecord.assignment_id == assignment_id,
            ReminderRecord.state == ReminderState.PENDING.value,
        ]
        wanted = list(due.items())
        stale = update(ReminderRecord).where(*of_assignment)
        if wanted:
            stale = stale.where(
                tuple_(ReminderRecord.account_id, ReminderRecord.due_at).not_in(wanted)
            )
        await self._session.execute(
            stale.values(state=ReminderState.CANCELLED.value, updated_at=now)
        )
        if not wanted:
            return
        rows = [
            {
                "id": uuid4(), "college_id": college_id, "assignment_id": assignment_id,
                "account_id": account, "due_at": when, "remind_at": reminder_time(when),
                "state": ReminderState.PENDING.value, "updated_at": now,
            }
            for account, when in wanted
        ]  # fmt: skip
        statement = pg_insert(ReminderRecord).values(rows)
        await self._session.execute(
            statement.on_conflict_do_update(
                index_elements=["college_id", "assignment_id", "account_id", "due_at"],
                set_={"state": ReminderState.PENDING.value, "updated_at": now},
                where=ReminderRecord.state == ReminderState.CANCELLED.value,
            )
        )

    async def cancel(self, college_id: str, assignment_id: str, account_id: str) -> None:
        await self._session.execute(
            update(ReminderRecord)
            .where(
                ReminderRecord.college_id == college_id,
                ReminderRecord.assignment_id == assignment_id,
                ReminderRecord.account_id == account_id,
                ReminderRecord.state == ReminderState.PENDING.value,
            )
            .values(state=ReminderState.CANCELLED.value, updated_at=func.now())
        )

    async def claim_due(self, now: datetime, limit: int) -> list[Reminder]:
        rows = (
            await self._session.scalars(
                select(ReminderRecord)
                .where(
                    ReminderRecord.state == ReminderState.PENDING.value,
                    ReminderRecord.remind_at <= now,
                )
                .order_by(ReminderRecord.remind_at)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        ).all()
        return [
            Reminder(
                id=r.id, college_id=r.college_id, assignment_id=r.assignment_id,
                account_id=r.account_id, due_at=r.due_at, remind_at=r.remind_at,
            )
            for r in rows
        ]  # fmt: skip

    async def finish(self, reminder_id: UUID, state: ReminderState, at: datetime) -> None:
        await self._session.execute(
            update(ReminderRecord)
            .where(ReminderRecord.id == reminder_id)
            .values(state=state.value, updated_at=at)
        )


class SqlRecipientStore:
    def __init__(self, session: AsyncSession, clock: Clock) -> None:
        self._session, self._clock = session, clock

    async def get(self, college_id: str, account_id: str) -> Recipient | None:
        row = await self._session.scalar(
            select(RecipientRecord).where(
                RecipientRecord.college_id == college_id, RecipientRecord.account_id == account_id
            )
        )
        if row is None:
            return None
        return _recipient(row)

    async def get_many(self, college_id: str, account_ids: Sequence[str]) -> dict[str, Recipient]:
        if not account_ids:
            return {}
        rows = (
            await self._session.scalars(
                select(RecipientRecord).where(
                    RecipientRecord.college_id == college_id,
                    RecipientRecord.account_id.in_(list(account_ids)),
                )
            )
        ).all()
        return {row.account_id: _recipient(row) for row in rows}

    async def upsert(self, college_id: str, recipient: Recipient) -> None:
        values = {
            "email": recipient.email,
            "display_name": recipient.display_name,
            "phone": recipient.phone,
            "timezone": recipient.timezone,
            "updated_at": self._clock.now(),
        }
        statement = pg_insert(RecipientRecord).values(
            id=uuid4(), college_id=college_id, account_id=recipient.account_id, **values
        )
        await self._session.execute(
            statement.on_conflict_do_update(
                index_elements=["college_id", "account_id"], set_=values
            )
        )


def _recipient(row: RecipientRecord) -> Recipient:
    return Recipient(
        account_id=row.account_id,
        email=row.email,
        display_name=row.display_name,
        phone=row.phone,
        timezone=row.timezone,
    )


class SqlPushSubscriptionStore:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def has_any(self, college_id: str, account_id: str) -> bool:
        found = await self._session.scalar(
            select(
                exists().where(
                    PushSubscriptionRecord.college_id == college_id,
                    PushSubscriptionRecord.account_id == account_id,
                )
            )
        )
        return bool(found)

    async def targets(self, college_id: str, account_id: str) -> list[PushTarget]:
        rows = (
            await self._session.scalars(
                select(PushSubscriptionRecord).where(
                    PushSubscriptionRecord.college_id == college_id,
                    PushSubscriptionRecord.account_id == account_id,
                )
            )
        ).all()
        return [PushTarget(endpoint=r.endpoint, p256dh=r.p256dh, auth=r.auth) for r in rows]

    async def save(self, subscription: PushSubscription) -> PushSubscription:
        values = {
            "college_id": subscription.college_id,
            "account_id": subscription.account_id,
            "p256dh": subscription.p256dh,
            "auth": subscription.auth,
            "created_at": subscription.created_at,
        }
        row = (
            await self._session.execute(
                pg_insert(PushSubscriptionRecord)
                .values(id=subscription.id, endpoint=subscription.endpoint, **values)
                .on_conflict_do_update(index_elements=["endpoint"], set_=values)
                .returning(PushSubscriptionRecord.id, PushSubscriptionRecord.created_at)
            )
        ).one()
        return PushSubscription(
            id=row.id, college_id=subscription.college_id, account_id=subscription.account_id,
            endpoint=subscription.endpoint, p256dh=subscription.p256dh, auth=subscription.auth,
            created_at=row.created_at,
        )  # fmt: skip

    async def remove(self, college_id: str, account_id: str, subscription_id: UUID) -> bool:
        result = await self._session.execute(
            delete(PushSubscriptionRecord).where(
                PushSubscriptionRecord.id == subscription_id,
                PushSubscriptionRecord.college_id == college_id,
                PushSubscriptionRecord.account_id == account_id,
            )
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


class SqlTemplateStore:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def _of(self, college_id: str, kind: NotificationType, channel: Channel) -> list[Any]:
        return [
            TemplateRecord.college_id == college_id,
            TemplateRecord.type == kind.value,
            TemplateRecord.channel == channel.value,
        ]

    async def latest(
        self, college_id: str, kind: NotificationType, channel: Channel
    ) -> MessageTemplate | None:
        row = await self._session.scalar(
            select(TemplateRecord)
            .where(*self._of(college_id, kind, channel))
            .order_by(TemplateRecord.version.desc())
            .limit(1)
        )
        return template_from(row) if row else None

    async def version(
        self, college_id: str, kind: NotificationType, channel: Channel, version: int
    ) -> MessageTemplate | None:
        row = await self._session.scalar(
            select(TemplateRecord).where(
                *self._of(college_id, kind, channel), TemplateRecord.version == version
            )
        )
        return template_from(row) if row else None

    async def versions(
        self, college_id: str, kind: NotificationType, channel: Channel, page: PageRequest
    ) -> Page[MessageTemplate]:
        where = self._of(college_id, kind, channel)
        total = await self._session.scalar(
            select(func.count()).select_from(TemplateRecord).where(*where)
        )
        rows = (
            await self._session.scalars(
                select(TemplateRecord).where(*where).order_by(TemplateRecord.version.desc())
                .limit(page.limit).offset(page.offset)
            )
        ).all()  # fmt: skip
        return Page(items=[template_from(r) for r in rows], total=int(total or 0),
                    limit=page.limit, offset=page.offset)  # fmt: skip

    async def has(self, template_id: UUID) -> bool:
        return await self._session.get(TemplateRecord, template_id) is not None

    async def add(self, template: MessageTemplate) -> None:
        content = template.content
        self._session.add(
            TemplateRecord(
                id=template.id, college_id=template.college_id, type=template.type.value,
                channel=template.channel.value, version=template.version,
                subject=content.subject, text_body=content.text_body,
                html_body=content.html_body, created_at=template.created_at,
                created_by=template.created_by,
            )
        )  # fmt: skip
        await self._session.flush()


def template_from(row: TemplateRecord) -> MessageTemplate:
    return MessageTemplate(
        id=row.id,
        college_id=row.college_id,
        type=NotificationType(row.type),
        channel=Channel(row.channel),
        version=row.version,
        content=TemplateContent(
            subject=row.subject, text_body=row.text_body, html_body=row.html_body
        ),
        created_at=row.created_at,
        created_by=row.created_by,
    )


_NOTIFICATION_COLUMNS = [
    c.key for c in NotificationRecord.__table__.columns if c.key != "sa_orm_sentinel"
]
_DELIVERY_COLUMNS = [c.key for c in DeliveryRecord.__table__.columns if c.key != "sa_orm_sentinel"]


def _notification_values(notification: Notification) -> dict[str, Any]:
    row = notification_row(notification)
    return {key: getattr(row, key) for key in _NOTIFICATION_COLUMNS}


def _delivery_values(delivery: Delivery) -> dict[str, Any]:
    row = copy_delivery(delivery, DeliveryRecord(id=delivery.id))
    return {key: getattr(row, key) for key in _DELIVERY_COLUMNS}


class SqlAudience:
    """Over this service's ``memberships`` copy (``lms_platform.membership``)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def active_students(
        self, college_id: str, course_id: str, section_ids: Sequence[str]
    ) -> list[str]:
        try:
            course = UUID(course_id)
            sections = [UUID(s) for s in section_ids]
        except ValueError:
            return []  # not ids the course service makes: nobody is enrolled there
        where = [
            MembershipRecord.tenant_id == college_id,
            MembershipRecord.course_id == course,
            MembershipRecord.role == SectionRole.STUDENT.value,
            MembershipRecord.state == EnrollmentState.ACTIVE.value,
            MembershipRecord.deleted_at.is_(None),
        ]
        if sections:
            where.append(MembershipRecord.section_id.in_(sections))
        users = (
            await self._session.scalars(select(MembershipRecord.user_id).where(*where).distinct())
        ).all()
        return sorted(str(user) for user in users)

    async def student_sections(
        self, college_id: str, course_id: str, section_ids: Sequence[str]
    ) -> dict[str, list[str]]:
        audience = set(await self.active_students(college_id, course_id, section_ids))
        if not audience:
            return {}
        rows = (
            await self._session.execute(
                select(MembershipRecord.user_id, MembershipRecord.section_id).where(
                    *_active_students(college_id, UUID(course_id))
                )
            )
        ).all()
        found: dict[str, list[str]] = {}
        for user, section in rows:
            if str(user) in audience:
                found.setdefault(str(user), []).append(str(section))
        return found

    async def sections_of(self, college_id: str, course_id: str, account_id: str) -> list[str]:
        try:
            course, user = UUID(course_id), UUID(account_id)
        except ValueError:
            return []
        sections = (
            await self._session.scalars(
                select(MembershipRecord.section_id).where(
                    *_active_students(college_id, course), MembershipRecord.user_id == user
                )
            )
        ).all()
        return sorted(str(s) for s in sections)


def _active_students(college_id: str, course: UUID) -> list[Any]:
    return [
        MembershipRecord.tenant_id == college_id,
        MembershipRecord.course_id == course,
        MembershipRecord.role == SectionRole.STUDENT.value,
        MembershipRecord.state == EnrollmentState.ACTIVE.value,
        MembershipRecord.deleted_at.is_(None),
    ]


class SqlNotificationStore:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._claimed: dict[UUID, DeliveryRecord] = {}

    async def add(self, notification: Notification, deliveries: Sequence[Delivery]) -> bool:
        values = _notification_values(notification)
        inserted = await self._session.scalar(
            pg_insert(NotificationRecord)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["source_event_id", "account_id"])
            .returning(NotificationRecord.id)
        )
        if inserted is None:
            return False
        for delivery in deliveries:
            record = copy_delivery(delivery, DeliveryRecord(id=delivery.id))
            self._session.add(record)
        await self._session.flush()
        return True

    async def add_many(self, items: Sequence[tuple[Notification, Sequence[Delivery]]]) -> set[UUID]:
        if not items:
            return set()
        rows = [_notification_values(n) for n, _ in items]
        created = set(
            (
                await self._session.scalars(
                    pg_insert(NotificationRecord)
                    .values(rows)
                    .on_conflict_do_nothing(index_elements=["source_event_id", "account_id"])
                    .returning(NotificationRecord.id)
                )
            ).all()
        )
        deliveries = [_delivery_values(d) for n, ds in items if n.id in created for d in ds]
        if deliveries:
            await self._session.execute(pg_insert(DeliveryRecord), deliveries)
        return created

    async def claim_due(self, now: datetime, limit: int) -> list[DueDelivery]:
        rows = (
            await self._session.scalars(
                select(DeliveryRecord)
                .where(
                    DeliveryRecord.state == DeliveryState.QUEUED.value, DeliveryRecord.due_at <= now
                )
                .order_by(DeliveryRecord.account_id, DeliveryRecord.due_at)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        ).all()
        if not rows:
            return []
        ids = {row.notification_id for row in rows}
        notifications = {
            n.id: notification_from(n)
            for n in (
                await self._session.scalars(
                    select(NotificationRecord).where(NotificationRecord.id.in_(ids))
                )
            ).all()
        }
        self._claimed = {row.id: row for row in rows}
        return [
            DueDelivery(
                delivery=delivery_from(row), notification=notifications[row.notification_id]
            )
            for row in rows
        ]

    async def save_delivery(self, delivery: Delivery) -> None:
        row = self._claimed.get(delivery.id) or await self._session.get(DeliveryRecord, delivery.id)
        if row is None:
            raise LookupError(f"delivery {delivery.id} is gone")
        copy_delivery(delivery, row)
        await self._session.flush()

    async def forget_variables(self, notification_id: UUID) -> None:
        await self._session.execute(
            update(NotificationRecord)
            .where(NotificationRecord.id == notification_id)
            .values(variables=null())  # SQL NULL, not the JSON null
        )

    async def inbox(
        self, college_id: str, account_id: str, unread_only: bool, page: PageRequest
    ) -> Page[Notification]:
        # An in-app delivery the user switched off is suppressed: not in the inbox.
        in_app = select(DeliveryRecord.notification_id).where(
            DeliveryRecord.channel == "in_app", DeliveryRecord.state == "delivered"
        )
        where = [
            NotificationRecord.college_id == college_id,
            NotificationRecord.account_id == account_id,
            NotificationRecord.id.in_(in_app),
        ]
        if unread_only:
            where.append(NotificationRecord.read_at.is_(None))
        total = await self._session.scalar(
            select(func.count()).select_from(NotificationRecord).where(*where)
        )
        rows = (
            await self._session.scalars(
                select(NotificationRecord)
                .where(*where)
                .order_by(NotificationRecord.created_at.desc(), NotificationRecord.id.desc())
                .limit(page.limit)
                .offset(page.offset)
            )
        ).all()
        return Page(
            items=[notification_from(r) for r in rows],
            total=int(total or 0),
            limit=page.limit,
            offset=page.offset,
        )

    async def mark_read(
        self, college_id: str, account_id: str, notification_id: UUID, at: datetime
    ) -> bool:
        found = await self._session.scalar(
            select(NotificationRecord).where(
                NotificationRecord.id == notification_id,
                NotificationRecord.college_id == college_id,
                NotificationRecord.account_id == account_id,
            )
        )
        if found is None:
            return False
        if found.read_at is None:
            found.read_at = at
        await self._session.flush()
        return True

    async def deliveries(self, where: DeliveryFilter, page: PageRequest) -> Page[Delivery]:
        conditions = [DeliveryRecord.college_id == where.college_id]
        if where.account_id is not None:
            conditions.append(DeliveryRecord.account_id == where.account_id)
        if where.type is not None:
            conditions.append(DeliveryRecord.type == where.type.value)
        if where.channel is not None:
            conditions.append(DeliveryRecord.channel == where.channel.value)
        if where.state is not None:
            conditions.append(DeliveryRecord.state == where.state.value)
        total = await self._session.scalar(
            select(func.count()).select_from(DeliveryRecord).where(*conditions)
        )
        rows = (
            await self._session.scalars(
                select(DeliveryRecord)
                .where(*conditions)
                .order_by(DeliveryRecord.created_at.desc(), DeliveryRecord.id.desc())
                .limit(page.limit)
                .offset(page.offset)
            )
        ).all()
        return Page(
            items=[delivery_from(r) for r in rows],
            total=int(total or 0),
            limit=page.limit,
            offset=page.offset,
        )
