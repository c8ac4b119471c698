"""The notes and their shares."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, Response, delete, get, patch, post, put
from litestar.params import (
    FromPath,
    FromQuery,
    HeaderParameter,
    JSONBody,
    QueryParameter,
)

from lms.notes.adapters.http.params import (
    based_on,
    decode_cursor,
    encode_cursor,
    list_binding,
    with_etag,
)
from lms.notes.adapters.http.schemas import (
    NoteBody,
    NotePageResponse,
    NoteResponse,
    PatchNoteBody,
    ReplaceNoteBody,
    ShareBody,
    ShareListResponse,
    ShareResponse,
)
from lms.notes.application.ports import NoteFilter, Scope, Sort
from lms.notes.application.reading import GetNote, ListNotes
from lms.notes.application.sharing import ListShares, RevokeShare, ShareNote
from lms.notes.application.writing import CreateNote, DeleteNote, EditNote
from lms.notes.domain.notes import TAG_MAX_CHARS, LinkKind, ShareAccess, ShareKind
from lms_platform.http.openapi import problems
from lms_platform.kernel.principal import Principal

IfMatch = Annotated[
    str | None,
    HeaderParameter(
        name="If-Match", max_length=40,
        description="The ETag of a read: the change applies only to that version, else 412",
    ),
]  # fmt: skip
SortName = Literal["-updated_at", "updated_at", "-created_at", "created_at", "title", "-title"]
ScopeName = Literal["mine", "shared", "all"]


class NotesController(Controller):
    path = "/notes"
    tags = ["notes"]

    @post("/", summary="Write a note", responses=problems(403, 422))
    @inject
    async def create_note(
        self, data: JSONBody[NoteBody], principal: FromDishka[Principal],
        use_case: FromDishka[CreateNote],
    ) -> Response[NoteResponse]:  # fmt: skip
        return with_etag(await use_case(principal, data.content()), 201)

    @get(
        "/",
        summary="The notes I can see: mine, shared with me, or both; filtered, sorted, and paged "
        "by cursor (a stable order while notes are added)",
        responses=problems(422),
    )
    @inject
    async def list_notes(
        self, principal: FromDishka[Principal], use_case: FromDishka[ListNotes],
        visible: Annotated[ScopeName, QueryParameter(name="scope", description="mine, shared with me, or all")] = "all",
        tag: Annotated[str | None, QueryParameter(min_length=1, max_length=TAG_MAX_CHARS)] = None,
        course_id: FromQuery[UUID | None] = None,
        linked_kind: FromQuery[Literal["course", "section", "assignment", "content"] | None] = None,
        linked_id: FromQuery[UUID | None] = None,
        q: Annotated[str | None, QueryParameter(min_length=1, max_length=100, description="In title or body")] = None,
        pinned: FromQuery[bool | None] = None,
        archived: FromQuery[bool | None] = False,
        sort: FromQuery[SortName] = "-updated_at",
        cursor: Annotated[str | None, QueryParameter(max_length=400, description="next_cursor of the previous page")] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = 20,
    ) -> NotePageResponse:  # fmt: skip
        where = NoteFilter(
            scope=Scope(visible), tag=tag, course_id=course_id,
            linked_kind=LinkKind(linked_kind) if linked_kind else None, linked_id=linked_id,
            text=q, pinned=pinned, archived=archived,
        )  # fmt: skip
        order = Sort(sort)
        binding = list_binding(where, order)
        page = await use_case(principal, where, order, decode_cursor(cursor, order, binding), limit)
        return NotePageResponse(
            items=[NoteResponse.from_domain(note) for note in page.items],
            next_cursor=encode_cursor(page.next, binding),
        )

    @get("/{note_id:uuid}", summary="A note I can see")
    @inject
    async def get_note(
        self, note_id: FromPath[UUID], principal: FromDishka[Principal],
        use_case: FromDishka[GetNote],
    ) -> Response[NoteResponse]:  # fmt: skip
        return with_etag(await use_case(principal, note_id))

    @put(
        "/{note_id:uuid}",
        summary="Replace a note's content; based on a version (If-Match: a stale one is 412; "
        "or body version: a stale one is 409 with current_version)",
        responses=problems(403, 409, 412, 422, 428),
    )
    @inject
    async def replace_note(
        self, note_id: FromPath[UUID], data: JSONBody[ReplaceNoteBody],
        principal: FromDishka[Principal], use_case: FromDishka[EditNote],
        if_match: IfMatch = None,
    ) -> Response[NoteResponse]:  # fmt: skip
        version = based_on(if_match, data.version, required=True)
        assert version is not None
        return with_etag(await use_case(principal, note_id, version, content=data.content()))

    @patch(
        "/{note_id:uuid}",
        summary="Change some of a note's fields; based on a version as PUT",
        responses=problems(403, 409, 412, 422, 428),
    )
    @inject
    async def patch_note(
        self, note_id: FromPath[UUID], data: JSONBody[PatchNoteBody],
        principal: FromDishka[Principal], use_case: FromDishka[EditNote],
        if_match: IfMatch = None,
    ) -> Response[NoteResponse]:  # fmt: skip
        version = based_on(if_match, data.version, required=True)
        assert version is not None
        return with_etag(await use_case(principal, note_id, version, changes=data.changes()))

    @delete(
        "/{note_id:uuid}", summary="Delete my note (If-Match, when sent, must be current)",
        responses=problems(403, 412),
    )  # fmt: skip
    @inject
    async def delete_note(
        self, note_id: FromPath[UUID], principal: FromDishka[Principal],
        use_case: FromDishka[DeleteNote], if_match: IfMatch = None,
    ) -> None:  # fmt: skip
        await use_case(principal, note_id, based_on(if_match, None, required=False))

    @post(
        "/{note_id:uuid}/share",
        summary="Share my note with a user of my college (read or edit), or with a section or "
        "course I belong to (read); sharing again with the same target changes the permission",
        responses=problems(403, 422),
    )
    @inject
    async def share_note(
        self, note_id: FromPath[UUID], data: JSONBody[ShareBody],
        principal: FromDishka[Principal], use_case: FromDishka[ShareNote],
    ) -> Response[ShareResponse]:  # fmt: skip
        share, created = await use_case(
            principal, note_id, ShareKind(data.kind), data.target_id, ShareAccess(data.permission)
        )
        return Response(ShareResponse.from_domain(share), status_code=201 if created else 200)

    @get("/{note_id:uuid}/shares", summary="My note's shares", responses=problems(403))
    @inject
    async def list_shares(
        self, note_id: FromPath[UUID], principal: FromDishka[Principal],
        use_case: FromDishka[ListShares],
    ) -> ShareListResponse:  # fmt: skip
        shares = await use_case(principal, note_id)
        return ShareListResponse(items=[ShareResponse.from_domain(s) for s in shares])

    @delete(
        "/{note_id:uuid}/shares/{share_id:uuid}", summary="Revoke a share of my note",
        responses=problems(403),
    )  # fmt: skip
    @inject
    async def revoke_share(
        self, note_id: FromPath[UUID], share_id: FromPath[UUID],
        principal: FromDishka[Principal], use_case: FromDishka[RevokeShare],
    ) -> None:  # fmt: skip
        await use_case(principal, note_id, share_id)
