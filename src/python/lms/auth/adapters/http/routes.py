"""Every controller of the auth service and the routes that need no token."""

from __future__ import annotations

from lms.auth.adapters.http.accounts import AccountsController
from lms.auth.adapters.http.api_keys import ApiKeyController, ApiKeyExchangeController
from lms.auth.adapters.http.audit import AuditController
from lms.auth.adapters.http.colleges import CollegeController
from lms.auth.adapters.http.controllers import PUBLIC_PATHS, AdminController, TokenController
from lms.auth.adapters.http.credentials import CredentialsController, PublicCredentialsController
from lms.auth.adapters.http.imports import ImportsController
from lms.auth.adapters.http.roles import RolesController

ROUTES = [
    TokenController,
    AdminController,
    AuditController,
    CollegeController,
    CredentialsController,
    PublicCredentialsController,
    RolesController,
    ApiKeyExchangeController,
    ApiKeyController,
    AccountsController,
    ImportsController,
]

__all__ = ["PUBLIC_PATHS", "ROUTES"]
