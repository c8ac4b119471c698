"""Limits on email templates (issue 8, defect 1), against the auth service running in this
process: what a college admin's template costs is measured on this process's own memory
(peak RSS, reset through /proc/self/clear_refs) and on its event loop."""

from __future__ import annotations

import asyncio
import ctypes
import re
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from lms.auth.adapters.templates import worker
from lms.auth.adapters.templates.limits import TemplateLimits
from lms.auth.adapters.templates.protocol import RenderPart, Start, frame
from lms.auth.adapters.templates.worker_pool import IsolatedTemplateRenderer
from lms.auth.application.templates import TemplateRenderer
from lms.auth.domain.templates import (
    SAMPLE_VARIABLES,
    InvalidTemplate,
    TemplateContent,
    TemplateKind,
)
from tests.auth.integration.conftest import RunningAuthService

# Each line doubles the name: 12 characters become 50 million, printed only as a length, so
# an output cap alone never fires (the devstack answered 200 and grew by 78 MB).
DOUBLING = "{% set a = display_name %}\n" + "{% set a = a ~ a %}\n" * 22 + "{{ a|length }}"
# 324 million empty loop rounds (about 20 s here): no sandbox hook runs inside them.
CPU_LOOP = (
    "{% set s = display_name * 1500 %}"
    "{% for a in s %}{% for b in s %}{% endfor %}{% endfor %}done"
)
PEAK_GROWTH_MIB = 16  # what a refused render may add to the serving process's peak


def _status(field: str, pid: str = "self") -> int:
    text = Path(f"/proc/{pid}/status").read_text()
    found = re.search(rf"^{field}:\s+(\d+) kB", text, re.MULTILINE)
    assert found is not None, f"no {field} in /proc/{pid}/status"
    return int(found.group(1)) // 1024


def _reset_peak_rss() -> int:
    # Give freed heap pages back first: reused, they would hide an allocation from the peak.
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    Path("/proc/self/clear_refs").write_text("5")  # VmHWM starts again from VmRSS
    return _status("VmHWM")


def _draft(text_body: str, html_body: str = "<p>{{ display_name }}</p>") -> dict[str, str]:
    return {"subject": "Hello {{ display_name }}", "text_body": text_body, "html_body": html_body}


async def _college_admin(service: RunningAuthService, slug: str) -> tuple[str, dict[str, str]]:
    college = await service.create_college(slug)
    email = f"admin@{slug}.edu"
    await service.create_account(college["id"], email, ("college_admin",))
    tokens = await service.tokens(slug, email)
    return college["id"], {"Authorization": f"Bearer {tokens['access_token']}"}


def _templates(college_id: str, kind: str) -> str:
    return f"/colleges/{college_id}/email-templates/{kind}"


def _worker_children() -> dict[int, bytes]:
    """This process's template workers: pid → environment."""
    found: dict[int, bytes] = {}
    for task in Path("/proc/self/task").iterdir():
        for pid in (task / "children").read_text().split():
            try:
                command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
                if worker.command()[-1].encode() in command:
                    found[int(pid)] = Path(f"/proc/{pid}/environ").read_bytes()
            except FileNotFoundError:  # it exited meanwhile
                continue
    return found


async def test_a_doubling_bomb_in_a_preview_is_refused_at_once_and_costs_no_memory(
    auth_service: RunningAuthService,
) -> None:
    college_id, admin = await _college_admin(auth_service, "uni-a")
    preview = _templates(college_id, "welcome") + "/preview"
    client = auth_service.client
    warm = await client.post(preview, json=_draft("Hi {{ display_name }}"), headers=admin)
    assert warm.status_code == 200, warm.text

    before = _reset_peak_rss()
    started = time.monotonic()
    response = await client.post(preview, json=_draft(DOUBLING), headers=admin)
    elapsed = time.monotonic() - started
    growth = _status("VmHWM") - before

    outcome = f"{response.status_code} after {elapsed:.2f} s, peak RSS +{growth} MiB"
    assert response.status_code == 400 and growth < PEAK_GROWTH_MIB and elapsed < 5, outcome
    problem = response.json()
    assert response.headers["content-type"].startswith("application/problem+json")
    assert problem["code"] == "invalid_template"
    assert problem["extra"] == {"part": "text_body", "line": 15}  # where it crosses 100 000
    assert "longer than 100000 characters" in problem["detail"]


async def test_a_bomb_behind_a_condition_is_published_and_refused_when_it_is_sent(
    auth_service: RunningAuthService,
) -> None:
    college_id, admin = await _college_admin(auth_service, "uni-a")
    path = _templates(college_id, "welcome")
    hidden = (
        "{% set a = display_name %}{% if display_name != 'Ada Lovelace' %}\n"
        + "{% set a = a ~ a %}\n" * 22
        + "{% endif %}{{ a|length }}"
    )
    client = auth_service.client
    # The sample data takes the harmless branch, so publishing cannot see it: the send must.
    published = await client.put(path, json=_draft(hidden), headers=admin)
    assert published.status_code == 201, published.text
    stored = (await client.get(path, headers=admin)).json()
    content = TemplateContent(
        subject=stored["subject"], text_body=stored["text_body"], html_body=stored["html_body"]
    )
    async with auth_service.service.container() as request:
        renderer = await request.get(TemplateRenderer)  # the one the service renders with
    values = {**SAMPLE_VARIABLES[TemplateKind.WELCOME], "display_name": "Grace Hopper"}

    before = _reset_peak_rss()
    started = time.monotonic()
    with pytest.raises(InvalidTemplate) as caught:
        await renderer.render(content, values)
    elapsed, growth = time.monotonic() - started, _status("VmHWM") - before

    assert "longer than 100000 characters" in caught.value.detail
    assert growth < PEAK_GROWTH_MIB and elapsed < 5, f"+{growth} MiB in {elapsed:.2f} s"
    ordinary = await renderer.render(content, SAMPLE_VARIABLES[TemplateKind.WELCOME])
    assert ordinary.text_body == "12"


