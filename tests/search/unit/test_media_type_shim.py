"""The test-only media-type rewrite for osmem (lms_platform.testing.elastic)."""

from __future__ import annotations

from lms_platform.testing.elastic import plain_media_type


def test_compatible_with_media_types_become_plain() -> None:
    assert plain_media_type("application/vnd.elasticsearch+json; compatible-with=9") == (
        "application/json"
    )
    assert plain_media_type("application/vnd.elasticsearch+x-ndjson;compatible-with=8") == (
        "application/x-ndjson"
    )
    assert plain_media_type("application/json") == "application/json"
