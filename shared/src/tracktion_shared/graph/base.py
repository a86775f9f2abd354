"""The graph repository: what the DJ asks of the collection, independent of where the graph lives.

A backend supplies two primitives -- run some statements in one write transaction, run one read statement -- and
picks its dialect of each :class:`~tracktion_shared.graph.cypher.Query`. Everything else (stable ids, track
de-duplication, fuzzy matching, harmonic ranking) happens here, once, so the two backends cannot drift apart and the
one contract suite checks both.
"""

from __future__ import annotations

import abc
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from types import TracebackType
from typing import Any, Self, TypeVar

from tracktion_shared.errors import PermanentError
from tracktion_shared.graph import domain
from tracktion_shared.graph.cypher import Q, Query
from tracktion_shared.messages import RecordingGraphState, TracklistTrack

__all__ = [
    "Compatible",
    "GraphRepository",
    "NextTrack",
    "Play",
    "SetHit",
    "Statement",
    "UnknownRecording",
    "tracklist_id",
]

#: namespace of the tracklist ids derived from (recording, source)
_TRACKLIST_NS = uuid.UUID("6f1b7f2e-52c4-4d5e-9a8e-3f0c5b1d2a90")

#: metadata keys the harmonic search reads
BPM_KEY = "bpm"
CAMELOT_KEY = "camelot"

Statement = tuple[Query, Mapping[str, Any]]
_Row = TypeVar("_Row")


class UnknownRecording(PermanentError, LookupError):
    """The graph has no tempo and key for this recording (not analysed yet, or not in the graph at all)."""


def tracklist_id(recording_id: uuid.UUID, source: str) -> uuid.UUID:
    """The stable id of a recording's tracklist from ``source``: finding it again replaces it instead of adding one."""
    return uuid.uuid5(_TRACKLIST_NS, f"{recording_id}:{source}")


