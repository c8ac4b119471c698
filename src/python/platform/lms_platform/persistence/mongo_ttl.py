"""TTL indexes: MongoDB's own purge of documents older than a retention (its TTL monitor deletes
them about once a minute, outside any transaction). ``ensure_ttl_index`` creates one, or changes
the retention of an existing index of that name in place (``collMod``), so a new retention
setting takes effect at the next start without rebuilding the index. An index of that name
without a TTL becomes one the same way (MongoDB 5.1 and later)."""

from __future__ import annotations

from datetime import timedelta

from motor.motor_asyncio import AsyncIOMotorCollection
from pymongo import ASCENDING

__all__ = ["ensure_ttl_index"]


async def ensure_ttl_index(
    collection: AsyncIOMotorCollection, field: str, *, name: str, retention: timedelta
) -> None:
    seconds = int(retention.total_seconds())
    if seconds < 1:
        raise ValueError("a TTL index needs a retention of at least one second")
    existing = {index["name"]: index async for index in collection.list_indexes()}
    if name not in existing:
        await collection.create_index([(field, ASCENDING)], name=name, expireAfterSeconds=seconds)
    elif existing[name].get("expireAfterSeconds") != seconds:
        await collection.database.command(
            "collMod", collection.name, index={"name": name, "expireAfterSeconds": seconds}
        )
