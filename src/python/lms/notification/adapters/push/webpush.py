"""Web Push (RFC 8030) with the payload encrypted for the subscription (RFC 8291,
aes128gcm) and the sender identified by VAPID (RFC 8292), through pywebpush. One request per
device; a device whose push service answers 404 or 410 has unsubscribed."""

from __future__ import annotations

import json

import aiohttp  # pants: no-infer-dep (pywebpush's own HTTP client, installed with it)
from pywebpush import WebPushException, webpush_async  # type: ignore[import-untyped]

from lms.notification.application.ports import (
    DeliveryRefused,
    DeliveryUnavailable,
    OutgoingMessage,
    PushTarget,
)

_GONE = (404, 410)


class WebPushSender:
    name = "webpush"

    def __init__(
        self, *, vapid_private_key: str, vapid_subject: str, ttl_seconds: int, timeout: float
    ) -> None:
        self._key, self._subject = vapid_private_key, vapid_subject
        self._ttl, self._timeout = ttl_seconds, timeout

    async def send(self, message: OutgoingMessage) -> str:
        if not message.push_targets:
            raise DeliveryRefused("no push subscription for this account")
        payload = json.dumps(
            {"title": message.subject, "body": message.text_body, "id": str(message.delivery_id)}
        )
        delivered, gone, errors = 0, 0, []
        async with aiohttp.ClientSession() as session:
            for target in message.push_targets:
                try:
                    await self._push(session, target, payload)
                    delivered += 1
                except WebPushException as exc:
                    status = exc.response.status if exc.response is not None else None
                    if status in _GONE:
                        gone += 1
                    else:
                        errors.append(f"{status}: {exc.message}"[:200])
                except (aiohttp.ClientError, TimeoutError, OSError) as exc:
                    errors.append(f"{type(exc).__name__}: {exc}"[:200])
        if delivered:
            return self.name
        if gone == len(message.push_targets):
            raise DeliveryRefused("every push subscription of the account is gone")
        raise DeliveryUnavailable("; ".join(errors))

    async def _push(self, session: aiohttp.ClientSession, target: PushTarget, payload: str) -> None:
        await webpush_async(
            subscription_info={
                "endpoint": target.endpoint,
                "keys": {"p256dh": target.p256dh, "auth": target.auth},
            },
            data=payload,
            vapid_private_key=self._key,
            vapid_claims={"sub": self._subject},
            content_encoding="aes128gcm",
            ttl=self._ttl,
            timeout=aiohttp.ClientTimeout(total=self._timeout),
            aiohttp_session=session,
        )
