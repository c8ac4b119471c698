"""The demo page (``/chat/demo``, development only) in a real headless Chromium: two tabs, signed
in as two students of one section, join its room over the native WebSocket from the page's own
JavaScript; each sends a message by typing it, and the other tab's DOM shows it. The page is
404 when the setting is off (the session's processes), and the settings refuse it outside
development.

Chromium comes the way the servers do: ``ensure_chromium`` finds Debian's ``chromium`` or
installs it (saying so). It runs as a ``ManagedProcess`` (its own process group, stopped and
its profile deleted after the module) and is driven over the Chrome DevTools Protocol on its
``--remote-debugging-port`` with a plain ``websockets`` client; every wait has a timeout."""

from __future__ import annotations

import asyncio
import itertools
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import websockets
from aiokafka import AIOKafkaProducer

from lms.chat.adapters.http.demo import DEMO_PATH, DEMO_SCRIPT_PATH
from lms.chat.config import load_chat_settings
from lms.chat.domain.rooms import section_room_id
from lms.chat.main import SERVICE
from lms_platform.config import SettingsError
from lms_platform.security.testing import TokenFactory
from lms_platform.testing.dsn import to_asyncpg_sqlalchemy_url
from lms_platform.testing.servers import KafkaServer, ManagedProcess, PostgresServer, RedisServer
from lms_platform.testing.services import migrate_with
from lms_platform.testing.tools import ensure_chromium
from tests.chat.integration.conftest import ChatCluster, ChatProcess, Enrollments, JwksServer

STEP_TIMEOUT = 20.0  # seconds for any one thing the browser or the service has to do


# --- a chat process with the demo page on --------------------------------------------------------


@pytest.fixture(scope="module")
def demo_chat(
    postgres_server: PostgresServer, redis_server: RedisServer, kafka_server: KafkaServer
) -> Iterator[ChatCluster]:
    """One ``chat serve`` with ``LMS_CHAT_DEMO_PAGE`` on, with a database, topic namespace and
    JWKS of its own (so the session's processes never see its enrollments)."""
    template = postgres_server.create_template("chat_template", migrate_with(SERVICE))
    dsn = postgres_server.create_database(f"chat_demo_{uuid.uuid4().hex[:10]}", template=template)
    tokens = TokenFactory()
    jwks = JwksServer(tokens)
    namespace = f"t{uuid.uuid4().hex[:8]}."
    process = ChatProcess({
        "environment": "development", "demo_page": "true",  # as the devstack runs it
        "database_url": to_asyncpg_sqlalchemy_url(dsn), "database_pool_size": "4",
        "redis_url": redis_server.url_for_db(3),
        "kafka_bootstrap_servers": kafka_server.bootstrap_servers,
        "kafka_topic_prefix": namespace, "consumer_group": f"chat-{namespace}",
        "consumer_session_timeout_ms": "2000", "jwks_url": jwks.url,
        "log_level": "WARNING", "access_log": "false",
    })  # fmt: skip
    try:
        process.start()
        yield ChatCluster(process, process, tokens, kafka_server.bootstrap_servers, namespace, dsn)
    finally:
        process.close()
        jwks.close()


@pytest.fixture
async def demo_enrollments(demo_chat: ChatCluster) -> AsyncIterator[Enrollments]:
    producer = AIOKafkaProducer(bootstrap_servers=demo_chat.kafka_bootstrap)
    await producer.start()
    try:
        yield Enrollments(demo_chat, producer)
    finally:
        await producer.stop()


# --- headless Chromium over the DevTools Protocol ------------------------------------------------


