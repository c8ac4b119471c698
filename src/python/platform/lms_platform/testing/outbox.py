"""How a test tells whether a request wrote to a SQL outbox.

Counting the rows left races with the relay, which deletes rows as it publishes them (CI has
seen three pending rows become none between two reads). The id sequence moves on every insert,
even one rolled back, and never back, so it counts the rows ever added."""

from __future__ import annotations

OUTBOX_INSERTS_SQL = "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM outbox_id_seq"
