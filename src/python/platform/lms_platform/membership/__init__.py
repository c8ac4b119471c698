"""The membership read model, built from the course service's ``enrollment.*`` events: one row
per enrollment, replaced only by a higher version, so replays, duplicates and out-of-order
delivery leave it as a clean run would. Services that decide access by section membership
(assignment, submission, chat, search) keep it in their own database; see docs/memberships.md."""

from lms_platform.membership.consumer import MEMBERSHIP_CONSUMER, subscribe_memberships
from lms_platform.membership.events import EnrollmentEvent, EnrollmentSnapshot
from lms_platform.membership.models import MembershipRecord
from lms_platform.membership.projection import MembershipChange, apply_enrollment
from lms_platform.membership.reader import RequestMembershipReader, SqlMembershipReader

__all__ = [
    "MEMBERSHIP_CONSUMER",
    "EnrollmentEvent",
    "EnrollmentSnapshot",
    "MembershipChange",
    "MembershipRecord",
    "RequestMembershipReader",
    "SqlMembershipReader",
    "apply_enrollment",
    "subscribe_memberships",
]
