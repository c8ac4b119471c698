"""Every controller of the notification service, in the order the OpenAPI lists them."""

from __future__ import annotations

from litestar.types import ControllerRouterHandler

from lms.notification.adapters.http.college_defaults import CollegeDefaultsController
from lms.notification.adapters.http.inbox import DeliveryHistoryController, InboxController
from lms.notification.adapters.http.preferences import PreferencesController
from lms.notification.adapters.http.push import PushSubscriptionsController
from lms.notification.adapters.http.templates import TemplatesController

ROUTES: list[ControllerRouterHandler] = [
    PreferencesController,
    InboxController,
    PushSubscriptionsController,
    DeliveryHistoryController,
    TemplatesController,
    CollegeDefaultsController,
]
