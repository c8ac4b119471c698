"""Auth's events as auth's outbox writes them, a plain aiokafka producer to put them on the
topic (duplicates included), and waits on what the notification service did."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from aiokafka import AIOKafkaProducer

from lms.notification.config import NotificationSettings
from lms_platform.messaging import encode_envelope, new_envelope
from lms_platform.testing.services import RunningService
from tests.notification.integration.conftest import COLLEGE

RunningNotification = RunningService[NotificationSettings]


def envelope(
    event_type: str, account_id: str, data: dict[str, Any], *, college: str = COLLEGE
) -> bytes:
    return encode_envelope(
        new_envelope(event_type, "auth", account_id, college, {"account_id": account_id, **data})
    )


def _college(college: str) -> dict[str, Any]:
    return {"college_id": college, "college_slug": college, "college_name": "Uni A"}


def password_reset(
    account_id: str, email: str, *, college: str = COLLEGE, token: str | None = None
) -> bytes:
    token = token or uuid.uuid4().hex
    expires = datetime.now(UTC) + timedelta(hours=1)
    return envelope(
        "account.password_reset_requested",
        account_id,
        {
            "email": email,
            "display_name": "Ada Lovelace",
            **_college(college),
            "reset_token": token,
            "reset_url": f"http://lms.test/reset-password?token={token}",
            "expires_at": expires.isoformat(),
        },
        college=college,
    )


def invitation(
    account_id: str, email: str, *, college: str = COLLEGE, token: str = "inv-token"
) -> bytes:
    expires = datetime.now(UTC) + timedelta(days=7)
    return envelope(
        "account.invited",
        account_id,
        {
            "email": email,
            "display_name": None,
            "roles": ["student"],
            **_college(college),
            "invited_by": str(uuid.uuid4()),
            "invitation_token": token,
            "invitation_url": None,  # auth's URL template unset: the token is the link
            "expires_at": expires.isoformat(),
        },
        college=college,
    )


def registered(account_id: str, email: str, *, college: str = COLLEGE) -> bytes:
    return envelope(
        "account.registered",
        account_id,
        {"email": email, "roles": ["student"], "display_name": "New Student"},
        college=college,
    )


async def publish(bootstrap: str, topic: str, *values: bytes, key: bytes = b"k") -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for value in values:
            await producer.send_and_wait(topic, value, key=key)
    finally:
        await producer.stop()


async def publish_to(
    service: RunningNotification, bootstrap: str, topic: str, *values: bytes
) -> None:
    """Once the service's consumers run, on its namespaced ``topic``."""
    await asyncio.wait_for(service.runtime.consumers.started.wait(), 30)
    await publish(bootstrap, f"{service.settings.kafka_topic_prefix}{topic}", *values)


async def wait_for(predicate: Callable[[], Awaitable[bool]], timeout: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.1)


async def settled(service: RunningNotification) -> int:
    """Records this test's consumers settled (processed, duplicate, ignored, dead-lettered)."""
    text = (await service.client.get("/metrics")).text
    total = 0.0
    for line in text.splitlines():
        if (
            line.startswith("kafka_messages_consumed_total{")
            and 'service="notification"' in line
            and service.settings.kafka_topic_prefix in line
            and 'outcome="retried"' not in line
        ):
            total += float(line.rsplit(" ", 1)[1])
    return int(total)


def enrollment(
    user_id: str, section_id: str, course_id: str, *, role: str = "student",
    state: str = "active", college: str = COLLEGE, version: int = 1,
) -> bytes:  # fmt: skip
    """``enrollment.created`` as the course service publishes it (docs/services/course.md)."""
    now = datetime.now(UTC).isoformat()
    snapshot = {
        "id": str(uuid.uuid4()), "user_id": user_id, "section_id": section_id,
        "course_id": course_id, "role": role, "state": state, "observed_user_id": None,
        "version": version, "created_at": now, "updated_at": now, "deleted_at": None,
    }  # fmt: skip
    return encode_envelope(
        new_envelope(
            "enrollment.created", "course", str(snapshot["id"]), college,
            {"section_id": section_id, "changed_fields": [], "enrollment": snapshot},
        )
    )  # fmt: skip


