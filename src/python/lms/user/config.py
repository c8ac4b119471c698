"""The user service's settings: every field is read from ``LMS_USER_<FIELD>``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lms_platform.config import ServiceSettings, load_settings

ENV_PREFIX = "LMS_USER_"


class UserSettings(ServiceSettings, kw_only=True, frozen=True):
    service_name: str = "user"
    http_port: int = 8001


def load_user_settings(environ: Mapping[str, str] | None = None, **overrides: Any) -> UserSettings:
    return load_settings(UserSettings, ENV_PREFIX, environ, **overrides)
