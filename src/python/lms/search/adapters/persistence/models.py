"""The search service's tables, declared on advanced-alchemy's registry (which the
migrations environment reads): the search indices live in Elasticsearch; PostgreSQL holds only
the membership read model and the consumers' ``processed_messages``."""

from __future__ import annotations

from lms_platform.membership import models as _memberships  # noqa: F401 - the memberships table
