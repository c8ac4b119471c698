"""The service's own copies of other services' data, kept from their events: ``memberships``
(from ``enrollment.*``, as lms_platform.membership keeps it on PostgreSQL) and ``users`` (from
``user.*``: who exists in which college). A snapshot replaces the stored one only when its
version is higher, so replays, duplicates and out-of-order delivery change nothing."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from motor.motor_asyncio import AsyncIOMotorClientSession, AsyncIOMotorDatabase

from lms_platform.kernel.membership import EnrollmentState, Membership, SectionRole
from lms_platform.membership.events import EnrollmentSnapshot

TOMBSTONE_VERSION = 2**62  # user.deleted carries no version; nothing comes after it


async def _upsert_if_newer(
    database: AsyncIOMotorDatabase,
    collection: str,
    key: str,
    version: int,
    values: dict[str, object],
    session: AsyncIOMotorClientSession,
) -> bool:
    """Store ``values`` under ``key`` unless a version at least as new is there. Read first:
    in a transaction a duplicate-key error (an upsert meeting a newer document) would abort
    the whole transaction, the consumer's dedup record with it."""
    documents = database[collection]
    current = await documents.find_one({"_id": key}, {"version": 1}, session=session)
    if current is not None and current["version"] >= version:
        return False
    await documents.update_one(
        {"_id": key}, {"$set": {**values, "version": version}}, upsert=True, session=session
    )
    return True


async def apply_enrollment(
    database: AsyncIOMotorDatabase,
    session: AsyncIOMotorClientSession,
    tenant_id: str,
    snapshot: EnrollmentSnapshot,
) -> bool:
    values: dict[str, object] = {
        "tenant_id": tenant_id,
        "user_id": str(snapshot.user_id),
        "section_id": str(snapshot.section_id),
        "course_id": str(snapshot.course_id),
        "role": snapshot.role.value,
        "state": snapshot.state.value,
        "updated_at": snapshot.updated_at,
        "deleted": snapshot.deleted_at is not None,
    }
    return await _upsert_if_newer(
        database, "memberships", str(snapshot.id), snapshot.version, values, session
    )


async def apply_user(
    database: AsyncIOMotorDatabase,
    session: AsyncIOMotorClientSession,
    tenant_id: str,
    user_id: UUID,
    version: int,
    *,
    deleted: bool = False,
) -> bool:
    """``deleted``: a tombstone that no later snapshot replaces."""
    if deleted:
        version = TOMBSTONE_VERSION
    values: dict[str, object] = {"tenant_id": tenant_id, "deleted": deleted}
    return await _upsert_if_newer(database, "users", str(user_id), version, values, session)


class MongoMemberships:
    def __init__(self, database: AsyncIOMotorDatabase) -> None:
        self._memberships = database["memberships"]

    async def of_user(self, tenant_id: str, user_id: UUID) -> Sequence[Membership]:
        cursor = self._memberships.find(
            {"tenant_id": tenant_id, "user_id": str(user_id), "deleted": False}
        )
        return [
            Membership(
                tenant_id=doc["tenant_id"],
                user_id=UUID(doc["user_id"]),
                section_id=UUID(doc["section_id"]),
                course_id=UUID(doc["course_id"]),
                role=SectionRole(doc["role"]),
                state=EnrollmentState(doc["state"]),
            )  # fmt: skip
            async for doc in cursor
        ]


class MongoUserDirectory:
    def __init__(self, database: AsyncIOMotorDatabase) -> None:
        self._users = database["users"]

    async def exists(self, tenant_id: str, user_id: UUID) -> bool:
        found = await self._users.find_one(
            {"_id": str(user_id), "tenant_id": tenant_id, "deleted": False}, {"_id": 1}
        )
        return found is not None
