"""The catalog's side of the status page: how many recordings are in each state, and what failed lately."""

from __future__ import annotations

from sqlalchemy import func, select

from tracktion_shared.storage import LIBRARY_STATUSES, Database, FileEntry, LibraryEntry, UnitOfWork
from tracktion_web.models import Failure

__all__ = ["CatalogStatus", "catalog_status"]


class CatalogStatus:
    """Counts by library status, the number of unreadable files, and the newest failures."""

    __slots__ = ("counts", "failed_files", "failures")

    def __init__(self, counts: dict[str, int], failed_files: int, failures: list[Failure]) -> None:
        self.counts = counts
        self.failed_files = failed_files
        self.failures = failures


async def catalog_status(db: Database, limit: int = 25) -> CatalogStatus:
    """The state of the catalog: unreadable files have no recording, so they are counted from ``files``."""

    async def read(uow: UnitOfWork) -> CatalogStatus:
        grouped = await uow.session.execute(select(LibraryEntry.status, func.count()).group_by(LibraryEntry.status))
        counts = dict.fromkeys(LIBRARY_STATUSES, 0) | {str(status): int(n) for status, n in grouped.all()}
        failed_files = await uow.session.scalar(
            select(func.count()).select_from(FileEntry).where(FileEntry.status == "failed")
        )
        files = await uow.session.execute(
            select(FileEntry.path, FileEntry.recording_id, FileEntry.error, FileEntry.updated_at)
            .where(FileEntry.status == "failed")
            .order_by(FileEntry.updated_at.desc(), FileEntry.path)
            .limit(limit)
        )
        analyses = await uow.session.execute(
            select(
                LibraryEntry.file_path, LibraryEntry.recording_id, LibraryEntry.analysis_error, LibraryEntry.updated_at
            )
            .where(LibraryEntry.status == "failed")
            .order_by(LibraryEntry.updated_at.desc(), LibraryEntry.recording_id)
            .limit(limit)
        )
        failures = [
            Failure(kind="file", path=path, recording_id=rid, reason=error or "unreadable", at=at)
            for path, rid, error, at in files.all()
        ] + [
            Failure(kind="analysis", path=path, recording_id=rid, reason=error or "analysis failed", at=at)
            for path, rid, error, at in analyses.all()
        ]
        failures.sort(key=lambda f: (f.at is not None, f.at), reverse=True)
        return CatalogStatus(counts, failed_files or 0, failures[:limit])

    return await db.run(read)