def assignment_published(
    course_id: str, section_ids: list[str], title: str, *, college: str = COLLEGE
) -> bytes:
    """``assignment.published`` with the assignment service's snapshot (the fields used here)."""
    assignment_id = str(uuid.uuid4())
    snapshot = {
        "id": assignment_id, "course_id": course_id, "section_ids": section_ids,
        "title": title, "status": "published", "due_at": "2030-01-10T23:59:00+00:00",
        "version": 2,
    }  # fmt: skip
    return encode_envelope(
        new_envelope(
            "assignment.published", "assignment", assignment_id, college,
            {"assignment": snapshot, "changed_fields": ["status"]},
        )
    )  # fmt: skip


async def enroll_students(
    service: RunningNotification, bootstrap: str, course_id: str, section_id: str,
    students: list[str], *, email_domain: str = "uni-a.edu",
) -> None:  # fmt: skip
    """Registers each student (address, name) and enrolls them, then waits until both copies
    are here."""
    await publish_to(
        service, bootstrap, "account",
        *[registered(s, f"{s[:8]}@{email_domain}") for s in students],
    )  # fmt: skip
    await publish_to(
        service, bootstrap, "enrollment",
        *[enrollment(s, section_id, course_id) for s in students],
    )  # fmt: skip

    async def known() -> bool:
        members = await service.scalar("SELECT count(*) FROM memberships")
        people = await service.scalar("SELECT count(*) FROM recipients")
        return members >= len(students) and people >= len(students)

    await wait_for(known, timeout=60)


def user_updated(user_id: str, timezone: str, *, college: str = COLLEGE) -> bytes:
    """``user.updated`` as the user service publishes it (docs/services/user.md)."""
    profile = {
        "id": user_id, "email": f"{user_id[:8]}@uni-a.edu", "display_name": "New Student",
        "avatar_url": None, "bio": None, "timezone": timezone, "locale": "en", "roles": ["student"],
        "status": "active", "version": 2, "updated_at": datetime.now(UTC).isoformat(),
    }  # fmt: skip
    return encode_envelope(
        new_envelope("user.updated", "user", user_id, college,
                     {"changed_fields": ["timezone"], "profile": profile})
    )  # fmt: skip


def submission_event(
    event_type: str, student_id: str, *, attempt: int = 1, college: str | None = COLLEGE,
    score: float | None = None, assignment_id: str | None = None,
) -> bytes:  # fmt: skip
    """``submission.*`` / ``grade.*`` with the submission service's snapshot
    (``lms.submission.domain.events.submission_snapshot``)."""
    submission_id = str(uuid.uuid4())
    graded = score is not None
    now = datetime.now(UTC).isoformat()
    snapshot = {
        "id": submission_id, "assignment_id": assignment_id or str(uuid.uuid4()),
        "course_id": str(uuid.uuid4()), "student_id": student_id,
        "state": "graded" if graded else "submitted", "attempt": attempt, "kind": "text",
        "submitted_at": "2030-01-09T18:00:00+00:00", "late": False, "seconds_late": 0,
        "excused": False, "score": score, "grade": "B+" if graded else None,
        "points_deducted": 0.0 if graded else None,
        "graded_by": str(uuid.uuid4()) if graded else None, "graded_at": now if graded else None,
        "posted_at": now if event_type == "grade.posted" else None, "version": attempt + 1,
    }  # fmt: skip
    return encode_envelope(
        new_envelope(event_type, "submission", submission_id, college, {"submission": snapshot})
    )


def assignment_change(
    event_type: str, assignment_id: str, course_id: str, *, title: str, due_at: str | None,
    version: int, section_ids: list[str] | None = None, status: str = "published",
    overrides: list[dict[str, Any]] | None = None, college: str = COLLEGE,
) -> bytes:  # fmt: skip
    """``assignment.*`` with the assignment service's snapshot (``assignment_snapshot`` in its
    events.py; the fields used here, overrides as it writes them)."""
    snapshot = {
        "id": assignment_id, "course_id": course_id, "section_ids": section_ids or [],
        "title": title, "description": "", "status": status, "unlock_at": None,
        "due_at": due_at, "lock_at": None, "overrides": overrides or [],
        "deleted_at": datetime.now(UTC).isoformat() if event_type == "assignment.deleted" else None,
        "version": version,
    }  # fmt: skip
    return encode_envelope(
        new_envelope(
            event_type, "assignment", assignment_id, college,
            {"assignment": snapshot, "changed_fields": []},
        )
    )  # fmt: skip


def student_override(student_id: str, due_at: str) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()), "target": "student", "target_id": student_id,
        "dates": {"due_at": due_at}, "updated_at": datetime.now(UTC).isoformat(),
    }  # fmt: skip
