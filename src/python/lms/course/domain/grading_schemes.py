"""A course's own grading scheme. The rule itself (``GradingScheme``: letters, floors, Canvas's
default) is the platform's, shared with the submission service that grades with it:
``lms_platform.kernel.grading.schemes``. No scheme (``None``) means the default scheme."""

from __future__ import annotations

from collections.abc import Iterable

from lms_platform.kernel.grading import GradingScheme


def scheme_or_default(levels: Iterable[tuple[object, object]] | None) -> GradingScheme | None:
    """``None`` (the default scheme) or the validated scheme."""
    return None if levels is None else GradingScheme.of(levels)
