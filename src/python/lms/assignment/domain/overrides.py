"""Date overrides: an assignment's dates for one section or one student (an extension). The
precedence between them is the kernel's grading rule (``lms_platform.kernel.grading``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from lms.assignment.domain.dates import check_date, check_dates
from lms_platform.kernel.errors import InvalidInput
from lms_platform.kernel.grading import (
    DATE_FIELDS,
    AssignmentDates,
    DateOverride,
    OverrideTarget,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Override:
    id: UUID
    rule: DateOverride
    created_at: datetime
    updated_at: datetime

    @classmethod
    def create(
        cls,
        *,
        id: UUID,
        target: OverrideTarget,
        target_id: UUID,
        dates: Mapping[str, datetime | None],
        now: datetime,
    ) -> Override:
        return cls(id=id, rule=rule_for(target, target_id, dates), created_at=now, updated_at=now)

    @property
    def target(self) -> OverrideTarget:
        return self.rule.target

    @property
    def target_id(self) -> UUID:
        return self.rule.target_id

    @property
    def dates(self) -> dict[str, datetime | None]:
        """The dates it sets (a None clears that date for its target)."""
        return {name: getattr(self.rule, name) for name in DATE_FIELDS if name in self.rule.fields}

    def with_dates(self, dates: Mapping[str, datetime | None], now: datetime) -> Override:
        return Override(
            id=self.id,
            rule=rule_for(self.target, self.target_id, dates),
            created_at=self.created_at,
            updated_at=now,
        )

    def check_against(self, base: AssignmentDates) -> None:
        """Its dates, with the ones it inherits from ``base``, must stay in order."""
        check_dates(self.rule.dates_over(base), where=f"the {self.target} override: ")


def rule_for(
    target: OverrideTarget, target_id: UUID, dates: Mapping[str, datetime | None]
) -> DateOverride:
    unknown = sorted(set(dates) - set(DATE_FIELDS))
    if unknown:
        raise InvalidInput(f"not date fields: {', '.join(unknown)}")
    if not dates:
        raise InvalidInput("an override sets at least one of " + ", ".join(DATE_FIELDS))
    checked = {name: check_date(value, name) for name, value in dates.items()}
    return DateOverride(target=target, target_id=target_id, fields=frozenset(checked), **checked)
