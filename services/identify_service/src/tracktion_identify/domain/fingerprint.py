"""Tempo- and pitch-robust fingerprints: spectral peaks grouped in fours, hashed by what time-stretching keeps.

Why this design. A DJ plays a track faster or slower (key-locked time-stretching, or "vinyl" speed that moves the
pitch with the tempo) and sometimes transposes it. Shazam-style pair hashes (f1, f2 - f1, t2 - t1) break under both:
the time difference scales with the tempo and every frequency moves with the pitch. What survives is

- the *differences* of peak frequencies on a logarithmic (semitone) axis: a pitch change by a factor ``p`` moves
  every peak by the same ``12 log2 p`` semitones, so ``f2 - f1`` is unchanged;
- the *ratios* of time differences: a tempo change scales every interval by the same factor, so
  ``(t2 - t1) / (t4 - t1)`` is unchanged.

One such invariant from three peaks (Panako, Six & Leman 2014/2021) carries too little entropy for a library of
thousands of hours, so tracktion hashes four peaks, as the quad fingerprints of Sonnleitner & Widmer (2016) do: an
anchor and three later peaks give three semitone differences and two time ratios, about 20 bits. Each hash keeps
the anchor's time, its absolute pitch and the quad's time span beside it, so a match tells both the time offset and
the local tempo ratio and transposition; :mod:`tracktion_identify.domain.matching` turns many matches into segments.

Robustness beyond the invariants:

- the spectrogram is whitened over time per frequency bin (each bin minus its running mean over a few seconds), so
  a static EQ, a slow filter sweep or a limiter's gain changes which peaks are loudest only a little;
- the index side keeps the strongest few peaks per second and few quads per anchor; the query side keeps more peaks
  and more quads per anchor, so the index's quads are still formed among the query's when a second track, crowd
  noise or MP3 artefacts add peaks of their own (the asymmetry audfprint and Panako use as well);
- quantisation of the invariants loses a quad whenever noise pushes a value across a cell border; the query side
  probes the neighbouring cell for values close to a border, so the index stays one entry per quad.

Pure numpy: decoding is :mod:`tracktion_identify.adapters.decode`'s job; this module sees mono samples at
:data:`SAMPLE_RATE`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = [
    "FRAME_SECONDS",
    "INDEX",
    "QUERY",
    "SAMPLE_RATE",
    "Peaks",
    "Quads",
    "Side",
    "peaks",
    "peaks_for",
    "peaks_of_stream",
    "quads",
]

#: 8 kHz keeps everything up to 4 kHz, where the strong, stable peaks of music are, and costs a sixth of 48 kHz.
SAMPLE_RATE = 8000
N_FFT = 1024
HOP = 128
#: a spectrogram frame: the time unit of every fingerprint.
FRAME_SECONDS = HOP / SAMPLE_RATE
#: the band peaks are taken from (Hz): below it a spectrogram of this size cannot tell semitones apart.
LOW_HZ, HIGH_HZ = 180.0, 3800.0
#: the whitening window: long enough to hold a few bars, short enough to follow a filter sweep.
WHITEN_SECONDS = 3.0
#: a peak is the largest value within +-these many frames and bins.
PEAK_FRAMES, PEAK_BINS = 5, 6
#: how far on a peak's level is read again to tell a sustained partial from a transient (64 ms)
SUSTAIN_FRAMES = 4
#: semitone differences are hashed in cells of this many semitones; time ratios in this many cells of [0, 1].
SEMITONE_CELL = 1.0
MAX_INTERVAL = 12
RATIO_CELLS = 6
#: the largest tempo change (fraction) and pitch shift (semitones) a query looks for: what DJs do, +-20 % and a
#: transposition on top of a vinyl-mode pitch change
MAX_TEMPO_CHANGE = 0.22
MAX_SHIFT_SEMITONES = 4.5
#: the key's coarse placement bits: the anchor's pitch band (semitones wide) and the quad's span (log-frames step)
BAND_SEMITONES = 6.0
SPAN_STEP = 0.2
_BAND_BITS = _SPAN_BITS = 4

_BINS_PER_HZ = N_FFT / SAMPLE_RATE
#: peak density is held per block of this many frames (about a second)
_PEAK_BLOCK = round(1.0 / FRAME_SECONDS)
_LOW_BIN, _HIGH_BIN = int(LOW_HZ * _BINS_PER_HZ), int(HIGH_HZ * _BINS_PER_HZ) + 1
#: the semitone axis' origin: peak pitches are stored as tenths of a semitone above this frequency.
REFERENCE_HZ = 110.0


@dataclass(frozen=True)
class Side:
    """How many peaks and quads one side of a match extracts: the index is sparse, the query dense."""

    peaks_per_second: float
    #: quads are formed from the anchor and 3 of its this-many strongest later peaks in the target zone
    zone_peaks: int
    #: the target zone: later peaks between these times after the anchor (seconds)
    zone_seconds: tuple[float, float]
    #: probe neighbouring hash cells for values within this fraction of a cell from a border (0: never)
    probe_margin: float
    #: look for keys of quads this much longer or shorter (fraction) and this much higher or lower (semitones)
    tempo_tolerance: float = 0.0
    pitch_tolerance: float = 0.0


INDEX = Side(peaks_per_second=7.0, zone_peaks=4, zone_seconds=(0.12, 1.2), probe_margin=0.0)
#: the query's zone is wider by the largest tempo change tracktion looks for (+-20 %), so quads of a track played
#: faster or slower still fall inside it.
QUERY = Side(
    peaks_per_second=14.0,
    zone_peaks=7,
    zone_seconds=(0.09, 1.5),
    probe_margin=0.2,
    tempo_tolerance=MAX_TEMPO_CHANGE,
    pitch_tolerance=MAX_SHIFT_SEMITONES,
)


@dataclass(frozen=True)
class Peaks:
    """Spectral peaks, sorted by frame: frame index, pitch in semitones above :data:`REFERENCE_HZ`, strength."""

    frames: npt.NDArray[np.int64]
    semitones: npt.NDArray[np.float64]
    strength: npt.NDArray[np.float64]

    def __len__(self) -> int:
        return int(self.frames.size)


@dataclass(frozen=True)
class Quads:
    """Hashed quads: one row per key range (a query quad probed in several cells or bands has several rows).

    A key is the quad's shape hash with its coarse placement below it (see :func:`quads`); an index quad's range is
    its one key (``upper == hashes``), a query quad's the keys of every band and span it may have been indexed
    with. ``anchor_frame`` and ``anchor_pitch`` (tenths of a semitone) place the quad; ``span`` is its length in
    frames (anchor to last peak), whose ratio between query and index is the local tempo ratio.
    """

    hashes: npt.NDArray[np.int64]
    upper: npt.NDArray[np.int64]
    anchor_frame: npt.NDArray[np.int64]
    anchor_pitch: npt.NDArray[np.int64]
    span: npt.NDArray[np.int64]

    def __len__(self) -> int:
        return int(self.hashes.size)


def _spectrogram(samples: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """Log-magnitude STFT (frames x band bins), whitened: each bin minus its running mean over time."""
    if samples.size < N_FFT:
        return np.zeros((0, _HIGH_BIN - _LOW_BIN), dtype=np.float32)
    frames = np.lib.stride_tricks.sliding_window_view(samples, N_FFT)[::HOP]
    window = np.hanning(N_FFT).astype(np.float32)
    spectrum = np.abs(np.fft.rfft(frames * window, axis=1)[:, _LOW_BIN:_HIGH_BIN]).astype(np.float32)
    log = 20.0 * np.log10(spectrum + 1e-6, dtype=np.float32)
    half = max(1, int(WHITEN_SECONDS / FRAME_SECONDS / 2))
    padded = np.pad(log, ((half, half), (0, 0)), mode="edge")
    cumulative = np.cumsum(padded, axis=0, dtype=np.float64)
    cumulative = np.vstack([np.zeros((1, log.shape[1])), cumulative])
    mean = (cumulative[2 * half + 1 :] - cumulative[: -2 * half - 1]) / (2 * half + 1)
    whitened: npt.NDArray[np.float32] = (log - mean[: log.shape[0]]).astype(np.float32)
    return whitened


def _sliding_max(values: npt.NDArray[np.float32], radius: int, axis: int) -> npt.NDArray[np.float32]:
    pad = [(0, 0), (0, 0)]
    pad[axis] = (radius, radius)
    padded = np.pad(values, pad, mode="constant", constant_values=-np.inf)
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * radius + 1, axis=axis)
    result: npt.NDArray[np.float32] = windows.max(axis=-1)
    return result


def peaks(samples: npt.NDArray[np.float32], side: Side) -> Peaks:
    """The strongest local maxima of the whitened spectrogram, about ``side.peaks_per_second`` of them.

    Strength is the whitened level, so a peak counts by how far it stands out of its own bin's recent past, not by
    how loud its band is; the density is held per second (the strongest in each second), so a quiet passage keeps
    its peaks and a loud one does not take them all.
    """
    return peaks_for(samples, (side,))[0]


def peaks_for(samples: npt.NDArray[np.float32], sides: Sequence[Side]) -> list[Peaks]:
    """:func:`peaks` for several sides from one spectrogram (the index's and the query's from one decode)."""
    spec = _spectrogram(samples)
    if spec.shape[0] < 2 * PEAK_FRAMES + 1:
        empty = Peaks(np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0))
        return [empty for _ in sides]
    local_max = _sliding_max(_sliding_max(spec, PEAK_FRAMES, 0), PEAK_BINS, 1)
    frame_idx, bin_idx = np.nonzero((spec == local_max) & (spec > 3.0))
    # a peak counts by its level and by how long it lasts: a partial of a note or chord sustains, the spectrum of a
    # drum hit is gone a few frames later. Tonal peaks tell tracks apart; drum hits are shared by every track built
    # on the same sample (the same 909 hat in a thousand techno tracks)
    later = np.minimum(frame_idx + SUSTAIN_FRAMES, spec.shape[0] - 1)
    strength = (spec[frame_idx, bin_idx] + np.minimum(spec[later, bin_idx], spec[frame_idx, bin_idx])).astype(
        np.float64
    )
    block = frame_idx // _PEAK_BLOCK
    order = np.lexsort((-strength, block))
    rank = np.empty(order.size, dtype=np.int64)
    rank[order] = np.arange(order.size) - np.searchsorted(block[order], block[order], side="left")
    return [_located(spec, frame_idx, bin_idx, strength, rank < max(1, round(side.peaks_per_second))) for side in sides]


def _located(
    spec: npt.NDArray[np.float32],
    frame_idx: npt.NDArray[np.int64],
    bin_idx: npt.NDArray[np.int64],
    strength: npt.NDArray[np.float64],
    keep: npt.NDArray[np.bool_],
) -> Peaks:
    """The kept peaks, in frame order, with their frequency refined between bins."""
    frame_idx, bin_idx, strength = frame_idx[keep], bin_idx[keep], strength[keep]
    # sub-bin frequency by a parabola through the peak and its neighbours (the band edges have no neighbour)
    inner = (bin_idx > 0) & (bin_idx < spec.shape[1] - 1)
    offset = np.zeros(bin_idx.size)
    left = spec[frame_idx[inner], bin_idx[inner] - 1]
    centre = spec[frame_idx[inner], bin_idx[inner]]
    right = spec[frame_idx[inner], bin_idx[inner] + 1]
    denominator = left - 2 * centre + right
    with np.errstate(divide="ignore", invalid="ignore"):
        offset[inner] = np.where(denominator < 0, 0.5 * (left - right) / denominator, 0.0)
    hz = (bin_idx + _LOW_BIN + np.clip(offset, -0.5, 0.5)) / _BINS_PER_HZ
    return Peaks(frame_idx.astype(np.int64), 12.0 * np.log2(hz / REFERENCE_HZ), strength)


#: a long recording is cut into blocks of this many frames (a whole number of the one-second peak blocks), each
#: with :data:`_MARGIN_FRAMES` of context either side, so a two-hour set never needs its whole signal in memory
_BLOCK_FRAMES = _PEAK_BLOCK * 60
_MARGIN_FRAMES = _PEAK_BLOCK * 2


def peaks_of_stream(blocks: Iterable[npt.NDArray[np.float32]], sides: Sequence[Side]) -> tuple[list[Peaks], int]:
    """:func:`peaks_for` of the concatenation of ``blocks``, holding about a minute of samples at a time.

    Each minute is analysed with two seconds of context either side (more than the whitening window and the peak
    neighbourhood reach), and only the peaks of its own minute are kept, so the result equals the whole signal's.
    Returns the peaks per side and the number of samples seen.
    """
    hop_block, margin = _BLOCK_FRAMES * HOP, _MARGIN_FRAMES * HOP
    buffer = np.zeros(0, dtype=np.float32)
    buffer_start = 0  # global frame of buffer[0]
    parts: list[list[Peaks]] = [[] for _ in sides]
    first = True
    samples = 0

    def take(lo: int, hi: int | None) -> None:
        for part, found in zip(parts, peaks_for(buffer, sides), strict=True):
            keep = (found.frames >= lo) & ((found.frames < hi) if hi is not None else True)
            part.append(Peaks(found.frames[keep] + buffer_start, found.semitones[keep], found.strength[keep]))

    pending: list[npt.NDArray[np.float32]] = []
    pending_size = 0
    for block in blocks:
        samples += block.size
        pending.append(np.asarray(block, dtype=np.float32))
        pending_size += block.size
        needed = (0 if first else margin) + hop_block + margin + N_FFT
        if buffer.size + pending_size < needed:
            continue  # decoders hand over a few thousand samples at a time: join them only when a block is due
        buffer = np.concatenate([buffer, *pending])
        pending, pending_size = [], 0
        while buffer.size >= (0 if first else margin) + hop_block + margin + N_FFT:
            lo = 0 if first else _MARGIN_FRAMES
            take(lo, lo + _BLOCK_FRAMES)
            drop = (lo + _BLOCK_FRAMES - _MARGIN_FRAMES) * HOP
            buffer = buffer[drop:]
            buffer_start += drop // HOP
            first = False
    buffer = np.concatenate([buffer, *pending])
    take(0 if first else _MARGIN_FRAMES, None)
    joined = [
        Peaks(
            np.concatenate([p.frames for p in part]),
            np.concatenate([p.semitones for p in part]),
            np.concatenate([p.strength for p in part]),
        )
        for part in parts
    ]
    return joined, samples


def _triples(count: int) -> npt.NDArray[np.int64]:
    return np.array(list(itertools.combinations(range(count), 3)), dtype=np.int64).reshape(-1, 3)


def _cells(values: npt.NDArray[np.float64], margin: float) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Each value's cell, and the neighbouring cell to probe too (or the same one when not near a border)."""
    cell = np.floor(values).astype(np.int64)
    fraction = values - cell
    neighbour = np.where(fraction < margin, cell - 1, np.where(fraction > 1 - margin, cell + 1, cell))
    return cell, neighbour


