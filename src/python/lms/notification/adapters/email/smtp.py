"""Email over SMTP with aiosmtplib: a small pool of open connections (a message per SMTP
transaction, connections reused, so a batch does not pay a TCP and TLS handshake per mail),
STARTTLS or implicit TLS and authentication from the settings. Refused recipients are bounces;
everything else that goes wrong (connection, timeout, 4xx) is worth retrying. A connection that
failed in any way is closed, never reused; one the relay dropped while idle is replaced once."""

from __future__ import annotations

import asyncio
import contextlib
import time
from email.message import EmailMessage
from email.utils import parseaddr

import aiosmtplib

from lms.notification.application.ports import (
    DeliveryRefused,
    DeliveryUnavailable,
    OutgoingMessage,
)


class RateLimiter:
    """At most ``per_second`` acquisitions per second, spaced evenly (0: unlimited)."""

    def __init__(self, per_second: float) -> None:
        self._interval = 1.0 / per_second if per_second > 0 else 0.0
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        if not self._interval:
            return
        async with self._lock:
            now = time.monotonic()
            wait = self._next - now
            self._next = max(now, self._next) + self._interval
        if wait > 0:
            await asyncio.sleep(wait)


class SmtpEmailSender:
    def __init__(
        self,
        *,
        host: str,
        port: int,
        mail_from: str,
        security: str = "none",
        username: str = "",
        password: str = "",
        timeout: float = 10.0,
        limiter: RateLimiter | None = None,
        pool_size: int = 4,
    ) -> None:
        self._host, self._port, self._from = host, port, mail_from
        self._security, self._username, self._password = security, username, password
        self._timeout = timeout
        self._limiter = limiter or RateLimiter(0)
        self.name = f"smtp:{host}:{port}"
        _, address = parseaddr(mail_from)
        self._domain = address.rpartition("@")[2] or "lms.invalid"
        self._idle: list[aiosmtplib.SMTP] = []
        self._slots = asyncio.Semaphore(pool_size)

    def build(self, message: OutgoingMessage) -> EmailMessage:
        mail = EmailMessage()
        mail["From"] = self._from
        mail["To"] = message.to
        mail["Subject"] = message.subject
        # Stable per delivery: a retried message that did arrive can be recognised downstream.
        mail["Message-ID"] = f"<{message.delivery_id.hex}@{self._domain}>"
        mail.set_content(message.text_body)
        if message.html_body:
            mail.add_alternative(message.html_body, subtype="html")
        return mail

    async def _connect(self) -> aiosmtplib.SMTP:
        client = aiosmtplib.SMTP(
            hostname=self._host,
            port=self._port,
            username=self._username or None,
            password=self._password or None,
            use_tls=self._security == "tls",
            start_tls=self._security == "starttls",
            timeout=self._timeout,
        )
        await client.connect()
        return client

    async def _transmit(self, mail: EmailMessage) -> None:
        async with self._slots:
            reused = bool(self._idle)
            client = self._idle.pop() if reused else await self._connect()
            try:
                await client.send_message(mail)
            except aiosmtplib.SMTPServerDisconnected:
                client.close()
                if not reused:
                    raise
                client = await self._connect()  # the relay closed it while it was idle
                try:
                    await client.send_message(mail)
                except BaseException:
                    client.close()
                    raise
            except BaseException:
                client.close()
                raise
            self._idle.append(client)

    async def aclose(self) -> None:
        while self._idle:
            client = self._idle.pop()
            with contextlib.suppress(aiosmtplib.SMTPException, OSError):
                await client.quit()

    async def send(self, message: OutgoingMessage) -> str:
        await self._limiter.acquire()
        try:
            await self._transmit(self.build(message))
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [refused.code for refused in exc.recipients]
            if codes and all(500 <= code < 600 for code in codes):
                raise DeliveryRefused(_describe(exc)) from exc
            raise DeliveryUnavailable(_describe(exc)) from exc
        except aiosmtplib.SMTPResponseException as exc:
            if 500 <= exc.code < 600 and exc.code not in (530, 535):  # auth errors: our side
                raise DeliveryRefused(_describe(exc)) from exc
            raise DeliveryUnavailable(_describe(exc)) from exc
        except (TimeoutError, aiosmtplib.SMTPException, OSError) as exc:
            raise DeliveryUnavailable(_describe(exc)) from exc
        return self.name


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:500]
