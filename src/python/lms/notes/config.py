"""The notes service's settings: every field is read from ``LMS_NOTES_<FIELD>``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lms_platform.config import ServiceSettings, load_settings

ENV_PREFIX = "LMS_NOTES_"


class NotesSettings(ServiceSettings, kw_only=True, frozen=True):
    service_name: str = "notes"
    http_port: int = 8005
    # A replica set: the note, its outbox records and a consumer's dedup record commit in one
    # multi-document transaction, which a standalone mongod does not offer.
    mongo_url: str = "mongodb://127.0.0.1:27017/?replicaSet=rs0"
    mongo_database: str = "lms_notes"
    mongo_pool_size: int = 50
    # outbox_keys counters untouched this long, with no outbox record of their note left, go.
    outbox_keys_idle_seconds: int = 86_400
    outbox_keys_purge_interval_seconds: float = 3_600
    # A note's body is up to 64 KiB of UTF-8, escaped in JSON it can be several times that.
    max_request_body_bytes: int = 512 * 1024


def load_notes_settings(
    environ: Mapping[str, str] | None = None, **overrides: Any
) -> NotesSettings:
    return load_settings(NotesSettings, ENV_PREFIX, environ, **overrides)
