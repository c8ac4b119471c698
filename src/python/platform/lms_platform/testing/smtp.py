"""A real SMTP server for tests and the devstack: aiosmtpd on loopback, in its own thread.

It keeps every accepted message (parsed, with its envelope), can refuse chosen recipients
permanently (a bounce) and can be stopped and restarted on the same port (an outage). With
``mail_dir`` it also writes each message as ``<n>.eml``, so a person can open it.

    async def test_x(smtp_server: SmtpSink) -> None:
        ...
        (message,) = await smtp_server.wait_for(1)
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

__all__ = ["ReceivedMail", "SmtpSink", "smtp_server"]


@dataclass(frozen=True, slots=True)
class ReceivedMail:
    mail_from: str
    recipients: tuple[str, ...]
    message: EmailMessage
    received_at: float

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def text(self) -> str:
        """The text/plain part (the whole body for a single-part message)."""
        part = self.message.get_body(preferencelist=("plain",))
        return "" if part is None else str(part.get_content())

    def html(self) -> str:
        part = self.message.get_body(preferencelist=("html",))
        return "" if part is None else str(part.get_content())


class _Handler:
    def __init__(self, sink: SmtpSink) -> None:
        self._sink = sink

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address.lower() in self._sink.refused_recipients:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode()
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        self._sink.add(
            ReceivedMail(
                mail_from=str(envelope.mail_from),
                recipients=tuple(envelope.rcpt_tos),
                message=parsed,
                received_at=time.monotonic(),
            ),
            raw,
        )
        return "250 Message accepted for delivery"


class SmtpSink:
    """The server and what it received. ``stop()`` and ``start()`` keep the port."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        mail_dir: Path | None = None,
        announce: bool = False,
    ) -> None:
        self.host = host
        self.port = port or _free_port(host)
        self.mail_dir = mail_dir
        self.announce = announce  # print a line per mail (the devstack)
        self.refused_recipients: set[str] = set()
        self._messages: list[ReceivedMail] = []
        self._lock = threading.Lock()
        self._controller: Controller | None = None

    @property
    def messages(self) -> list[ReceivedMail]:
        with self._lock:
            return list(self._messages)

    def add(self, mail: ReceivedMail, raw: bytes) -> None:
        with self._lock:
            self._messages.append(mail)
            count = len(self._messages)
        where = "(kept in memory)"
        if self.mail_dir is not None:
            self.mail_dir.mkdir(parents=True, exist_ok=True)
            path = self.mail_dir / f"{count:05d}.eml"
            path.write_bytes(raw)
            where = str(path)
        if self.announce:
            to = ", ".join(mail.recipients)
            print(f"[smtp] mail {count} to {to}: {mail.subject!r} -> {where}", flush=True)

    def start(self) -> SmtpSink:
        if self._controller is None:
            controller = Controller(
                _Handler(self), hostname=self.host, port=self.port, ready_timeout=10
            )
            controller.start()
            self._controller = controller
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    close = stop

    def __repr__(self) -> str:
        kept = f"mails kept in {self.mail_dir} (one .eml each)" if self.mail_dir else "in memory"
        return f"smtp://{self.host}:{self.port}, {kept}"

    @property
    def running(self) -> bool:
        return self._controller is not None

    def to(self, address: str) -> list[ReceivedMail]:
        return [mail for mail in self.messages if address.lower() in _lower(mail.recipients)]

    async def wait_for(
        self, count: int, *, to: str | None = None, timeout: float = 30.0
    ) -> list[ReceivedMail]:
        """The first ``count`` messages (to ``to``), once that many arrived; fails after
        ``timeout`` with what did arrive."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.messages if to is None else self.to(to)
            if len(found) >= count:
                return found[:count]
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(found)} of {count} messages arrived in {timeout}s")
            await asyncio.sleep(0.05)

    async def wait_for_subject(
        self, prefix: str, *, to: str, timeout: float = 30.0
    ) -> ReceivedMail:
        """The first message to ``to`` whose subject starts with ``prefix``."""
        deadline = time.monotonic() + timeout
        while True:
            for mail in self.to(to):
                if mail.subject.startswith(prefix):
                    return mail
            if time.monotonic() > deadline:
                subjects = [mail.subject for mail in self.messages]
                raise AssertionError(f"no {prefix!r} mail to {to} in {timeout}s: {subjects}")
            await asyncio.sleep(0.05)

    def __enter__(self) -> SmtpSink:
        return self.start()

    def __exit__(self, *_: Any) -> None:
        self.stop()


def _lower(addresses: tuple[str, ...]) -> set[str]:
    return {address.lower() for address in addresses}


def _free_port(host: str) -> int:
    import socket

    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[SmtpSink]:
    """A fresh SMTP server per test (a thread; it starts in milliseconds)."""
    with SmtpSink() as sink:
        yield sink
