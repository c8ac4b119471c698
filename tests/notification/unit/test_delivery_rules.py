"""Delivery states, retry windows and Web Push subscription checks."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from lms.notification.domain.deliveries import Delivery, DeliveryState, give_up_time
from lms.notification.domain.kinds import Cadence, Channel, NotificationType
from lms.notification.domain.push import check_subscription
from lms_platform.kernel.errors import InvalidInput

NOW = datetime(2030, 1, 7, 12, 0, tzinfo=UTC)
# A P-256 public key (the generator point G), uncompressed.
_GX = 0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296
_GY = 0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5
G = (
    base64.urlsafe_b64encode(b"\x04" + _GX.to_bytes(32, "big") + _GY.to_bytes(32, "big"))
    .decode()
    .rstrip("=")
)
AUTH = base64.urlsafe_b64encode(bytes(range(16))).decode().rstrip("=")


def _delivery() -> Delivery:
    return Delivery(
        id=uuid.uuid4(), notification_id=uuid.uuid4(), college_id="c", account_id="a",
        type=NotificationType.GRADE_POSTED, channel=Channel.EMAIL, cadence=Cadence.IMMEDIATELY,
        state=DeliveryState.QUEUED, due_at=NOW, created_at=NOW,
    )  # fmt: skip


def _state(delivery: Delivery) -> DeliveryState:
    return delivery.state  # read again: mypy keeps the narrowing of the assert above


def test_a_failed_attempt_is_retried_until_the_window_closes() -> None:
    delivery = _delivery()
    limit = NOW + timedelta(seconds=60)
    delivery.failed_attempt("down", NOW, retry_in=30, give_up_at=limit)
    assert delivery.state is DeliveryState.QUEUED and delivery.attempts == 1
    assert delivery.due_at == NOW + timedelta(seconds=30)
    delivery.failed_attempt("down", NOW + timedelta(seconds=30), retry_in=40, give_up_at=limit)
    assert _state(delivery) is DeliveryState.FAILED and delivery.attempts == 2
    assert delivery.last_error == "down"
    assert [state for state, _ in delivery.history] == [DeliveryState.FAILED]


def test_the_window_never_outlives_what_the_message_carries() -> None:
    assert give_up_time(NOW, timedelta(hours=1), None) == NOW + timedelta(hours=1)
    expiry = NOW + timedelta(minutes=10)
    assert give_up_time(NOW, timedelta(hours=1), expiry) == expiry


def test_a_valid_subscription_passes() -> None:
    check_subscription("https://fcm.googleapis.com/fcm/send/x", G, AUTH, allow_loopback_http=False)
    check_subscription("http://127.0.0.1:9/p", G, AUTH, allow_loopback_http=True)


@pytest.mark.parametrize(
    ("endpoint", "key", "auth", "loopback"),
    [
        ("http://127.0.0.1:9/p", G, AUTH, False),  # loopback http only where allowed
        ("http://push.example.com/p", G, AUTH, True),
        ("ftp://push.example.com/p", G, AUTH, False),
        ("https://push.example.com/p", G[:-1] + ("B" if G[-1] != "B" else "C"), AUTH, False),
        ("https://push.example.com/p", "A" * 87, AUTH, False),  # not a point of the curve
        ("https://push.example.com/p", G, AUTH[:-1] + "B", False),  # leftover bits set
        ("https://push.example.com/p", G, "A" * 20, False),
    ],
)
def test_an_invalid_subscription_is_refused(
    endpoint: str, key: str, auth: str, loopback: bool
) -> None:
    with pytest.raises(InvalidInput):
        check_subscription(endpoint, key, auth, allow_loopback_http=loopback)
