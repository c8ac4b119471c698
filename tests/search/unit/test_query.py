"""What a search may ask for, checked before the engine sees it."""

from __future__ import annotations

import pytest

from lms.search.domain.documents import DocType, latest_unlock
from lms.search.domain.query import search_query
from lms_platform.kernel.errors import InvalidInput


def test_defaults_search_every_type() -> None:
    query = search_query(text="  demo ", types=None)
    assert query.text == "demo" and query.types == tuple(DocType)


@pytest.mark.parametrize(
    "changes",
    [
        {"text": "x" * 201},
        {"page_size": 0},
        {"page_size": 101},
        {"filters": {DocType.COURSE: {"owner_id": ["x"]}}},
        {"filters": {DocType.COURSE: {"status": []}}},
        {"types": [DocType.USER], "filters": {DocType.COURSE: {"status": ["draft"]}}},
        {"facets": {DocType.USER: ["email"]}},
    ],
)
def test_bad_queries_are_refused(changes: dict[str, object]) -> None:
    arguments: dict[str, object] = {"text": "a", "types": None} | changes
    with pytest.raises(InvalidInput):
        search_query(**arguments)  # type: ignore[arg-type]


def test_the_latest_unlock_wins() -> None:
    from datetime import UTC, datetime

    early, late = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC)
    assert latest_unlock(early, [late, None]) == late
    assert latest_unlock(None, [None]) is None
