"""The graph's copy of a recording: what its state holds, when it changed, and when it is sent (again)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from tracktion_catalog.domain.graph_state import graph_sent, graph_stage, graph_state, in_step, send_due
from tracktion_catalog.domain.stages import StagePolicy, summarise

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
RID = uuid.UUID(int=7)
RUN = StagePolicy(run_id="this-run")
CLUSTER = StagePolicy()
TRACKS = [{"position": 1, "artist": "A", "title": "One", "start_seconds": 0.0}, {"position": 2, "artist": "B"}]
FACTS = {
    "artist": "DJ",
    "title": "Live",
    "bpm": "128",
    "camelot": "8A",
    "analysis_status": "analysed",  # bookkeeping: not the graph's
    "tracklist_source": "1001tracklists",
    "tracklist_url": "https://www.1001tracklists.com/x",
    "tracklist_title": "Live at X",
}


def test_the_state_carries_the_graph_facts_and_its_digest_follows_them() -> None:
    state = graph_state(RID, "/m/set.flac", FACTS, [("1001tracklists", TRACKS)])
    assert state.metadata == {"artist": "DJ", "title": "Live", "bpm": "128", "camelot": "8A"}
    [tracklist] = state.tracklists
    assert (tracklist.source, tracklist.url, tracklist.title) == ("1001tracklists", FACTS["tracklist_url"], "Live at X")
    assert [t.title for t in tracklist.tracks] == ["One"], "a row stored in another shape is left out, not fatal"
    same = graph_state(RID, "/m/set.flac", dict(reversed(list(FACTS.items()))), [("1001tracklists", TRACKS)])
    assert same.digest == state.digest, "the digest does not depend on the order facts come in"
    changes = [
        graph_state(RID, "/m/moved/set.flac", FACTS, [("1001tracklists", TRACKS)]),
        graph_state(RID, "/m/set.flac", FACTS | {"artist": "Other"}, [("1001tracklists", TRACKS)]),
        graph_state(RID, "/m/set.flac", FACTS | {"bpm": "127"}, [("1001tracklists", TRACKS)]),
        graph_state(RID, "/m/set.flac", FACTS, []),
        graph_state(RID, None, FACTS, [("1001tracklists", TRACKS)]),
    ]
    assert len({state.digest, *(c.digest for c in changes)}) == 6, "every change of a graph fact is a new state"
    unrelated = graph_state(RID, "/m/set.flac", FACTS | {"analysis_attempts": "3"}, [("1001tracklists", TRACKS)])
    assert unrelated.digest == state.digest, "bookkeeping is not the graph's"


def test_an_absent_recording_is_one_state_whatever_its_tags() -> None:
    gone = graph_state(RID, None, FACTS, [("1001tracklists", TRACKS)])
    assert (gone.path, gone.metadata, gone.tracklists) == (None, {}, [])
    assert graph_state(RID, None, {"artist": "Other"}, []).digest == gone.digest


def test_a_state_is_sent_once_then_again_only_when_lost_or_overtaken() -> None:
    state = graph_state(RID, "/m/a.wav", {"artist": "A"}, [])
    assert send_due(state, {}, RUN, NOW, when="changed")
    sent = graph_sent(state, RUN, NOW)
    assert not send_due(state, sent, RUN, NOW, when="changed"), "sent already: a touch does not send it twice"
    assert not send_due(state, sent, RUN, NOW, when="lost"), "on its way within this run"
    assert send_due(state, sent | {"graph_sent_by": "a-killed-run"}, RUN, NOW, when="lost"), "lost with its run"
    assert not send_due(state, graph_sent(state, CLUSTER, NOW), CLUSTER, NOW + timedelta(minutes=30), when="lost")
    assert send_due(state, graph_sent(state, CLUSTER, NOW), CLUSTER, NOW + timedelta(hours=2), when="lost"), "overdue"
    assert send_due(state, sent | {"graph_synced": "older"}, RUN, NOW, when="stale"), "another state was confirmed"
    confirmed = sent | {"graph_synced": state.digest}
    assert in_step(state, confirmed)
    assert not any(send_due(state, confirmed, RUN, NOW, when=rule) for rule in ("changed", "lost", "stale"))


def test_the_graph_stage_reads_from_the_bookkeeping() -> None:
    state = graph_state(RID, "/m/a.wav", {}, [])
    sent = graph_sent(state, RUN, NOW)
    assert graph_stage({}, RUN, NOW) == "due"
    assert graph_stage(sent, RUN, NOW) == "in_progress"
    assert graph_stage(sent | {"graph_synced": state.digest}, RUN, NOW) == "done"
    assert graph_stage(sent, StagePolicy(run_id="next-run"), NOW) == "due"


def test_without_a_graph_writer_no_graph_stage_is_reported() -> None:
    states = [("/m/a.wav", {"analysis_status": "analysed"})]
    assert set(summarise(states, StagePolicy(), NOW)) == {"analysis", "tracklist", "graph"}
    assert set(summarise(states, StagePolicy(graph=False), NOW)) == {"analysis", "tracklist"}
