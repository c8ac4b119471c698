"""Index names and explicit mappings, one index per type behind an alias (``lms-courses`` ->
``lms-courses-v3``). Text fields carry a ``prefix`` subfield (edge n-grams at index time,
the standard analyzer at query time), so "demo" finds "Demonstration 101"."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lms.search.domain.documents import DocType

ANALYSIS: dict[str, Any] = {
    "analysis": {
        "filter": {"edge_prefix": {"type": "edge_ngram", "min_gram": 2, "max_gram": 20}},
        "analyzer": {
            "prefix": {
                "type": "custom",
                "tokenizer": "standard",
                "filter": ["lowercase", "asciifolding", "edge_prefix"],
            },
            "folded": {
                "type": "custom",
                "tokenizer": "standard",
                "filter": ["lowercase", "asciifolding"],
            },
        },
    }
}

_KEYWORD = {"type": "keyword"}
_DATE = {"type": "date"}
_PREFIX = {"type": "text", "analyzer": "prefix", "search_analyzer": "folded"}
_TEXT = {"type": "text", "analyzer": "folded", "fields": {"prefix": _PREFIX}}
_KEYWORD_TEXT = {
    "type": "keyword",
    "fields": {"text": {"type": "text", "analyzer": "folded"}, "prefix": _PREFIX},
}

_COMMON = {
    "doc_type": _KEYWORD,
    "id": _KEYWORD,
    "tenant_id": _KEYWORD,
    "deleted": {"type": "boolean"},
    "sort_key": _KEYWORD,
    "version": {"type": "long"},
}

_FIELDS: dict[DocType, dict[str, Any]] = {
    DocType.COURSE: {
        "code": _KEYWORD_TEXT,
        "title": _TEXT,
        "status": _KEYWORD,
        "term_id": _KEYWORD,
        "owner_id": _KEYWORD,
        "start_date": _DATE,
        "end_date": _DATE,
        "updated_at": _DATE,
    },
    DocType.ASSIGNMENT: {
        "title": _TEXT,
        "description": {"type": "text", "analyzer": "folded"},
        "course_id": _KEYWORD,
        "section_ids": _KEYWORD,
        "all_sections": {"type": "boolean"},
        "status": _KEYWORD,
        "visible_from": _DATE,
        "due_at": _DATE,
        "lock_at": _DATE,
        "points_possible": {"type": "double"},
        "grading_type": _KEYWORD,
        "submission_types": _KEYWORD,
        "updated_at": _DATE,
    },
    DocType.USER: {
        "display_name": _TEXT,
        "email": _KEYWORD_TEXT,
        "bio": {"type": "text", "analyzer": "folded"},
        "roles": _KEYWORD,
        "status": _KEYWORD,
        "locale": _KEYWORD,
        "timezone": _KEYWORD,
        "avatar_url": {"type": "keyword", "index": False},
        "updated_at": _DATE,
    },
    DocType.NOTE: {
        "title": _TEXT,
        "body": {"type": "text", "analyzer": "folded"},
        "tags": _KEYWORD_TEXT,
        "link_kind": _KEYWORD,
        "link_id": _KEYWORD,
        "course_id": _KEYWORD,
        "section_id": _KEYWORD,
        "pinned": {"type": "boolean"},
        "archived": {"type": "boolean"},
        "created_at": _DATE,
        "updated_at": _DATE,
        "owner_id": _KEYWORD,
        "shared": {"type": "boolean"},
        # Visibility: the live shares' targets (domain/notes.py keeps them from the events).
        "shared_user_ids": _KEYWORD,
        "shared_section_ids": _KEYWORD,
        "shared_course_ids": _KEYWORD,
        # The merge's own state: every share seen ("<id>:<kind>:<target>") and the revoked ids.
        "has_content": {"type": "boolean"},
        "content_version": {"type": "long"},
        "shares": _KEYWORD,
        "revoked_share_ids": _KEYWORD,
    },
}

# Query fields: full words (typo-tolerant) and prefixes (exact), with boosts.
FULL_TEXT_FIELDS = (
    "title^3",
    "code.text^3",
    "display_name^3",
    "email.text^2",
    "description",
    "bio",
    "body",
    "tags.text^2",
)
PREFIX_FIELDS = (
    "title.prefix^2", "code.prefix^2", "display_name.prefix^2", "email.prefix", "tags.prefix",
)  # fmt: skip
HIGHLIGHT_FIELDS = (
    "title", "title.prefix", "code.text", "code.prefix", "display_name", "display_name.prefix",
    "email.text", "email.prefix", "description", "bio", "body", "tags.text", "tags.prefix",
)  # fmt: skip
# Never in a hit: bookkeeping, and whom a note is shared with (that list is its owner's, read
# in the notes service; a hit says only ``shared``).
INTERNAL_FIELDS = frozenset(
    {
        "tenant_id", "deleted", "sort_key", "version", "shared_user_ids", "shared_section_ids",
        "shared_course_ids", "has_content", "content_version", "shares", "revoked_share_ids",
    }
)  # fmt: skip

_PLURAL = {
    DocType.COURSE: "courses",
    DocType.ASSIGNMENT: "assignments",
    DocType.USER: "users",
    DocType.NOTE: "notes",
}


def mapping(doc_type: DocType) -> dict[str, Any]:
    return {"dynamic": "strict", "properties": {**_COMMON, **_FIELDS[doc_type]}}


def index_settings(refresh_interval: str) -> dict[str, Any]:
    return {"number_of_shards": 1, "refresh_interval": refresh_interval, **ANALYSIS}


@dataclass(frozen=True, slots=True)
class IndexNames:
    """``prefix`` namespaces a deployment (and each test): ``lms-`` gives ``lms-courses``."""

    prefix: str

    def alias(self, doc_type: DocType) -> str:
        return f"{self.prefix}{_PLURAL[doc_type]}"

    def building_alias(self, doc_type: DocType) -> str:
        """Points at the version being rebuilt, while a rebuild runs; writes go there too."""
        return f"{self.alias(doc_type)}-next"

    def version(self, doc_type: DocType, number: int) -> str:
        return f"{self.alias(doc_type)}-v{number}"

    def version_number(self, doc_type: DocType, index: str) -> int | None:
        head = f"{self.alias(doc_type)}-v"
        tail = index.removeprefix(head)
        return int(tail) if index.startswith(head) and tail.isdigit() else None

    def doc_type_of(self, index: str) -> DocType:
        for doc_type in DocType:
            if index == self.alias(doc_type) or self.version_number(doc_type, index) is not None:
                return doc_type
        raise ValueError(f"{index} is not a search index of prefix {self.prefix!r}")
