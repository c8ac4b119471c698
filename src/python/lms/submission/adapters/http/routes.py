"""Every controller of the submission service, in the order the OpenAPI lists them."""

from __future__ import annotations

from litestar.types import ControllerRouterHandler

from lms.submission.adapters.http.controllers import (
    AssignmentArchiveController,
    AssignmentGradesController,
    PlaceholdersController,
    StudentGradeController,
    SubmissionsController,
    UploadsController,
)
from lms.submission.adapters.http.rubrics import RubricController

ROUTES: list[ControllerRouterHandler] = [
    UploadsController,
    SubmissionsController,
    AssignmentGradesController,
    StudentGradeController,
    PlaceholdersController,
    RubricController,
    AssignmentArchiveController,
]
