"""The Litestar app factory every service uses, so that every service behaves the same at the edge."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from dishka import AsyncContainer
from dishka.integrations.litestar import setup_dishka
from litestar import Litestar, Router
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.types import ControllerRouterHandler

from lms_platform.config import ServiceSettings
from lms_platform.http.admission import bounded_wait_middleware, in_flight_limit_middleware
from lms_platform.http.auth import DEFAULT_PUBLIC_PATHS, bearer_auth_middleware
from lms_platform.http.edge import EdgeRules
from lms_platform.http.health import ReadinessCheck, health_handlers
from lms_platform.http.observability import observability_middleware_factory
from lms_platform.http.openapi import StrictStructSchemaPlugin, complete_contract
from lms_platform.http.problems import EXCEPTION_HANDLERS
from lms_platform.security.verifier import TokenVerifier


def create_app(
    *,
    settings: ServiceSettings,
    route_handlers: Sequence[ControllerRouterHandler],
    container: AsyncContainer,
    verifier: TokenVerifier,
    title: str,
    version: str = "1.0.0",
    description: str = "",
    readiness_checks: Mapping[str, ReadinessCheck] | None = None,
    public_paths: Sequence[str] = (),
    on_startup: Sequence[Callable[[], Awaitable[Any]]] = (),
    on_shutdown: Sequence[Callable[[], Awaitable[Any]]] = (),
    database_acquire_timeout: float | None = None,
    debug: bool = False,
) -> Litestar:
    """Build a service's app with health, readiness, metrics, OpenAPI at ``/schema``, problem
    details, request ids, tracing, a body-size limit and bearer-token auth on every other route.

    ``public_paths`` (regexes) are the routes that need no token; the OpenAPI document derives
    their empty ``security`` from the same list (lms_platform.http.openapi).

    ``database_acquire_timeout``, for a service with a database: how long a request waits for a
    connection before its 503 (lms_platform.http.admission); ``settings.max_requests_in_flight``
    sheds requests beyond it with a 503. Either way the OpenAPI declares the 503."""
    public = [*DEFAULT_PUBLIC_PATHS, *public_paths]
    overload_middleware: list[Any] = []
    if settings.max_requests_in_flight > 0:
        overload_middleware.append(
            in_flight_limit_middleware(
                settings.max_requests_in_flight,
                service=settings.service_name,
                retry_after_seconds=settings.overload_retry_after_seconds,
            )
        )
    if database_acquire_timeout is not None:
        overload_middleware.append(bounded_wait_middleware(database_acquire_timeout))
    edge = EdgeRules()
    openapi = OpenAPIConfig(
        title=title,
        version=version,
        description=description,
        path="/schema",
        render_plugins=[SwaggerRenderPlugin(), JsonRenderPlugin()],
        components=Components(
            security_schemes={
                "BearerToken": SecurityScheme(type="http", scheme="bearer", bearer_format="JWT")
            }
        ),
        security=[{"BearerToken": []}],
    )
    app = Litestar(
        route_handlers=[
            *health_handlers(settings.service_name, readiness_checks or {}),
            # One router: Litestar refuses a path whose methods are split over controllers
            # registered apart (GET /x in one slice, POST /x in another); in one Router they merge.
            Router("/", route_handlers=list(route_handlers)),
        ],
        middleware=[
            observability_middleware_factory(settings.service_name, access_log=settings.access_log),
            *overload_middleware,
            bearer_auth_middleware(verifier, public),
        ],
        before_request=edge.before_request(),
        exception_handlers=EXCEPTION_HANDLERS,
        openapi_config=openapi,
        plugins=[StrictStructSchemaPlugin()],
        request_max_body_size=settings.max_request_body_bytes,
        logging_config=None,  # lms_platform.logging owns logging; Litestar must not reconfigure it
        on_startup=list(on_startup),
        on_shutdown=[*on_shutdown, container.close],
        debug=debug,
    )
    setup_dishka(container, app)
    edge.learn(app)  # the routes are known once they are registered
    # Built once here, then served as is: the document is complete before the first request.
    complete_contract(app.openapi_schema, public, overload=bool(overload_middleware))
    return app
