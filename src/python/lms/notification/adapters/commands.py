"""The service's own command line: ``notification import-auth-templates`` reads auth's
``email_templates`` rows as JSON lines on stdin (the export in docs/services/notification.md,
*Carrying auth's templates over*) and prints one JSON line per row: copied, already copied or
refused, with the reason. It exits 1 when a row was refused."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec

from lms.notification.application.template_carry_over import (
    AuthTemplateVersion,
    CarryOverAuthTemplates,
)
from lms_platform.runtime import ServiceRuntime


class AuthTemplateRow(msgspec.Struct, kw_only=True):
    """One row of auth's ``email_templates``, as ``row_to_json`` writes it."""

    id: UUID
    college_id: UUID
    kind: str
    version: int
    subject: str
    text_body: str
    html_body: str
    created_at: datetime
    created_by: UUID | None = None

    def to_version(self) -> AuthTemplateVersion:
        return AuthTemplateVersion(
            id=self.id,
            college_id=str(self.college_id),  # a tenant id here is the college's id as text
            kind=self.kind,
            version=self.version,
            subject=self.subject,
            text_body=self.text_body,
            html_body=self.html_body,
            created_at=self.created_at,
            created_by=str(self.created_by) if self.created_by else None,
        )


_decoder = msgspec.json.Decoder(AuthTemplateRow)


def read_rows(lines: list[str]) -> list[AuthTemplateVersion]:
    """Every line or none: a line that does not decode stops the import before it writes."""
    rows = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            rows.append(_decoder.decode(line).to_version())
        except msgspec.ValidationError as exc:
            raise SystemExit(f"line {number}: {exc}") from None
    return rows


async def import_auth_templates(runtime: ServiceRuntime[Any]) -> None:
    rows = read_rows(sys.stdin.readlines())
    async with runtime.container() as request:
        carry_over = await request.get(CarryOverAuthTemplates)
        outcomes = await carry_over(rows)
    for outcome in outcomes:
        line = {
            key: value for key, value in msgspec.to_builtins(outcome).items() if value is not None
        }
        sys.stdout.write(msgspec.json.encode(line).decode() + "\n")
    sys.stdout.flush()
    if any(outcome.status == "refused" for outcome in outcomes):
        raise SystemExit(1)
