"""The OpenAPI document the running service serves states its mappings as decoding reads them:
a rubric assessment's size in entries (never a string's length) and the form of its keys."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lms_platform.http.openapi import NUL_PATTERN
from tests.submission.integration.conftest import World


def _schemas(node: Any, where: str = "#") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        yield where, node
        for key, child in node.items():
            yield from _schemas(child, f"{where}/{key}")
    elif isinstance(node, list):
        for index, child in enumerate(node):
            yield from _schemas(child, f"{where}/{index}")


async def test_mappings_state_their_entries_and_keys(world: World) -> None:
    response = await world.client.get("/schema/openapi.json")
    assert response.status_code == 200
    document = response.json()
    for where, schema in _schemas(document):
        if schema.get("type") == "object":  # minLength/maxLength bound strings only
            assert not {"minLength", "maxLength"} & set(schema), where
        if "additionalProperties" in schema and schema["additionalProperties"] is not False:
            assert schema["propertyNames"]["not"]["pattern"] == NUL_PATTERN, where
    grade = document["components"]["schemas"]["GradeRequest"]["properties"]
    assessment = grade["rubric_assessment"]
    # The rubric's own rule (422), told to clients: 1 to 50 criteria.
    assert (assessment["minProperties"], assessment["maxProperties"]) == (1, 50)
    [mapping] = [arm for arm in assessment["oneOf"] if arm.get("type") == "object"]
    # A criterion id's form, which msgspec checks (400), from the key type itself.
    names = mapping["propertyNames"]
    assert (names["minLength"], names["maxLength"]) == (1, 64)
    assert names["pattern"] == "^[A-Za-z0-9_-]+$"
    assert mapping["additionalProperties"] == {
        "$ref": "#/components/schemas/CriterionAssessmentBody"
    }