class ChromiumProcess(ManagedProcess):
    """Headless Chromium with its DevTools endpoint on a free loopback port and a fresh profile
    in its work directory."""

    name = "chromium"
    startup_timeout = 60.0  # the first start on a busy machine

    def prepare(self) -> None:
        self.binary = ensure_chromium()
        self.browser_ws_url = ""

    def command(self) -> list[str]:
        return [
            self.binary, "--headless=new", "--no-sandbox", "--disable-gpu",
            "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check",
            "--disable-extensions", "--disable-background-networking", "--disable-sync",
            "--disable-component-update", "--disable-default-apps", "--mute-audio",
            # Both tabs run at full speed, the one in front and the one behind.
            "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
            "--disable-backgrounding-occluded-windows",
            f"--remote-debugging-address={self.host}", f"--remote-debugging-port={self.port}",
            f"--user-data-dir={self.work_dir / 'profile'}", "about:blank",
        ]  # fmt: skip

    def probe(self) -> None:
        response = httpx.get(f"http://{self.host}:{self.port}/json/version", timeout=1)
        response.raise_for_status()
        self.browser_ws_url = response.json()["webSocketDebuggerUrl"]


@pytest.fixture(scope="module")
def chromium() -> Iterator[ChromiumProcess]:
    with ChromiumProcess() as browser:
        yield browser


