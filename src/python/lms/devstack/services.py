"""Every service the devstack runs, in start order. Adding a service is one entry here (the
service generator writes it) plus, if it has demo data, a module of demo steps."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lms.devstack.demo import DemoContext, DemoStep

EnvHook = Callable[[Mapping[str, Any]], dict[str, str]]


def _no_env(_: Mapping[str, Any]) -> dict[str, str]:
    return {}


@dataclass(frozen=True)
class DevService:
    """``needs`` are infra starters (``lms.devstack.infra.STARTERS``); ``env`` adds variables
    (without the service's prefix) from the started servers; ``prepare`` runs one-shot commands
    before the service starts; ``demo`` runs once every service is up."""

    name: str
    port: int
    runs: str = "HTTP, outbox relay, consumers"
    needs: frozenset[str] = frozenset({"postgres", "redis", "kafka"})
    database: bool = True
    env: EnvHook = _no_env
    prepare: Callable[[DemoContext, dict[str, str]], None] | None = None
    demo: Callable[[], Sequence[DemoStep]] = tuple
    links: Mapping[str, str] = field(default_factory=dict)  # label -> path, for the summary

    @property
    def module(self) -> str:
        return f"lms.{self.name}.main"

    @property
    def prefix(self) -> str:
        return f"LMS_{self.name.upper()}_"


def _auth_env(_: Mapping[str, Any]) -> dict[str, str]:
    # Fresh per start, like the database: signing keys are stored encrypted, as in production.
    return {
        "KEY_ENCRYPTION_KEY": secrets.token_urlsafe(32),
        "API_KEY_PEPPER": secrets.token_urlsafe(32),
    }


def _auth_prepare(context: DemoContext, env: dict[str, str]) -> None:
    from lms.devstack.demo import bootstrap_super_admin

    bootstrap_super_admin(context, env)


def _auth_demo() -> Sequence[DemoStep]:
    from lms.devstack.demo import AUTH_STEPS

    return AUTH_STEPS


def _user_demo() -> Sequence[DemoStep]:
    from lms.devstack.demo import USER_STEPS

    return USER_STEPS


def _course_demo() -> Sequence[DemoStep]:
    from lms.devstack.demo_course import COURSE_STEPS

    return COURSE_STEPS


def _assignment_demo() -> Sequence[DemoStep]:
    from lms.devstack.demo_assignment import ASSIGNMENT_STEPS

    return ASSIGNMENT_STEPS


def _submission_demo() -> Sequence[DemoStep]:
    from lms.devstack.demo_submission import SUBMISSION_STEPS

    return SUBMISSION_STEPS


def _chat_demo() -> Sequence[DemoStep]:
    from lms.devstack.demo_chat import CHAT_STEPS

    return CHAT_STEPS


def _chat_env(_: Mapping[str, Any]) -> dict[str, str]:
    return {"DEMO_PAGE": "true"}  # /chat/demo: two tabs chat (development only)


def _submission_env(servers: Mapping[str, Any]) -> dict[str, str]:
    from lms_platform.testing.s3 import ACCESS_KEY, SECRET_KEY

    return {
        "S3_ENDPOINT_URL": servers["s3"].endpoint_url,
        "S3_ACCESS_KEY": ACCESS_KEY,
        "S3_SECRET_KEY": SECRET_KEY,
        "S3_BUCKET": "lms-submissions",
        "S3_CREATE_BUCKET": "true",
    }


def _search_env(infra: Mapping[str, Any]) -> dict[str, str]:
    from lms_platform.testing.elastic import NODE_CLASS_PATH

    # osmem needs the media-type shim; production talks to Elasticsearch 9 with the stock client.
    return {
        "ELASTICSEARCH_URL": infra["elasticsearch"].url,
        "ELASTICSEARCH_NODE_CLASS": NODE_CLASS_PATH,
    }


def _notes_env(infra: Mapping[str, Any]) -> dict[str, str]:
    return {"MONGO_URL": infra["mongo"].url, "MONGO_DATABASE": "lms_notes"}


def _notes_demo() -> Sequence[DemoStep]:
    from lms.devstack.demo_notes import NOTES_STEPS

    return NOTES_STEPS


def _notification_env(infra: Mapping[str, Any]) -> dict[str, str]:
    from lms.notification.devkeys import new_vapid_private_key

    smtp = infra["smtp"]
    return {
        "SMTP_HOST": smtp.host,
        "SMTP_PORT": str(smtp.port),
        "MAIL_FROM": "LMS devstack <no-reply@lms.localhost>",
        "VAPID_PRIVATE_KEY": new_vapid_private_key(),  # fresh per start, like the auth keys
        "VAPID_SUBJECT": "mailto:dev@lms.localhost",
    }


SERVICES: Sequence[DevService] = (
    DevService(
        "auth",
        8000,
        runs="HTTP, outbox relay, import worker",
        env=_auth_env,
        prepare=_auth_prepare,
        demo=_auth_demo,
        links={"JWKS": "/.well-known/jwks.json"},
    ),
    DevService("user", 8001, demo=_user_demo),
    DevService(
        "course",
        8002,
        runs="HTTP, outbox relay, user.* consumer, roster import worker",
        demo=_course_demo,
    ),
    DevService(
        "assignment",
        8003,
        runs="HTTP, outbox relay, enrollment.* and course.* consumers",
        demo=_assignment_demo,
    ),
    DevService(
        "submission",
        8004,
        runs="HTTP, outbox relay, assignment.*, enrollment.* and user.* consumers, upload expiry",
        needs=frozenset({"postgres", "redis", "kafka", "s3"}),
        env=_submission_env,
        demo=_submission_demo,
    ),
    DevService(
        "search",
        8007,
        runs="HTTP, course/assignment/user indexing and enrollment consumers",
        needs=frozenset({"postgres", "redis", "kafka", "elasticsearch"}),
        env=_search_env,
    ),
    DevService(
        "notes",
        8005,
        runs="HTTP, outbox relay (MongoDB), enrollment.* and user.* consumers",
        needs=frozenset({"mongo", "redis", "kafka"}),
        database=False,
        env=_notes_env,
        demo=_notes_demo,
    ),
    DevService(
        "notification",
        8008,
        runs="HTTP, outbox relay, credential/account/user/assignment/enrollment consumers, delivery worker",
        needs=frozenset({"postgres", "redis", "kafka", "smtp"}),
        env=_notification_env,
    ),
    DevService(
        "chat",
        8006,
        runs="HTTP and Socket.IO on socketify, Redis fan-out, outbox relay, enrollment.* consumer",
        env=_chat_env,
        demo=_chat_demo,
        links={"demo page": "/chat/demo"},
    ),
)