async def test_a_template_cannot_change_the_sample_data_another_college_previews(
    auth_service: RunningAuthService,
) -> None:
    uni_a, admin_a = await _college_admin(auth_service, "uni-a")
    uni_b, admin_b = await _college_admin(auth_service, "uni-b")
    client = auth_service.client
    attack = await client.post(
        _templates(uni_a, "invitation") + "/preview",
        json=_draft("{% set _ = roles.append('college_admin') %}{{ roles|join(',') }}"),
        headers=admin_a,
    )
    victim = await client.post(
        _templates(uni_b, "invitation") + "/preview",
        json=_draft("{{ roles|join(',') }}"),
        headers=admin_b,
    )
    assert victim.status_code == 200, victim.text
    assert victim.json()["text_body"] == "student", "uni-a's template changed uni-b's preview"
    assert attack.status_code == 400, attack.text
    assert "unsafe" in attack.json()["detail"]
    assert SAMPLE_VARIABLES[TemplateKind.INVITATION]["roles"] == ["student"]


async def test_a_cpu_loop_is_cut_at_the_time_limit_while_the_service_keeps_answering(
    auth_service: RunningAuthService,
) -> None:
    college_id, admin = await _college_admin(auth_service, "uni-a")
    preview = _templates(college_id, "welcome") + "/preview"
    client = auth_service.client

    started = time.monotonic()
    looping = asyncio.create_task(client.post(preview, json=_draft(CPU_LOOP), headers=admin))
    await asyncio.sleep(0.5)
    health = await client.get("/health")
    health_answered = time.monotonic() - started
    response = await looping
    elapsed = time.monotonic() - started

    assert health.status_code == 200
    # About 0.5 s; the margin is for a loaded machine. Rendering on the loop, it is the render.
    assert health_answered < 5, f"/health waited {health_answered:.1f} s behind the render"
    assert response.status_code == 400, f"{response.status_code} after {elapsed:.1f} s"
    limit = auth_service.settings.template_render_timeout_seconds
    assert f"took longer than {limit:g} s" in response.json()["detail"]
    # The render's limit, the grace before the kill, a worker start: about 3 s.
    assert elapsed < limit + 6, f"answered after {elapsed:.1f} s"
    # The killed worker is replaced: the next preview renders.
    after = await client.post(preview, json=_draft("Hi {{ display_name }}"), headers=admin)
    assert (after.status_code, after.json()["text_body"]) == (200, "Hi Ada Lovelace")


# --- the workers themselves ----------------------------------------------------------------


async def test_memory_is_bounded_by_the_worker_not_by_the_size_checks() -> None:
    # Size checks off: only the worker's address-space limit stands between the template and
    # 800 MB.
    unchecked = TemplateLimits(max_output_chars=10**12, max_value_chars=10**12)
    renderer = IsolatedTemplateRenderer(unchecked, workers=1, memory_mib=64)
    bomb = TemplateContent(
        subject="x",
        text_body="{% set a = display_name %}" + "{% set a = a ~ a %}" * 26,
        html_body="y",
    )
    values: dict[str, Any] = dict(SAMPLE_VARIABLES[TemplateKind.WELCOME])
    try:
        before = _reset_peak_rss()
        with pytest.raises(InvalidTemplate) as caught:
            await renderer.render(bomb, values)
        assert "more memory than allowed" in caught.value.detail
        assert _status("VmHWM") - before < PEAK_GROWTH_MIB
        ordinary = TemplateContent(subject="x", text_body="{{ email }}", html_body="y")
        assert (await renderer.render(ordinary, values)).text_body == "ada@example.edu"
        workers = _worker_children()
        assert len(workers) == 1
        # The worker runs without the service's environment, secrets included.
        environ = next(iter(workers.values())).split(b"\0")
        assert [entry.split(b"=")[0] for entry in environ if entry] == [b"PYTHONPATH"]
    finally:
        await renderer.aclose()
    assert _worker_children() == {}


def test_a_worker_left_alone_in_a_loop_is_killed_by_its_cpu_limit() -> None:
    # The service kills a worker at its wall clock; RLIMIT_CPU is the kernel's backstop for a
    # service that does not (here nobody does).
    loop = RenderPart(
        part="text_body",
        source="{% set s = email * 9000 %}{% for a in s %}{% for b in s %}{% endfor %}{% endfor %}",
        variables={"email": "ada@example.edu"},
        seconds=1.0,
    )  # 1.8e10 rounds: hours, were it not stopped
    start = Start(
        max_output_chars=10**6, max_value_chars=10**6, timeout_seconds=60, memory_bytes=2**28
    )
    with subprocess.Popen(
        worker.command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=worker.environment()
    ) as process:
        assert process.stdin is not None
        try:
            process.stdin.write(frame(start) + frame(loop))
            process.stdin.flush()
            # About 3 s of CPU: its start-up, the job's second rounded up, one more.
            code = process.wait(timeout=60)
        finally:
            process.kill()
    assert code == -signal.SIGXCPU
