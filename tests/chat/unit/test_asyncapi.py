"""The AsyncAPI document lists exactly the frames and events the transports handle, taken from
the registries in ``frames.py`` (a frame added there and not documented fails here), with each
client frame's fields as its msgspec struct declares them."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
import yaml

from lms.chat.adapters.http.asyncapi import asyncapi_document
from lms.chat.adapters.realtime import frames


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return dict(yaml.safe_load(asyncapi_document()))


def resolve(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        *_, kind, name = node["$ref"].split("/")
        node = document["components"][kind][name]
    return node


def names(document: dict[str, Any], channel: str, operation: str) -> list[str]:
    listed = document["channels"][channel][operation]["message"]["oneOf"]
    return [resolve(document, message)["name"] for message in listed]


def test_it_is_asyncapi_2_6_with_both_transports(document: dict[str, Any]) -> None:
    assert document["asyncapi"] == "2.6.0"
    assert set(document["channels"]) == {"/socket.io/", "/ws"}
    assert set(document["servers"]) == {"socketio", "native"}


def test_socketio_lists_every_client_frame_and_server_event(document: dict[str, Any]) -> None:
    assert sorted(names(document, "/socket.io/", "publish")) == sorted(frames.CLIENT_FRAMES)
    assert sorted(names(document, "/socket.io/", "subscribe")) == sorted(frames.SERVER_EVENTS)


def test_native_lists_every_frame_and_event(document: dict[str, Any]) -> None:
    client = {**frames.CLIENT_FRAMES, **frames.NATIVE_CLIENT_FRAMES}
    server = frames.SERVER_EVENTS | frames.NATIVE_SERVER_FRAMES
    assert sorted(names(document, "/ws", "publish")) == sorted(client)
    assert sorted(names(document, "/ws", "subscribe")) == sorted(server)


@pytest.mark.parametrize(
    ("name", "struct"), sorted({**frames.CLIENT_FRAMES, **frames.NATIVE_CLIENT_FRAMES}.items())
)
def test_each_client_frame_has_its_structs_fields(
    document: dict[str, Any], name: str, struct: type[msgspec.Struct]
) -> None:
    schema = document["components"]["schemas"][name]
    fields = msgspec.structs.fields(struct)
    assert set(schema["properties"]) == {f.name for f in fields}
    required = {f.name for f in fields if f.required}
    assert set(schema.get("required", [])) == required
