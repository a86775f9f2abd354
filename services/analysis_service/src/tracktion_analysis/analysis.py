"""Analyse one file: decode once into frame features, then tempo, key and mood per window, then the timeline.

This is the function the worker processes, the CLI and the benchmarks run. It is synchronous and CPU-bound (the
service calls it in a process pool, never on the event loop) and raises only tracktion errors:
:class:`~tracktion_analysis.errors.UnanalysableAudio` subclasses for bad input, ``MoodModelError`` for a bad model
setting. essentia's exceptions are translated here, at the edge.

Flow: :func:`tracktion_analysis.adapters.features.extract` (one streaming pass; memory bounded by the number of
frames, not samples) -> :func:`analyse_features`: windows of 30 s every 10 s, each with beats tracked on its slice
of the onset function, a tempo fitted to them and its octave chosen, and a key from its averaged pitch profile ->
smoothing and merging into segments (:mod:`tracktion_analysis.domain.timeline`) -> each segment's key from all of
its frames -> the dominant tempo and key -> the mood from whole-recording descriptors.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import numpy.typing as npt

from tracktion_analysis.adapters import features as features_adapter
from tracktion_analysis.adapters.beats import track_beats
from tracktion_analysis.domain import keys, mood, tempo, timeline
from tracktion_analysis.domain.result import AnalysisResult, Segment
from tracktion_analysis.errors import AudioNotFound, SilentAudio, TooShortAudio, UnreadableAudio

__all__ = ["AnalysisOptions", "analyse_features", "analyse_file"]

log = logging.getLogger("tracktion.analysis")

Floats = npt.NDArray[np.float64]

#: a window's beats must mostly sit on one fitted line for its tempo to count.
MIN_BEAT_CONSISTENCY = 0.5
#: band indices of FrameFeatures.bands (see adapters.features.BAND_EDGES)
_KICK_BANDS = (0,)
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


def analyse_file(path: str | os.PathLike[str], options: AnalysisOptions | None = None) -> AnalysisResult:
    """Analyse the audio file at ``path`` (any format essentia's FFmpeg decodes)."""
    options = options or AnalysisOptions()
    audio = Path(path)
    name = audio.name
    if options.mood_model is not None:  # a bad model setting fails before minutes of decoding, not after
        from tracktion_analysis.adapters.mood_model import check_mood_model  # noqa: PLC0415 - only with a model

        check_mood_model(options.mood_model)
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
    try:
        frames = features_adapter.extract(audio)
    except RuntimeError as exc:
        raise UnreadableAudio(f"{name}: cannot decode it as audio ({_essentia_reason(exc)})") from exc
    result = analyse_features(frames, options, name=name)
    if options.mood_model is not None:
        from tracktion_analysis.adapters.mood_model import model_mood  # noqa: PLC0415 - only with a model set

        result = replace(result, mood=model_mood(audio, options.mood_model, result.mood, result.duration_s))
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
    kick = tempo.band_flux(frames.bands[:, list(_KICK_BANDS)].sum(axis=1))
    readings = [
        _read_window(frames, snare, kick, start, end)
        for start, end in timeline.plan_windows(duration, options.window_s, options.hop_s)
    ]
    readings = timeline.smooth_readings(timeline.harmonise_octaves(readings))
    spans = [replace(span, key=_span_key(frames, span)) for span in timeline.segment_spans(readings)]
    segments = tuple(_segment(frames, span) for span in timeline.merge_adjacent(spans))

    bpm, key = timeline.dominant([(s.end_s - s.start_s, s.bpm, _key_of(s)) for s in segments])
    whole = keys.estimate_key(frames.hpcp.mean(axis=0))
    if whole is not None and key == (whole.tonic, whole.scale):
        strength: float | None = whole.strength  # the whole recording agrees: its profile is the best evidence
    else:
        strength = _mean_strength(segments, key)
    tuning = whole.tuning_cents if whole else None
    tonic = key[0] if key else None
    scale: keys.Scale | None = None
    if key and key[1] in ("major", "minor"):
        scale = "major" if key[1] == "major" else "minor"
    summary = mood.heuristic_mood(
        loudness=level,
        dance=mood.danceability(frames.std10ms),
        bpm=bpm,
        brightness_hz=float(np.median(frames.centroid)) if frames.centroid.size else 0.0,
        scale=scale,
        key_strength=strength,
        dynamics=mood.dynamic_complexity(frames.rms),
    )
    return AnalysisResult(
        duration_s=round(duration, 2),
        bpm=round(bpm, 1) if bpm is not None else None,
        key=tonic,
        scale=scale,
        camelot=keys.camelot(tonic, scale) if tonic and scale else None,
        open_key=keys.open_key(tonic, scale) if tonic and scale else None,
        key_strength=round(strength, 3) if strength is not None else None,
        tuning_cents=tuning,
        mood=summary,
        segments=segments,
    )


def _read_window(
    frames: features_adapter.FrameFeatures,
    snare: Floats,
    kick: Floats,
    start: float,
    end: float,
) -> timeline.WindowReading:
    rate = frames.odf_rate
    i0, i1 = int(start * rate), int(end * rate)
    bpm = _window_tempo(frames.odf[i0:i1], snare[i0:i1], kick[i0:i1], rate)
    k0, k1 = int(start * frames.key_rate), max(int(end * frames.key_rate), int(start * frames.key_rate) + 1)
    profile = frames.hpcp[k0:k1]
    estimate = keys.estimate_key(profile.mean(axis=0)) if profile.shape[0] else None
    return timeline.WindowReading(start, end, bpm, (estimate.tonic, estimate.scale) if estimate else None)


def _window_tempo(
    odf: npt.NDArray[np.float32],
    snare: Floats,
    kick: Floats,
    rate: float,
) -> float | None:
    fit = tempo.fit_tempo(track_beats(odf, rate))
    if fit is None or fit.consistency < MIN_BEAT_CONSISTENCY:
        return None
    factor = tempo.choose_octave(fit.bpm, tempo.octave_evidence(snare, kick, rate, fit.bpm))
    return fit.bpm * factor


def _span_estimate(frames: features_adapter.FrameFeatures, span: timeline.Span) -> keys.KeyEstimate | None:
    k0 = int(span.start_s * frames.key_rate)
    k1 = max(int(span.end_s * frames.key_rate), k0 + 1)
    profile = frames.hpcp[k0:k1]
    return keys.estimate_key(profile.mean(axis=0)) if profile.shape[0] else None


def _span_key(frames: features_adapter.FrameFeatures, span: timeline.Span) -> tuple[str, str] | None:
    estimate = _span_estimate(frames, span)
    return (estimate.tonic, estimate.scale) if estimate else None


def _segment(frames: features_adapter.FrameFeatures, span: timeline.Span) -> Segment:
    estimate = _span_estimate(frames, span)
    return Segment(
        start_s=round(span.start_s, 2),
        end_s=round(span.end_s, 2),
        bpm=round(span.bpm, 1) if span.bpm is not None else None,
        key=estimate.tonic if estimate else None,
        scale=estimate.scale if estimate else None,
        camelot=estimate.camelot if estimate else None,
        open_key=estimate.open_key if estimate else None,
        strength=round(estimate.strength, 3) if estimate else None,
    )


def _key_of(segment: Segment) -> tuple[str, str] | None:
    return (segment.key, segment.scale) if segment.key and segment.scale else None


def _mean_strength(segments: tuple[Segment, ...], key: tuple[str, str] | None) -> float | None:
    chosen = [s for s in segments if key is not None and _key_of(s) == key and s.strength is not None]
    if not chosen:
        return None
    weights = np.array([s.end_s - s.start_s for s in chosen])
    values = np.array([s.strength for s in chosen], dtype=np.float64)
    return float(np.average(values, weights=weights))
