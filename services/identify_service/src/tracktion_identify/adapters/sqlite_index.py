"""The embedded fingerprint index: one SQLite file in the data dir (see :mod:`tracktion_identify.adapters.index`).

WAL journal, so ``tracktion identify`` can read while a scan writes; one connection per store, used by one thread
at a time (a lock), since callers hop between worker threads. Look-ups send a batch of key ranges as one JSON array
joined to the index, so SQLite answers a batch in one statement (a B-tree range scan per range) instead of one
statement per range.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import astuple
from pathlib import Path
from typing import Any
from uuid import UUID

import numpy as np
import numpy.typing as npt

from tracktion_identify.adapters.index import (
    COMMON_ROWS,
    FINGERPRINT_VERSION,
    RECORDING_COLUMNS,
    Hits,
    IndexedRecording,
    IndexStats,
    found_from_row,
    hits_of,
    merged_ranges,
    pack_positions,
    recording_from_row,
)
from tracktion_identify.domain.fingerprint import Quads
from tracktion_identify.domain.result import FoundTrack
from tracktion_identify.errors import IndexUnavailable

__all__ = ["SqliteIndex"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS recordings (
    -- AUTOINCREMENT: a ref is never reused, so a removed recording's orphaned rows cannot become a new one's
    ref INTEGER PRIMARY KEY AUTOINCREMENT,
    recording_id TEXT NOT NULL UNIQUE,
    content_hash TEXT NOT NULL UNIQUE,
    seconds REAL NOT NULL,
    is_set INTEGER NOT NULL,
    hashes INTEGER NOT NULL,
    path TEXT NOT NULL,
    artist TEXT NOT NULL,
    title TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS hashes (
    hash INTEGER NOT NULL,
    ref INTEGER NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (hash, ref, position)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS detections (
    set_id TEXT NOT NULL,
    track_id TEXT NOT NULL,
    start_s REAL NOT NULL,
    end_s REAL NOT NULL,
    ref_start_s REAL NOT NULL,
    ref_end_s REAL NOT NULL,
    tempo_ratio REAL NOT NULL,
    semitones REAL NOT NULL,
    inliers INTEGER NOT NULL,
    confidence REAL NOT NULL,
    PRIMARY KEY (set_id, track_id, start_s)
);
"""
_TABLES = ("recordings", "hashes", "detections")

_BATCH = 50_000
#: a batch of key ranges (?1, a JSON array of [lower, upper] pairs) -> the rows of those holding at most ?2 rows,
#: of sets or of tracks (?3); see :meth:`SqliteIndex.lookup`
_LOOKUP = (
    "WITH ranges(lo, hi) AS MATERIALIZED ("
    " SELECT p.value ->> 0, p.value ->> 1 FROM json_each(?1) p WHERE (SELECT count(*) FROM"
    " (SELECT 1 FROM hashes c WHERE c.hash BETWEEN p.value ->> 0 AND p.value ->> 1 LIMIT ?2 + 1)) <= ?2)"
    " SELECT h.hash, h.ref, h.position FROM ranges CROSS JOIN hashes h ON h.hash BETWEEN lo AND hi"
    " CROSS JOIN recordings r ON r.ref = h.ref WHERE r.is_set = ?3"
)


