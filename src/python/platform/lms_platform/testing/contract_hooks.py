"""schemathesis hooks for the contract runs (loaded by name through ``SCHEMATHESIS_HOOKS``).

CSV exports are documented as ``text/csv`` strings; without a deserializer schemathesis would
skip validating them and warn."""

from __future__ import annotations

from typing import Any

import schemathesis


@schemathesis.deserializer("text/csv")
def csv_as_text(ctx: schemathesis.DeserializationContext, response: schemathesis.Response) -> Any:
    return response.content.decode("utf-8")
