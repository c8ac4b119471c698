"""``S3ObjectStore``: one bucket on an S3 API, through one aioboto3 client for the process.

Presigned URLs are signed for ``public_endpoint_url`` when it is set (the address clients
reach, e.g. the MinIO host behind the gateway), with a second client that never sends a
request. Writes stream: ``put_stream`` sends parts of ``stream_part_bytes`` as they fill, so a
process holds at most one part per upload, and aborts the multipart upload if the source fails.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

import aioboto3  # type: ignore[import-untyped]
from botocore.config import Config  # type: ignore[import-untyped]  # pants: no-infer-dep
from botocore.exceptions import ClientError  # type: ignore[import-untyped]  # pants: no-infer-dep

MIN_PART_BYTES = 5 * 1024 * 1024  # S3's minimum part size (the last part excepted)
_MISSING = {"404", "NoSuchKey", "NotFound", "NoSuchUpload"}


@dataclass(frozen=True, slots=True, kw_only=True)
class S3Config:
    endpoint_url: str
    bucket: str
    access_key: str
    secret_key: str
    region: str = "us-east-1"
    public_endpoint_url: str = ""
    # Parts of a stream through this process (put_stream): what it holds per upload.
    stream_part_bytes: int = 8 * 1024 * 1024
    max_pool_connections: int = 64
    create_bucket: bool = False


def _client_config(config: S3Config) -> Config:
    return Config(
        s3={"addressing_style": "path"},
        signature_version="s3v4",
        max_pool_connections=config.max_pool_connections,
        retries={"max_attempts": 3, "mode": "standard"},
    )


def _is_missing(error: ClientError) -> bool:
    return str(error.response.get("Error", {}).get("Code")) in _MISSING


class S3ObjectStore:
    def __init__(self, client: Any, signer: Any, config: S3Config) -> None:
        self._client = client
        self._signer = signer
        self._config = config
        self.bucket = config.bucket

    # -- presigned requests ------------------------------------------------------------------

    async def presign_put(
        self, key: str, *, content_type: str, size: int, expires_seconds: int
    ) -> str:
        """A PUT URL bound to this type and length: a different body is refused by S3."""
        params = {
            "Bucket": self.bucket, "Key": key, "ContentType": content_type, "ContentLength": size,
        }  # fmt: skip
        return str(
            await self._signer.generate_presigned_url(
                "put_object", Params=params, ExpiresIn=expires_seconds
            )
        )

    async def presign_get(self, key: str, *, filename: str, expires_seconds: int) -> str:
        disposition = "attachment; filename*=UTF-8''" + _rfc5987(filename)
        params = {"Bucket": self.bucket, "Key": key, "ResponseContentDisposition": disposition}
        return str(
            await self._signer.generate_presigned_url(
                "get_object", Params=params, ExpiresIn=expires_seconds
            )
        )

    async def start_multipart(self, key: str, *, content_type: str) -> str:
        created = await self._client.create_multipart_upload(
            Bucket=self.bucket, Key=key, ContentType=content_type
        )
        return str(created["UploadId"])

    async def presign_part(
        self, key: str, *, upload_id: str, part_number: int, expires_seconds: int
    ) -> str:
        params = {
            "Bucket": self.bucket,
            "Key": key,
            "UploadId": upload_id,
            "PartNumber": part_number,
        }
        return str(
            await self._signer.generate_presigned_url(
                "upload_part", Params=params, ExpiresIn=expires_seconds
            )
        )

    async def complete_multipart(
        self, key: str, *, upload_id: str, parts: Sequence[tuple[int, str]]
    ) -> bool:
        """False when the upload is unknown or its parts do not fit (nothing completed)."""
        try:
            await self._client.complete_multipart_upload(
                Bucket=self.bucket, Key=key, UploadId=upload_id,
                MultipartUpload={"Parts": [{"PartNumber": n, "ETag": e} for n, e in parts]},
            )  # fmt: skip
        except ClientError:
            return False
        return True

    async def abort_multipart(self, key: str, *, upload_id: str) -> None:
        with contextlib.suppress(ClientError):
            await self._client.abort_multipart_upload(
                Bucket=self.bucket, Key=key, UploadId=upload_id
            )

    # -- objects -----------------------------------------------------------------------------

    async def size_of(self, key: str) -> int | None:
        """The stored object's length, or None when there is none."""
        try:
            head = await self._client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if _is_missing(error):
                return None
            raise
        return int(head["ContentLength"])

    async def read(self, key: str, *, chunk_bytes: int = 1024 * 1024) -> AsyncIterator[bytes]:
        """The object's bytes in chunks, streamed (nothing buffered beyond one chunk)."""
        response = await self._client.get_object(Bucket=self.bucket, Key=key)
        body = response["Body"]
        try:
            async for chunk in body.iter_chunks(chunk_bytes):
                yield chunk
        finally:
            body.close()

    async def put_stream(self, key: str, chunks: AsyncIterator[bytes], *, content_type: str) -> int:
        """Writes ``chunks`` to ``key``; returns the size. At most one part (``stream_part_bytes``)
        is held, as the chunks received and then once joined; on any error from ``chunks`` or S3
        the partial upload is aborted and the error re-raised."""
        part_bytes = max(self._config.stream_part_bytes, MIN_PART_BYTES)
        pending: list[bytes] = []
        pending_size = 0
        upload_id: str | None = None
        parts: list[tuple[int, str]] = []
        total = 0
        try:
            async for chunk in chunks:
                pending.append(chunk)
                pending_size += len(chunk)
                total += len(chunk)
                if pending_size >= part_bytes:
                    if upload_id is None:
                        upload_id = await self.start_multipart(key, content_type=content_type)
                    data = b"".join(pending)
                    pending.clear()
                    parts.append(await self._upload_part(key, upload_id, len(parts) + 1, data))
                    pending_size = 0
                    del data
            if upload_id is None:
                await self._client.put_object(
                    Bucket=self.bucket, Key=key, Body=b"".join(pending), ContentType=content_type
                )
                return total
            if pending:
                parts.append(
                    await self._upload_part(key, upload_id, len(parts) + 1, b"".join(pending))
                )
            if not await self.complete_multipart(key, upload_id=upload_id, parts=parts):
                raise RuntimeError(f"S3 refused to complete the upload of {key}")
            return total
        except BaseException:
            if upload_id is not None:
                await self.abort_multipart(key, upload_id=upload_id)
            raise

    async def _upload_part(
        self, key: str, upload_id: str, number: int, data: bytes
    ) -> tuple[int, str]:
        part = await self._client.upload_part(
            Bucket=self.bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=data
        )
        return number, str(part["ETag"])

    async def delete(self, key: str) -> None:
        await self._client.delete_object(Bucket=self.bucket, Key=key)

    async def ping(self) -> None:
        """Raises unless the bucket answers (readiness)."""
        await self._client.head_bucket(Bucket=self.bucket)


def _rfc5987(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")


@contextlib.asynccontextmanager
async def open_s3_store(config: S3Config) -> AsyncIterator[S3ObjectStore]:
    """The store and its clients, closed on exit."""
    session = aioboto3.Session()
    common = {
        "aws_access_key_id": config.access_key,
        "aws_secret_access_key": config.secret_key,
        "region_name": config.region,
        "config": _client_config(config),
    }
    async with contextlib.AsyncExitStack() as stack:
        client = await stack.enter_async_context(
            session.client("s3", endpoint_url=config.endpoint_url, **common)
        )
        signer = client
        if config.public_endpoint_url and config.public_endpoint_url != config.endpoint_url:
            signer = await stack.enter_async_context(
                session.client("s3", endpoint_url=config.public_endpoint_url, **common)
            )
        if config.create_bucket:
            with contextlib.suppress(ClientError):
                await client.create_bucket(Bucket=config.bucket)
        yield S3ObjectStore(client, signer, config)
