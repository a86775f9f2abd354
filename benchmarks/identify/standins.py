"""Stand-in tracks for growing the index to 1,000 and 10,000 tracks without rendering and fingerprinting them.

What a large library does to a query is more index rows per key: rows of other tracks that happen to share a key
with the query (chance hits, which cost look-up and matching time and can add up to false matches). So what a
stand-in must get right is how often its keys coincide with other tracks' keys; its own music does not matter.

Two simple models bracket the real library:

* **recombined**: a row's quad shape comes from one real row and its placement (pitch band, span: the key's low
  bits, with the anchor pitch and span they stand for) from another. Shapes and placements stay as common as they
  are in real music; on this library that is more sharing than the real tracks have (a shape drawn by its
  frequency is drawn again and again);
* **fresh**: the shape is drawn uniformly from all shapes, the placement from a real row: nearly no sharing.

The stand-ins mix the two: each row is fresh with probability ``fresh`` and recombined otherwise, with ``fresh``
chosen so that stand-ins share keys as often as the real library's tracks do among themselves (the share of a
track's distinct keys found in another track, in a library of the real one's size and track length), measured on
the library itself in the same run and printed beside the result. Times are uniform over the stand-in's five
minutes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tracktion_identify.domain.fingerprint import FRAME_SECONDS, Quads

__all__ = ["Pool", "StandIns", "calibrate"]

Ints = npt.NDArray[np.int64]
#: the key's low bits are the placement (pitch band and span bin), the rest the quad's shape
_PLACEMENT_BITS = 8
_SECONDS = 300.0


@dataclass(frozen=True)
class Pool:
    """The real library's index rows: key, anchor pitch, span, and which track each belongs to."""

    keys: Ints
    pitch: Ints
    span: Ints
    track: Ints

    @staticmethod
    def of(tracks: list[Quads]) -> Pool:
        return Pool(
            keys=np.concatenate([q.hashes for q in tracks]),
            pitch=np.concatenate([q.anchor_pitch for q in tracks]),
            span=np.concatenate([q.span for q in tracks]),
            track=np.concatenate([np.full(len(q), n, dtype=np.int64) for n, q in enumerate(tracks)]),
        )


@dataclass(frozen=True)
class StandIns:
    """The calibrated mixture, and the sharing it was calibrated to."""

    pool: Pool
    rows_per_track: int
    fresh: float
    real_sharing: float
    model_sharing: float

    def make(self, rng: np.random.Generator) -> Quads:
        return _stand_in(self.pool, self.rows_per_track, self.fresh, rng)


def _stand_in(pool: Pool, rows: int, fresh: float, rng: np.random.Generator) -> Quads:
    shapes = pool.keys >> _PLACEMENT_BITS
    shape = np.where(
        rng.random(rows) < fresh,
        rng.integers(0, int(shapes.max()) + 1, rows),
        shapes[rng.integers(0, pool.keys.size, rows)],
    )
    placement_row = rng.integers(0, pool.keys.size, rows)
    keys = (shape << _PLACEMENT_BITS) | (pool.keys[placement_row] & ((1 << _PLACEMENT_BITS) - 1))
    return Quads(
        hashes=keys,
        upper=keys,
        anchor_frame=np.sort(rng.integers(0, round(_SECONDS / FRAME_SECONDS), rows)),
        anchor_pitch=pool.pitch[placement_row],
        span=pool.span[placement_row],
    )


def _sharing(tracks: list[Ints]) -> float:
    """The share of the tracks' distinct keys that some other track has too."""
    distinct = [np.unique(t) for t in tracks]
    everything = np.concatenate(distinct)
    keys, holders = np.unique(everything, return_counts=True)
    return float(np.mean(holders[np.searchsorted(keys, everything)] >= 2))


def calibrate(pool: Pool, seconds: float, rng: np.random.Generator) -> StandIns:
    """The mixture whose stand-ins share keys as the real tracks do, at the real library's size."""
    count = int(pool.track.max()) + 1
    rows = max(1, round(pool.keys.size / seconds * _SECONDS))
    real = _sharing([pool.keys[pool.track == n] for n in range(count)])
    per_real_track = max(1, pool.keys.size // count)

    def sharing(fresh: float) -> float:
        return _sharing([_stand_in(pool, per_real_track, fresh, rng).hashes for _ in range(count)])

    lo, hi = 0.0, 1.0  # sharing falls as more rows are fresh: bisect
    for _ in range(12):
        middle = (lo + hi) / 2
        lo, hi = (middle, hi) if sharing(middle) > real else (lo, middle)
    fresh = (lo + hi) / 2
    return StandIns(pool, rows, fresh, real, sharing(fresh))
