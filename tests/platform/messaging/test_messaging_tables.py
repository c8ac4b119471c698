"""``create_messaging_tables_v0`` and ``_v1`` are frozen: each service's first migration that calls
one builds, on real PostgreSQL, exactly the tables, columns, indexes and constraints that the
migration built before it called the helper (the snapshots below were taken from those
migrations, before the change), and the matching ``drop_messaging_tables_*`` removes them."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import asyncpg
import pytest
from alembic import command

import lms.assignment.adapters.persistence.migrations as assignment_migrations
import lms.auth.adapters.persistence.migrations as auth_migrations
import lms.chat.adapters.persistence.migrations as chat_migrations
import lms.course.adapters.persistence.migrations as course_migrations
import lms.notification.adapters.persistence.migrations as notification_migrations
import lms.search.adapters.persistence.migrations as search_migrations
import lms.submission.adapters.persistence.migrations as submission_migrations
import lms.user.adapters.persistence.migrations as user_migrations
from lms_platform.persistence.migrations import alembic_config
from lms_platform.testing import to_asyncpg_sqlalchemy_url

# service -> its migrations, and the helper version its 0001 calls
MIGRATIONS = {
    "auth": (Path(auth_migrations.__file__).parent, "v0"),
    "user": (Path(user_migrations.__file__).parent, "v0"),
    "course": (Path(course_migrations.__file__).parent, "v0"),
    "assignment": (Path(assignment_migrations.__file__).parent, "v1"),
    "submission": (Path(submission_migrations.__file__).parent, "v1"),
    "search": (Path(search_migrations.__file__).parent, "v1"),
    "notification": (Path(notification_migrations.__file__).parent, "v1"),
    "chat": (Path(chat_migrations.__file__).parent, "v1"),
}
TABLES = ["outbox", "processed_messages"]

# One line a column, index and constraint (PostgreSQL 18 lists NOT NULL among the constraints).
SCHEMA = """
SELECT format('column %s.%s #%s %s%s null=%s default=%s%s', table_name, column_name,
              ordinal_position, data_type, '(' || character_maximum_length || ')', is_nullable,
              column_default,
              CASE WHEN is_identity = 'YES' THEN format(' identity %s start %s by %s',
                   identity_generation, identity_start, identity_increment) END)
  FROM information_schema.columns
 WHERE table_schema = 'public' AND table_name::text = ANY($1::text[])
UNION ALL
SELECT format('index %s.%s: %s', tablename, indexname, indexdef)
  FROM pg_indexes WHERE schemaname = 'public' AND tablename::text = ANY($1::text[])
UNION ALL
SELECT format('constraint %s.%s %s: %s validated=%s', conrelid::regclass, conname, contype,
              pg_get_constraintdef(oid), convalidated)
  FROM pg_constraint WHERE conrelid::regclass::text = ANY($1::text[])
