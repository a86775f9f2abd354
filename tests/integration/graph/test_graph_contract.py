"""The one contract every graph backend passes: idempotent upserts and the three questions, ranked."""

from __future__ import annotations

import uuid

import pytest
from graph_harness import GraphHarness, size

from tracktion_shared.graph import GraphRepository, UnknownRecording, tracklist_id
from tracktion_shared.graph.cypher import SCHEMA_VERSION, Query
from tracktion_shared.messages import GraphTracklist, RecordingGraphState, TracklistTrack

SET_A = uuid.UUID(int=0xA)
SET_B = uuid.UUID(int=0xB)
SET_C = uuid.UUID(int=0xC)


def tracks(*rows: tuple[str, str] | None, times: bool = False) -> list[TracklistTrack]:
    """Tracklist rows at positions 1, 2, ...; None is an unidentified row ("ID - ID")."""
    return [
        TracklistTrack(position=i, artist="ID", title="ID", unidentified=True)
        if row is None
        else TracklistTrack(position=i, artist=row[0], title=row[1], start_seconds=60.0 * i if times else None)
        for i, row in enumerate(rows, start=1)
    ]


async def fill_scenario(graph: GraphRepository) -> None:
    """Three recorded sets whose tracklists share tracks, spelt differently by different people."""
    await graph.upsert_recording(SET_A, "/music/a.mp3", {"bpm": "126", "camelot": "8A", "artist": "DJ A"})
    await graph.upsert_recording(SET_B, "/music/b.mp3", {"bpm": "128", "camelot": "9A"})
    await graph.upsert_recording(SET_C, "/music/c.mp3", {"bpm": "63.5", "camelot": "8B"})
    await graph.upsert_tracklist(
        SET_A, "1001tracklists", tracks(("X", "Alpha"), ("Y", "Beta"), ("Z", "Gamma"), ("W", "Delta"), times=True)
    )
    await graph.upsert_tracklist(
        SET_B,
        "1001tracklists",
        tracks(("Y", "Beta"), ("Z", "Gamma (Original Mix)"), ("V", "Epsilon"), ("X", "Alpha"), ("Y", "Beta")),
    )
    await graph.upsert_tracklist(
        SET_C,
        "manual",
        tracks(("Q", "Omega"), ("y", "BETA"), ("Z feat. K", "Gamma"), ("W", "Délta"), ("Z", "Gamma Ray")),
    )


async def test_scenario_three_sets(graph: GraphRepository) -> None:
    await fill_scenario(graph)

    hits = await graph.sets_with("z gamma")
    assert [(h.recording_id, h.position, h.title) for h in hits] == [
        (str(SET_A), 3, "Gamma"),
        (str(SET_B), 2, "Gamma"),  # one track node: the first spelling seen names it
        (str(SET_C), 3, "Gamma"),
        (str(SET_C), 5, "Gamma Ray"),  # a weaker match ranks last
    ]
    assert hits[0].score == 1.0 > hits[-1].score
    assert [h.start_time for h in hits] == [180.0, None, None, None]
    assert (hits[0].path, hits[0].source) == ("/music/a.mp3", "1001tracklists")
    assert hits[0].tracklist_id == str(tracklist_id(SET_A, "1001tracklists"))

    after_gamma = await graph.next_after("Gamma")
    assert [(n.artist, n.title, n.plays) for n in after_gamma] == [("W", "Delta", 2), ("V", "Epsilon", 1)]
    after_beta = await graph.next_after("Y - Beta")
    assert [(n.key, n.plays) for n in after_beta] == [("z - gamma", 3)]

    compatible = await graph.compatible(SET_A)
    assert [(c.recording_id, c.relation, c.camelot) for c in compatible] == [
        (str(SET_B), "adjacent", "9A"),
        (str(SET_C), "relative", "8B"),  # 63.5 BPM is half of 127: in tempo
    ]
    assert compatible[1].bpm_distance == pytest.approx(1 / 126, abs=1e-6)


async def test_writes_are_idempotent(graph: GraphRepository) -> None:
    await fill_scenario(graph)
    before = await size(graph)
    answers = (await graph.sets_with("beta"), await graph.next_after("alpha"), await graph.compatible(SET_B))
    await fill_scenario(graph)
    assert await size(graph) == before
    assert (await graph.sets_with("beta"), await graph.next_after("alpha"), await graph.compatible(SET_B)) == answers


async def test_a_track_spelt_differently_is_one_node(graph: GraphRepository) -> None:
    rid = uuid.uuid4()
    await graph.upsert_tracklist(rid, "s", tracks(("Björk", "Jóga (Original Mix)"), ("BJORK", "joga"), ("A", "B")))
    nodes, _ = await size(graph)
    assert nodes == 1 + 1 + 2  # recording, tracklist, two distinct tracks
    hits = await graph.sets_with("bjork joga")
    assert [(h.position, h.artist, h.title) for h in hits] == [
        (1, "Björk", "Jóga (Original Mix)"),
        (2, "Björk", "Jóga (Original Mix)"),
    ]


