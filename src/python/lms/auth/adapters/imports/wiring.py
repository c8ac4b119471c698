"""Dishka wiring of account administration, bulk operations and CSV imports and exports."""

from __future__ import annotations

from dishka import Provider, Scope, provide

from lms.auth.adapters.imports.worker import ImportWakeup
from lms.auth.application.accounts import (
    DeleteAccount,
    ExportAccounts,
    GetAccount,
    ListAccounts,
    UpdateAccount,
)
from lms.auth.application.bulk import BulkDeleteAccounts, BulkLimits, BulkUpdateAccounts
from lms.auth.application.imports import (
    GetImportJob,
    ImportLimits,
    RunImportBatch,
    StartAccountImport,
)
from lms.auth.application.ports import ImportQueueSignal
from lms.auth.config import AuthSettings


def import_limits(settings: AuthSettings) -> ImportLimits:
    return ImportLimits(
        max_bytes=settings.import_max_bytes,
        max_rows=settings.import_max_rows,
        default_batch_size=settings.import_batch_size,
        max_batch_size=settings.import_max_batch_size,
        max_errors=settings.import_max_errors,
    )


class AccountAdminProvider(Provider):
    scope = Scope.REQUEST
    account_use_cases = (
        provide(ListAccounts)
        + provide(GetAccount)
        + provide(UpdateAccount)
        + provide(DeleteAccount)
        + provide(ExportAccounts)
    )
    bulk_use_cases = provide(BulkUpdateAccounts) + provide(BulkDeleteAccounts)
    import_use_cases = provide(StartAccountImport) + provide(GetImportJob) + provide(RunImportBatch)

    def __init__(self, settings: AuthSettings) -> None:
        super().__init__()
        self._settings = settings

    wakeup = provide(ImportWakeup, scope=Scope.APP)

    @provide(scope=Scope.APP)
    def bulk_limits(self) -> BulkLimits:
        return BulkLimits(max_items=self._settings.bulk_max_items)

    @provide(scope=Scope.APP)
    def import_limits(self) -> ImportLimits:
        return import_limits(self._settings)

    @provide(scope=Scope.APP)
    def import_signal(self, wakeup: ImportWakeup) -> ImportQueueSignal:
        return wakeup
