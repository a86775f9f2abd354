"""The cluster's fingerprint index: tables in PostgreSQL, shared by every identify replica.

Same contract as :class:`~tracktion_identify.adapters.sqlite_index.SqliteIndex`. The tables carry the fingerprint
version in their names (``fingerprint_quad_2_hashes``): during a rollout old and new replicas each read and write
their own version's tables instead of emptying each other's. Bulk writes use binary COPY; look-ups send a batch of
key ranges as two ``int8[]`` (lower and upper bounds) and let the primary key's B-tree scan each. A lost connection
is reopened on the next call; the call that met it raises :class:`IndexUnavailable`, a temporary error the bus retries.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import astuple
from typing import Any
from uuid import UUID

import numpy as np
import numpy.typing as npt
import psycopg
from psycopg import sql

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
from tracktion_shared.config import redact_url

__all__ = ["PostgresIndex"]

_BATCH = 20_000


_SCHEMA = """
CREATE TABLE IF NOT EXISTS {recordings} (
    ref BIGSERIAL PRIMARY KEY,
    recording_id UUID NOT NULL UNIQUE,
    content_hash TEXT NOT NULL UNIQUE,
    seconds DOUBLE PRECISION NOT NULL,
    is_set BOOLEAN NOT NULL,
    hashes BIGINT NOT NULL,
    path TEXT NOT NULL,
    artist TEXT NOT NULL,
    title TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS {hashes} (
    hash BIGINT NOT NULL,
    ref BIGINT NOT NULL,
    position BIGINT NOT NULL,
    PRIMARY KEY (hash, ref, position)
);
CREATE TABLE IF NOT EXISTS {detections} (
    set_id UUID NOT NULL,
    track_id UUID NOT NULL,
    start_s DOUBLE PRECISION NOT NULL,
    end_s DOUBLE PRECISION NOT NULL,
    ref_start_s DOUBLE PRECISION NOT NULL,
    ref_end_s DOUBLE PRECISION NOT NULL,
    tempo_ratio DOUBLE PRECISION NOT NULL,
    semitones DOUBLE PRECISION NOT NULL,
    inliers INTEGER NOT NULL,
    confidence DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (set_id, track_id, start_s)
);
CREATE TABLE IF NOT EXISTS {meta} (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class PostgresIndex:
    """The fingerprint index in the PostgreSQL database at ``url`` (``postgresql://`` or ``postgres://``)."""

    def __init__(self, url: str) -> None:
        self._url = re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql://", url)
        self._where = redact_url(self._url)
        self._prefix = "fingerprint_" + re.sub(r"\W", "_", FINGERPRINT_VERSION) + "_"
        self._lock = threading.Lock()
        self._conn: psycopg.Connection[tuple[Any, ...]] | None = None
        with self._transaction() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (self._prefix,))  # replicas create it once
            cur.execute(self._q(_SCHEMA))

    def _connection(self) -> psycopg.Connection[tuple[Any, ...]]:
        if self._conn is None or self._conn.closed:
            self._conn = psycopg.connect(self._url, connect_timeout=10)
        return self._conn

    @contextmanager
    def _transaction(self) -> Iterator[psycopg.Cursor[tuple[Any, ...]]]:
        with self._lock:
            try:
                conn = self._connection()
                with conn.transaction(), conn.cursor() as cur:
                    yield cur
            except psycopg.Error as error:
                if self._conn is not None and self._conn.broken:
                    self._conn = None
                reason = " ".join(str(error).split())
                raise IndexUnavailable(f"fingerprint index {self._where}: {reason}") from error

    def _q(self, template: str) -> sql.Composed:
        """``template`` with this version's table names (``{recordings}``, ...) filled in as quoted identifiers."""
        names = {name: self._prefix + name for name in ("recordings", "hashes", "detections", "meta")}
        return sql.SQL(template).format(
            **{name: sql.Identifier(table) for name, table in names.items()},
            **{f"{name}_name": sql.Literal(table) for name, table in names.items()},
            columns=sql.SQL(RECORDING_COLUMNS),
        )

    def add(self, recording: IndexedRecording, quads: Quads) -> int:
        positions = pack_positions(quads)
        rows = np.unique(np.stack([quads.hashes, positions], axis=1), axis=0)
        with self._transaction() as cur:
            self._forget(
                cur,
                "DELETE FROM {recordings} WHERE recording_id = %s OR content_hash = %s RETURNING hashes",
                (recording.recording_id, recording.content_hash),
            )
            cur.execute(
                self._q(
                    "INSERT INTO {recordings} ({columns}, hashes) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) RETURNING ref"
                ),
                (
                    recording.recording_id,
                    recording.content_hash,
                    recording.seconds,
                    recording.is_set,
                    recording.path,
                    recording.artist,
                    recording.title,
                    len(rows),
                ),
            )
            fetched = cur.fetchone()
            ref = int(fetched[0]) if fetched else 0
            with cur.copy(self._q("COPY {hashes} (hash, ref, position) FROM STDIN (FORMAT BINARY)")) as copy:
                copy.set_types(["int8", "int8", "int8"])
                for hash_value, position in rows.tolist():
                    copy.write_row((hash_value, ref, position))
        return ref

    def _forget(self, cur: psycopg.Cursor[tuple[Any, ...]], delete: str, args: tuple[Any, ...]) -> None:
        """Run ``delete`` (of recordings, returning their hash counts); their hash rows are orphans until a sweep.

        See the SQLite store for why the rows are not deleted by ref.
        """
        cur.execute(self._q(delete), args)
        orphaned = sum(int(row[0]) for row in cur.fetchall())
        if not orphaned:
            return
        cur.execute(
            self._q(
                "INSERT INTO {meta} VALUES ('orphaned', %s) ON CONFLICT (key)"
                " DO UPDATE SET value = ({meta}.value::bigint + EXCLUDED.value::bigint)::text RETURNING value"
            ),
            (str(orphaned),),
        )
        total = int((cur.fetchone() or ("0",))[0])
        cur.execute(self._q("SELECT coalesce(sum(hashes), 0) FROM {recordings}"))
        live = int((cur.fetchone() or (0,))[0])
        if total > max(100_000, live // 4):
            cur.execute(
                self._q("DELETE FROM {hashes} h WHERE NOT EXISTS (SELECT 1 FROM {recordings} r WHERE r.ref = h.ref)")
            )
            cur.execute(self._q("UPDATE {meta} SET value = '0' WHERE key = 'orphaned'"))

    def has_content(self, content_hash: str) -> IndexedRecording | None:
        with self._transaction() as cur:
            cur.execute(
                self._q("SELECT {columns} FROM {recordings} WHERE content_hash = %s"),
                (content_hash,),
            )
            row = cur.fetchone()
        return None if row is None else recording_from_row(row)

    def relabel(self, recording: IndexedRecording) -> None:
        with self._transaction() as cur:
            self._forget(
                cur,
                "DELETE FROM {recordings} WHERE recording_id = %s AND content_hash != %s RETURNING hashes",
                (recording.recording_id, recording.content_hash),
            )
            cur.execute(
                self._q(
                    "UPDATE {recordings} SET recording_id = %s, path = %s, artist = %s, title = %s"
                    " WHERE content_hash = %s"
                ),
                (recording.recording_id, recording.path, recording.artist, recording.title, recording.content_hash),
            )

    def remove(self, recording_id: UUID) -> None:
        with self._transaction() as cur:
            self._forget(cur, "DELETE FROM {recordings} WHERE recording_id = %s RETURNING hashes", (recording_id,))
            cur.execute(
                self._q("DELETE FROM {detections} WHERE set_id = %s OR track_id = %s"),
                (recording_id, recording_id),
            )

    def lookup(
        self, lower: npt.NDArray[np.int64], upper: npt.NDArray[np.int64], *, sets: bool, common: int = COMMON_ROWS
    ) -> Hits:
        starts, ends = merged_ranges(lower, upper)
        batches: list[npt.NDArray[np.int64]] = []
        with self._transaction() as cur:
            for start in range(0, starts.size, _BATCH):
                # each range is counted first (up to one past the limit), and read out only when it holds few rows
                cur.execute(
                    self._q(
                        "SELECT h.hash, h.ref, h.position FROM unnest(%(lo)s::int8[], %(hi)s::int8[]) AS p(lo, hi)"
                        " CROSS JOIN LATERAL (SELECT count(*) AS n FROM"
                        " (SELECT 1 FROM {hashes} c WHERE c.hash BETWEEN p.lo AND p.hi LIMIT %(common)s + 1) x) k"
                        " JOIN {hashes} h ON h.hash BETWEEN p.lo AND p.hi"
                        " JOIN {recordings} r ON r.ref = h.ref WHERE k.n <= %(common)s AND r.is_set = %(sets)s"
                    ),
                    {
                        "lo": starts[start : start + _BATCH].tolist(),
                        "hi": ends[start : start + _BATCH].tolist(),
                        "common": common,
                        "sets": sets,
                    },
                )
                batches.append(np.array(cur.fetchall(), dtype=np.int64))
        return hits_of(batches)

    def recordings(self, refs: Sequence[int]) -> dict[int, IndexedRecording]:
        if not refs:
            return {}
        with self._transaction() as cur:
            cur.execute(
                self._q("SELECT ref, {columns} FROM {recordings} WHERE ref = ANY(%s::int8[])"),
                (sorted({int(r) for r in refs}),),
            )
            return {int(row[0]): recording_from_row(row[1:]) for row in cur.fetchall()}

    def recordings_by_id(self, ids: Collection[UUID]) -> dict[UUID, IndexedRecording]:
        if not ids:
            return {}
        with self._transaction() as cur:
            cur.execute(
                self._q("SELECT {columns} FROM {recordings} WHERE recording_id = ANY(%s::uuid[])"), (list(ids),)
            )
            recordings = [recording_from_row(row) for row in cur.fetchall()]
        return {r.recording_id: r for r in recordings}

    def save_detections(self, set_id: UUID, detections: Sequence[FoundTrack], *, replace: bool) -> None:
        with self._transaction() as cur:
            if replace:
                cur.execute(self._q("DELETE FROM {detections} WHERE set_id = %s"), (set_id,))
            else:
                cur.execute(
                    self._q("DELETE FROM {detections} WHERE set_id = %s AND track_id = ANY(%s::uuid[])"),
                    (set_id, [d.recording_id for d in detections]),
                )
            cur.executemany(
                self._q(
                    "INSERT INTO {detections} VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
                    " ON CONFLICT (set_id, track_id, start_s) DO NOTHING"
                ),
                [(set_id, *astuple(d)) for d in detections],  # FoundTrack's fields in the table's column order
            )

    def detections(self, set_id: UUID) -> list[FoundTrack]:
        with self._transaction() as cur:
            cur.execute(
                self._q(
                    "SELECT track_id, start_s, end_s, ref_start_s, ref_end_s, tempo_ratio, semitones, inliers,"
                    " confidence"
                    " FROM {detections} WHERE set_id = %s ORDER BY start_s"
                ),
                (set_id,),
            )
            rows = cur.fetchall()
        return [found_from_row(row) for row in rows]

    def stats(self) -> IndexStats:
        """``hashes`` counts the live rows (orphans awaiting a sweep are in ``bytes`` only)."""
        with self._transaction() as cur:
            cur.execute(
                self._q(
                    "SELECT count(*), count(*) FILTER (WHERE is_set), coalesce(sum(seconds), 0),"
                    " coalesce(sum(hashes), 0) FROM {recordings}"
                )
            )
            recordings, sets, seconds, hashes = cur.fetchone() or (0, 0, 0.0, 0)
            cur.execute(
                self._q("SELECT pg_total_relation_size({hashes_name}) + pg_total_relation_size({recordings_name})")
            )
            size = (cur.fetchone() or (0,))[0]
        return IndexStats(int(recordings), int(sets), int(hashes), float(seconds), int(size))

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
