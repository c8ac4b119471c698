"""SMS through a Twilio-compatible Messages API (``POST {base}/2010-04-01/Accounts/{sid}/
Messages.json``, HTTP basic auth with the account sid and token, a form body). The base URL
is a setting, so a second provider with the same API, or a local endpoint in tests, fits."""

from __future__ import annotations

import httpx

from lms.notification.application.ports import (
    DeliveryRefused,
    DeliveryUnavailable,
    OutgoingMessage,
)

MAX_SMS_CHARS = 1600  # Twilio's limit for one message (concatenated segments)


class TwilioSmsSender:
    def __init__(
        self, *, base_url: str, account_sid: str, auth_token: str, sender: str, timeout: float
    ) -> None:
        self._url = f"{base_url.rstrip('/')}/2010-04-01/Accounts/{account_sid}/Messages.json"
        self._auth = (account_sid, auth_token)
        self._from, self._timeout = sender, timeout
        self.name = f"sms:{httpx.URL(base_url).host}"

    async def send(self, message: OutgoingMessage) -> str:
        form = {"From": self._from, "To": message.to, "Body": message.text_body[:MAX_SMS_CHARS]}
        try:
            async with httpx.AsyncClient(timeout=self._timeout) as client:
                response = await client.post(
                    self._url,
                    data=form,
                    auth=self._auth,
                    # The provider drops a retried request it has already accepted.
                    headers={"I-Twilio-Idempotency-Token": str(message.delivery_id)},
                )
        except httpx.HTTPError as exc:
            raise DeliveryUnavailable(f"{type(exc).__name__}: {exc}"[:500]) from exc
        if response.status_code in (200, 201):
            return self.name
        detail = f"{response.status_code}: {response.text[:300]}"
        if response.status_code == 429 or response.status_code >= 500:
            raise DeliveryUnavailable(detail)
        raise DeliveryRefused(detail)  # 400 invalid number, 401/403 our credentials, ...
