"""What every route does before its handler runs, so that the edge does what the OpenAPI says.

* ``OPTIONS`` lists every method of the path in ``Allow``. Litestar's own OPTIONS handler only
  knows the methods of the first handler registered for a path (``POST /users`` but not
  ``GET /users``), because it keeps the route object it was made for.
* A route that takes a JSON body answers 415 to a body of another media type; Litestar would
  parse it as JSON anyway, and the client would learn nothing from the 400 it gets. A body
  without a Content-Type is read as JSON.
* That body is checked strictly, as its JSON Schema reads: Litestar converts bodies leniently,
  so ``0`` would pass for ``false`` and ``"1"`` for ``1``. JSON Schema's integers include
  ``2.0``, so an integral number is an integer here too.
* A query value must be what its schema says: Litestar's lenient conversion would read
  ``?status=null`` as "no filter" and ``?since=0.5`` as a Unix time. Values of text-like types
  (dates, UUIDs, enums) are converted strictly; ``null`` is refused where it is not text.
* Text with a NUL (U+0000) is a 400, in the path, the query or a JSON body: PostgreSQL cannot
  store it, and the query would fail with a 500. The schema says so (lms_platform.http.openapi).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Union

import msgspec
from litestar import Litestar, Request, Response
from litestar.enums import RequestEncodingType
from litestar.exceptions import HTTPException, ValidationException
from litestar.handlers import HTTPRouteHandler
from litestar.params import BodyKwarg
from litestar.routes import HTTPRoute
from litestar.typing import FieldDefinition

BeforeRequest = Callable[[Request[Any, Any, Any]], Awaitable[Response[None] | None]]


def json_body_type(handler: HTTPRouteHandler) -> Any | None:
    """The type of the handler's JSON ``data`` body, or ``None`` if it takes none."""
    data = handler.parsed_fn_signature.parameters.get("data")
    if data is None:
        return None
    kwarg = data.kwarg_definition
    media_type = kwarg.media_type if isinstance(kwarg, BodyKwarg) else RequestEncodingType.JSON
    return data.annotation if media_type == RequestEncodingType.JSON else None


def is_json_media_type(content_type: str) -> bool:
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


_LENIENT = (int, float, bool)  # their text has to be converted leniently ("5" -> 5)


def query_check(parameter: FieldDefinition) -> Callable[[str], bool] | None:
    """A test of one raw query value against ``parameter``'s type, where Litestar's lenient
    conversion would accept more than the schema: ``None`` where it would not."""
    if parameter.is_non_string_sequence:
        return None
    arms = (
        [arm for arm in parameter.inner_types if not arm.is_none_type]
        if parameter.is_union
        else [parameter]
    )
    if any(arm.annotation is str for arm in arms):
        return None  # "null" is text like any other, and text converts strictly anyway
    if any(arm.annotation in _LENIENT for arm in arms):
        return (lambda raw: raw != "null") if parameter.is_optional else None
    strict_type: Any = Union[tuple(arm.annotation for arm in arms)]  # noqa: UP007

    def check(raw: str) -> bool:
        try:
            msgspec.convert(raw, strict_type, strict=True)
        except msgspec.ValidationError:
            return False
        return True

    return check


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(item) for item in value)
    return False


def _refuse_nul(where: str) -> ValidationException:
    return ValidationException(
        f"text may not contain NUL (U+0000) ({where})",
        extra=[{"message": "NUL (U+0000) in text", "key": where, "source": where}],
    )


def _integral_floats_as_ints(value: Any) -> Any:
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, dict):
        return {k: _integral_floats_as_ints(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_integral_floats_as_ints(item) for item in value]
    return value


async def check_json_body(request: Request[Any, Any, Any], body_type: Any) -> None:
    content_type = request.headers.get("content-type")
    if content_type is not None and not is_json_media_type(content_type):
        raise HTTPException(status_code=415, detail="send the body as application/json")
    body = await request.body()  # Litestar keeps it for the handler; the size limit applies
    try:
        document = msgspec.json.decode(body or b"null")
        # First, so that no error message echoes a NUL. JSON can only carry it escaped.
        if b"\\u0000" in body and _holds_nul(document):
            raise _refuse_nul("body")
        msgspec.convert(_integral_floats_as_ints(document), body_type, strict=True)
    except msgspec.DecodeError as exc:  # ValidationError is one
        raise ValidationException(
            f"Validation failed for {request.method} {request.url.path}",
            extra=[{"message": str(exc), "key": "data", "source": "body"}],
        ) from exc


@dataclass
class EdgeRules:
    """What the hook needs to know about the app's routes, learnt once they are registered."""

    allow: dict[str, str] = field(default_factory=dict)  # route path -> "GET, OPTIONS, POST"
    # id(handler) -> {query key: check}; handlers live as long as their app
    query_checks: dict[int, dict[str, Callable[[str], bool]]] = field(default_factory=dict)

    def learn(self, app: Litestar) -> None:
        for route in app.routes:
            if not isinstance(route, HTTPRoute):
                continue
            self.allow[route.path] = ", ".join(sorted(route.methods))
            for handler, kwargs_model in route.route_handler_map.values():
                parameters = handler.parsed_fn_signature.parameters
                checks = {
                    query.field_alias: check
                    for query in kwargs_model.expected_query_params
                    if query.field_name in parameters
                    and (check := query_check(parameters[query.field_name])) is not None
                }
                if checks:
                    self.query_checks[id(handler)] = checks

    def before_request(self) -> BeforeRequest:
        """The app's ``before_request`` hook."""

        async def before_request(request: Request[Any, Any, Any]) -> Response[None] | None:
            handler = request.route_handler
            if request.method == "OPTIONS":
                methods = next((self.allow[p] for p in handler.paths if p in self.allow), None)
                if methods is not None:
                    return Response(None, status_code=204, headers={"Allow": methods})
                return None
            if b"%00" in request.scope["query_string"]:
                raise _refuse_nul("query")
            if "\x00" in request.scope["path"]:
                raise _refuse_nul("path")
            for key, check in self.query_checks.get(id(handler), {}).items():
                for raw in request.query_params.getall(key, ()):
                    if not check(raw):
                        raise ValidationException(
                            f"{key}: {raw[:50]!r} is not a value of this parameter",
                            extra=[{"message": "invalid value", "key": key, "source": "query"}],
                        )
            body_type = json_body_type(handler)
            if body_type is not None:
                await check_json_body(request, body_type)
            return None

        return before_request
