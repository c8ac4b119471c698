"""The search service's dishka providers: each port bound to its adapter
(``provide(Impl, provides=Port)``), and the use cases. The platform runtime adds the engine,
sessions, Redis, clock, ids and the outbox stager."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

from dishka import Provider, Scope, provide
from elasticsearch import AsyncElasticsearch
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lms.search.adapters.elastic.client import build_client
from lms.search.adapters.elastic.index import ElasticsearchIndex
from lms.search.adapters.elastic.indices import IndexCatalogue
from lms.search.adapters.elastic.mappings import IndexNames
from lms.search.adapters.elastic.rebuild import ElasticsearchRebuilder
from lms.search.adapters.metrics import PrometheusLagRecorder
from lms.search.application.indexing import IndexDocument, IndexDocuments
from lms.search.application.note_indexing import IndexNoteChanges
from lms.search.application.ports import IndexRebuilder, LagRecorder, SearchIndex
from lms.search.application.reindexing import RebuildIndices
from lms.search.application.searching import Search
from lms.search.config import SearchSettings
from lms_platform.kernel.membership import MembershipReader
from lms_platform.membership import RequestMembershipReader


class SearchAdaptersProvider(Provider):
    scope = Scope.APP

    def __init__(self, settings: SearchSettings) -> None:
        super().__init__()
        self._settings = settings

    @provide
    async def client(self) -> AsyncIterator[AsyncElasticsearch]:
        client = build_client(self._settings)
        yield client
        await client.close()

    @provide
    def catalogue(self, client: AsyncElasticsearch) -> IndexCatalogue:
        return IndexCatalogue(
            client,
            IndexNames(self._settings.index_prefix),
            refresh_interval=self._settings.index_refresh_interval,
            cache_seconds=self._settings.rebuild_alias_cache_seconds,
        )

    @provide
    def rebuilder(self, catalogue: IndexCatalogue) -> IndexRebuilder:
        return ElasticsearchRebuilder(
            catalogue,
            batch_size=self._settings.rebuild_batch_size,
            settle_seconds=2 * self._settings.rebuild_alias_cache_seconds,
        )

    @provide(scope=Scope.REQUEST)
    def memberships(
        self, session: AsyncSession, sessions: async_sessionmaker[AsyncSession]
    ) -> MembershipReader:
        # In the request's (or message's) transaction if one is open: never a second connection.
        return RequestMembershipReader(session, sessions)

    index = provide(ElasticsearchIndex, provides=SearchIndex)
    lag = provide(PrometheusLagRecorder, provides=LagRecorder)


class SearchUseCasesProvider(Provider):
    scope = Scope.REQUEST

    index_document = provide(IndexDocument)
    index_documents = provide(IndexDocuments)
    index_note_changes = provide(IndexNoteChanges)
    search = provide(Search)
    rebuild = provide(RebuildIndices)


def providers(settings: SearchSettings) -> Sequence[Provider]:
    return [SearchAdaptersProvider(settings), SearchUseCasesProvider()]
