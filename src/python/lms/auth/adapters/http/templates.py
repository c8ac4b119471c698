"""Email templates per college: the current one, its versions, a new version, a preview."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec
from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, get, post, put
from litestar.params import FromPath, JSONBody, Parameter, QueryParameter

from lms.auth.application.templates import (
    GetCurrentTemplate,
    ListTemplateVersions,
    PreviewTemplate,
    PublishTemplate,
)
from lms.auth.domain.templates import (
    MAX_BODY,
    MAX_SUBJECT,
    EmailTemplate,
    RenderedEmail,
    TemplateContent,
    TemplateKind,
)
from lms_platform.http.openapi import problems
from lms_platform.http.pagination import (
    OffsetQuery,
    PageResponse,
    page_request,
    to_page_response,
)
from lms_platform.kernel.errors import InvalidInput, NotFound
from lms_platform.kernel.pagination import DEFAULT_LIMIT, MAX_LIMIT
from lms_platform.kernel.principal import Principal

Subject = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_SUBJECT)]
Body = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_BODY)]
_PATH = "/colleges/{college_id:uuid}/email-templates/{kind:str}"
# Another kind is a 404: no such template.
Kind = Annotated[str, Parameter(schema_extra={"enum": [kind.value for kind in TemplateKind]})]


def _kind(value: str) -> TemplateKind:
    try:
        return TemplateKind(value)
    except ValueError as exc:
        raise NotFound(
            f"no template kind {value!r}; kinds: {', '.join(k.value for k in TemplateKind)}"
        ) from exc


class TemplateBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    subject: Subject
    text_body: Body
    html_body: Body

    def to_content(self) -> TemplateContent:
        return TemplateContent(
            subject=self.subject, text_body=self.text_body, html_body=self.html_body
        )


class PreviewBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Either a draft (all three parts) or a stored ``version`` (0: the built-in default);
    neither: the current template."""

    subject: Subject | None = None
    text_body: Body | None = None
    html_body: Body | None = None
    version: Annotated[int, msgspec.Meta(ge=0)] | None = None

    def draft(self) -> TemplateContent | None:
        parts = (self.subject, self.text_body, self.html_body)
        if all(part is None for part in parts):
            return None
        if self.subject is None or self.text_body is None or self.html_body is None:
            raise InvalidInput("a draft needs subject, text_body and html_body")
        if self.version is not None:
            raise InvalidInput("send a draft or a version, not both", field="version")
        return TemplateContent(
            subject=self.subject, text_body=self.text_body, html_body=self.html_body
        )


class TemplateResponse(msgspec.Struct, kw_only=True):
    id: UUID | None
    college_id: UUID
    kind: str
    version: int
    is_default: bool
    subject: str
    text_body: str
    html_body: str
    variables: list[str]
    created_at: datetime | None
    created_by: UUID | None

    @classmethod
    def from_domain(cls, template: EmailTemplate) -> TemplateResponse:
        return cls(
            id=template.id,
            college_id=template.college_id,
            kind=template.kind.value,
            version=template.version,
            is_default=template.is_default,
            subject=template.content.subject,
            text_body=template.content.text_body,
            html_body=template.content.html_body,
            variables=sorted(template.variables),
            created_at=template.created_at,
            created_by=template.created_by,
        )


class RenderedResponse(msgspec.Struct, kw_only=True):
    subject: str
    text_body: str
    html_body: str

    @classmethod
    def from_domain(cls, rendered: RenderedEmail) -> RenderedResponse:
        return cls(
            subject=rendered.subject, text_body=rendered.text_body, html_body=rendered.html_body
        )


class EmailTemplateController(Controller):
    tags = ["email templates"]

    @get(
        _PATH,
        summary="The current template of a kind, or the built-in default (admin)",
        responses=problems(403),
    )
    @inject
    async def current(
        self,
        college_id: FromPath[UUID],
        kind: Kind,
        principal: FromDishka[Principal],
        use_case: FromDishka[GetCurrentTemplate],
    ) -> TemplateResponse:
        return TemplateResponse.from_domain(await use_case(principal, college_id, _kind(kind)))

    @get(
        _PATH + "/versions",
        summary="Every written version, newest first (admin)",
        responses=problems(403),
    )
    @inject
    async def versions(
        self,
        college_id: FromPath[UUID],
        kind: Kind,
        principal: FromDishka[Principal],
        use_case: FromDishka[ListTemplateVersions],
        limit: Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
        offset: OffsetQuery = 0,
    ) -> PageResponse[TemplateResponse]:
        page = await use_case(principal, college_id, _kind(kind), page_request(limit, offset))
        return to_page_response(page, TemplateResponse.from_domain)

    @put(
        _PATH,
        status_code=201,
        summary="Write a new version; older ones stay (admin)",
        responses=problems(403),
    )
    @inject
    async def publish(
        self,
        college_id: FromPath[UUID],
        kind: Kind,
        data: JSONBody[TemplateBody],
        principal: FromDishka[Principal],
        use_case: FromDishka[PublishTemplate],
    ) -> TemplateResponse:
        template = await use_case(principal, college_id, _kind(kind), data.to_content())
        return TemplateResponse.from_domain(template)

    @post(
        _PATH + "/preview",
        status_code=200,
        summary="Render with sample data (admin)",
        responses=problems(403),
    )
    @inject
    async def preview(
        self,
        college_id: FromPath[UUID],
        kind: Kind,
        data: JSONBody[PreviewBody],
        principal: FromDishka[Principal],
        use_case: FromDishka[PreviewTemplate],
    ) -> RenderedResponse:
        rendered = await use_case(
            principal, college_id, _kind(kind), content=data.draft(), version=data.version
        )
        return RenderedResponse.from_domain(rendered)
