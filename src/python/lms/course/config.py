"""The course service's settings: every field is read from ``LMS_COURSE_<FIELD>``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lms_platform.config import ServiceSettings, load_settings

ENV_PREFIX = "LMS_COURSE_"


class CourseSettings(ServiceSettings, kw_only=True, frozen=True):
    service_name: str = "course"
    http_port: int = 8002
    bulk_max_items: int = 200
    roster_max_bytes: int = 20 * 1024 * 1024
    roster_max_rows: int = 200_000
    roster_batch_size: int = 500
    run_import_worker: bool = True
    import_poll_seconds: float = 5.0


def load_course_settings(
    environ: Mapping[str, str] | None = None, **overrides: Any
) -> CourseSettings:
    return load_settings(CourseSettings, ENV_PREFIX, environ, **overrides)
