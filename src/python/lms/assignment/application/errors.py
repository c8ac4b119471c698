"""Errors the assignment use cases raise; each is a kernel error kind, which the HTTP edge maps
to one status (NotFound 404, PermissionDenied 403, Conflict 409, InvalidInput 422, ...)."""

from __future__ import annotations
