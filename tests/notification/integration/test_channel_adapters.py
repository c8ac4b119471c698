"""The channel adapters on their own. SMS against local HTTP endpoints that check what a Twilio-compatible API
checks (basic auth with the account sid and token, the form fields), and fail-over from a
provider that is down to the second one; a refused number is final. Email: fail-over between
relays, and STARTTLS required means no clear text."""

from __future__ import annotations

import base64
import uuid
from collections.abc import AsyncIterator
from urllib.parse import parse_qs

import pytest
from aiohttp import web  # pants: no-infer-dep (installed with pywebpush)

from lms.notification.adapters.channels.senders import FailoverSender
from lms.notification.adapters.email.smtp import SmtpEmailSender
from lms.notification.adapters.sms.twilio import TwilioSmsSender
from lms.notification.application.ports import DeliveryRefused, DeliveryUnavailable, OutgoingMessage
from lms_platform.testing.services import free_port
from lms_platform.testing.smtp import SmtpSink

SID, TOKEN = "AC" + "1" * 32, "secret-token"


class SmsEndpoint:
    def __init__(self, status: int = 201) -> None:
        self.port, self.status = free_port(), status
        self.received: list[dict[str, str]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _handle(self, request: web.Request) -> web.Response:
        expected = "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
        if request.headers.get("Authorization") != expected:
            return web.json_response({"code": 20003, "message": "Authenticate"}, status=401)
        if request.match_info["sid"] != SID:
            return web.json_response({"code": 20404}, status=404)
        form = {k: v[0] for k, v in parse_qs((await request.read()).decode()).items()}
        if not form.get("To", "").startswith("+"):
            return web.json_response({"code": 21211, "message": "invalid To"}, status=400)
        if self.status >= 300:
            return web.json_response({"message": "down"}, status=self.status)
        self.received.append(form | {"idempotency": request.headers["I-Twilio-Idempotency-Token"]})
        return web.json_response({"sid": "SM" + uuid.uuid4().hex, "status": "queued"}, status=201)

    async def run(self) -> AsyncIterator[SmsEndpoint]:
        app = web.Application()
        app.router.add_post("/2010-04-01/Accounts/{sid}/Messages.json", self._handle)
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", self.port).start()
        try:
            yield self
        finally:
            await runner.cleanup()


@pytest.fixture
async def primary() -> AsyncIterator[SmsEndpoint]:
    async for endpoint in SmsEndpoint().run():
        yield endpoint


def _sender(url: str, token: str = TOKEN) -> TwilioSmsSender:
    return TwilioSmsSender(base_url=url, account_sid=SID, auth_token=token, sender="+15550001",
                           timeout=2.0)  # fmt: skip


def _message(to: str = "+33612345678") -> OutgoingMessage:
    return OutgoingMessage(delivery_id=uuid.uuid4(), to=to, subject="s", text_body="Quiz 3 is due",
                           html_body="")  # fmt: skip


async def test_an_sms_reaches_the_provider_with_its_credentials_and_fields(
    primary: SmsEndpoint,
) -> None:
    message = _message()
    assert await _sender(primary.url).send(message) == "sms:127.0.0.1"
    assert primary.received == [{"From": "+15550001", "To": "+33612345678", "Body": "Quiz 3 is due",
                                 "idempotency": str(message.delivery_id)}]  # fmt: skip


async def test_a_bad_number_or_bad_credentials_are_refused_not_retried(
    primary: SmsEndpoint,
) -> None:
    with pytest.raises(DeliveryRefused, match="400"):
        await _sender(primary.url).send(_message(to="0612"))
    with pytest.raises(DeliveryRefused, match="401"):
        await _sender(primary.url, token="wrong").send(_message())
    assert primary.received == []


async def test_a_provider_that_is_down_fails_over_to_the_second(primary: SmsEndpoint) -> None:
    down_port = free_port()  # nothing listens there
    async for failing in SmsEndpoint(status=503).run():
        with pytest.raises(DeliveryUnavailable):
            await _sender(failing.url).send(_message())
        sender = FailoverSender([_sender(f"http://127.0.0.1:{down_port}"), _sender(failing.url),
                                 _sender(primary.url)])  # fmt: skip
        assert await sender.send(_message()) == "sms:127.0.0.1"
    assert len(primary.received) == 1


async def test_email_fails_over_to_the_second_relay_and_starttls_is_offered_when_set(
    smtp_server: SmtpSink,
) -> None:
    down = SmtpEmailSender(host="127.0.0.1", port=free_port(), mail_from="lms@uni.test", timeout=2)
    up = SmtpEmailSender(host=smtp_server.host, port=smtp_server.port, mail_from="lms@uni.test")
    message = OutgoingMessage(delivery_id=uuid.uuid4(), to="ada@uni-a.edu", subject="Hi",
                              text_body="plain", html_body="<p>html</p>")  # fmt: skip
    assert await FailoverSender([down, up]).send(message) == f"smtp:127.0.0.1:{smtp_server.port}"
    (mail,) = await smtp_server.wait_for(1)
    assert mail.message["Message-ID"] == f"<{message.delivery_id.hex}@uni.test>"
    assert mail.text().strip() == "plain" and mail.html().strip() == "<p>html</p>"
    # The sink offers no STARTTLS: a sender told to require it does not send in clear text.
    strict = SmtpEmailSender(host=smtp_server.host, port=smtp_server.port,
                             mail_from="lms@uni.test", security="starttls", timeout=2)  # fmt: skip
    with pytest.raises(DeliveryUnavailable):
        await strict.send(message)
    assert len(smtp_server.messages) == 1
