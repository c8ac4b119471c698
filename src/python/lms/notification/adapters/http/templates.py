"""``/templates/{type}/{channel}``: the caller's college's templates (its admins)."""

from __future__ import annotations

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, get, post, put
from litestar.params import FromPath, JSONBody

from lms.notification.adapters.http.inbox import Limit, Offset
from lms.notification.adapters.http.schemas import (
    PreviewRequest,
    RenderedResponse,
    TemplateRequest,
    TemplateResponse,
)
from lms.notification.application.templates import (
    GetCurrentTemplate,
    ListTemplateVersions,
    PreviewTemplate,
    PublishTemplate,
)
from lms.notification.domain.kinds import Channel, NotificationType
from lms.notification.domain.templates import TemplateContent
from lms_platform.http.openapi import problems
from lms_platform.http.pagination import PageResponse, page_request, to_page_response
from lms_platform.kernel.errors import InvalidInput
from lms_platform.kernel.pagination import DEFAULT_LIMIT
from lms_platform.kernel.principal import Principal


class TemplatesController(Controller):
    path = "/templates/{kind:str}/{channel:str}"
    tags = ["templates"]

    @get("/", summary="The current template (or the built-in default, version 0)",
         responses=problems(403))  # fmt: skip
    @inject
    async def get_template(
        self, kind: FromPath[NotificationType], channel: FromPath[Channel],
        principal: FromDishka[Principal], use_case: FromDishka[GetCurrentTemplate],
    ) -> TemplateResponse:  # fmt: skip
        return TemplateResponse.from_domain(await use_case(principal, kind, channel))

    @get("/versions", summary="Every version, newest first", responses=problems(403))
    @inject
    async def list_versions(
        self, kind: FromPath[NotificationType], channel: FromPath[Channel],
        principal: FromDishka[Principal], use_case: FromDishka[ListTemplateVersions],
        limit: Limit = DEFAULT_LIMIT, offset: Offset = 0,
    ) -> PageResponse[TemplateResponse]:  # fmt: skip
        page = await use_case(principal, kind, channel, page_request(limit, offset))
        return to_page_response(page, TemplateResponse.from_domain)

    @put("/", status_code=201, summary="Write a new version (checked and rendered with sample data)",
         responses=problems(403))  # fmt: skip
    @inject
    async def put_template(
        self, kind: FromPath[NotificationType], channel: FromPath[Channel],
        data: JSONBody[TemplateRequest],
        principal: FromDishka[Principal], use_case: FromDishka[PublishTemplate],
    ) -> TemplateResponse:  # fmt: skip
        content = TemplateContent(
            subject=data.subject, text_body=data.text_body, html_body=data.html_body
        )
        return TemplateResponse.from_domain(await use_case(principal, kind, channel, content))

    @post("/preview", status_code=200, summary="Render with sample data; writes nothing",
          responses=problems(403, 404))  # fmt: skip
    @inject
    async def preview(
        self, kind: FromPath[NotificationType], channel: FromPath[Channel],
        data: JSONBody[PreviewRequest],
        principal: FromDishka[Principal], use_case: FromDishka[PreviewTemplate],
    ) -> RenderedResponse:  # fmt: skip
        given = (data.subject, data.text_body, data.html_body)
        content = None
        if any(part is not None for part in given):
            if data.subject is None or data.text_body is None or data.version is not None:
                raise InvalidInput("send subject and text_body (html_body optional), or a version")
            content = TemplateContent(
                subject=data.subject, text_body=data.text_body, html_body=data.html_body or ""
            )
        rendered = await use_case(principal, kind, channel, content, data.version)
        return RenderedResponse(
            subject=rendered.subject, text_body=rendered.text_body, html_body=rendered.html_body
        )
