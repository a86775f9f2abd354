"""Consumer ``identify``: fingerprint each cataloged recording; identify sets; find new tracks in earlier sets.

What happens to a ``RecordingCataloged`` this stage wants (new audio, or ``redo`` naming ``identify``):

* a recording already in the index (the same content: a moved file, an identical copy, a repeated request) is not
  decoded again: its path and names are brought up to date and its state confirmed;
* otherwise it is decoded once (PyAV, 8 kHz) and fingerprinted, and its sparse quads stored;
* a **set** (at least ``set_seconds`` long) is identified against the library's tracks: a ``TracklistFound`` with
  source ``fingerprint`` (tracks linked to their recordings, with times, tempo ratio, transposition, confidence,
  and an "ID - ID" row for each stretch no library track covers, as tracklist sites list unknown tracks), even an
  empty one, so the catalog and the graph follow what was found; and its .cue sheet
  (:mod:`tracktion_identify.adapters.cue`);
* a **track** is looked for in every set indexed before it (its dense quads against the sets' sparse ones), and each
  set it plays in gets its list again with the new find merged in (``TracklistFound`` for that set);
* then ``RecordingFingerprinted`` (the stage's state; ``skipped`` with the reason for audio too short or too
  quiet to hold a fingerprint: silence, a two-second jingle), or ``FingerprintFailed`` for audio the decoder
  cannot read (a corrupt file): a one-line reason, nothing else affected.

The index is unavailable (PostgreSQL restarting, disk full): :class:`IndexUnavailable` propagates, a temporary
error the bus retries and dead-letters after its bounded attempts; the catalog asks again on a later scan.
The CPU work and the index's blocking calls run in a worker thread, one recording at a time per process.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Sequence
from pathlib import Path
from uuid import UUID

from tracktion_identify.adapters.cue import write_identified_cue
from tracktion_identify.adapters.index import FINGERPRINT_VERSION, FingerprintIndex, IndexedRecording
from tracktion_identify.domain.result import FoundTrack, Span, merge, unknown_spans
from tracktion_identify.errors import TooShortAudio, UnfingerprintableAudio
from tracktion_identify.identifier import Fingerprint, find_in_sets, fingerprint, identify
from tracktion_identify.settings import IdentifySettings
from tracktion_shared.bus import Bus
from tracktion_shared.messages import (
    FingerprintFailed,
    Message,
    RecordingCataloged,
    RecordingFingerprinted,
    TracklistFound,
    TracklistTrack,
)

__all__ = ["CONSUMER", "SOURCE", "Identify", "tracklist_tracks"]

log = logging.getLogger("tracktion.identify")

CONSUMER = "identify"
SOURCE = "fingerprint"


def tracklist_tracks(
    found: list[FoundTrack], names: dict[UUID, IndexedRecording], unknown: Sequence[Span] = ()
) -> list[TracklistTrack]:
    """Found tracks as tracklist rows, in time order with an unidentified "ID - ID" row per ``unknown`` stretch:
    artist and title from the recording's tags (its file name when untagged)."""
    rows: list[TracklistTrack] = []
    timeline: list[FoundTrack | Span] = sorted([*found, *unknown], key=lambda t: t.start_s)
    for position, track in enumerate(timeline, start=1):
        if isinstance(track, Span):
            rows.append(
                TracklistTrack(
                    position=position,
                    artist="ID",
                    title="ID",
                    start_seconds=track.start_s,
                    end_seconds=track.end_s,
                    unidentified=True,
                )
            )
            continue
        recording = names.get(track.recording_id)
        title = recording.title if recording and recording.title else Path(recording.path).stem if recording else ""
        rows.append(
            TracklistTrack(
                position=position,
                artist=recording.artist if recording else "",
                title=title or str(track.recording_id),
                start_seconds=track.start_s,
                end_seconds=track.end_s,
                recording_id=track.recording_id,
                tempo_ratio=track.tempo_ratio,
                semitones=track.semitones,
                confidence=min(1.0, max(0.0, track.confidence)),
            )
        )
    return rows


