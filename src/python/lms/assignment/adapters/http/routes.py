"""Every controller of the assignment service, in the order the OpenAPI lists them."""

from __future__ import annotations

from litestar.types import ControllerRouterHandler

from lms.assignment.adapters.http.assignments import AssignmentController
from lms.assignment.adapters.http.late_policy import LatePolicyController
from lms.assignment.adapters.http.lists import ListController
from lms.assignment.adapters.http.overrides import OverrideController

ROUTES: list[ControllerRouterHandler] = [
    ListController,
    AssignmentController,
    OverrideController,
    LatePolicyController,
]
