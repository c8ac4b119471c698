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
from lms_platform.http.auth import DEFAULT_PUBLIC_PATHS, bearer_auth_middleware
from lms_platform.http.health import ReadinessCheck, health_handlers
from lms_platform.http.observability import observability_middleware_factory
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
    debug: bool = False,
) -> Litestar:
    """Build a service's app with health, readiness, metrics, OpenAPI at ``/schema``, problem
    details, request ids, tracing, a body-size limit and bearer-token auth on every other route."""
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
            bearer_auth_middleware(verifier, [*DEFAULT_PUBLIC_PATHS, *public_paths]),
        ],
        exception_handlers=EXCEPTION_HANDLERS,
        openapi_config=openapi,
        request_max_body_size=settings.max_request_body_bytes,
        logging_config=None,  # lms_platform.logging owns logging; Litestar must not reconfigure it
        on_startup=list(on_startup),
        on_shutdown=[*on_shutdown, container.close],
        debug=debug,
    )
    setup_dishka(container, app)
    return app