def quads(found: Peaks, side: Side, anchors: slice | None = None) -> Quads:
    """Hash the quads of ``found``: each anchor with every 3 of its ``zone_peaks`` strongest peaks in the zone.

    The key is the shape (three semitone differences, two time ratios: what a DJ's treatment keeps) with two coarse
    placements below it: the anchor's pitch band and the quad's span on a log scale. Neither is invariant, but a
    track played faster or transposed moves them by at most the side's tolerances, so the query asks for a few
    neighbouring keys in one range each, and an unrelated quad of the same shape in another band or of another
    length is never fetched: the shape alone (20 bits) meets tens of rows per key in a library of 10,000 tracks.

    ``anchors`` limits the anchors to a range of peak indices (a long query is hashed a stretch at a time); their
    later peaks may lie beyond it.
    """
    first, stop, _ = (anchors or slice(None)).indices(len(found))
    count = len(found)
    lo, hi = (round(s / FRAME_SECONDS) for s in side.zone_seconds)
    reach = max(1, int(side.peaks_per_second * (hi * FRAME_SECONDS + 1) * 2))
    if count < 4 or stop <= first:
        return _empty_quads()
    own = np.arange(first, stop)
    later = own[:, None] + np.arange(1, reach + 1)[None, :]
    valid = later < count
    later = np.minimum(later, count - 1)
    dt = found.frames[later] - found.frames[own][:, None]
    dpitch = found.semitones[later] - found.semitones[own][:, None]
    valid &= (dt >= lo) & (dt <= hi) & (np.abs(dpitch) < MAX_INTERVAL)
    score = np.where(valid, found.strength[later], -np.inf)
    zone = min(side.zone_peaks, reach)
    top = np.argsort(-score, axis=1, kind="stable")[:, :zone]
    chosen = np.take_along_axis(later, top, axis=1)
    chosen_ok = np.take_along_axis(valid, top, axis=1)
    triples = _triples(zone)
    members = chosen[:, triples]  # anchors x triples x 3
    ok = chosen_ok[:, triples].all(axis=2)
    anchor = np.broadcast_to(own[:, None], ok.shape)[ok]
    members = members[ok]
    if anchor.size == 0:
        return _empty_quads()
    members = np.sort(members, axis=1)  # later peaks in time order (peaks are sorted by frame)
    t0 = found.frames[anchor].astype(np.float64)
    dts = found.frames[members] - t0[:, None]
    span = dts[:, 2]
    keep = span > 0
    anchor, members, dts, span, t0 = anchor[keep], members[keep], dts[keep], span[keep], t0[keep]
    ratios = dts[:, :2] / span[:, None] * RATIO_CELLS
    steps = (found.semitones[members] - found.semitones[anchor][:, None]) / SEMITONE_CELL + MAX_INTERVAL
    components = np.concatenate([steps, ratios], axis=1)  # 5 values in cell units
    cells, neighbours = _cells(components, side.probe_margin)
    variants = [cells]
    if side.probe_margin > 0:
        # one extra probe per component near a border (not all combinations: two borders at once are rare)
        for column in range(components.shape[1]):
            near = neighbours[:, column] != cells[:, column]
            probe = cells.copy()
            probe[:, column] = neighbours[:, column]
            variants.append(np.where(near[:, None], probe, -1))
    rows = np.concatenate(variants)
    owner = np.tile(np.arange(anchor.size), len(variants))
    real = (rows >= 0).all(axis=1)
    return _keyed(_pack(rows[real]), found, anchor[owner[real]], span[owner[real]], side)


