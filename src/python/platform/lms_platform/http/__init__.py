"""The HTTP edge shared by every service: app factory, problem details, auth, pagination."""

from lms_platform.http.app import create_app
from lms_platform.http.auth import PrincipalProvider
from lms_platform.http.pagination import PageResponse, page_request, to_page_response
from lms_platform.http.problems import PROBLEM_MEDIA_TYPE, ProblemDetails

__all__ = [
    "PROBLEM_MEDIA_TYPE",
    "PageResponse",
    "PrincipalProvider",
    "ProblemDetails",
    "create_app",
    "page_request",
    "to_page_response",
]