async def test_metadata_is_updated_in_place_and_path_kept(graph: GraphRepository) -> None:
    rid, other = uuid.uuid4(), uuid.uuid4()
    await graph.upsert_recording(rid, "/music/x.flac", {"bpm": "100", "camelot": "1A"})
    await graph.upsert_recording(other, "/music/y.flac", {"bpm": "120", "camelot": "5B"})
    await graph.upsert_recording(rid, None, {"bpm": "120", "camelot": "5B"})  # an analysis result: no path
    assert await graph.recording_for_path("/music/x.flac") == rid
    assert await graph.recording_for_path("/music/nope.flac") is None
    assert [c.recording_id for c in await graph.compatible(rid)] == [str(other)]
    nodes, edges = await size(graph)
    assert (nodes, edges) == (2 + 4, 4), "one metadata node per key, replaced, not added"


async def test_a_tracklist_found_again_replaces_the_old_one(graph: GraphRepository) -> None:
    rid = uuid.uuid4()
    await graph.upsert_tracklist(rid, "1001tracklists", tracks(("A", "One"), ("B", "Two"), ("C", "Three")))
    await graph.upsert_tracklist(rid, "1001tracklists", tracks(("A", "One"), ("C", "Three")), title="fixed")
    assert await graph.sets_with("b two") == []
    assert [(n.title, n.plays) for n in await graph.next_after("a one")] == [("Three", 1)]
    hits = await graph.sets_with("c three")
    assert [(h.position, h.tracklist_title) for h in hits] == [(2, "fixed")]


async def test_tracklists_from_two_sources_are_two_tracklists(graph: GraphRepository) -> None:
    rid = uuid.uuid4()
    await graph.upsert_tracklist(rid, "1001tracklists", tracks(("A", "One"), ("B", "Two")))
    await graph.upsert_tracklist(rid, "manual", tracks(("A", "One"), ("B", "Two")))
    assert sorted(h.source for h in await graph.sets_with("a one")) == ["1001tracklists", "manual"]
    assert [(n.title, n.plays) for n in await graph.next_after("a one")] == [("Two", 2)]


async def test_unidentified_rows_break_the_chain(graph: GraphRepository) -> None:
    await graph.upsert_tracklist(uuid.uuid4(), "s", tracks(("A", "One"), None, ("B", "Two"), ("C", "Three")))
    assert await graph.next_after("a one") == []
    assert [n.title for n in await graph.next_after("b two")] == ["Three"]
    assert await graph.sets_with("ID") == []


def played(track: uuid.UUID, start: float, tempo: float) -> TracklistTrack:
    """A row found from the audio: the very recording, when and how fast."""
    return TracklistTrack(
        position=1,
        artist="T",
        title=str(track),
        start_seconds=start,
        end_seconds=start + 200,
        recording_id=track,
        tempo_ratio=tempo,
        semitones=0.0,
        confidence=0.9,
    )


async def test_a_set_identified_from_its_audio_played_each_recording_at_its_time_and_tempo(
    graph: GraphRepository,
) -> None:
    track, other = uuid.uuid4(), uuid.uuid4()
    await graph.upsert_tracklist(SET_A, "fingerprint", [played(track, 30.0, 1.06), played(other, 200.0, 0.98)])
    await graph.upsert_tracklist(SET_B, "fingerprint", [played(track, 500.0, 1.0)])
    await graph.upsert_recording(track, "/music/t.flac", {})  # the played recording's own state, after
    plays = await graph.plays_of(track)
    assert [(p.set_id, p.start_time, p.end_time, p.tempo_ratio) for p in plays] == sorted(
        [(str(SET_A), 30.0, 230.0, 1.06), (str(SET_B), 500.0, 700.0, 1.0)]
    )
    assert {p.source for p in plays} == {"fingerprint"}
    # found again: the set's plays are replaced; a tracklist of another source leaves them alone
    await graph.upsert_tracklist(SET_A, "fingerprint", [played(other, 200.0, 0.98)])
    await graph.upsert_tracklist(SET_B, "manual", tracks(("T", "x")))
    assert [p.set_id for p in await graph.plays_of(track)] == [str(SET_B)]
    assert [p.tempo_ratio for p in await graph.plays_of(other)] == [0.98]
    assert await graph.plays_of(uuid.uuid4()) == []


async def test_a_recordings_state_brings_its_plays_and_takes_them_away(graph: GraphRepository) -> None:
    track = uuid.uuid4()
    found = GraphTracklist(source="fingerprint", tracks=[played(track, 30.0, 1.06)])
    await graph.apply_states([RecordingGraphState(recording_id=SET_A, path="/a.mp3", tracklists=[found], digest="1")])
    assert [p.tempo_ratio for p in await graph.plays_of(track)] == [1.06]
    await graph.apply_states([RecordingGraphState(recording_id=SET_A, path="/a.mp3", digest="2")])
    assert await graph.plays_of(track) == []


