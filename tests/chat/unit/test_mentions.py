"""Mentions are ``@<user id>`` tokens, read strictly: once each, in order, never the sender,
at most ``MAX_MENTIONS``."""

from __future__ import annotations

import uuid

import pytest

from lms.chat.domain.mentions import MAX_MENTIONS, mentioned_ids

ADA, BOB, SENDER = (uuid.uuid4() for _ in range(3))


def test_mentions_come_out_once_each_in_order_without_the_sender() -> None:
    body = f"@{BOB} and @{ADA}, see @{str(BOB).upper()}; me: @{SENDER}"
    assert mentioned_ids(body, SENDER) == [BOB, ADA]


@pytest.mark.parametrize(
    "body",
    [
        f"mail a@{ADA}",  # glued to a word before: an address
        f"@@{ADA}",
        f"@{ADA}x",  # glued to a word after
        f"@{ADA}-1",
        f"@{ADA}_",
        f"@{str(ADA)[:-1]}",  # too short
        f"@{str(ADA).replace('-', '')}",  # not the canonical form
        f"@ {ADA}",
        f"{ADA}",  # an id without the @
        "@ada",  # names are resolved by clients, never here
        f"@{{{ADA}}}",
    ],
)
def test_anything_but_the_exact_token_is_not_a_mention(body: str) -> None:
    assert mentioned_ids(body, SENDER) == []


@pytest.mark.parametrize("around", ["(@{})", "@{}.", "@{},@{}", "hi\n@{}!", "«@{}»"])
def test_a_token_between_punctuation_or_at_a_line_start_is_a_mention(around: str) -> None:
    assert mentioned_ids(around.format(ADA, ADA), SENDER) == [ADA]


def test_at_most_the_limit_and_the_rest_is_ignored() -> None:
    many = [uuid.uuid4() for _ in range(MAX_MENTIONS + 5)]
    body = " ".join(f"@{u}" for u in [SENDER, *many])
    assert mentioned_ids(body, SENDER) == many[:MAX_MENTIONS]


def test_no_sender_given_keeps_every_id() -> None:
    assert mentioned_ids(f"@{SENDER}") == [SENDER]