class Identify:
    """The consumer: one index for the process, one recording at a time."""

    def __init__(self, bus: Bus, index: FingerprintIndex, settings: IdentifySettings) -> None:
        self.bus = bus
        self.index = index
        self.settings = settings
        self._one_at_a_time = asyncio.Lock()

    async def handle(self, message: Message) -> None:
        if not isinstance(message, RecordingCataloged) or not self.settings.enabled or not message.wants("identify"):
            return
        async with self._one_at_a_time:
            await self._handle(message)

    async def _handle(self, message: RecordingCataloged) -> None:
        recording = IndexedRecording(
            recording_id=message.recording_id,
            content_hash=message.sha256,
            seconds=message.duration_seconds or 0.0,
            is_set=(message.duration_seconds or 0.0) >= self.settings.set_seconds,
            path=message.path,
            artist=message.tags.get("artist", ""),
            title=message.tags.get("title", ""),
        )
        known = await asyncio.to_thread(self.index.has_content, message.sha256)
        if known is not None:
            await asyncio.to_thread(self.index.relabel, recording)
            log.debug("%s: fingerprinted before; not decoded again", message.path)
            await self._done(message, known.is_set, None)
            return
        try:
            found = await asyncio.to_thread(fingerprint, Path(message.path))
        except TooShortAudio as error:  # nothing wrong with it: a jingle, a sample, a silent file
            log.info("%s", error)
            await self._done(message, False, None, skipped=str(error))
            return
        except UnfingerprintableAudio as error:
            log.warning("%s", error)
            await self.bus.publish(
                FingerprintFailed(
                    recording_id=message.recording_id, reason=str(error), correlation_id=message.correlation_id
                )
            )
            return
        recording = dataclasses.replace(
            recording, seconds=found.seconds, is_set=found.seconds >= self.settings.set_seconds
        )
        await asyncio.to_thread(self.index.add, recording, found.index_quads)
        if recording.is_set:
            tracks = await self._identify_set(message, recording, found)
        else:
            await self._find_in_sets(message, found)
            tracks = None
        await self._done(message, recording.is_set, tracks)

    async def _identify_set(self, message: RecordingCataloged, recording: IndexedRecording, found: Fingerprint) -> int:
        identification = await asyncio.to_thread(identify, self.index, found, exclude=recording.recording_id)
        tracks = list(identification.tracks)
        await asyncio.to_thread(self.index.save_detections, recording.recording_id, tracks, replace=True)
        log.info("%s: %d library tracks found in the audio", message.path, len(tracks))
        await self._publish_tracklist(message, recording.recording_id, tracks)
        return len(tracks)

    async def _find_in_sets(self, message: RecordingCataloged, found: Fingerprint) -> None:
        finds = await asyncio.to_thread(find_in_sets, self.index, message.recording_id, found)
        for set_id, find in finds.items():
            known = await asyncio.to_thread(self.index.detections, set_id)
            merged = merge(known, [find])
            await asyncio.to_thread(self.index.save_detections, set_id, [find], replace=False)
            log.info("%s: found in set %s at %.1f s", message.path, set_id, find.start_s)
            await self._publish_tracklist(message, set_id, merged)

    async def _publish_tracklist(self, message: RecordingCataloged, set_id: UUID, tracks: list[FoundTrack]) -> None:
        names = await asyncio.to_thread(self.index.recordings_by_id, {set_id, *(t.recording_id for t in tracks)})
        the_set = names.get(set_id)
        unknown = unknown_spans(tracks, the_set.seconds) if the_set is not None else []
        rows = tracklist_tracks(tracks, names, unknown)
        cue: Path | None = None
        if the_set is not None and the_set.path:
            cue = await asyncio.to_thread(
                write_identified_cue,
                Path(the_set.path),
                rows,
                source=SOURCE,
                title=the_set.title or Path(the_set.path).stem,
                artist=the_set.artist,
                cue_dir=self.settings.cue_dir,
                library_root=self.settings.library_root,
            )
        await self.bus.publish(
            TracklistFound(
                recording_id=set_id,
                source=SOURCE,
                title="identified from the audio",
                tracks=rows,
                cue_file_path=str(cue) if cue else None,
                correlation_id=message.correlation_id,
            )
        )

    async def _done(
        self, message: RecordingCataloged, is_set: bool, tracks: int | None, *, skipped: str | None = None
    ) -> None:
        await self.bus.publish(
            RecordingFingerprinted(
                recording_id=message.recording_id,
                fingerprint_version=FINGERPRINT_VERSION,
                is_set=is_set,
                tracks=tracks,
                skipped=skipped,
                correlation_id=message.correlation_id,
            )
        )
