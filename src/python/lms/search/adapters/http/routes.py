"""Every controller of the search service, in the order the OpenAPI lists them."""

from __future__ import annotations

from litestar.types import ControllerRouterHandler

from lms.search.adapters.http.search import SearchController

ROUTES: list[ControllerRouterHandler] = [SearchController]
