"""The identify stage as catalog state: when a fingerprint is due, what its answers record, how a scan counts it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from tracktion_catalog.domain.results import identify_values, timestamp_text
from tracktion_catalog.domain.stages import (
    StagePolicy,
    due_stages,
    identify_due,
    identify_request,
    identify_state,
    summarise,
)
from tracktion_shared.messages import FingerprintFailed, RecordingFingerprinted

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
ON = StagePolicy(identify=True, identify_version="quad-1")
EMBEDDED = StagePolicy(identify=True, identify_version="quad-1", run_id="this-run")
ASKED = {"identify_status": "requested", "identify_requested_at": timestamp_text(NOW - timedelta(minutes=5))}


@pytest.mark.parametrize(
    ("facts", "policy", "due"),
    [
        ({}, ON, True),  # never asked
        ({}, StagePolicy(), False),  # no identify stage runs: nothing is asked of it
        (ASKED, ON, False),  # asked five minutes ago: the answer may be on its way
        ({**ASKED, "identify_requested_at": timestamp_text(NOW - timedelta(hours=2))}, ON, True),  # lost
        ({**ASKED, "identify_requested_by": "an-ended-run"}, EMBEDDED, True),  # died with its in-process bus
        ({**ASKED, "identify_requested_by": "this-run"}, EMBEDDED, False),
        ({"identify_status": "indexed", "identify_version": "quad-1"}, ON, False),
        ({"identify_status": "indexed", "identify_version": "quad-0"}, ON, True),  # another fingerprint version
        ({"identify_status": "indexed", "identify_version": "quad-0"}, StagePolicy(identify=True), False),
        ({"identify_status": "failed"}, ON, False),  # the same bytes fail the same way
        ({"identify_status": "skipped"}, ON, False),  # too short to fingerprint: nothing to do
        ({"identify_status": "retrying"}, ON, True),
    ],
)
def test_when_a_fingerprint_is_due(facts: dict[str, str], policy: StagePolicy, due: bool) -> None:
    assert identify_due(facts, policy, NOW) is due
    assert ("identify" in due_stages(facts, policy, NOW)) is due


def test_a_request_is_stamped_with_its_time_and_run() -> None:
    assert identify_request(EMBEDDED, NOW) == {
        "identify_status": "requested",
        "identify_requested_at": timestamp_text(NOW),
        "identify_requested_by": "this-run",
    }
    assert identify_request(StagePolicy(), NOW) == {}


def test_answers_become_the_stage_state() -> None:
    recording = uuid.uuid4()
    indexed = RecordingFingerprinted(recording_id=recording, fingerprint_version="quad-1", is_set=True, tracks=3)
    assert identify_values(indexed) == {"identify_status": "indexed", "identify_version": "quad-1"}
    short = RecordingFingerprinted(recording_id=recording, fingerprint_version="quad-1", skipped="too short")
    assert identify_values(short) == {"identify_status": "skipped", "identify_error": "too short"}
    broken = FingerprintFailed(recording_id=recording, reason="cannot be decoded")
    assert identify_values(broken) == {"identify_status": "failed", "identify_error": "cannot be decoded"}
    later = FingerprintFailed(recording_id=recording, reason="index unavailable", permanent=False)
    assert identify_values(later)["identify_status"] == "retrying"


def test_a_scan_reports_the_stage_only_where_it_runs() -> None:
    states = [
        ("/m/a.flac", {"identify_status": "indexed", "identify_version": "quad-1"}),
        ("/m/b.flac", {"identify_status": "failed", "identify_error": "cannot be decoded"}),
        ("/m/jingle.wav", {"identify_status": "skipped", "identify_error": "too short"}),
        ("/m/c.flac", ASKED),
        ("/m/d.flac", {}),
    ]
    counts = summarise(states, ON, NOW)["identify"]
    assert (counts.done, counts.skipped, counts.in_progress, counts.due) == (1, 1, 1, 1)
    assert counts.failed == {"/m/b.flac": "cannot be decoded"}
    assert identify_state(states[0][1], ON, NOW) == "done"
    assert "identify" not in summarise(states, StagePolicy(), NOW)
