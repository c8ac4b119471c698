"""``chat.mentioned`` as a mention to notify (ids and the room's link only), refused when it
does not decode; every type's preview has a sample for each of its variables."""

from __future__ import annotations

import uuid

import pytest

from lms.notification.adapters.messaging.chat_events import mention_of
from lms.notification.config import load_notification_settings
from lms.notification.domain.kinds import NotificationType
from lms.notification.domain.templates import TEMPLATE_VARIABLES, sample_variables
from lms_platform.messaging import EnvelopeDecodeError, decode_envelope
from tests.notification.integration.test_chat_mentions import _data, mentioned

SETTINGS = load_notification_settings({}, chat_room_url_template="/c/{room_id}")


def test_a_mention_carries_the_room_the_sender_and_the_mentioned_ids() -> None:
    room, sender, ada = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    envelope = decode_envelope(mentioned(_data(room, sender, ada) | {"body": "secret"}))

    mention = mention_of(envelope, SETTINGS)

    assert (mention.room_id, mention.sender_id, list(mention.mentioned_user_ids)) == (
        room, sender, [ada],
    )  # fmt: skip
    assert mention.url == f"/c/{room}" and str(mention.source_event_id) == envelope.id
    assert "secret" not in repr(mention)


@pytest.mark.parametrize(
    "change",
    [
        {"room_id": "not-a-room"},
        {"mentioned_user_ids": "not-a-list"},
        {"mentioned_user_ids": [""]},
        {"mentioned_user_ids": [str(uuid.uuid4()) for _ in range(101)]},
        {"sender_id": None},
    ],
)
def test_a_payload_that_does_not_decode_is_refused(change: dict) -> None:
    data = _data(str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())) | change
    with pytest.raises(EnvelopeDecodeError):
        mention_of(decode_envelope(mentioned(data)), SETTINGS)


def test_a_mention_without_a_college_is_refused() -> None:
    data = _data(str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4()))
    with pytest.raises(EnvelopeDecodeError):
        mention_of(decode_envelope(mentioned(data, college=None)), SETTINGS)


@pytest.mark.parametrize("kind", list(NotificationType))
def test_every_variable_of_a_type_has_a_sample(kind: NotificationType) -> None:
    assert set(sample_variables(kind)) == TEMPLATE_VARIABLES[kind]
