"""The OpenAPI document tells the truth about errors and security, for every service at once.

Litestar documents the success response of each route and a generic 400. The platform adds what
every service's edge answers anyway, derived from each operation (``complete_contract``):

* every route that needs a bearer token: 401;
* a route with parameters or a body: 400 (validation);
* a route with path parameters: 404;
* a route with a body: 413 (size limit), 415 (not JSON) and 422 (well formed, but refused);
* a public route (one of the app's public path patterns): ``security: []`` and no 401;
* text never holds NUL (U+0000), which PostgreSQL cannot store: the edge refuses it (400) and
  every string schema says so (``not: {type: string, pattern: "\\u0000"}``; a pattern that
  excludes it would make generating long strings from the schema slow), and so does every
  mapping's ``propertyNames`` (a key is text too);
* an optional query or header parameter is left out, never ``null``;
* in a service with a database (or an in-flight limit), every route but health, readiness and
  metrics: 503 with ``Retry-After`` (no connection within the admission bound, or too many
  requests in flight: lms_platform.http.admission).

Every error response is ``application/problem+json`` with the ``ProblemDetails`` schema. A
handler declares the statuses only its use cases know with ``responses=problems(403, 409)``.
Struct schemas say what msgspec enforces (``lms_platform.http.struct_schemas``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec

# Litestar keeps its schema generator private; tests/platform/core/test_http_contract.py fails
# loudly if an upgrade moves it.
from litestar._openapi.schema_generation import SchemaCreator
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import (
    OpenAPI,
    OpenAPIHeader,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Parameter,
    Reference,
    RequestBody,
    Schema,
)
from litestar.typing import FieldDefinition

from lms_platform.http.problems import PROBLEM_MEDIA_TYPE, TITLES, ProblemDetails
from lms_platform.http.struct_schemas import StrictStructSchemaPlugin

_PROBLEM_COMPONENT = "ProblemDetails"
_PROBLEM_REF = Reference(ref=f"#/components/schemas/{_PROBLEM_COMPONENT}")
# JSON Schema (ECMA-262) and Python both read \u0000 as NUL; lms_platform.http.edge enforces it.
NUL_PATTERN = "\\u0000"
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

_DESCRIPTIONS = {
    400: "The request is malformed: a parameter or the body does not match the schema.",
    401: "Authentication failed: the token or credential is missing, invalid or expired.",
    403: "The caller may not do this.",
    404: "Nothing of that id exists for the caller.",
    409: "The request conflicts with the current state.",
    412: "The If-Match version is not the current one.",
    413: "The body is larger than the service accepts.",
    415: "The body is not of a media type this route accepts.",
    422: "The body is well formed but its content is refused.",
    429: "Too many requests; retry after the Retry-After header's seconds.",
    503: "A dependency is unavailable.",
}
_BUSY_DESCRIPTION = (
    "The service is overloaded: no database connection was free within its bound, or it had"
    " as many requests in flight as it takes. Nothing was done; retry after the Retry-After"
    " header's seconds."
)
# Never refused for overload (readiness declares its own 503).
_NEVER_BUSY = frozenset({"/health", "/metrics", "/ready"})


def problems(*statuses: int) -> dict[int, ResponseSpec]:
    """The problem responses a handler answers beyond the derived ones:
    ``@post(..., responses=problems(409, 412))``."""
    return {
        status: ResponseSpec(
            data_container=ProblemDetails,
            media_type=PROBLEM_MEDIA_TYPE,
            description=_DESCRIPTIONS.get(status, TITLES.get(status, "Error")),
            generate_examples=False,
        )
        for status in statuses
    }


def raw_body(*media_types: str, description: str) -> type[Operation]:
    """The ``operation_class`` of a route that reads its body itself (a streamed upload), so
    that the OpenAPI still shows the body: ``@post(..., operation_class=raw_body("text/csv",
    description="..."))``."""
    content = {
        media: OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING)) for media in media_types
    }

    @dataclass
    class RawBodyOperation(Operation):
        def __post_init__(self) -> None:
            self.request_body = RequestBody(content=content, description=description, required=True)

    return RawBodyOperation


def documented(**keywords: Any) -> msgspec.Meta:
    """A rule the use case enforces (a 422), told to clients in the schema; decoding does not
    check it. ``Email = Annotated[str, msgspec.Meta(max_length=254), documented(pattern=...)]``.
    Keywords are OpenAPI schema fields: ``pattern``, ``enum``, ``format``..."""
    return msgspec.Meta(extra_json_schema={"extra": keywords})


def _problem_response(status: int) -> OpenAPIResponse:
    return OpenAPIResponse(
        description=_DESCRIPTIONS.get(status, TITLES.get(status, "Error")),
        content={PROBLEM_MEDIA_TYPE: OpenAPIMediaType(schema=_PROBLEM_REF)},
    )


def _busy_response() -> OpenAPIResponse:
    return OpenAPIResponse(
        description=_BUSY_DESCRIPTION,
        content={PROBLEM_MEDIA_TYPE: OpenAPIMediaType(schema=_PROBLEM_REF)},
        headers={
            "Retry-After": OpenAPIHeader(
                schema=Schema(type=OpenAPIType.INTEGER, minimum=1),
                description="Seconds to wait before retrying.",
                required=True,
            )
        },
    )


def _problem_schema() -> Schema:
    creator = SchemaCreator(plugins=[StrictStructSchemaPlugin()])
    creator.for_field_definition(FieldDefinition.from_annotation(ProblemDetails))
    return creator.schema_registry.generate_components_schemas()[_PROBLEM_COMPONENT]


def _parameters(operation: Operation, path_level: Iterable[Any]) -> list[Parameter]:
    return [p for p in [*path_level, *(operation.parameters or [])] if isinstance(p, Parameter)]


def derived_statuses(
    operation: Operation, *, public: bool, path_level: Iterable[Any] = ()
) -> set[int]:
    """The error statuses the platform's edge can answer for ``operation``, whatever it does."""
    parameters = _parameters(operation, path_level)
    statuses: set[int] = set()
    if not public:
        statuses.add(401)
    if operation.request_body is not None:
        statuses |= {400, 413, 415, 422}
    if parameters:
        statuses.add(400)
    if any(p.param_in == "path" for p in parameters):
        statuses.add(404)
    return statuses