class DevTools:
    """One DevTools connection to the browser; the tabs' sessions share it (``flatten``)."""

    def __init__(self, ws: Any) -> None:
        self._ws = ws
        self._ids = itertools.count(1)
        self._answers: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.events: list[dict[str, Any]] = []
        self._reader = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        try:
            async for raw in self._ws:
                message = json.loads(raw)
                future = self._answers.pop(message.get("id", -1), None)
                if future is not None and not future.done():
                    future.set_result(message)
                elif "method" in message:
                    self.events.append(message)
        except websockets.ConnectionClosed:
            pass
        for future in self._answers.values():
            if not future.done():
                future.set_exception(ConnectionError("the DevTools connection closed"))

    async def call(
        self, method: str, params: dict[str, Any] | None = None, session: str | None = None
    ) -> dict[str, Any]:
        number = next(self._ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._answers[number] = future
        message: dict[str, Any] = {"id": number, "method": method, "params": params or {}}
        if session is not None:
            message["sessionId"] = session
        await self._ws.send(json.dumps(message))
        answer = await asyncio.wait_for(future, STEP_TIMEOUT)
        if "error" in answer:
            raise AssertionError(f"{method} failed: {answer['error']}")
        return dict(answer.get("result", {}))

    async def close(self) -> None:
        await self._ws.close()
        await self._reader


class Tab:
    """A page target, attached with its own session: evaluate JavaScript, type, press Enter."""

    def __init__(self, devtools: DevTools, target: str, session: str) -> None:
        self.devtools, self.target, self.session = devtools, target, session

    @classmethod
    async def open(cls, devtools: DevTools, url: str) -> Tab:
        target = (await devtools.call("Target.createTarget", {"url": "about:blank"}))["targetId"]
        attached = await devtools.call(
            "Target.attachToTarget", {"targetId": target, "flatten": True}
        )
        tab = cls(devtools, target, attached["sessionId"])
        for domain in ("Runtime", "Log", "Page"):
            await tab.call(f"{domain}.enable")
        await tab.call("Page.navigate", {"url": url})
        await tab.wait_for(
            f"document.readyState === 'complete' && location.href === {json.dumps(url)}",
            f"loading {url.split('#')[0]}",
        )
        return tab

    async def call(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return await self.devtools.call(method, params, session=self.session)

    async def evaluate(self, expression: str) -> Any:
        result = await self.call(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
        )
        if "exceptionDetails" in result:
            raise AssertionError(f"{expression!r} threw: {result['exceptionDetails']}")
        return result["result"].get("value")

    async def wait_for(self, expression: str, what: str) -> Any:
        """The value of ``expression`` once it is truthy, within ``STEP_TIMEOUT``; while a page
        is still loading, an expression may throw (no body yet, a context being replaced)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + STEP_TIMEOUT
        error: AssertionError | None = None
        while True:
            try:
                value = await self.evaluate(expression)
            except AssertionError as exc:
                value, error = None, exc
            if value:
                return value
            if loop.time() > deadline:
                status = await self.evaluate("document.getElementById('status')?.textContent")
                raise AssertionError(
                    f"{what}: not within {STEP_TIMEOUT} s (status {status!r}, last error "
                    f"{error}); browser said: {self.problems() + self.console()}"
                )
            await asyncio.sleep(0.1)

    async def type_and_press_enter(self, selector: str, text: str) -> None:
        await self.evaluate(f"document.querySelector({json.dumps(selector)}).focus()")
        await self.call("Input.insertText", {"text": text})
        key = {"key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13}
        await self.call("Input.dispatchKeyEvent", {"type": "keyDown", "text": "\r", **key})
        await self.call("Input.dispatchKeyEvent", {"type": "keyUp", **key})

    async def messages(self) -> list[dict[str, str]]:
        """The message list as the DOM shows it."""
        shown: list[dict[str, str]] = await self.evaluate(
            "[...document.querySelectorAll('#messages li')].map((li) => ({"
            "seq: li.dataset.seq, who: li.querySelector('.who').textContent,"
            "body: li.querySelector('.body').textContent}))"
        )
        return shown

    def _events(self, method: str) -> list[dict[str, Any]]:
        return [
            e["params"]
            for e in self.devtools.events
            if e.get("sessionId") == self.session and e["method"] == method
        ]

    def problems(self) -> list[str]:
        """Uncaught exceptions, and what the browser refused (CSP, mixed content, ...)."""
        thrown = [str(e["exceptionDetails"]) for e in self._events("Runtime.exceptionThrown")]
        refused = [
            e["entry"]["text"]
            for e in self._events("Log.entryAdded")
            if e["entry"]["level"] == "error" and "favicon.ico" not in e["entry"].get("url", "")
        ]
        return thrown + refused

    def console(self) -> list[str]:
        return [str(e["args"]) for e in self._events("Runtime.consoleAPICalled")]

    async def close(self) -> None:
        await self.devtools.call("Target.closeTarget", {"targetId": self.target})


@pytest.fixture
async def devtools(chromium: ChromiumProcess) -> AsyncIterator[DevTools]:
    ws = await websockets.connect(chromium.browser_ws_url, open_timeout=STEP_TIMEOUT, max_size=None)
    devtools = DevTools(ws)
    try:
        yield devtools
    finally:
        await devtools.close()


# --- the tests -----------------------------------------------------------------------------------


async def test_two_tabs_chat_on_the_demo_page(
    demo_chat: ChatCluster, demo_enrollments: Enrollments, devtools: DevTools
) -> None:
    college = f"college-{uuid.uuid4().hex[:8]}"
    course, section, ada, bob = (uuid.uuid4() for _ in range(4))
    for user in (ada, bob):
        await demo_enrollments.put(college, user, course, section)
    room = str(section_room_id(college, section))

    def page(user: uuid.UUID) -> str:
        token = demo_chat.token(user, college)
        return f"{demo_chat.a.base_url}{DEMO_PATH}#token={token}&room={room}"

    ada_tab = await Tab.open(devtools, page(ada))
    bob_tab = await Tab.open(devtools, page(bob))
    try:
        for tab, user in ((ada_tab, ada), (bob_tab, bob)):
            await tab.wait_for("document.body.dataset.state === 'joined'", f"{user} joins")
            assert await tab.evaluate("document.getElementById('me').textContent") == str(user)
            assert await tab.evaluate("document.getElementById('room').value") == room
            assert await tab.messages() == []

        await ada_tab.type_and_press_enter("#body", "Hello from Ada's tab <b>!</b>")
        await bob_tab.wait_for(
            "document.querySelectorAll('#messages li').length === 1", "Ada's message in Bob's tab"
        )
        sent = {"seq": "1", "body": "Hello from Ada's tab <b>!</b>"}  # text, not markup
        assert await bob_tab.messages() == [{**sent, "who": str(ada)[:8]}]
        assert await bob_tab.evaluate("document.querySelectorAll('#messages b').length") == 0
        await ada_tab.wait_for(
            "document.querySelectorAll('#messages li').length === 1", "Ada's own message echoed"
        )
        assert await ada_tab.messages() == [{**sent, "who": "you"}]
        assert await ada_tab.evaluate("document.getElementById('body').value") == ""

        await bob_tab.type_and_press_enter("#body", "Hi Ada, Bob here")
        await ada_tab.wait_for(
            "document.querySelectorAll('#messages li').length === 2", "Bob's answer in Ada's tab"
        )
        answer = {"seq": "2", "body": "Hi Ada, Bob here"}
        assert await ada_tab.messages() == [{**sent, "who": "you"}, {**answer, "who": str(bob)[:8]}]
        await bob_tab.wait_for(
            "document.querySelectorAll('#messages li').length === 2", "Bob's own answer echoed"
        )
        assert await bob_tab.messages() == [{**sent, "who": str(ada)[:8]}, {**answer, "who": "you"}]
        text = await ada_tab.evaluate("document.getElementById('messages').innerText")
        assert "Hello from Ada's tab <b>!</b>" in text and "Hi Ada, Bob here" in text

        stored = await demo_chat.scalar(
            "SELECT count(*) FROM chat_messages WHERE room_id = $1", uuid.UUID(room)
        )
        assert stored == 2  # each typed message stored once
        for tab in (ada_tab, bob_tab):
            assert tab.problems() == []
    finally:
        await ada_tab.close()
        await bob_tab.close()


async def test_a_tab_with_a_bad_token_is_refused(
    demo_chat: ChatCluster, devtools: DevTools
) -> None:
    tab = await Tab.open(devtools, f"{demo_chat.a.base_url}{DEMO_PATH}#token=not-a-token")
    try:
        await tab.wait_for("document.body.dataset.state === 'refused'", "the refusal")
        assert await tab.evaluate("document.getElementById('status').textContent") == (
            "refused: token_invalid"
        )
        assert await tab.evaluate("document.getElementById('me').textContent") == "nobody"
    finally:
        await tab.close()


async def test_the_page_and_its_script_are_served_when_the_setting_is_on(
    demo_chat: ChatCluster,
) -> None:
    async with httpx.AsyncClient(base_url=demo_chat.a.base_url, timeout=10) as client:
        page = await client.get(DEMO_PATH)  # no token: the page is static
        script = await client.get(DEMO_SCRIPT_PATH)
        schema = (await client.get("/schema/openapi.json")).json()
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert f'<script src="{DEMO_SCRIPT_PATH}"></script>' in page.text
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "connect-src 'self'" in policy
    assert page.headers["cache-control"] == "no-store"
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert 'new WebSocket((location.protocol === "https:"' in script.text
    assert DEMO_PATH not in schema["paths"] and DEMO_SCRIPT_PATH not in schema["paths"]


async def test_the_page_is_not_found_when_the_setting_is_off(chat: ChatCluster) -> None:
    async with httpx.AsyncClient(base_url=chat.a.base_url, timeout=10) as client:
        for path in (DEMO_PATH, DEMO_SCRIPT_PATH):
            response = await client.get(path)
            assert response.status_code == 404, (path, response.text)


@pytest.mark.parametrize("environment", ["production", "staging", "compose"])
def test_the_settings_refuse_the_page_outside_development(environment: str) -> None:
    environ = {"LMS_CHAT_ENVIRONMENT": environment, "LMS_CHAT_DEMO_PAGE": "true"}
    with pytest.raises(SettingsError, match="LMS_CHAT_DEMO_PAGE is for development only"):
        load_chat_settings(environ)
    assert load_chat_settings({"LMS_CHAT_ENVIRONMENT": environment}).demo_page is False
    assert load_chat_settings({**environ, "LMS_CHAT_ENVIRONMENT": "development"}).demo_page
