"""Events as the owning services publish them (envelopes on their topics, keyed as they key
them), and waiting for what search makes of them."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import msgspec
from aiokafka import AIOKafkaProducer

from lms_platform.messaging import Envelope, encode_envelope, new_envelope

T = TypeVar("T")
NOW = datetime.now(UTC)


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def course_event(
    tenant: str, course_id: str, *, title: str, status: str = "published", version: int = 1,
    code: str | None = None, owner_id: str = "owner", event_type: str | None = None,
) -> Envelope:  # fmt: skip
    course = {
        "id": course_id, "code": code or f"C-{course_id[:6]}", "title": title,
        "term_id": None, "start_date": None, "end_date": None, "status": status,
        "owner_id": owner_id, "version": version, "updated_at": NOW.isoformat(),
    }  # fmt: skip
    kind = event_type or ("course.created" if version == 1 else "course.updated")
    return new_envelope(kind, "course", course_id, tenant, {"course": course, "changed_fields": []})


def assignment_event(
    tenant: str, assignment_id: str, *, course_id: str, title: str, status: str = "published",
    section_ids: Iterable[str] = (), unlock_at: datetime | None = None, version: int = 1,
    description: str = "", deleted: bool = False, event_type: str | None = None,
) -> Envelope:  # fmt: skip
    assignment = {
        "id": assignment_id, "course_id": course_id, "section_ids": list(section_ids),
        "title": title, "description": description, "status": status,
        "unlock_at": iso(unlock_at), "due_at": iso(NOW + timedelta(days=7)), "lock_at": None,
        "points_possible": 10.0, "grading_type": "points", "submission_types": ["file"],
        "overrides": [], "created_by": "teacher", "created_at": NOW.isoformat(),
        "published_at": None, "updated_at": NOW.isoformat(),
        "deleted_at": NOW.isoformat() if deleted else None, "version": version,
    }  # fmt: skip
    kind = event_type or ("assignment.deleted" if deleted else "assignment.updated")
    return new_envelope(
        kind, "assignment", assignment_id, tenant, {"assignment": assignment, "changed_fields": []}
    )


def user_event(
    tenant: str, user_id: str, *, name: str, email: str, version: int = 1,
    roles: Iterable[str] = ("student",),
) -> Envelope:  # fmt: skip
    profile = {
        "id": user_id, "email": email, "display_name": name, "avatar_url": None, "bio": None,
        "timezone": "UTC", "locale": "en", "roles": list(roles), "status": "active",
        "version": version, "updated_at": NOW.isoformat(),
    }  # fmt: skip
    kind = "user.created" if version == 1 else "user.updated"
    return new_envelope(kind, "user", user_id, tenant, {"profile": profile, "changed_fields": []})


def user_deleted(tenant: str, user_id: str) -> Envelope:
    data = {"email": "gone@example.edu", "deleted_at": NOW.isoformat()}
    return new_envelope("user.deleted", "user", user_id, tenant, data)


def enrollment_event(
    tenant: str, enrollment_id: str, *, user_id: str, section_id: str, course_id: str,
    role: str = "student", state: str = "active", version: int = 1, deleted: bool = False,
    observed_user_id: str | None = None,
) -> Envelope:  # fmt: skip
    enrollment = {
        "id": enrollment_id, "user_id": user_id, "section_id": section_id,
        "course_id": course_id, "role": role, "state": state,
        "observed_user_id": observed_user_id,
        "version": version, "created_at": NOW.isoformat(),
        "updated_at": (NOW + timedelta(seconds=version)).isoformat(),
        "deleted_at": NOW.isoformat() if deleted else None,
    }  # fmt: skip
    kind = "enrollment.deleted" if deleted else "enrollment.updated"
    data = {"section_id": section_id, "enrollment": enrollment, "changed_fields": []}
    return new_envelope(kind, "course", enrollment_id, tenant, data)


def note_event(
    tenant: str, note_id: str, *, owner_id: str, title: str, version: int = 1, body: str = "",
    tags: Iterable[str] = (), shares: Iterable[dict[str, str]] = (),
    course_id: str | None = None,
) -> Envelope:  # fmt: skip
    """``note.created`` (version 1) or ``note.updated``, as docs/services/notes.md has them."""
    link = {"kind": "course", "id": course_id, "course_id": course_id, "anchor": None}
    note = {
        "id": note_id, "owner_id": owner_id, "title": title, "body": body, "tags": list(tags),
        "link": link if course_id else None, "pinned": False, "archived": False,
        "version": version, "created_at": NOW.isoformat(),
        "updated_at": (NOW + timedelta(seconds=version)).isoformat(),
        "shares": [share | {"permission": "read", "created_at": NOW.isoformat()}
                   for share in shares],
    }  # fmt: skip
    if version == 1:
        return new_envelope("note.created", "notes", note_id, tenant, {"note": note})
    data = {"changed_fields": ["title"], "note": note}
    return new_envelope("note.updated", "notes", note_id, tenant, data)


def note_share(share_id: str, kind: str, target_id: str) -> dict[str, str]:
    return {"id": share_id, "kind": kind, "target_id": target_id}


def note_shared(
    tenant: str, note_id: str, *, owner_id: str, share: dict[str, str], revoked: bool = False
) -> Envelope:
    data: dict[str, object] = {
        "owner_id": owner_id,
        "share": share | {"permission": "read", "created_at": NOW.isoformat()},
    }
    if revoked:
        data["reason"] = "revoked"
    kind = "note.unshared" if revoked else "note.shared"
    return new_envelope(kind, "notes", note_id, tenant, data)


def note_deleted(tenant: str, note_id: str, *, owner_id: str, version: int) -> Envelope:
    data = {"owner_id": owner_id, "version": version, "reason": "deleted"}
    return new_envelope("note.deleted", "notes", note_id, tenant, data)


def new_id() -> str:
    return str(uuid.uuid4())


def _key(envelope: Envelope) -> bytes:
    # enrollment.* is keyed by section (docs/services/course.md), the rest by the aggregate.
    if envelope.type.startswith("enrollment."):
        return str(msgspec.json.decode(envelope.data)["section_id"]).encode()
    return envelope.subject.encode()


async def publish(bootstrap: str, topic: str, envelopes: Iterable[Envelope]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=False)
    await producer.start()
    try:
        for envelope in envelopes:
            await producer.send_and_wait(topic, encode_envelope(envelope), key=_key(envelope))
    finally:
        await producer.stop()


async def publish_raw(bootstrap: str, topic: str, value: bytes, key: bytes) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=False)
    await producer.start()
    try:
        await producer.send_and_wait(topic, value, key=key)
    finally:
        await producer.stop()


async def eventually(
    probe: Callable[[], Awaitable[T]], check: Callable[[T], bool], *, timeout: float = 15.0
) -> T:
    """Poll ``probe`` until ``check`` holds; fail with the last value after ``timeout``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = await probe()
        if check(value):
            return value
        if loop.time() > deadline:
            raise AssertionError(f"still not as expected after {timeout}s: {value!r}")
        await asyncio.sleep(0.1)
