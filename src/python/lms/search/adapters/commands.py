"""The service's own command line: ``search reindex`` rebuilds every index with no downtime and
prints one JSON progress line per step."""

from __future__ import annotations

import sys
from typing import Any

import msgspec

from lms.search.application.ports import RebuildProgress
from lms.search.application.reindexing import RebuildIndices
from lms_platform.runtime import ServiceRuntime


def print_progress(progress: RebuildProgress) -> None:
    line = {
        "type": progress.doc_type.value,
        "phase": progress.phase,
        "index": progress.target,
        "copied": progress.copied,
        "total": progress.total,
    }
    sys.stdout.write(msgspec.json.encode(line).decode() + "\n")
    sys.stdout.flush()


async def reindex(runtime: ServiceRuntime[Any]) -> None:
    """``search reindex``: rebuild every index with no downtime, one JSON progress line per step."""
    async with runtime.container() as request:
        rebuild = await request.get(RebuildIndices)
        await rebuild(None, progress=print_progress)