class SqliteIndex:
    """The fingerprint index in the SQLite file ``path`` (created, with its folder, when missing).

    ``durable=False`` is for scratch indexes (a benchmark's stand-ins): nothing is synced to disk, so a power cut may
    lose the file; a crash of the process still cannot.
    """

    def __init__(self, path: Path, *, durable: bool = True) -> None:
        self.path = path
        self._lock = threading.Lock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30.0)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(f"PRAGMA synchronous={'NORMAL' if durable else 'OFF'}")
            # a recording's rows land on pages all over the B-tree: a 32 MB page cache instead of 2 MB, and the WAL
            # is copied back (and synced) every 40 MB instead of 4 MB, so a page changed by many recordings is
            # written back once (a third of the time an insert takes into an index of 1,000 tracks)
            self._db.execute("PRAGMA cache_size=-32768")
            self._db.execute("PRAGMA wal_autocheckpoint=10000")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.executescript(_SCHEMA)
            self._check_version()
        except (sqlite3.Error, OSError) as error:
            raise IndexUnavailable(f"fingerprint index {path}: {error}") from error

    def _check_version(self) -> None:
        row = self._db.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
        if row is not None and row[0] == FINGERPRINT_VERSION:
            return
        with self._transaction() as db:
            for table in _TABLES:
                db.execute(f"DELETE FROM {table}")  # noqa: S608 (a constant table name)
            db.execute("INSERT OR REPLACE INTO meta VALUES ('version', ?)", (FINGERPRINT_VERSION,))

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        except sqlite3.Error as error:
            raise IndexUnavailable(f"fingerprint index {self.path}: {error}") from error

    def add(self, recording: IndexedRecording, quads: Quads) -> int:
        positions = pack_positions(quads)
        order = np.lexsort((positions, quads.hashes))
        rows = np.unique(np.stack([quads.hashes[order], positions[order]], axis=1), axis=0)
        with self._lock, self._transaction() as db:
            self._forget(
                db,
                "recording_id = ? OR content_hash = ?",
                (str(recording.recording_id), recording.content_hash),
            )
            cursor = db.execute(
                "INSERT INTO recordings (recording_id, content_hash, seconds, is_set, hashes, path, artist, title)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    str(recording.recording_id),
                    recording.content_hash,
                    recording.seconds,
                    int(recording.is_set),
                    len(rows),
                    recording.path,
                    recording.artist,
                    recording.title,
                ),
            )
            ref = int(cursor.lastrowid or 0)
            db.executemany(
                "INSERT OR IGNORE INTO hashes (hash, ref, position) VALUES (?, ?, ?)",
                ((int(h), ref, int(p)) for h, p in rows),
            )
        return ref

    def _forget(self, db: sqlite3.Connection, where: str, args: tuple[Any, ...]) -> None:
        """Drop recordings; their hash rows stay behind as orphans (look-ups join them away) until they are many.

        Deleting a recording's rows by ref would need a second index as large as the first; a recording is
        replaced or removed rarely, so the orphans are swept in one pass once they are a fifth of the table.
        """
        orphaned = db.execute(f"SELECT coalesce(sum(hashes), 0) FROM recordings WHERE {where}", args).fetchone()[0]  # noqa: S608
        db.execute(f"DELETE FROM recordings WHERE {where}", args)  # noqa: S608
        if not orphaned:
            return
        row = db.execute("SELECT value FROM meta WHERE key = 'orphaned'").fetchone()
        total_orphans = int(row[0] if row else 0) + int(orphaned)
        live = db.execute("SELECT coalesce(sum(hashes), 0) FROM recordings").fetchone()[0]
        if total_orphans > max(100_000, live // 4):
            db.execute("DELETE FROM hashes WHERE ref NOT IN (SELECT ref FROM recordings)")
            total_orphans = 0
        db.execute("INSERT OR REPLACE INTO meta VALUES ('orphaned', ?)", (str(total_orphans),))

    def has_content(self, content_hash: str) -> IndexedRecording | None:
        with self._lock:
            row = self._query_one(
                f"SELECT {RECORDING_COLUMNS} FROM recordings WHERE content_hash = ?",  # noqa: S608 (constant columns)
                (content_hash,),
            )
        return None if row is None else recording_from_row(row)

    def relabel(self, recording: IndexedRecording) -> None:
        with self._lock, self._transaction() as db:
            self._forget(
                db,
                "recording_id = ? AND content_hash != ?",
                (str(recording.recording_id), recording.content_hash),
            )
            db.execute(
                "UPDATE recordings SET recording_id = ?, path = ?, artist = ?, title = ? WHERE content_hash = ?",
                (
                    str(recording.recording_id),
                    recording.path,
                    recording.artist,
                    recording.title,
                    recording.content_hash,
                ),
            )

    def remove(self, recording_id: UUID) -> None:
        with self._lock, self._transaction() as db:
            self._forget(db, "recording_id = ?", (str(recording_id),))
            db.execute("DELETE FROM detections WHERE set_id = ? OR track_id = ?", (str(recording_id),) * 2)

    def lookup(
        self, lower: npt.NDArray[np.int64], upper: npt.NDArray[np.int64], *, sets: bool, common: int = COMMON_ROWS
    ) -> Hits:
        starts, ends = merged_ranges(lower, upper)
        pairs = np.stack([starts, ends], axis=1)
        batches: list[npt.NDArray[np.int64]] = []
        with self._lock:
            for start in range(0, len(pairs), _BATCH):
                # the batch travels as one JSON array of [lower, upper] pairs (json_each is SQLite's table-valued
                # reader of one), in key order. The ranges are counted first, in SQLite (up to one past the limit),
                # and only those with few rows are read out; MATERIALIZED and CROSS JOIN fix the order: the batch,
                # then the index by hash (left alone, the planner may count once per row, or scan the whole index)
                batches.append(
                    np.array(
                        self._query_all(
                            _LOOKUP,
                            (json.dumps(pairs[start : start + _BATCH].tolist()), common, int(sets)),
                        ),
                        dtype=np.int64,
                    )
                )
        return hits_of(batches)

    def recordings(self, refs: Sequence[int]) -> dict[int, IndexedRecording]:
        found: dict[int, IndexedRecording] = {}
        wanted = sorted(set(refs))
        with self._lock:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                marks = ",".join("?" * len(chunk))
                for row in self._query_all(
                    f"SELECT ref, {RECORDING_COLUMNS} FROM recordings WHERE ref IN ({marks})",  # noqa: S608
                    tuple(chunk),
                ):
                    found[int(row[0])] = recording_from_row(row[1:])
        return found

    def recordings_by_id(self, ids: Collection[UUID]) -> dict[UUID, IndexedRecording]:
        wanted = sorted(str(i) for i in ids)
        found: dict[UUID, IndexedRecording] = {}
        with self._lock:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                marks = ",".join("?" * len(chunk))
                for row in self._query_all(
                    f"SELECT {RECORDING_COLUMNS} FROM recordings WHERE recording_id IN ({marks})",  # noqa: S608
                    tuple(chunk),
                ):
                    recording = recording_from_row(row)
                    found[recording.recording_id] = recording
        return found

    def save_detections(self, set_id: UUID, detections: Sequence[FoundTrack], *, replace: bool) -> None:
        with self._lock, self._transaction() as db:
            if replace:
                db.execute("DELETE FROM detections WHERE set_id = ?", (str(set_id),))
            else:
                for detection in detections:
                    db.execute(
                        "DELETE FROM detections WHERE set_id = ? AND track_id = ?",
                        (str(set_id), str(detection.recording_id)),
                    )
            db.executemany(
                "INSERT OR REPLACE INTO detections VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                # FoundTrack's fields in the table's column order, ids as text
                [(str(set_id), str(d.recording_id), *astuple(d)[1:]) for d in detections],
            )

    def detections(self, set_id: UUID) -> list[FoundTrack]:
        with self._lock:
            rows = self._query_all(
                "SELECT track_id, start_s, end_s, ref_start_s, ref_end_s, tempo_ratio, semitones, inliers, confidence"
                " FROM detections WHERE set_id = ? ORDER BY start_s",
                (str(set_id),),
            )
        return [found_from_row(row) for row in rows]

    def stats(self) -> IndexStats:
        """``hashes`` counts the live rows (orphans awaiting a sweep are in ``bytes`` only). ``bytes`` is the
        database's pages in use, the WAL's newer ones included: the files' sizes would count a WAL of pages already
        copied back (up to 40 MB, see the constructor) and free pages awaiting reuse."""
        with self._lock:
            recordings, sets, seconds, hashes = self._query_one(
                "SELECT count(*), coalesce(sum(is_set), 0), coalesce(sum(seconds), 0), coalesce(sum(hashes), 0)"
                " FROM recordings",
                (),
            ) or (0, 0, 0.0, 0)
            pages, free, page_size = (
                (self._query_one(f"PRAGMA {name}", ()) or (0,))[0]
                for name in ("page_count", "freelist_count", "page_size")
            )
        return IndexStats(int(recordings), int(sets), int(hashes), float(seconds), (pages - free) * page_size)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _query_one(self, sql: str, args: tuple[Any, ...]) -> tuple[Any, ...] | None:
        try:
            row: tuple[Any, ...] | None = self._db.execute(sql, args).fetchone()
        except sqlite3.Error as error:
            raise IndexUnavailable(f"fingerprint index {self.path}: {error}") from error
        return row

    def _query_all(self, sql: str, args: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        try:
            return list(self._db.execute(sql, args).fetchall())
        except sqlite3.Error as error:
            raise IndexUnavailable(f"fingerprint index {self.path}: {error}") from error
