"""Settings come from prefixed environment variables, typed, and fail loudly when wrong."""

from __future__ import annotations

import pytest

from lms_platform.config import ServiceSettings, SettingsError, load_settings


class ExampleSettings(ServiceSettings, kw_only=True, frozen=True):
    service_name: str = "example"
    batch_size: int = 100


def test_values_are_read_from_the_prefix_and_converted() -> None:
    settings = load_settings(
        ExampleSettings,
        "LMS_EXAMPLE_",
        {
            "LMS_EXAMPLE_HTTP_PORT": "9001",
            "LMS_EXAMPLE_LOG_JSON": "false",
            "LMS_EXAMPLE_BATCH_SIZE": "25",
            "LMS_EXAMPLE_TRACE_SAMPLE_RATIO": "0.25",
            "LMS_OTHER_HTTP_PORT": "1",  # another service's prefix is ignored
            "HTTP_PORT": "2",
        },
    )
    assert (settings.http_port, settings.log_json, settings.batch_size) == (9001, False, 25)
    assert settings.trace_sample_ratio == 0.25
    assert settings.service_name == "example"


def test_overrides_win_over_the_environment() -> None:
    settings = load_settings(ExampleSettings, "X_", {"X_HTTP_PORT": "1"}, http_port=2)
    assert settings.http_port == 2


def test_a_bad_value_fails_naming_the_field() -> None:
    with pytest.raises(SettingsError, match="http_port"):
        load_settings(ExampleSettings, "X_", {"X_HTTP_PORT": "eighty"})
