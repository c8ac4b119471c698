"""Each course's grading scheme, kept from the course events: an upsert that only a higher
course version passes, so a duplicate or an older event writes nothing."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import UUID

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from lms.submission.adapters.persistence.models import GradingSchemeCopyRecord
from lms.submission.domain.grades import read_scheme
from lms_platform.kernel.grading import GradingScheme


def _stored(scheme: GradingScheme | None) -> list[dict[str, str]] | None:
    # Floors as strings: the Decimal comes back exactly as it was read.
    if scheme is None:
        return None
    return [{"name": lv.name, "min_percent": str(lv.min_percent)} for lv in scheme.levels]


class SqlCourseSchemes:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def of_course(self, tenant_id: str, course_id: UUID) -> GradingScheme | None:
        record = await self._session.get(GradingSchemeCopyRecord, course_id)
        if record is None or record.tenant_id != tenant_id or record.scheme is None:
            return None
        return read_scheme((e["name"], Decimal(e["min_percent"])) for e in record.scheme)

    async def keep(
        self,
        tenant_id: str,
        course_id: UUID,
        version: int,
        scheme: GradingScheme | None,
        at: datetime,
    ) -> bool:
        row = pg_insert(GradingSchemeCopyRecord).values(
            course_id=course_id, tenant_id=tenant_id, version=version, scheme=_stored(scheme),
            updated_at=at,
        )  # fmt: skip
        statement = row.on_conflict_do_update(
            index_elements=[GradingSchemeCopyRecord.course_id],
            set_={k: row.excluded[k] for k in ("version", "scheme", "updated_at")},
            where=(GradingSchemeCopyRecord.version < row.excluded.version)
            & (GradingSchemeCopyRecord.tenant_id == tenant_id),
        ).returning(GradingSchemeCopyRecord.course_id)
        return (await self._session.execute(statement)).first() is not None
