"""Engines from ``create_engine`` plan every statement with its parameters.

asyncpg prepares each statement; PostgreSQL's default (``plan_cache_mode=auto``) switches a
prepared statement to one generic plan after five runs when that plan looks no costlier. A
generic plan cannot see which college or which search pattern it serves, so one plan would
serve a college of 10 and of 100,000 (docs/benchmarks/user-list-plans.md)."""

from __future__ import annotations

from sqlalchemy import text

from lms_platform.persistence import create_engine
from lms_platform.testing import to_asyncpg_sqlalchemy_url


async def test_a_statement_run_many_times_is_never_given_a_generic_plan(postgres_dsn: str) -> None:
    engine = create_engine(to_asyncpg_sqlalchemy_url(postgres_dsn), service="plans", pool_size=1)
    statement = text("SELECT count(*) FROM pg_class WHERE relname LIKE :pattern")
    try:
        async with engine.connect() as connection:
            for _ in range(12):
                await connection.execute(statement, {"pattern": "pg_%"})
            plans = (
                await connection.execute(
                    text(
                        "SELECT generic_plans, custom_plans FROM pg_prepared_statements "
                        "WHERE statement LIKE '%relname LIKE%' AND statement NOT LIKE '%pg_prepared%'"
                    )
                )
            ).one()
        assert (plans.generic_plans, plans.custom_plans) == (0, 12)
    finally:
        await engine.dispose()
