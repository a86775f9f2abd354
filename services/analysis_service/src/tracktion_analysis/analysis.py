"""Analyse one file: decode once into frame features, then tempo, key and mood per window, then the timeline.

This is the function the worker processes, the CLI and the benchmarks run. It is synchronous and CPU-bound (the
service calls it in a process pool, never on the event loop) and raises only tracktion errors:
:class:`~tracktion_analysis.errors.UnanalysableAudio` subclasses for bad input, ``MoodModelError`` for a bad model
setting. essentia's exceptions are translated here, at the edge.

Flow: :func:`tracktion_analysis.adapters.features.extract` (one streaming pass; memory bounded by the number of
frames, not samples; Opus goes through :mod:`tracktion_analysis.adapters.transcode` first) ->
:func:`analyse_features`: windows of 30 s every 10 s, each with beats tracked on its slice of the onset function, a
tempo fitted to them and its metrical level chosen with a confidence
(:func:`tracktion_analysis.domain.tempo.read_tempo`), and a key from its averaged pitch profile -> smoothing and
merging into segments (:mod:`tracktion_analysis.domain.timeline`) -> each segment's key from all of its frames ->
the dominant tempo, with its confidence and alternative from the windows that hold it -> the whole recording's key,
voted by tracktion's profile and essentia's reference extractor -> the mood from whole-recording descriptors.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import stat
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import numpy.typing as npt

from tracktion_analysis.adapters import features as features_adapter
from tracktion_analysis.adapters.beats import track_beats
from tracktion_analysis.adapters.transcode import readable_by_essentia
from tracktion_analysis.domain import keys, mood, tempo, timeline
from tracktion_analysis.domain.result import AnalysisResult, Segment
from tracktion_analysis.errors import AudioNotFound, SilentAudio, TooShortAudio, UnreadableAudio

__all__ = ["AnalysisOptions", "analyse_features", "analyse_file"]

log = logging.getLogger("tracktion.analysis")

Floats = npt.NDArray[np.float64]

#: band indices of FrameFeatures.bands (see adapters.features.BAND_EDGES)
_SNARE_BANDS = (3, 4)


@dataclass(frozen=True)
class AnalysisOptions:
    """Per-file settings (picklable: they travel to worker processes)."""

    window_s: float = 30.0
    hop_s: float = 10.0
    min_duration_s: float = 5.0
    mood_model: Path | None = None

    def cache_tag(self) -> str:
        """A digest of every option that changes a result or a failure, part of the cache key.

        Without it, lowering ``TRACKTION_ANALYSIS_MIN_SECONDS`` would keep answering "too short" from the cache for a
        week, and a new mood model would keep the old model's moods. A model counts by path, size and mtime: hashing
        a large model file at every start is not worth it.
        """
        model: list[object] | None = None
        if self.mood_model is not None:
            try:
                stat = self.mood_model.stat()
                model = [str(self.mood_model), stat.st_size, stat.st_mtime_ns]
            except OSError:
                model = [str(self.mood_model)]
        fields = [self.window_s, self.hop_s, self.min_duration_s, model]
        return hashlib.sha256(json.dumps(fields).encode()).hexdigest()[:12]


def _refuse_special_file(audio: Path) -> None:
    """A FIFO would block the open below until something writes to it, a device would be read forever: refuse
    anything that exists and is neither a regular file nor a directory (which the open reports) before opening."""
    try:
        mode = audio.stat().st_mode
    except OSError:
        return  # missing or refused: the open says which
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return
    kind = "a socket"
    if stat.S_ISFIFO(mode):
        kind = "a named pipe (FIFO)"
    elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        kind = "a device"
    raise AudioNotFound(f"{audio.name}: is {kind}, not an audio file")


def analyse_file(path: str | os.PathLike[str], options: AnalysisOptions | None = None) -> AnalysisResult:
    """Analyse the audio file at ``path`` (any format essentia's FFmpeg decodes)."""
    options = options or AnalysisOptions()
    audio = Path(path)
    name = audio.name
    if options.mood_model is not None:  # a bad model setting fails before minutes of decoding, not after
        from tracktion_analysis.adapters.mood_model import check_mood_model  # noqa: PLC0415 - only with a model

        check_mood_model(options.mood_model)
    _refuse_special_file(audio)
    try:
        with audio.open("rb") as handle:
            if not handle.read(1):
                raise UnreadableAudio(f"{name}: the file is empty")
    except FileNotFoundError as exc:
        raise AudioNotFound(f"{name}: no such file") from exc
    except IsADirectoryError as exc:
        raise AudioNotFound(f"{name}: is a directory, not an audio file") from exc
    except OSError as exc:
        raise AudioNotFound(f"{name}: cannot open it ({exc.strerror or exc})") from exc
    with readable_by_essentia(audio) as readable:
        try:
            frames = features_adapter.extract(readable)
        except RuntimeError as exc:
            raise UnreadableAudio(f"{name}: cannot decode it as audio ({_essentia_reason(exc)})") from exc
        result = analyse_features(frames, options, name=name)
        if options.mood_model is not None:
            from tracktion_analysis.adapters.mood_model import model_mood  # noqa: PLC0415 - only with a model set

            result = replace(result, mood=model_mood(readable, options.mood_model, result.mood, result.duration_s))
    return result


def _essentia_reason(exc: RuntimeError) -> str:
    """essentia's message without its configuration preamble, on one line."""
    text = " ".join(str(exc).split())
    for prefix in ("Error while configuring MonoLoader: ", "AudioLoader: "):
        text = text.removeprefix(prefix)
    return text or type(exc).__name__


def analyse_features(
    frames: features_adapter.FrameFeatures, options: AnalysisOptions | None = None, *, name: str = "recording"
) -> AnalysisResult:
    """Everything after decoding (see the module docstring)."""
    options = options or AnalysisOptions()
    duration = frames.duration_s
    if duration < options.min_duration_s:
        raise TooShortAudio(f"{name}: {duration:.1f} s long; at least {options.min_duration_s:g} s are needed")
    level = mood.loudness_db(frames.rms)
    if level <= mood.SILENCE_DB or frames.hpcp.shape[0] == 0:
        raise SilentAudio(f"{name}: silent (no sound above {mood.SILENCE_DB:g} dBFS)")

    snare = tempo.band_flux(frames.bands[:, list(_SNARE_BANDS)].sum(axis=1))
    windows = timeline.plan_windows(duration, options.window_s, options.hop_s)
    pulses = [_window_pulse(frames, snare, start, end) for start, end in windows]
    tempos = [pulse.reading for pulse in pulses]
    readings = [
        timeline.WindowReading(
            start,
            end,
            timeline.steady_bpm(reading.bpm, reading.confidence, len(windows)) if reading else None,
            _window_key(frames, start, end),
        )
        for (start, end), reading in zip(windows, tempos, strict=True)
    ]
    readings = timeline.smooth_readings(timeline.harmonise_octaves(readings))
    spans = [replace(span, key=_span_key(frames, span)) for span in timeline.segment_spans(readings)]
    segments = tuple(_segment(frames, span, tempos) for span in timeline.merge_adjacent(spans))

    dominant_bpm, _ = timeline.dominant([(s.end_s - s.start_s, s.bpm, _key_of(s)) for s in segments])
    bpm, bpm_confidence, bpm_alternative = _recording_tempo(dominant_bpm, readings, pulses)
    if bpm is not None and dominant_bpm is not None and not timeline.same_tempo(bpm, dominant_bpm):
        segments = tuple(_rescaled(s, dominant_bpm, bpm) for s in segments)
    estimate, key_confidence = keys.fuse_with_reference(frames.hpcp.mean(axis=0), _reference(frames))
    if len(segments) == 1 and estimate is not None:  # one segment is the whole recording: the same key, the same vote
        segments = (_with_key(segments[0], estimate),)
    strength = estimate.strength if estimate else None
    tuning = estimate.tuning_cents if estimate else None
    tonic = estimate.tonic if estimate else None
    scale: keys.Scale | None = estimate.scale if estimate else None
    summary = mood.heuristic_mood(
        loudness=level,
        dance=mood.danceability(frames.std10ms),
        bpm=bpm,
        brightness_hz=float(np.median(frames.centroid)) if frames.centroid.size else 0.0,
        scale=scale,
        key_strength=strength,
        dynamics=mood.dynamic_complexity(frames.rms),
        onset_density=mood.onset_density(frames.odf, frames.odf_rate),
    )
    return AnalysisResult(
        duration_s=round(duration, 2),
        bpm=round(bpm, 1) if bpm is not None else None,
        bpm_confidence=bpm_confidence,
        bpm_alternative=round(bpm_alternative, 1) if bpm_alternative is not None else None,
        key=tonic,
        scale=scale,
        camelot=keys.camelot(tonic, scale) if tonic and scale else None,
        open_key=keys.open_key(tonic, scale) if tonic and scale else None,
        key_strength=round(strength, 3) if strength is not None else None,
        key_confidence=key_confidence,
        tuning_cents=tuning,
        mood=summary,
        segments=segments,
    )


@dataclass(frozen=True)
class _WindowPulse:
    """A window's beat fit, its pulse evidence and the tempo read from them (None: no pulse)."""

    fit: tempo.TempoFit | None
    evidence: tempo.PulseEvidence
    reading: tempo.TempoReading | None


def _window_pulse(frames: features_adapter.FrameFeatures, snare: Floats, start: float, end: float) -> _WindowPulse:
    rate = frames.odf_rate
    i0, i1 = int(start * rate), int(end * rate)
    odf = frames.odf[i0:i1]
    fit = tempo.fit_tempo(track_beats(odf, rate))
    evidence = tempo.PulseEvidence.of(odf, snare[i0:i1], rate)
    return _WindowPulse(fit, evidence, tempo.read_tempo(fit, evidence))


def _window_key(frames: features_adapter.FrameFeatures, start: float, end: float) -> tuple[str, str] | None:
    estimate = _key_between(frames, start, end)
    return (estimate.tonic, estimate.scale) if estimate else None


def _reference(frames: features_adapter.FrameFeatures) -> tuple[str, keys.Scale, float] | None:
    if frames.reference_key is None:
        return None
    tonic, scale, strength = frames.reference_key
    if scale not in ("major", "minor"):
        return None
    try:
        return keys.canonical_note(tonic), "major" if scale == "major" else "minor", strength
    except ValueError:
        return None


def _recording_tempo(
    bpm: float | None, readings: list[timeline.WindowReading], pulses: list[_WindowPulse]
) -> tuple[float | None, float | None, float | None]:
    """The recording's tempo, confidence and alternative, decided again on the pooled evidence of every window that
    (after smoothing) holds the dominant tempo.

    One 30-second window can be fooled about the metrical level (a fill, a breakdown, a bar of triplets); the same
    decision over all the windows that agree has several times the evidence. The confidence is scaled by the share
    of the recording those windows cover, so a set whose tempo wanders is less sure of its one number than a track.
    """
    if bpm is None:
        return None, None, None
    total = sum(r.end_s - r.start_s for r in readings)
    held = [
        (r.end_s - r.start_s, pulse)
        for r, pulse in zip(readings, pulses, strict=True)
        if r.bpm is not None and pulse.fit is not None and timeline.same_tempo(r.bpm, bpm)
    ]
    if not held or total <= 0:
        return bpm, None, None
    covered = sum(d for d, _ in held)
    consistency = sum(d * p.fit.consistency for d, p in held if p.fit is not None) / covered
    fit = tempo.TempoFit(bpm=bpm, beats=sum(p.fit.beats for _, p in held if p.fit is not None), consistency=consistency)
    reading = tempo.read_tempo(fit, tempo.PulseEvidence.pooled([p.evidence for _, p in held]))
    if reading is None:
        return bpm, None, None
    return reading.bpm, round(min(1.0, reading.confidence * covered / total), 3), reading.alternative


def _rescaled(segment: Segment, old: float, new: float) -> Segment:
    """A segment at the recording's old tempo moved to the level the pooled decision chose; others stay."""
    if segment.bpm is None or not timeline.same_tempo(segment.bpm, old):
        return segment
    return replace(segment, bpm=round(segment.bpm * new / old, 1))


def _key_between(frames: features_adapter.FrameFeatures, start_s: float, end_s: float) -> keys.KeyEstimate | None:
    """The key of the pitch profiles from ``start_s`` to ``end_s`` (at least one frame)."""
    k0 = int(start_s * frames.key_rate)
    k1 = max(int(end_s * frames.key_rate), k0 + 1)
    profile = frames.hpcp[k0:k1]
    return keys.estimate_key(profile.mean(axis=0)) if profile.shape[0] else None


def _span_estimate(frames: features_adapter.FrameFeatures, span: timeline.Span) -> keys.KeyEstimate | None:
    return _key_between(frames, span.start_s, span.end_s)


def _span_key(frames: features_adapter.FrameFeatures, span: timeline.Span) -> tuple[str, str] | None:
    return _window_key(frames, span.start_s, span.end_s)


def _segment(
    frames: features_adapter.FrameFeatures, span: timeline.Span, tempos: list[tempo.TempoReading | None]
) -> Segment:
    estimate = _span_estimate(frames, span)
    confidences = [t.confidence for t in tempos[span.first : span.last + 1] if t is not None]
    return Segment(
        start_s=round(span.start_s, 2),
        end_s=round(span.end_s, 2),
        bpm=round(span.bpm, 1) if span.bpm is not None else None,
        bpm_confidence=round(float(np.mean(confidences)), 3) if confidences and span.bpm is not None else None,
        key=estimate.tonic if estimate else None,
        scale=estimate.scale if estimate else None,
        camelot=estimate.camelot if estimate else None,
        open_key=estimate.open_key if estimate else None,
        strength=round(estimate.strength, 3) if estimate else None,
    )


def _with_key(segment: Segment, estimate: keys.KeyEstimate) -> Segment:
    return replace(
        segment,
        key=estimate.tonic,
        scale=estimate.scale,
        camelot=estimate.camelot,
        open_key=estimate.open_key,
        strength=round(estimate.strength, 3),
    )


def _key_of(segment: Segment) -> tuple[str, str] | None:
    return (segment.key, segment.scale) if segment.key and segment.scale else None