def _without_null(schema: Schema) -> None:
    """An optional query or header parameter is left out, never sent as ``null``: Litestar's
    ``str | None`` schema would have clients send the text "null"."""
    if schema.one_of:
        branches = [
            b for b in schema.one_of if not (isinstance(b, Schema) and b.type == OpenAPIType.NULL)
        ]
        if (
            len(branches) == 1
            and isinstance(branches[0], Schema)
            and len(branches) < len(schema.one_of)
        ):
            schema.one_of = None
            for name, value in vars(branches[0]).items():
                if value is not None and getattr(schema, name) is None:
                    setattr(schema, name, value)
        else:
            schema.one_of = branches
    if isinstance(schema.type, list) and OpenAPIType.NULL in schema.type:
        kinds = [kind for kind in schema.type if kind != OpenAPIType.NULL]
        schema.type = kinds[0] if len(kinds) == 1 else kinds
    if schema.enum and None in schema.enum:
        schema.enum = [value for value in schema.enum if value is not None]


def _children(schema: Schema) -> list[Schema]:
    nested: list[Any] = [
        *(schema.all_of or ()),
        *(schema.any_of or ()),
        *(schema.one_of or ()),
        *(schema.prefix_items or ()),
        *(schema.properties or {}).values(),
        schema.items,
        schema.additional_properties,
    ]
    return [child for child in nested if isinstance(child, Schema)]


