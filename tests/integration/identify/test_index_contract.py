"""One contract, two fingerprint stores: the embedded SQLite file and the cluster's PostgreSQL tables.

Every test runs against both (the PostgreSQL one on a throwaway database of the local server), so the embedded
stand-in cannot drift from what the cluster runs.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from identify_audio import crossfade, track, vinyl
from identify_index import fingerprint_of

from tracktion_identify.adapters.index import FingerprintIndex, IndexedRecording
from tracktion_identify.adapters.postgres_index import PostgresIndex
from tracktion_identify.adapters.sqlite_index import SqliteIndex
from tracktion_identify.domain.fingerprint import Quads
from tracktion_identify.domain.result import FoundTrack
from tracktion_identify.errors import IndexUnavailable
from tracktion_identify.identifier import find_in_sets, identify


@pytest.fixture(scope="module")
def postgres_url(new_postgres_database: Callable[[str], AbstractContextManager[str]]) -> Iterator[str]:
    with new_postgres_database("fingerprints_test") as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def index(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[FingerprintIndex]:
    store: FingerprintIndex
    if request.param == "sqlite":
        store = SqliteIndex(tmp_path / "fingerprints.db")
    else:
        url: str = request.getfixturevalue("postgres_url")
        store = PostgresIndex(url)
        for recording in list(store.recordings_by_id(_all_ids(store)).values()):
            store.remove(recording.recording_id)
    yield store
    store.close()


def _all_ids(store: FingerprintIndex) -> set[uuid.UUID]:
    return {r.recording_id for r in store.recordings(list(range(1, 10_000))).values()}


def _quads(values: list[tuple[int, int]]) -> Quads:
    hashes = np.array([h for h, _ in values], dtype=np.int64)
    frames = np.array([f for _, f in values], dtype=np.int64)
    return Quads(
        hashes, hashes, frames, np.full(hashes.size, 300, dtype=np.int64), np.full(hashes.size, 40, dtype=np.int64)
    )


def _keys(*keys: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Look-up ranges of one key each."""
    values = np.array(keys, dtype=np.int64)
    return values, values


def _recording(name: str, *, is_set: bool = False, seconds: float = 60.0) -> IndexedRecording:
    return IndexedRecording(
        uuid.uuid5(uuid.NAMESPACE_OID, name), f"sha-{name}", seconds, is_set, f"/m/{name}.flac", "Artist", name
    )


def test_a_lookup_finds_the_rows_of_its_hashes_with_their_positions(index: FingerprintIndex) -> None:
    ref = index.add(_recording("a"), _quads([(11, 100), (12, 200), (11, 300)]))
    hits = index.lookup(*_keys(11, 99), sets=False)
    assert sorted(zip(hits.hash.tolist(), hits.ref.tolist(), hits.frame.tolist(), strict=True)) == [
        (11, ref, 100),
        (11, ref, 300),
    ]
    assert set(hits.pitch.tolist()) == {300}
    assert set(hits.span.tolist()) == {40}


def test_a_lookup_of_overlapping_ranges_finds_each_row_once_in_key_order(index: FingerprintIndex) -> None:
    ref = index.add(_recording("a"), _quads([(30, 1), (10, 2), (20, 3), (40, 4)]))
    hits = index.lookup(np.array([15, 12, 35], dtype=np.int64), np.array([30, 25, 35], dtype=np.int64), sets=False)
    assert hits.hash.tolist() == [20, 30]
    assert hits.ref.tolist() == [ref, ref]
    assert len(index.lookup(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), sets=False)) == 0


def test_a_range_that_many_rows_share_is_skipped_whole(index: FingerprintIndex) -> None:
    index.add(_recording("a"), _quads([(50, 1), (50, 2), (51, 3), (60, 4)]))
    index.add(_recording("b", is_set=True), _quads([(50, 5)]))
    # the range 50..51 holds four rows (a set's among them): over a limit of three, none of it is read
    hits = index.lookup(np.array([50, 60]), np.array([51, 60]), sets=False, common=3)
    assert hits.hash.tolist() == [60]
    assert sorted(index.lookup(*_keys(50), sets=False, common=3).frame.tolist()) == [1, 2]


def test_tracks_and_sets_are_looked_up_apart(index: FingerprintIndex) -> None:
    track_ref = index.add(_recording("t"), _quads([(5, 1)]))
    set_ref = index.add(_recording("s", is_set=True, seconds=3600), _quads([(5, 2)]))
    assert index.lookup(*_keys(5), sets=False).ref.tolist() == [track_ref]
    assert index.lookup(*_keys(5), sets=True).ref.tolist() == [set_ref]


