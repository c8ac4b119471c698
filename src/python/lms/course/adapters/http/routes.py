"""Every controller of the course service, in the order the OpenAPI lists them."""

from __future__ import annotations

from litestar.types import ControllerRouterHandler

from lms.course.adapters.http.catalogue import BatchesController, TermsController
from lms.course.adapters.http.content import ContentController
from lms.course.adapters.http.courses import CoursesController
from lms.course.adapters.http.enrollments import EnrollmentsController, MeController
from lms.course.adapters.http.roster_imports import RosterImportsController
from lms.course.adapters.http.sections import SectionsController

ROUTES: list[ControllerRouterHandler] = [
    TermsController,
    BatchesController,
    CoursesController,
    SectionsController,
    EnrollmentsController,
    MeController,
    ContentController,
    RosterImportsController,
]
