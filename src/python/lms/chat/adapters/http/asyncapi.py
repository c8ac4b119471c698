"""The socket protocol's AsyncAPI document (``asyncapi.yaml`` beside this module), public at
``/schema/asyncapi.yaml`` like the OpenAPI (behind Kong: ``/docs/chat/asyncapi.yaml``)."""

from __future__ import annotations

from functools import cache
from importlib import resources

from litestar import Response, get

ASYNCAPI_PATH = "/schema/asyncapi.yaml"


@cache
def asyncapi_document() -> bytes:
    return (resources.files(__package__) / "asyncapi.yaml").read_bytes()


@get(ASYNCAPI_PATH, include_in_schema=False, sync_to_thread=False)
def asyncapi() -> Response[bytes]:
    return Response(asyncapi_document(), media_type="application/yaml")