async def test_an_empty_tracklist_is_kept_empty(graph: GraphRepository) -> None:
    rid = uuid.uuid4()
    await graph.upsert_tracklist(rid, "s", tracks(("A", "One")))
    await graph.upsert_tracklist(rid, "s", [])
    assert await graph.sets_with("a one") == []


async def test_no_match_is_an_empty_answer(graph: GraphRepository) -> None:
    await fill_scenario(graph)
    assert await graph.sets_with("nothing like it") == []
    assert await graph.sets_with("   ") == []
    assert await graph.next_after("nothing like it") == []


async def test_limits(graph: GraphRepository) -> None:
    await fill_scenario(graph)
    assert len(await graph.sets_with("gamma", limit=2)) == 2
    assert len(await graph.next_after("gamma", limit=1)) == 1
    assert len(await graph.compatible(SET_A, limit=1)) == 1


async def test_compatible_ranking_and_tolerance(graph: GraphRepository) -> None:
    target = uuid.UUID(int=1)
    library = {
        "same": ("128", "8A"),
        "same-slower": ("126", "8A"),
        "adjacent-half-time": ("64.5", "9A"),
        "relative": ("128", "8B"),
        "too-fast": ("136", "8A"),
        "clash": ("128", "3A"),
        "adjacent": ("128", "7A"),
        "no-key": ("128", "C#m"),
    }
    await graph.upsert_recording(target, "/t.mp3", {"bpm": "128", "camelot": "8A"})
    ids = {name: uuid.uuid5(uuid.NAMESPACE_URL, name) for name in library}
    for name, (bpm, camelot) in library.items():
        await graph.upsert_recording(ids[name], f"/{name}.mp3", {"bpm": bpm, "camelot": camelot})
    await graph.upsert_recording(uuid.uuid4(), "/untagged.mp3", {"artist": "someone"})

    found = await graph.compatible(target)
    assert [c.path for c in found] == ["/same.mp3", "/same-slower.mp3", "/adjacent.mp3", "/adjacent-half-time.mp3",
                                       "/relative.mp3"]  # fmt: skip
    assert [c.key_distance for c in found] == [0, 0, 1, 1, 2]
    wider = await graph.compatible(target, bpm_tolerance=0.07)
    assert "/too-fast.mp3" in [c.path for c in wider]
    exact = await graph.compatible(target, bpm_tolerance=0.0)
    assert [c.path for c in exact] == ["/same.mp3", "/adjacent.mp3", "/relative.mp3"]


async def test_compatible_needs_the_recordings_tempo_and_key(graph: GraphRepository) -> None:
    rid = uuid.uuid4()
    with pytest.raises(UnknownRecording):
        await graph.compatible(rid)
    await graph.upsert_recording(rid, "/x.mp3", {"bpm": "128"})
    with pytest.raises(UnknownRecording, match=str(rid)):
        await graph.compatible(rid)
    with pytest.raises(ValueError, match="fraction"):
        await graph.compatible(rid, bpm_tolerance=6)


async def test_a_tracklist_may_arrive_before_its_recording(graph: GraphRepository) -> None:
    rid = uuid.uuid4()
    await graph.upsert_tracklist(rid, "s", tracks(("A", "One")))
    await graph.upsert_recording(rid, "/late.mp3", {})
    hits = await graph.sets_with("a one")
    assert [(h.recording_id, h.path) for h in hits] == [(str(rid), "/late.mp3")]


async def test_the_graph_survives_reopening(graph_factory: GraphHarness) -> None:
    first = graph_factory()
    await fill_scenario(first)
    await first.close()
    await first.close()  # twice is fine
    second = graph_factory()
    assert len(await second.sets_with("alpha")) == 2
    with pytest.raises(RuntimeError, match="closed"):
        await first.sets_with("alpha")


async def test_large_writes_are_batched(graph: GraphRepository) -> None:
    graph.batch_size = 3  # several UNWIND statements per upsert, in one transaction
    rid = uuid.uuid4()
    rows = [(f"Artist {i}", f"Title {i}") for i in range(10)]
    await graph.upsert_recording(
        rid, "/big.mp3", {f"tag{i}": str(i) for i in range(7)} | {"bpm": "120", "camelot": "1A"}
    )
    await graph.upsert_tracklist(rid, "s", tracks(*rows, ("Artist 0", "Title 0")))
    assert [h.position for h in await graph.sets_with("artist 0 title 0")] == [1, 11]
    assert [n.title for n in await graph.next_after("artist 9 title 9")] == ["Title 0"]
    assert await size(graph) == (1 + 9 + 1 + 10, 9 + 1 + 11)


async def test_schema_steps_are_recorded_once(graph_factory: GraphHarness) -> None:
    versions = Query(
        ladybug="MATCH (s:SchemaVersion) RETURN s.version", neo4j="MATCH (s:SchemaVersion) RETURN s.version"
    )
    first = graph_factory()
    await first.upsert_recording(uuid.uuid4(), "/x.mp3", {})
    await first.close()
    second = graph_factory()
    assert sorted(await second._read(versions, {})) == [[v] for v in range(1, SCHEMA_VERSION + 1)]
