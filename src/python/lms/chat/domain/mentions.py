"""Mentions in a message body: ``@`` followed by a user's id, the canonical 36-character UUID
(``@0b6f2c1e-8a4d-4f57-9c1e-2d3b4a5c6d7e``). Clients resolve names to ids before sending and
show them back as names; the server reads nothing else as a mention (no ``@name`` lookups).

Strict: the token is not glued to a word before it (``a@<id>`` is an address, not a mention)
nor followed by a letter, digit, ``-`` or ``_``; the hex may be of either case. The ids come out
once each, in the order of their first mention, without the sender, at most ``MAX_MENTIONS``
(the rest are ignored). Whether each one may read the room is decided by the caller."""

from __future__ import annotations

import re
from uuid import UUID

MAX_MENTIONS = 20

_MENTION = re.compile(
    r"(?<![\w@])@([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})"
    r"(?![\w-])"
)


def mentioned_ids(body: str, sender_id: UUID | None = None) -> list[UUID]:
    found: list[UUID] = []
    for match in _MENTION.finditer(body):
        user_id = UUID(match.group(1))
        if user_id == sender_id or user_id in found:
            continue
        found.append(user_id)
        if len(found) == MAX_MENTIONS:
            break
    return found
