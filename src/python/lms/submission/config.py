"""The submission service's settings: every field is read from ``LMS_SUBMISSION_<FIELD>``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lms_platform.config import ServiceSettings, load_settings

ENV_PREFIX = "LMS_SUBMISSION_"
MIB = 1024 * 1024


class SubmissionSettings(ServiceSettings, kw_only=True, frozen=True):
    service_name: str = "submission"
    http_port: int = 8004
    # S3 (MinIO in compose, SeaweedFS in tests and the devstack). Presigned URLs are signed for
    # s3_public_endpoint_url when set: the address browsers reach.
    s3_endpoint_url: str = "http://127.0.0.1:8333"
    s3_public_endpoint_url: str = ""
    s3_bucket: str = "lms-submissions"
    s3_access_key: str = ""
    s3_secret_key: str = ""
    s3_region: str = "us-east-1"
    s3_create_bucket: bool = False
    s3_max_connections: int = 64
    # Uploads: the ceiling of any file; of a file streamed through the service; above
    # multipart_threshold a slot is a multipart plan of part_bytes parts.
    max_file_bytes: int = 5 * 1024 * MIB
    direct_max_bytes: int = 100 * MIB
    multipart_threshold: int = 64 * MIB
    part_bytes: int = 16 * MIB
    # A direct upload is written to S3 in parts of this size: what the process holds per upload.
    stream_part_bytes: int = 8 * MIB
    # An unconfirmed slot expires after this; presigned URLs live this long.
    slot_ttl_seconds: int = 3600
    url_ttl_seconds: int = 900
    expiry_interval_seconds: float = 60.0
    run_upload_expiry: bool = True


def load_submission_settings(
    environ: Mapping[str, str] | None = None, **overrides: Any
) -> SubmissionSettings:
    return load_settings(SubmissionSettings, ENV_PREFIX, environ, **overrides)