"""

# Taken from the course service's 0001 as it was before it called the helper (the outbox
# before parking); auth's and user's 0001 built the same before they called it.
EXPECTED_V0 = {
    "column outbox.attempts #9 integer null=NO default=0",
    "column outbox.created_at #8 timestamp with time zone null=NO default=now()",
    "column outbox.event_id #2 uuid null=NO default=",
    "column outbox.event_type #3 character varying(255) null=NO default=",
    "column outbox.headers #6 jsonb null=NO default=",
    "column outbox.id #1 bigint null=NO default= identity BY DEFAULT start 1 by 1",
    "column outbox.key #5 text null=NO default=",
    "column outbox.last_error #10 text null=YES default=",
    "column outbox.payload #7 bytea null=NO default=",
    "column outbox.topic #4 character varying(249) null=NO default=",
    "column processed_messages.consumer #1 character varying(255) null=NO default=",
    "column processed_messages.message_id #2 character varying(255) null=NO default=",
    "column processed_messages.processed_at #3 timestamp with time zone null=NO default=now()",
    "constraint outbox.outbox_attempts_not_null n: NOT NULL attempts validated=t",
    "constraint outbox.outbox_created_at_not_null n: NOT NULL created_at validated=t",
    "constraint outbox.outbox_event_id_not_null n: NOT NULL event_id validated=t",
    "constraint outbox.outbox_event_type_not_null n: NOT NULL event_type validated=t",
    "constraint outbox.outbox_headers_not_null n: NOT NULL headers validated=t",
    "constraint outbox.outbox_id_not_null n: NOT NULL id validated=t",
    "constraint outbox.outbox_key_not_null n: NOT NULL key validated=t",
    "constraint outbox.outbox_payload_not_null n: NOT NULL payload validated=t",
    "constraint outbox.outbox_topic_not_null n: NOT NULL topic validated=t",
    "constraint outbox.pk_outbox p: PRIMARY KEY (id) validated=t",
    "constraint outbox.uq_outbox_event_id u: UNIQUE (event_id) validated=t",
    "constraint processed_messages.pk_processed_messages p: PRIMARY KEY (consumer, message_id) validated=t",
    "constraint processed_messages.processed_messages_consumer_not_null n: NOT NULL consumer validated=t",
    "constraint processed_messages.processed_messages_message_id_not_null n: NOT NULL message_id validated=t",
    "constraint processed_messages.processed_messages_processed_at_not_null n: NOT NULL processed_at validated=t",
    "index outbox.pk_outbox: CREATE UNIQUE INDEX pk_outbox ON public.outbox USING btree (id)",
    "index outbox.uq_outbox_event_id: CREATE UNIQUE INDEX uq_outbox_event_id ON public.outbox USING btree (event_id)",
    "index processed_messages.ix_processed_messages_processed_at: CREATE INDEX ix_processed_messages_processed_at ON public.processed_messages USING btree (processed_at)",
    "index processed_messages.pk_processed_messages: CREATE UNIQUE INDEX pk_processed_messages ON public.processed_messages USING btree (consumer, message_id)",
}
# Taken from the assignment service's 0001 as it was before it called the helper; the four
# services' 0001 were the same file then.
EXPECTED_V1 = {
    "column outbox.attempts #9 integer null=NO default=0",
    "column outbox.created_at #8 timestamp with time zone null=NO default=now()",
    "column outbox.event_id #2 uuid null=NO default=",
    "column outbox.event_type #3 character varying(255) null=NO default=",
    "column outbox.headers #6 jsonb null=NO default=",
    "column outbox.id #1 bigint null=NO default= identity BY DEFAULT start 1 by 1",
    "column outbox.key #5 text null=NO default=",
    "column outbox.last_error #10 text null=YES default=",
    "column outbox.next_attempt_at #12 timestamp with time zone null=NO default=now()",
    "column outbox.parked_at #13 timestamp with time zone null=YES default=",
    "column outbox.payload #7 bytea null=NO default=",
    "column outbox.state #11 character varying(16) null=NO default='pending'::character varying",
    "column outbox.topic #4 character varying(249) null=NO default=",
    "column processed_messages.consumer #1 character varying(255) null=NO default=",
    "column processed_messages.message_id #2 character varying(255) null=NO default=",
    "column processed_messages.processed_at #3 timestamp with time zone null=NO default=now()",
    "constraint outbox.ck_outbox_state c: CHECK (((state)::text = ANY ((ARRAY['pending'::character varying, 'parked'::character varying])::text[]))) validated=t",
    "constraint outbox.outbox_attempts_not_null n: NOT NULL attempts validated=t",
    "constraint outbox.outbox_created_at_not_null n: NOT NULL created_at validated=t",
    "constraint outbox.outbox_event_id_not_null n: NOT NULL event_id validated=t",
    "constraint outbox.outbox_event_type_not_null n: NOT NULL event_type validated=t",
    "constraint outbox.outbox_headers_not_null n: NOT NULL headers validated=t",
    "constraint outbox.outbox_id_not_null n: NOT NULL id validated=t",
    "constraint outbox.outbox_key_not_null n: NOT NULL key validated=t",
    "constraint outbox.outbox_next_attempt_at_not_null n: NOT NULL next_attempt_at validated=t",
    "constraint outbox.outbox_payload_not_null n: NOT NULL payload validated=t",
    "constraint outbox.outbox_state_not_null n: NOT NULL state validated=t",
    "constraint outbox.outbox_topic_not_null n: NOT NULL topic validated=t",
    "constraint outbox.pk_outbox p: PRIMARY KEY (id) validated=t",
    "constraint outbox.uq_outbox_event_id u: UNIQUE (event_id) validated=t",
    "constraint processed_messages.pk_processed_messages p: PRIMARY KEY (consumer, message_id) validated=t",
    "constraint processed_messages.processed_messages_consumer_not_null n: NOT NULL consumer validated=t",
    "constraint processed_messages.processed_messages_message_id_not_null n: NOT NULL message_id validated=t",
    "constraint processed_messages.processed_messages_processed_at_not_null n: NOT NULL processed_at validated=t",
    "index outbox.ix_outbox_due: CREATE INDEX ix_outbox_due ON public.outbox USING btree (next_attempt_at, id) WHERE ((state)::text = 'pending'::text)",
    "index outbox.ix_outbox_parked: CREATE INDEX ix_outbox_parked ON public.outbox USING btree (topic, id) WHERE ((state)::text = 'parked'::text)",
    "index outbox.ix_outbox_topic_key: CREATE INDEX ix_outbox_topic_key ON public.outbox USING btree (topic, key, id)",
    "index outbox.pk_outbox: CREATE UNIQUE INDEX pk_outbox ON public.outbox USING btree (id)",
    "index outbox.uq_outbox_event_id: CREATE UNIQUE INDEX uq_outbox_event_id ON public.outbox USING btree (event_id)",
    "index processed_messages.ix_processed_messages_processed_at: CREATE INDEX ix_processed_messages_processed_at ON public.processed_messages USING btree (processed_at)",
    "index processed_messages.pk_processed_messages: CREATE UNIQUE INDEX pk_processed_messages ON public.processed_messages USING btree (consumer, message_id)",
}


async def messaging_schema(dsn: str) -> set[str]:
    connection = await asyncpg.connect(dsn)
    try:
        return {row[0] for row in await connection.fetch(SCHEMA, TABLES)}
    finally:
        await connection.close()


EXPECTED = {"v0": EXPECTED_V0, "v1": EXPECTED_V1}


@pytest.mark.parametrize("service", list(MIGRATIONS))
async def test_the_first_migration_builds_its_messaging_tables_unchanged(
    service: str, fresh_database: Callable[..., str]
) -> None:
    migrations_dir, version = MIGRATIONS[service]
    dsn = fresh_database()
    config = alembic_config(migrations_dir, to_asyncpg_sqlalchemy_url(dsn))

    await asyncio.to_thread(command.upgrade, config, "0001")
    assert await messaging_schema(dsn) == EXPECTED[version]

    await asyncio.to_thread(command.downgrade, config, "base")
    assert await messaging_schema(dsn) == set()
