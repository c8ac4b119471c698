"""JobWorker: steps run in their own REQUEST scope until there is nothing to do; queued work
wakes the worker at once; a failing step does not stop it."""

from __future__ import annotations

import asyncio

from dishka import Provider, Scope, make_async_container

from lms_platform.runtime import JobWakeup, JobWorker


class Queue:
    def __init__(self) -> None:
        self.items: list[str] = []
        self.done: list[str] = []
        self.fail_next = False


class Step:
    def __init__(self, queue: Queue) -> None:
        self._queue = queue

    async def __call__(self) -> bool:
        if self._queue.fail_next:
            self._queue.fail_next = False
            raise RuntimeError("one bad step")
        if not self._queue.items:
            return False
        self._queue.done.append(self._queue.items.pop(0))
        return True


async def test_the_worker_drains_the_queue_wakes_on_new_work_and_survives_a_failure() -> None:
    queue = Queue()
    provider = Provider()
    provider.provide(lambda: queue, provides=Queue, scope=Scope.APP)
    provider.provide(JobWakeup, scope=Scope.APP)
    provider.provide(Step, scope=Scope.REQUEST)
    container = make_async_container(provider)
    worker = JobWorker(container, Step, poll_seconds=30, name="test-jobs")
    queue.items += ["a", "b", "c"]
    queue.fail_next = True
    await worker.start()
    try:

        async def drained() -> None:
            while queue.items:
                await asyncio.sleep(0.01)

        # The first step fails; the worker sleeps until woken (the poll is 30 s), then drains.
        await asyncio.sleep(0.05)
        (await container.get(JobWakeup)).job_queued()
        await asyncio.wait_for(drained(), 5)
        assert queue.done == ["a", "b", "c"]
        queue.items.append("d")
        (await container.get(JobWakeup)).job_queued()
        await asyncio.wait_for(drained(), 5)
        assert queue.done == ["a", "b", "c", "d"]
    finally:
        await worker.stop()
        await container.close()
