"""The aioboto3 object store (``lms_platform.storage``) against real S3 (SeaweedFS): streamed
writes in parts, an aborted write leaves nothing, presigned PUT bound to its length."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from lms_platform.storage import S3Config, open_s3_store
from lms_platform.testing.s3 import S3Bucket

MIB = 1024 * 1024


def _config(bucket: S3Bucket) -> S3Config:
    return S3Config(
        endpoint_url=bucket.endpoint_url, bucket=bucket.name, access_key=bucket.access_key,
        secret_key=bucket.secret_key, stream_part_bytes=5 * MIB,
    )  # fmt: skip


async def _chunks(total: int, fail_after: int | None = None) -> AsyncIterator[bytes]:
    sent = 0
    while sent < total:
        if fail_after is not None and sent >= fail_after:
            raise RuntimeError("the client went away")
        piece = bytes([sent // MIB % 251]) * min(MIB, total - sent)
        sent += len(piece)
        yield piece


async def test_a_stream_is_written_in_parts_and_read_back(s3_bucket: S3Bucket) -> None:
    async with open_s3_store(_config(s3_bucket)) as store:
        size = await store.put_stream("k/big", _chunks(12 * MIB), content_type="application/pdf")
        assert size == 12 * MIB == await store.size_of("k/big")
        read = b"".join([c async for c in store.read("k/big")])
        assert read == b"".join([c async for c in _chunks(12 * MIB)])
        small = await store.put_stream("k/small", _chunks(100), content_type="text/plain")
        assert small == 100 and await store.size_of("k/small") == 100
        assert await store.size_of("k/missing") is None


async def test_a_failing_stream_leaves_no_object_and_no_multipart_upload(
    s3_bucket: S3Bucket,
) -> None:
    async with open_s3_store(_config(s3_bucket)) as store:
        with pytest.raises(RuntimeError):
            await store.put_stream(
                "k/broken", _chunks(20 * MIB, fail_after=11 * MIB), content_type="x/y"
            )
    assert s3_bucket.keys() == []
    assert s3_bucket.multipart_uploads() == []


async def test_a_presigned_put_is_bound_to_its_length(s3_bucket: S3Bucket) -> None:
    async with open_s3_store(_config(s3_bucket)) as store:
        url = await store.presign_put(
            "k/p", content_type="application/pdf", size=5, expires_seconds=60
        )
        async with httpx.AsyncClient() as plain:
            longer = await plain.put(
                url, content=b"%PDF-12", headers={"Content-Type": "application/pdf"}
            )
            exact = await plain.put(
                url, content=b"%PDF-", headers={"Content-Type": "application/pdf"}
            )
        assert longer.status_code == 403 and exact.status_code == 200
        get = await store.presign_get("k/p", filename="my essay.pdf", expires_seconds=60)
        async with httpx.AsyncClient() as plain:
            response = await plain.get(get)
        assert response.content == b"%PDF-"
        assert "my%20essay.pdf" in response.headers["content-disposition"]
