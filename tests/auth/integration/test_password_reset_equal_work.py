"""Issue 8, smaller defects: a password-reset request did visibly more work when the account
exists (a token, an outbox event, an audit entry and their writes, against two reads), so its
timing told an attacker which emails have accounts.

Now the request only queues the ask, the same way for every email; the background worker does
the lookup and the work later. Checked structurally on the real service: the SQL statements the
request itself runs are the same for a known and an unknown email (connections used by the
background workers, which claim with ``SKIP LOCKED``, are told apart and left out)."""

from __future__ import annotations

import asyncio
import re
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from tests.auth.integration.conftest import RunningAuthService

# The relay, the import and reset workers: they claim with SKIP LOCKED (the relay under an
# advisory lock, then deleting from the outbox).
_BACKGROUND = re.compile(r"SKIP LOCKED|LISTEN|pg_try_advisory|FROM outbox", re.IGNORECASE)


def _shape(statement: str) -> str:
    """The statement without its values: what work it does, not for whom."""
    return re.sub(r"\s+", " ", re.sub(r"\$\d+|'[^']*'|\b\d+\b", "?", statement)).strip()


@contextmanager
def _request_statements(service: RunningAuthService) -> Iterator[list[str]]:
    """Every statement run while the block runs, grouped per connection checkout; checkouts
    that look like background work are dropped."""
    engine = service.service.engine
    assert engine is not None
    by_checkout: dict[int, list[str]] = defaultdict(list)
    checkout_of: dict[int, int] = {}
    counter = iter(range(1_000_000))

    def on_checkout(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        checkout_of[id(dbapi_connection)] = next(counter)

    def on_execute(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        key = checkout_of.setdefault(id(conn.connection.dbapi_connection), next(counter))
        by_checkout[key].append(_shape(statement))

    pool = engine.sync_engine.pool
    event.listen(pool, "checkout", on_checkout)
    event.listen(engine.sync_engine, "before_cursor_execute", on_execute)
    found: list[str] = []
    try:
        yield found
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", on_execute)
        event.remove(pool, "checkout", on_checkout)
    for statements in by_checkout.values():
        if not any(_BACKGROUND.search(s) for s in statements):
            found.extend(statements)


async def _ask(service: RunningAuthService, email: str) -> tuple[int, Any, list[str]]:
    with _request_statements(service) as statements:
        answer = await service.client.post(
            "/auth/password-reset/request", json={"college": "uni-a", "email": email}
        )
    return answer.status_code, answer.json(), sorted(statements)


async def _eventually(service: RunningAuthService, sql: str, expected: int) -> None:
    deadline = asyncio.get_running_loop().time() + 15
    while int(await service.scalar(sql)) != expected:
        assert asyncio.get_running_loop().time() < deadline, f"{sql} never became {expected}"
        await asyncio.sleep(0.1)


async def _queue_drained(service: RunningAuthService) -> None:
    await _eventually(service, "SELECT count(*) FROM password_reset_requests", 0)
    await asyncio.sleep(0.2)  # the worker's transaction ends after its last statement


async def test_a_password_reset_request_does_the_same_work_whether_or_not_the_account_exists(
    auth_service: RunningAuthService,
) -> None:
    college = await auth_service.create_college("uni-a")
    await auth_service.create_account(college["id"], "ada@uni-a.edu")
    await _ask(auth_service, "warm-up@uni-a.edu")  # first-use costs out of the way
    await _queue_drained(auth_service)

    known = await _ask(auth_service, "ada@uni-a.edu")
    await _queue_drained(auth_service)  # the worker's turn is not the request's work
    unknown = await _ask(auth_service, "nobody@uni-a.edu")
    assert known[:2] == unknown[:2] and known[0] == 202
    assert known[2], "the request did no database work at all?"
    assert known[2] == unknown[2], f"known: {known[2]}\nunknown: {unknown[2]}"

    # The work happens afterwards, for the real account only.
    await _eventually(
        auth_service, "SELECT count(*) FROM credential_tokens WHERE purpose = 'password_reset'", 1
    )
    await _eventually(
        auth_service, "SELECT count(*) FROM audit_log WHERE action = 'password.reset_requested'", 1
    )
