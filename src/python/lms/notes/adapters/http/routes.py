"""Every controller of the notes service, in the order the OpenAPI lists them."""

from __future__ import annotations

from litestar.types import ControllerRouterHandler

from lms.notes.adapters.http.notes import NotesController

ROUTES: list[ControllerRouterHandler] = [NotesController]
