"""Grading rules every service applies the same way: which dates apply to a student (overrides
and their precedence), what the course's late policy makes of a submission time (the assignment
service previews them; the submission service applies them), and a course's grading scheme (the
course service enforces it; the submission service grades letters with it). Pure standard
library.
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
from lms_platform.kernel.grading.schemes import (
    DEFAULT_SCHEME,
    MAX_LEVELS,
    MAX_NAME_LENGTH,
    GradingLevel,
    GradingScheme,
    letter_for,
)

__all__ = [
    "DATE_FIELDS",
    "DEFAULT_SCHEME",
    "MAX_LEVELS",
    "MAX_NAME_LENGTH",
    "NOT_DEDUCTIBLE",
    "NO_LATE_POLICY",
    "AssignmentDates",
    "DateOverride",
    "DateSource",
    "EffectiveDates",
    "GradingLevel",
    "GradingScheme",
    "GradingType",
    "LateEvaluation",
    "LateInterval",
    "LatePolicy",
    "OverrideTarget",
    "SubmissionWindow",
    "effective_dates",
    "evaluate",
    "letter_for",
]
