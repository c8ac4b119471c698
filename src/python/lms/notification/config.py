"""The notification service's settings: every field is read from ``LMS_NOTIFICATION_<FIELD>``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from lms_platform.config import ServiceSettings, load_settings

ENV_PREFIX = "LMS_NOTIFICATION_"


class NotificationSettings(ServiceSettings, kw_only=True, frozen=True):
    service_name: str = "notification"
    http_port: int = 8008
    # Email over SMTP. ``smtp_security``: none (a local relay), starttls (submission, 587) or
    # tls (implicit TLS, 465). Username and password come from the orchestrator's secrets.
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_security: Literal["none", "starttls", "tls"] = "none"
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_timeout_seconds: float = 10.0
    # A second relay taken when the first cannot take a message (empty: none).
    smtp_fallback_host: str = ""
    smtp_fallback_port: int = 25
    mail_from: str = "LMS <no-reply@lms.invalid>"
    # Messages per second handed to each provider (0: no limit).
    smtp_max_per_second: float = 0.0
    # SMS over a Twilio-compatible API; empty base URL: no SMS channel. A second provider with
    # the same API is the fail-over.
    sms_base_url: str = ""
    sms_account_sid: str = ""
    sms_auth_token: str = ""
    sms_from: str = ""
    sms_fallback_base_url: str = ""
    sms_timeout_seconds: float = 10.0
    # Web Push: the VAPID private key (base64url of the raw 32 bytes or of the DER), from the
    # orchestrator's secrets; empty: no push channel. Loopback http endpoints only in tests.
    vapid_private_key: str = ""
    vapid_subject: str = "mailto:ops@lms.invalid"
    push_ttl_seconds: int = 86400
    push_timeout_seconds: float = 10.0
    push_allow_loopback_http: bool = False
    # Delivery worker: one per process; retries back off from ``retry_initial_seconds`` to
    # ``retry_max_seconds`` with jitter, for at most ``retry_window_seconds``.
    run_delivery_worker: bool = True
    delivery_poll_seconds: float = 1.0
    delivery_batch_size: int = 50
    retry_initial_seconds: float = 2.0
    retry_max_seconds: float = 300.0
    retry_window_seconds: float = 3600.0
    # Deadline reminders (24 h before each student's effective due date): a worker per process
    # claims the due ones every ``reminder_poll_seconds``.
    run_reminder_worker: bool = True
    reminder_poll_seconds: float = 30.0
    reminder_batch_size: int = 100
    # An assignment whose reminder window is open is planned again this often (students who
    # enrolled after its last event get their reminder too).
    reminder_replan_seconds: float = 900.0
    # Colleges' templates check and render in the platform's sandbox: ``template_workers``
    # processes under these limits (lms_platform/templating/README.md).
    template_workers: int = 2
    template_render_timeout_seconds: float = 2.0  # wall clock per render; CPU limit follows it
    template_worker_memory_mib: int = 256  # address space a worker may add once started
    template_max_output_chars: int = 200_000  # per part, counted while rendering
    template_max_value_chars: int = 100_000  # any string or list a template builds
    # Links put in messages whose events carry none.
    login_url: str = ""
    assignment_url_template: str = "/assignments/{assignment_id}"
    chat_room_url_template: str = "/chat/rooms/{room_id}"


def load_notification_settings(
    environ: Mapping[str, str] | None = None, **overrides: Any
) -> NotificationSettings:
    return load_settings(NotificationSettings, ENV_PREFIX, environ, **overrides)
