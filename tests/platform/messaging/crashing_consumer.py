"""An envelope subscriber in a process of its own, for a test to kill (SIGKILL: no stop, no
last commit). Usage: ``python -m tests.platform.messaging.crashing_consumer DSN BOOTSTRAP TOPIC
GROUP CONSUMER EVERY``. Each record adds a row to ``effects``, committed with its
``processed_messages`` row; offsets are committed every EVERY records and never by time.

No ``from __future__ import annotations``: dishka reads the handler's annotations.
"""

import asyncio
import sys

from dishka import FromDishka, make_async_container
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from lms_platform.messaging import (
    CommitPolicy,
    Envelope,
    build_broker,
    envelope_subscriber,
    setup_dishka,
)
from lms_platform.persistence import DatabaseProvider
from lms_platform.testing import to_asyncpg_sqlalchemy_url
from tests.platform.messaging.support import effects


async def main(dsn: str, bootstrap: str, topic: str, group: str, consumer: str, every: int) -> None:
    engine = create_async_engine(to_asyncpg_sqlalchemy_url(dsn), pool_size=2)
    broker = build_broker(bootstrap, client_id=f"{group}-doomed")

    @envelope_subscriber(
        broker, topic, group_id=group, service=f"{group}-doomed", consumer=consumer,
        commit=CommitPolicy(every=every, interval=600.0),
        session_timeout_ms=3000, heartbeat_interval_ms=1000,
    )  # fmt: skip
    async def on_account(envelope: Envelope, session: FromDishka[AsyncSession]) -> None:
        # Committed with the dedup record (SqlDeduplicator.finish), as a use case would.
        await session.execute(
            insert(effects).values(event_id=envelope.id, subject=envelope.subject)
        )

    setup_dishka(make_async_container(DatabaseProvider(engine)), broker)
    await broker.start()
    await asyncio.Event().wait()  # until killed


if __name__ == "__main__":
    dsn, bootstrap, topic, group, consumer, every = sys.argv[1:7]
    asyncio.run(main(dsn, bootstrap, topic, group, consumer, int(every)))
