"""Issue 8, smaller defects: an empty API-key pepper was accepted outside development.

The real service process is started as a deployment would start it (``python -m
lms.auth.main serve``, settings from the environment): with an empty pepper outside
development and test it must refuse to start, as it does without a key-encryption key."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from lms.auth.config import load_auth_settings
from lms_platform.config import SettingsError

ROOT = Path(__file__).resolve().parents[3]


def _start(**environ: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": os.pathsep.join(
            str(ROOT / p) for p in ("src/python", "src/python/platform", ".")
        ),
        # Nothing to reach: the process must stop at its settings, before any connection.
        "LMS_AUTH_DATABASE_URL": "postgresql+asyncpg://nobody:x@127.0.0.1:1/none",
        "LMS_AUTH_HTTP_PORT": "1",
        **environ,
    }
    return subprocess.run(
        [sys.executable, "-m", "lms.auth.main", "serve"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_an_empty_api_key_pepper_is_refused_outside_development() -> None:
    started = _start(
        LMS_AUTH_ENVIRONMENT="production",
        LMS_AUTH_KEY_ENCRYPTION_KEY="a-real-key-encryption-key",
        LMS_AUTH_API_KEY_PEPPER="",
    )
    assert started.returncode != 0, started.stdout
    assert "LMS_AUTH_API_KEY_PEPPER is required outside development" in started.stderr


@pytest.mark.parametrize("environment", ["staging", "production", "compose"])
def test_settings_without_a_pepper_are_refused_outside_development(environment: str) -> None:
    with pytest.raises(SettingsError, match="LMS_AUTH_API_KEY_PEPPER"):
        load_auth_settings(
            {
                "LMS_AUTH_ENVIRONMENT": environment,
                "LMS_AUTH_KEY_ENCRYPTION_KEY": "kek",
                "LMS_AUTH_API_KEY_PEPPER": "   ",
            }
        )


@pytest.mark.parametrize("environment", ["development", "test"])
def test_development_and_test_may_leave_the_pepper_empty(environment: str) -> None:
    settings = load_auth_settings({"LMS_AUTH_ENVIRONMENT": environment})
    assert settings.api_key_pepper == ""
