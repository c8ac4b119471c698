"""The assignment service's settings: every field is read from ``LMS_ASSIGNMENT_<FIELD>``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lms_platform.config import ServiceSettings, load_settings

ENV_PREFIX = "LMS_ASSIGNMENT_"


class AssignmentSettings(ServiceSettings, kw_only=True, frozen=True):
    service_name: str = "assignment"
    http_port: int = 8003
    # How long a student's computed /me/assignments list stays in Redis (0: none kept).
    due_list_ttl_seconds: int = 900


def load_assignment_settings(
    environ: Mapping[str, str] | None = None, **overrides: Any
) -> AssignmentSettings:
    return load_settings(AssignmentSettings, ENV_PREFIX, environ, **overrides)