def test_adding_again_replaces_and_a_copy_is_known_by_its_content(index: FingerprintIndex) -> None:
    first = _recording("a")
    index.add(first, _quads([(1, 1)]))
    index.add(first, _quads([(2, 2)]))
    assert len(index.lookup(*_keys(1), sets=False)) == 0
    assert index.lookup(*_keys(2), sets=False).frame.tolist() == [2]
    known = index.has_content("sha-a")
    assert known is not None
    assert known.recording_id == first.recording_id
    assert index.has_content("sha-unknown") is None


def test_a_moved_file_keeps_its_fingerprint_under_its_new_path_and_names(index: FingerprintIndex) -> None:
    moved = _recording("a")
    index.add(moved, _quads([(1, 1)]))
    index.relabel(IndexedRecording(moved.recording_id, "sha-a", 60.0, False, "/new/place.flac", "DJ", "New Name"))
    refs = index.lookup(*_keys(1), sets=False).ref.tolist()
    assert index.recordings(refs)[refs[0]].path == "/new/place.flac"
    assert index.recordings_by_id({moved.recording_id})[moved.recording_id].title == "New Name"


def test_a_removed_recording_is_never_found_again(index: FingerprintIndex) -> None:
    gone = _recording("gone")
    index.add(gone, _quads([(7, 1)]))
    index.remove(gone.recording_id)
    assert len(index.lookup(*_keys(7), sets=False)) == 0
    assert index.stats().recordings == 0


def test_detections_of_a_set_are_kept_replaced_and_extended(index: FingerprintIndex) -> None:
    set_id, one, two = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    first = FoundTrack(one, 0.0, 100.0, 0.0, 100.0, 1.0, 0.0, 40, 0.9)
    index.save_detections(set_id, [first], replace=True)
    later = FoundTrack(two, 95.0, 200.0, 0.0, 105.0, 1.04, 0.0, 30, 0.8)
    index.save_detections(set_id, [later], replace=False)
    assert index.detections(set_id) == [first, later]
    index.save_detections(set_id, [later], replace=True)
    assert index.detections(set_id) == [later]


def test_stats_count_recordings_sets_rows_and_bytes(index: FingerprintIndex) -> None:
    index.add(_recording("a"), _quads([(1, 1), (2, 2)]))
    index.add(_recording("s", is_set=True, seconds=1000), _quads([(3, 3)]))
    stats = index.stats()
    assert (stats.recordings, stats.sets, stats.hashes) == (2, 1, 3)
    assert stats.audio_seconds == pytest.approx(1060.0)
    assert stats.bytes > 0


def test_a_set_and_a_track_added_after_it_are_matched_through_the_store(index: FingerprintIndex) -> None:
    music = {seed: track(seed, 90.0) for seed in (31, 32, 33)}
    for seed in (31, 33):
        found = fingerprint_of(music[seed])
        index.add(_recording(f"track-{seed}", seconds=found.seconds), found.index_quads)
    mix, starts = crossfade([music[31], vinyl(music[32], 1.05), music[33]], seconds=8.0)
    the_set = _recording("the-set", is_set=True, seconds=mix.size / 8000)
    found_set = fingerprint_of(mix)
    index.add(the_set, found_set.index_quads)

    tracks = identify(index, found_set, exclude=the_set.recording_id).tracks
    assert [t.recording_id for t in tracks] == [
        _recording("track-31").recording_id,
        _recording("track-33").recording_id,
    ]

    newcomer = fingerprint_of(music[32])
    index.add(_recording("track-32", seconds=newcomer.seconds), newcomer.index_quads)
    finds = find_in_sets(index, _recording("track-32").recording_id, newcomer)
    assert list(finds) == [the_set.recording_id]
    assert abs(finds[the_set.recording_id].start_s - starts[1]) < 1.0


def test_an_unreachable_store_is_a_temporary_error_naming_it(tmp_path: Path) -> None:
    blocked = tmp_path / "no-dir"
    blocked.write_text("a file where the folder should be")
    with pytest.raises(IndexUnavailable, match="fingerprint index"):
        SqliteIndex(blocked / "fingerprints.db")
    with pytest.raises(IndexUnavailable, match=r"127\.0\.0\.1") as error:
        PostgresIndex("postgres://nobody:secret@127.0.0.1:1/none")
    assert "secret" not in str(error.value)
