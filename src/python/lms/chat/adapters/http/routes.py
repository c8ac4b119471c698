"""Every controller of the chat service, in the order the OpenAPI lists them."""

from __future__ import annotations

from litestar.types import ControllerRouterHandler

from lms.chat.adapters.http.asyncapi import asyncapi
from lms.chat.adapters.http.rooms import MessagesController, RoomsController

ROUTES: list[ControllerRouterHandler] = [RoomsController, MessagesController, asyncapi]
