"""Properties of the grading rules over generated dates, overrides, policies and times."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from lms_platform.kernel.grading import (
    DATE_FIELDS,
    AssignmentDates,
    DateOverride,
    DateSource,
    EffectiveDates,
    GradingType,
    LateInterval,
    LatePolicy,
    OverrideTarget,
    effective_dates,
    evaluate,
)

EPOCH = datetime(2026, 9, 1, tzinfo=UTC)
STUDENT = uuid.UUID(int=1)
SECTIONS = [uuid.UUID(int=n) for n in range(10, 14)]

instants = st.integers(min_value=0, max_value=120 * 86_400).map(
    lambda s: EPOCH + timedelta(seconds=s)
)
fine_instants = st.integers(min_value=0, max_value=120 * 86_400 * 1_000_000).map(
    lambda us: EPOCH + timedelta(microseconds=us)
)
maybe_instants = st.none() | instants
percents = st.integers(min_value=0, max_value=10_000).map(lambda c: Decimal(c) / 100)


@st.composite
def ordered_dates(draw: st.DrawFn) -> AssignmentDates:
    values = sorted(draw(st.lists(instants, min_size=3, max_size=3)))
    kept = [v if draw(st.booleans()) else None for v in values]
    return AssignmentDates(unlock_at=kept[0], due_at=kept[1], lock_at=kept[2])


@st.composite
def overrides(draw: st.DrawFn) -> DateOverride:
    target = draw(st.sampled_from(OverrideTarget))
    target_id = (
        draw(st.sampled_from([STUDENT, uuid.UUID(int=2)]))
        if target is OverrideTarget.STUDENT
        else draw(st.sampled_from(SECTIONS))
    )
    fields = draw(st.frozensets(st.sampled_from(DATE_FIELDS)))
    return DateOverride(
        target=target,
        target_id=target_id,
        fields=fields,
        **{name: draw(maybe_instants) for name in fields},
    )


policies = st.builds(
    LatePolicy,
    late_deduction_enabled=st.booleans(),
    late_deduction_percent=percents,
    late_interval=st.sampled_from(LateInterval),
    minimum_percent_enabled=st.booleans(),
    minimum_percent=percents,
    missing_deduction_enabled=st.booleans(),
    missing_deduction_percent=percents,
)
student_sections = st.frozensets(st.sampled_from(SECTIONS))


@given(ordered_dates(), st.lists(overrides(), max_size=6), student_sections, st.randoms())
def test_effective_dates_ignore_the_order_of_overrides(
    base: AssignmentDates,
    given_overrides: list[DateOverride],
    sections: frozenset[uuid.UUID],
    rnd: random.Random,
) -> None:
    shuffled = list(given_overrides)
    rnd.shuffle(shuffled)
    first = effective_dates(base, given_overrides, student_id=STUDENT, section_ids=sections)
    assert effective_dates(base, shuffled, student_id=STUDENT, section_ids=sections) == first


@given(ordered_dates(), st.lists(overrides(), max_size=6), student_sections)
def test_effective_dates_never_cross(
    base: AssignmentDates, given_overrides: list[DateOverride], sections: frozenset[uuid.UUID]
) -> None:
    dates = effective_dates(base, given_overrides, student_id=STUDENT, section_ids=sections)
    AssignmentDates(
        unlock_at=dates.unlock_at, due_at=dates.due_at, lock_at=dates.lock_at
    ).check_order()


@given(ordered_dates(), st.lists(overrides(), max_size=6), student_sections)
def test_the_students_own_due_date_always_wins(
    base: AssignmentDates, given_overrides: list[DateOverride], sections: frozenset[uuid.UUID]
) -> None:
    own = [
        o
        for o in given_overrides
        if o.target is OverrideTarget.STUDENT and o.target_id == STUDENT and "due_at" in o.fields
    ]
    dates = effective_dates(base, given_overrides, student_id=STUDENT, section_ids=sections)
    if own:
        assert dates.due_source is DateSource.STUDENT
        assert dates.due_at in {o.due_at for o in own}


@given(ordered_dates(), st.lists(overrides(), max_size=6), student_sections)
def test_overrides_of_other_targets_change_nothing(
    base: AssignmentDates, given_overrides: list[DateOverride], sections: frozenset[uuid.UUID]
) -> None:
    applicable = [o for o in given_overrides if o.applies_to(STUDENT, sections)]
    assert effective_dates(
        base, given_overrides, student_id=STUDENT, section_ids=sections
    ) == effective_dates(base, applicable, student_id=STUDENT, section_ids=sections)


@given(ordered_dates(), st.lists(overrides(), min_size=1, max_size=4), instants)
def test_one_more_section_never_makes_the_due_date_earlier(
    base: AssignmentDates, section_overrides: list[DateOverride], extra_due: datetime
) -> None:
    only_sections = [o for o in section_overrides if o.target is OverrideTarget.SECTION]
    sections = frozenset(SECTIONS)
    before = effective_dates(base, only_sections, student_id=None, section_ids=sections)
    extra = DateOverride(
        target=OverrideTarget.SECTION,
        target_id=SECTIONS[0],
        due_at=extra_due,
        fields=frozenset({"due_at"}),
    )
    after = effective_dates(base, [*only_sections, extra], student_id=None, section_ids=sections)
    if before.due_source is DateSource.SECTION:  # "latest wins" compares sections with sections
        assert before.due_at is None or after.due_at is None or after.due_at >= before.due_at


@given(ordered_dates(), policies, fine_instants, st.sampled_from(GradingType))
def test_late_exactly_when_after_due(
    base: AssignmentDates, policy: LatePolicy, submitted: datetime, grading: GradingType
) -> None:
    dates = EffectiveDates.of(base)
    result = evaluate(submitted, dates, policy, now=submitted, grading_type=grading)
    assert result.late is (base.due_at is not None and submitted > base.due_at)
    assert result.late is (result.seconds_late > 0)
    assert not result.missing
    if result.late:
        interval = policy.late_interval.seconds
        assert (result.intervals_late - 1) * interval < result.seconds_late
        assert result.seconds_late <= result.intervals_late * interval


@given(ordered_dates(), policies, instants, instants)
def test_later_is_never_cheaper(
    base: AssignmentDates, policy: LatePolicy, one: datetime, other: datetime
) -> None:
    dates = EffectiveDates.of(base)
    early, late = sorted([one, other])
    assert (
        evaluate(early, dates, policy, now=late).deduction_percent
        <= evaluate(late, dates, policy, now=late).deduction_percent
    )


@given(ordered_dates(), policies, st.none() | instants, instants)
def test_deductions_stay_within_bounds(
    base: AssignmentDates, policy: LatePolicy, submitted: datetime | None, now: datetime
) -> None:
    result = evaluate(submitted, EffectiveDates.of(base), policy, now=now)
    assert 0 <= result.deduction_percent <= 100
    if result.late and policy.minimum_percent_enabled:
        assert result.deduction_percent <= 100 - policy.minimum_percent
    if not (result.late or result.missing):
        assert result.deduction_percent == 0


@given(
    ordered_dates(),
    policies,
    instants,
    st.integers(min_value=1, max_value=100_000).map(lambda c: Decimal(c) / 100),
    st.integers(min_value=0, max_value=100),
)
def test_a_late_score_never_drops_below_the_floor_or_rises(
    base: AssignmentDates,
    policy: LatePolicy,
    submitted: datetime,
    possible: Decimal,
    score_percent: int,
) -> None:
    score = (possible * score_percent / 100).quantize(Decimal("0.01"))
    result = evaluate(submitted, EffectiveDates.of(base), policy, now=submitted)
    lost = result.points_deducted(score, possible)
    assert 0 <= lost <= score
    if policy.minimum_percent_enabled:
        floor = possible * policy.minimum_percent / 100
        # Rounding to cents may cost at most half a cent beyond the floor.
        assert score - lost >= min(score, floor) - Decimal("0.005")


@given(ordered_dates(), policies, instants)
def test_evaluation_is_pure(base: AssignmentDates, policy: LatePolicy, submitted: datetime) -> None:
    dates = EffectiveDates.of(base)
    assert evaluate(submitted, dates, policy, now=submitted) == evaluate(
        submitted, dates, policy, now=submitted
    )