@dataclass(frozen=True)
class SetHit:
    """A set (a recording with a tracklist) that contains a track matching the query."""

    recording_id: str
    path: str | None
    tracklist_id: str
    source: str
    tracklist_title: str | None
    position: int
    start_time: float | None
    artist: str
    title: str
    score: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Play:
    """A set that played a recording (found from its audio): when, how fast (played / original), how sure."""

    set_id: str
    set_path: str | None
    source: str
    start_time: float | None
    end_time: float | None
    tempo_ratio: float | None
    semitones: float | None
    confidence: float | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class NextTrack:
    """A track played right after the queried one, ``plays`` times across all known tracklists."""

    artist: str
    title: str
    key: str
    plays: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Compatible:
    """A recording of the library that mixes into the queried one: its key relation and tempo difference."""

    recording_id: str
    path: str | None
    camelot: str
    bpm: float
    relation: str
    key_distance: int
    bpm_distance: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class GraphRepository(abc.ABC):
    """Recordings, their metadata and tracklists as a graph; writes are idempotent upserts (safe to repeat).

    Lifecycle: nothing connects in the constructor; the first call opens the store and applies the schema steps;
    :meth:`close` releases it and is safe to call twice.

    Rows are written with ``UNWIND``, at most ``batch_size`` per statement (all statements of one upsert still share
    one transaction): one round trip for a typical tracklist, bounded statement size for a huge import.
    """

    batch_size: int = 500

    # -- backend primitives ------------------------------------------------------------------------------------------

    @abc.abstractmethod
    async def _write(self, statements: Sequence[Statement]) -> None:
        """Run ``statements`` in order in one write transaction (all or nothing)."""

    @abc.abstractmethod
    async def _read(self, query: Query, params: Mapping[str, Any]) -> list[list[Any]]:
        """Run one read statement; its rows as lists of values in ``RETURN`` order."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Release connections/files; safe to call twice."""

    # -- writes --------------------------------------------------------------------------------------------------

    async def upsert_recording(self, recording_id: uuid.UUID, path: str | None, metadata: Mapping[str, str]) -> None:
        """Create or update a recording and set the given metadata keys (other keys are left as they are).

        ``path`` None keeps the known path: analysis results know the recording, not where it lives.
        """
        rid = str(recording_id)
        statements: list[Statement] = [(Q.UPSERT_RECORDING, {"uuid": rid, "path": path})]
        rows = [{"id": f"{rid}:{key}", "key": key, "value": str(value)} for key, value in sorted(metadata.items())]
        # (an empty UNWIND list has no element type in LadybugDB, so no statement is made for none)
        statements += [(Q.UPSERT_METADATA, {"uuid": rid, "rows": batch}) for batch in self._batches(rows)]
        await self._write(statements)

    async def upsert_tracklist(
        self,
        recording_id: uuid.UUID,
        source: str,
        tracks: Sequence[TracklistTrack],
        *,
        title: str | None = None,
        url: str | None = None,
    ) -> uuid.UUID:
        """Replace the recording's tracklist from ``source`` with ``tracks``; returns the tracklist's stable id."""
        tid = tracklist_id(recording_id, source)
        await self._write(self._tracklist_statements(recording_id, source, tracks, title=title, url=url))
        return tid

    async def apply_states(self, states: Sequence[RecordingGraphState]) -> None:
        """Make each recording exactly its state (the catalog's): its path, only these metadata keys, only these
        tracklists; a state without a path takes the recording out, with its metadata and tracklists (the tracks
        stay: other sets may play them). All in one transaction, a few statements for any number of states (one
        commit per message made the graph the slowest stage of a scan); of several states of one recording, the
        last counts."""
        latest = list({state.recording_id: state for state in states}.values())
        present = [state for state in latest if state.path is not None]
        everyone = [str(state.recording_id) for state in latest]
        gone = [str(state.recording_id) for state in latest if state.path is None]
        statements: list[Statement] = []
        # (an empty UNWIND list has no element type in LadybugDB, so no statement is made for none)
        for batch in self._batches([{"uuid": str(s.recording_id), "path": s.path} for s in present]):
            statements.append((Q.UPSERT_RECORDINGS, {"rows": batch}))
        for ids in self._batches(everyone):
            statements += [
                (Q.CLEAR_METADATA, {"uuids": ids}),
                (Q.CLEAR_TRACKLISTS, {"uuids": ids}),
                (Q.CLEAR_ALL_PLAYED, {"uuids": ids}),
            ]
        rows = [
            {"uuid": str(s.recording_id), "id": f"{s.recording_id}:{key}", "key": key, "value": value}
            for s in present
            for key, value in sorted(s.metadata.items())
        ]
        statements += [(Q.ADD_METADATA, {"rows": batch}) for batch in self._batches(rows)]
        for state in present:
            for tracklist in state.tracklists:
                statements += self._tracklist_statements(
                    state.recording_id, tracklist.source, tracklist.tracks, title=tracklist.title, url=tracklist.url
                )
        statements += [(Q.DELETE_RECORDINGS, {"uuids": ids}) for ids in self._batches(gone)]
        if statements:
            await self._write(statements)

    def _tracklist_statements(
        self,
        recording_id: uuid.UUID,
        source: str,
        tracks: Sequence[TracklistTrack],
        *,
        title: str | None,
        url: str | None,
    ) -> list[Statement]:
        """The statements that replace one tracklist.

        Tracks are de-duplicated by :func:`~tracktion_shared.graph.domain.track_key`; unidentified rows are left out
        but keep their positions, so the tracks around an "ID" are not counted as played one after the other.
        """
        tid = str(tracklist_id(recording_id, source))
        rows = []
        for track in sorted(tracks, key=lambda t: t.position):
            key = "" if track.unidentified else domain.track_key(track.artist, track.title)
            if key:
                row = {"key": key, "artist": track.artist.strip(), "title": track.title.strip()}
                rows.append(row | {"position": track.position, "start_time": track.start_seconds})
        statements: list[Statement] = [
            (
                Q.UPSERT_TRACKLIST,
                {"recording": str(recording_id), "uuid": tid, "source": source, "title": title, "url": url},
            ),
            (Q.CLEAR_TRACKLIST, {"uuid": tid}),
        ]
        if rows:  # an empty UNWIND list has no element type in LadybugDB
            unique = list({row["key"]: row for row in reversed(rows)}.values())  # first spelling wins
            track_rows = [{"key": r["key"], "artist": r["artist"], "title": r["title"]} for r in unique]
            link_rows = [{"key": r["key"], "position": r["position"], "start_time": r["start_time"]} for r in rows]
            statements += [(Q.UPSERT_TRACKS, {"rows": batch}) for batch in self._batches(track_rows)]
            statements += [(Q.LINK_TRACKS, {"uuid": tid, "rows": batch}) for batch in self._batches(link_rows)]
        statements.append((Q.CLEAR_PLAYED, {"recording": str(recording_id), "source": source}))
        plays = [
            {
                "uuid": str(track.recording_id),
                "start_time": track.start_seconds,
                "end_time": track.end_seconds,
                "tempo_ratio": track.tempo_ratio,
                "semitones": track.semitones,
                "confidence": track.confidence,
            }
            for track in tracks
            if track.recording_id is not None and track.recording_id != recording_id
        ]
        played = {"recording": str(recording_id), "source": source}
        statements += [(Q.LINK_PLAYED, played | {"rows": batch}) for batch in self._batches(plays)]
        return statements

    def _batches(self, rows: list[_Row]) -> list[list[_Row]]:
        return [rows[i : i + self.batch_size] for i in range(0, len(rows), self.batch_size)]

    # -- queries -------------------------------------------------------------------------------------------------

    async def _matching_tracks(self, track_query: str) -> dict[str, float]:
        """Track keys matching the query with their scores (at least :data:`domain.MIN_MATCH_SCORE`)."""
        tokens = domain.query_tokens(track_query)
        if not tokens:
            return {}
        rows = await self._read(Q.CANDIDATE_TRACKS, {"tokens": tokens})
        scores = {str(key): domain.match_score(track_query, str(key)) for key, _artist, _title in rows}
        return {key: score for key, score in scores.items() if score >= domain.MIN_MATCH_SCORE}

    async def sets_with(self, track_query: str, limit: int = 20) -> list[SetHit]:
        """Sets whose tracklist contains a track matching ``track_query``, best match first, then by recording."""
        matches = await self._matching_tracks(track_query)
        if not matches:
            return []
        rows = await self._read(Q.APPEARANCES, {"keys": sorted(matches)})
        hits = [
            SetHit(
                recording_id=str(rid),
                path=path,
                tracklist_id=str(tid),
                source=str(source),
                tracklist_title=tl_title,
                position=int(position),
                start_time=None if start is None else float(start),
                artist=str(artist),
                title=str(title),
                score=matches[str(key)],
            )
            for rid, path, tid, source, tl_title, key, artist, title, position, start in rows
        ]
        hits.sort(key=lambda h: (-h.score, h.recording_id, h.tracklist_id, h.position))
        return hits[:limit]

    async def plays_of(self, recording_id: uuid.UUID) -> list[Play]:
        """The sets that played ``recording_id`` (as found from their audio), by set and time."""
        rows = await self._read(Q.PLAYS, {"uuid": str(recording_id)})
        return [
            Play(
                set_id=str(set_id),
                set_path=None if path is None else str(path),
                source=str(source),
                start_time=_float(start),
                end_time=_float(end),
                tempo_ratio=_float(tempo),
                semitones=_float(semitones),
                confidence=_float(confidence),
            )
            for set_id, path, source, start, end, tempo, semitones, confidence in rows
        ]

    async def next_after(self, track_query: str, limit: int = 10) -> list[NextTrack]:
        """Tracks most often played right after the best match(es) of ``track_query``, most plays first."""
        matches = await self._matching_tracks(track_query)
        if not matches:
            return []
        best = max(matches.values())
        keys = sorted(key for key, score in matches.items() if score == best)
        rows = await self._read(Q.FOLLOWERS, {"keys": keys, "limit": limit})
        found = [NextTrack(artist=str(a), title=str(t), key=str(k), plays=int(n)) for k, a, t, n in rows]
        found.sort(key=lambda n: (-n.plays, n.key))  # the order is ours, not the dialect's
        return found

    async def compatible(
        self, recording_id: uuid.UUID, bpm_tolerance: float = domain.DEFAULT_BPM_TOLERANCE, limit: int = 20
    ) -> list[Compatible]:
        """Recordings that mix into ``recording_id``: compatible Camelot key and tempo within ``bpm_tolerance``.

        Ranked by key distance (same, then adjacent, then relative), then by tempo difference. Raises
        :class:`UnknownRecording` when the recording's own tempo or key is not known.
        """
        if not 0 <= bpm_tolerance < 1:
            raise ValueError("bpm_tolerance is a fraction, e.g. 0.06 for ±6%")
        library: dict[str, dict[str, Any]] = {}
        for rid, path, key, value in await self._read(Q.LIBRARY, {"keys": [BPM_KEY, CAMELOT_KEY]}):
            library.setdefault(str(rid), {"path": path})[str(key)] = value
        target = library.get(str(recording_id), {})
        target_key, target_bpm = domain.parse_camelot(target.get(CAMELOT_KEY)), _float(target.get(BPM_KEY))
        if target_key is None or target_bpm is None:
            raise UnknownRecording(f"recording {recording_id} has no known BPM and Camelot key in the graph")
        found = []
        for rid, props in library.items():
            if rid == str(recording_id):
                continue
            camelot, bpm = domain.parse_camelot(props.get(CAMELOT_KEY)), _float(props.get(BPM_KEY))
            if camelot is None or bpm is None:
                continue
            relation = domain.camelot_relation(target_key, camelot)
            distance = domain.bpm_distance(target_bpm, bpm)
            if relation is None or distance > bpm_tolerance:
                continue
            found.append(
                Compatible(
                    recording_id=rid,
                    path=props["path"],
                    camelot=str(camelot),
                    bpm=bpm,
                    relation=relation.name.lower(),
                    key_distance=int(relation),
                    bpm_distance=round(distance, 6),
                )
            )
        found.sort(key=lambda c: (c.key_distance, c.bpm_distance, c.recording_id))
        return found[:limit]

    async def recording_for_path(self, path: str) -> uuid.UUID | None:
        """The id of the recording at ``path``, so people can name recordings the way they know them."""
        rows = await self._read(Q.RECORDING_BY_PATH, {"path": path})
        return uuid.UUID(str(rows[0][0])) if rows else None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()


def _float(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None
