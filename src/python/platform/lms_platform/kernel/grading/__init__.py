"""Grading rules every service applies the same way: which dates apply to a student (overrides
and their precedence) and what the course's late policy makes of a submission time. The
assignment service previews them; the submission service applies them. Pure standard library.
"""

from lms_platform.kernel.grading.dates import (
    DATE_FIELDS,
    AssignmentDates,
    DateOverride,
    DateSource,
    EffectiveDates,
    OverrideTarget,
    effective_dates,
)
from lms_platform.kernel.grading.late_policy import (
    NO_LATE_POLICY,
    NOT_DEDUCTIBLE,
    GradingType,
    LateEvaluation,
    LateInterval,
    LatePolicy,
    SubmissionWindow,
    evaluate,
)

__all__ = [
    "DATE_FIELDS",
    "NOT_DEDUCTIBLE",
    "NO_LATE_POLICY",
    "AssignmentDates",
    "DateOverride",
    "DateSource",
    "EffectiveDates",
    "GradingType",
    "LateEvaluation",
    "LateInterval",
    "LatePolicy",
    "OverrideTarget",
    "SubmissionWindow",
    "effective_dates",
    "evaluate",
]
