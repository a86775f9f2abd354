"""The fingerprint's own properties: invariance of the hashes, streaming equal to the whole, positions packed."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from identify_audio import track, vinyl

from tracktion_identify.adapters.index import pack_positions, unpack_positions
from tracktion_identify.domain.fingerprint import INDEX, QUERY, Quads, peaks, peaks_for, peaks_of_stream, quads


def test_peaks_of_a_stream_in_odd_blocks_equal_the_peaks_of_the_whole_signal() -> None:
    audio = np.concatenate([track(seed, 60.0) for seed in (11, 12, 13)])
    whole = peaks_for(audio, (INDEX, QUERY))
    streamed, samples = peaks_of_stream((audio[i : i + 12_345] for i in range(0, audio.size, 12_345)), (INDEX, QUERY))
    assert samples == audio.size
    for a, b in zip(whole, streamed, strict=True):
        assert np.array_equal(a.frames, b.frames)
        assert np.allclose(a.semitones, b.semitones)


def _aligned(index: Quads, query: Quads, scale: float) -> float:
    """The share of index quads whose key one of the query's ranges holds at the place a time scale of ``scale`` puts
    them."""
    assert np.array_equal(index.hashes, index.upper)  # an index quad has one key
    hits = 0
    for key, frame in zip(index.hashes.tolist(), index.anchor_frame.tolist(), strict=True):
        where = query.anchor_frame[(query.hashes <= key) & (key <= query.upper)]
        hits += bool(np.any(np.abs(where - frame * scale) <= 3))
    return hits / len(index)


def test_index_quads_of_a_track_are_among_the_query_quads_of_it_played_faster_in_their_place() -> None:
    audio = track(21, 90.0)
    index = quads(peaks(audio, INDEX), INDEX)
    faster = quads(peaks(vinyl(audio, 1.08), QUERY), QUERY)
    unrelated = quads(peaks(track(22, 40.0), QUERY), QUERY)
    found, chance = _aligned(index, faster, 1 / 1.08), _aligned(index, unrelated, 1 / 1.08)
    # time and pitch scaled by 8 %: a share of the quads survive in place (on real music more: the benchmark), and
    # far more than chance puts anywhere near the line
    assert found > 0.04
    assert found > 10 * chance


def test_the_query_side_is_denser_than_the_index_side() -> None:
    audio = track(23, 30.0)
    assert len(quads(peaks(audio, QUERY), QUERY)) > 10 * len(quads(peaks(audio, INDEX), INDEX))


@given(st.lists(st.tuples(st.integers(0, 1 << 30), st.integers(0, 1023), st.integers(0, 255)), min_size=1, max_size=50))
def test_positions_survive_packing(rows: list[tuple[int, int, int]]) -> None:
    frame, pitch, span = (np.array(column, dtype=np.int64) for column in zip(*rows, strict=True))
    packed = pack_positions(Quads(np.zeros_like(frame), np.zeros_like(frame), frame, pitch, span))
    assert [a.tolist() for a in unpack_positions(packed)] == [frame.tolist(), pitch.tolist(), span.tolist()]
