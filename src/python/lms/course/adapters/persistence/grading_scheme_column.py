"""The course's grading scheme as a JSONB column: the kernel's ``GradingScheme`` in and out,
stored as the events carry it (``[{"name", "min_percent"}]``), so the generic field-by-field
mapper needs no special case."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from lms_platform.kernel.grading import GradingScheme


class GradingSchemeJson(TypeDecorator[GradingScheme]):
    impl = JSONB
    cache_ok = True

    def process_bind_param(self, value: GradingScheme | None, dialect: Dialect) -> Any:
        return value.to_json() if value is not None else None

    def process_result_value(self, value: Any, dialect: Dialect) -> GradingScheme | None:
        return GradingScheme.from_json(value) if value is not None else None
