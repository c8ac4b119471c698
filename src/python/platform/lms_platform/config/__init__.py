"""Typed settings from the environment, one prefix per service (e.g. ``LMS_USER_``)."""

from lms_platform.config.settings import ServiceSettings, SettingsError, load_settings

__all__ = ["ServiceSettings", "SettingsError", "load_settings"]
