"""Redis fixtures: a real server, flushed before every test."""

from __future__ import annotations

import pytest
import redis
import redis.asyncio

from lms_platform.testing import RedisServer


async def test_set_and_get(redis_url: str) -> None:
    client = redis.asyncio.Redis.from_url(redis_url)
    try:
        await client.set("user:1", b"Ada", ex=60)
        assert await client.get("user:1") == b"Ada"
        assert 0 < await client.ttl("user:1") <= 60
    finally:
        await client.aclose()


@pytest.mark.parametrize("run", [1, 2])
async def test_each_test_starts_with_an_empty_server(run: int, redis_url: str) -> None:
    client = redis.asyncio.Redis.from_url(redis_url)
    try:
        keys_before = await client.dbsize()
        await client.set("left-behind", run)
    finally:
        await client.aclose()
    assert keys_before == 0, f"run {run} saw keys from another test"


def test_restart_keeps_port_and_starts_empty(redis_server: RedisServer, redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    client.set("volatile", 1)
    port = redis_server.port

    redis_server.stop()
    with pytest.raises(redis.ConnectionError):
        client.ping()
    redis_server.start()

    assert redis_server.port == port
    assert client.ping()
    assert client.get("volatile") is None  # no persistence: a restart is a clean slate
    client.close()