def _is_free_text(schema: Schema) -> bool:
    kinds = schema.type if isinstance(schema.type, list) else [schema.type]
    return (
        OpenAPIType.STRING in kinds
        and schema.enum is None
        and schema.const is None
        and schema.format is None
    )


def _is_nul_free(schema: Reference | Schema) -> bool:
    return (
        isinstance(schema, Schema)
        and isinstance(schema.schema_not, Schema)
        and schema.schema_not.pattern == NUL_PATTERN
    )


def _say_nul_free(schema: Schema) -> None:
    if _is_nul_free(schema) or any(_is_nul_free(part) for part in schema.all_of or ()):
        return
    nul_free = Schema(type=OpenAPIType.STRING, pattern=NUL_PATTERN)
    if schema.schema_not is None:
        schema.schema_not = nul_free
    else:
        schema.all_of = [*(schema.all_of or ()), Schema(schema_not=nul_free)]


def refuse_nul(schema: Schema) -> None:
    """Say in ``schema`` (recursively) that its free text holds no NUL, a mapping's keys too."""
    for child in _children(schema):
        refuse_nul(child)
    if _is_free_text(schema):
        _say_nul_free(schema)
    names = schema.property_names
    mapping = schema.additional_properties not in (None, False)  # a struct's are None or False
    if mapping and (names is None or isinstance(names, Schema)):
        names = names or Schema()
        if names.enum is None and names.const is None:
            _say_nul_free(names)
        schema.property_names = names


def is_public(path: str, public_paths: Sequence[str]) -> bool:
    return any(re.search(pattern, path) for pattern in public_paths)


def complete_contract(
    openapi: OpenAPI, public_paths: Sequence[str], *, overload: bool = False
) -> OpenAPI:
    """Add the derived problem responses and the public routes' empty security to ``openapi``
    (in place; the app serves this object), and make every error response a problem. With
    ``overload``, the routes that may be refused as overloaded declare 503 with ``Retry-After``."""
    components = openapi.components
    schemas = dict(components.schemas or {})
    schemas.setdefault(_PROBLEM_COMPONENT, _problem_schema())
    components.schemas = dict(sorted(schemas.items()))
    for schema in schemas.values():
        refuse_nul(schema)
    for path, item in (openapi.paths or {}).items():
        public = is_public(path, public_paths)
        for method in _METHODS:
            operation: Operation | None = getattr(item, method)
            if operation is None:
                continue
            if public:
                operation.security = []
            for parameter in _parameters(operation, ()):
                if isinstance(parameter.schema, Schema):
                    _without_null(parameter.schema)
                    refuse_nul(parameter.schema)
            body = operation.request_body
            for media in (body.content if isinstance(body, RequestBody) else {}).values():
                if isinstance(media.schema, Schema):
                    refuse_nul(media.schema)
            responses = dict(operation.responses or {})
            statuses = derived_statuses(operation, public=public, path_level=item.parameters or ())
            # Litestar's own 4xx entries (a generic JSON body) become problems too.
            statuses |= {
                int(code) for code in responses if code.isdigit() and 400 <= int(code) < 500
            }
            for status in sorted(statuses):
                responses[str(status)] = _problem_response(status)
            if overload and path not in _NEVER_BUSY:
                responses["503"] = _busy_response()
            operation.responses = dict(sorted(responses.items()))
    return openapi


def declared_statuses(openapi: OpenAPI) -> Mapping[str, Mapping[str, set[int]]]:
    """``{path: {method: {status, ...}}}``, for tests and reviews of the contract."""
    result: dict[str, dict[str, set[int]]] = {}
    for path, item in (openapi.paths or {}).items():
        for method in _METHODS:
            operation: Operation | None = getattr(item, method)
            if operation is not None:
                codes = {int(code) for code in operation.responses or {} if code.isdigit()}
                result.setdefault(path, {})[method.upper()] = codes
    return result