def _keyed(
    shapes: npt.NDArray[np.int64],
    found: Peaks,
    anchor: npt.NDArray[np.int64],
    span: npt.NDArray[np.float64],
    side: Side,
) -> Quads:
    """Quads of these shapes, anchors and spans, one row per pitch band the quad may have been indexed in; each
    row's key range covers the spans it may have had there."""
    pitch = found.semitones[anchor]
    low_band, high_band = _band(pitch - side.pitch_tolerance), _band(pitch + side.pitch_tolerance)
    bands = high_band - low_band + 1
    row = np.repeat(np.arange(shapes.size), bands)
    band = low_band[row] + np.arange(row.size) - np.repeat(np.cumsum(bands) - bands, bands)
    base = (shapes[row] << (_BAND_BITS + _SPAN_BITS)) | (band << _SPAN_BITS)
    return Quads(
        hashes=base | _span_bin(span[row] / (1 + side.tempo_tolerance)),
        upper=base | _span_bin(span[row] * (1 + side.tempo_tolerance)),
        anchor_frame=found.frames[anchor[row]],
        anchor_pitch=np.round(pitch[row] * 10).astype(np.int64),
        span=span[row].astype(np.int64),
    )


def _pack(cells: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    width = 2 * MAX_INTERVAL + 2
    packed = cells[:, 0]
    for column in (1, 2):
        packed = packed * width + cells[:, column]
    for column in (3, 4):
        packed = packed * (RATIO_CELLS + 1) + np.minimum(cells[:, column], RATIO_CELLS)
    return packed.astype(np.int64)


def _band(semitones: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    return np.clip(np.floor(semitones / BAND_SEMITONES), 0, (1 << _BAND_BITS) - 1).astype(np.int64)


#: spans of 5 to 100 frames fall in the 16 span bins (log steps of :data:`SPAN_STEP`)
_SPAN_ORIGIN = 8


def _span_bin(frames: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    bins: npt.NDArray[np.float64] = np.floor(np.log(np.maximum(frames, 1.0)) / SPAN_STEP) - _SPAN_ORIGIN
    return np.clip(bins, 0, (1 << _SPAN_BITS) - 1).astype(np.int64)


def _empty_quads() -> Quads:
    empty = np.zeros(0, dtype=np.int64)
    return Quads(empty, empty, empty, empty, empty)
