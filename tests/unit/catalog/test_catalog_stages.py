"""The stage rules, pure: when an analysis is due again, how requests are recorded, how a folder is summarised."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tracktion_catalog.domain.results import timestamp_text
from tracktion_catalog.domain.stages import (
    MAX_ANALYSIS_ATTEMPTS,
    StagePolicy,
    analysis_due,
    analysis_given_up,
    analysis_request,
    analysis_state,
    due_stages,
    request_lease,
    summarise,
)

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
EMBEDDED = StagePolicy(analysis_version="2.abc", run_id="this-run")
CLUSTER = StagePolicy()


def requested(ago: timedelta, *, by: str | None = None, attempts: int = 1) -> dict[str, str]:
    facts = {
        "analysis_status": "requested",
        "analysis_requested_at": timestamp_text(NOW - ago),
        "analysis_attempts": str(attempts),
    }
    return facts | ({"analysis_requested_by": by} if by else {})


@pytest.mark.parametrize(
    ("facts", "policy", "due"),
    [
        ({}, EMBEDDED, True),  # never asked for (cataloged before stages were state, or the request was lost)
        ({"analysis_status": "skipped"}, EMBEDDED, True),  # --no-analysis earlier
        ({"analysis_status": "skipped"}, StagePolicy(analysis=False), False),  # still --no-analysis
        ({"analysis_status": "analysed", "analysis_version": "2.abc"}, EMBEDDED, False),
        ({"analysis_status": "analysed", "analysis_version": "1.old"}, EMBEDDED, True),  # another version made it
        ({"analysis_status": "analysed"}, CLUSTER, False),  # the cluster catalog does not know the version
        ({"analysis_status": "failed", "analysis_error": "not audio"}, EMBEDDED, False),  # permanent
        (requested(timedelta(minutes=1), by="this-run"), EMBEDDED, False),  # on its way
        (requested(timedelta(minutes=1), by="a-killed-run"), EMBEDDED, True),  # died with that run's bus
        (requested(timedelta(minutes=1)), CLUSTER, False),  # queued in RabbitMQ
        (requested(timedelta(hours=2)), CLUSTER, True),  # past its lease: lost or dead-lettered
        (requested(timedelta(hours=2), attempts=3), CLUSTER, False),  # the third request waits four hours
        (requested(timedelta(days=3), attempts=MAX_ANALYSIS_ATTEMPTS), CLUSTER, False),  # given up instead
        ({"analysis_status": "requested", "analysis_requested_at": "garbage"}, CLUSTER, True),
    ],
)
def test_when_analysis_is_due(facts: dict[str, str], policy: StagePolicy, due: bool) -> None:
    assert analysis_due(facts, policy, NOW) is due


def test_the_lease_doubles_from_an_hour_to_a_day() -> None:
    assert [request_lease(n) for n in (0, 1, 2, 3, 5, 6, 60)] == [
        timedelta(hours=1),
        timedelta(hours=1),
        timedelta(hours=2),
        timedelta(hours=4),
        timedelta(hours=16),
        timedelta(days=1),
        timedelta(days=1),
    ]


def test_a_request_counts_attempts_on_from_an_unanswered_one() -> None:
    first = analysis_request(EMBEDDED, NOW)
    assert first == {
        "analysis_status": "requested",
        "analysis_requested_at": "2026-06-01T12:00:00+00:00",
        "analysis_attempts": "1",
        "analysis_requested_by": "this-run",
    }
    assert analysis_request(CLUSTER, NOW, requested(timedelta(hours=2), attempts=2))["analysis_attempts"] == "3"
    stale = {"analysis_status": "analysed", "analysis_version": "1.old", "analysis_attempts": "4"}
    assert analysis_request(CLUSTER, NOW, stale)["analysis_attempts"] == "1"  # a new version starts afresh
    assert analysis_request(StagePolicy(analysis=False), NOW) == {"analysis_status": "skipped"}


def test_given_up_only_after_the_last_lease() -> None:
    last = MAX_ANALYSIS_ATTEMPTS
    assert not analysis_given_up(requested(timedelta(hours=1), attempts=last), CLUSTER, NOW)
    assert analysis_given_up(requested(timedelta(days=2), attempts=last), CLUSTER, NOW)
    assert not analysis_given_up(requested(timedelta(days=2), attempts=last - 1), CLUSTER, NOW)
    assert not analysis_given_up({"analysis_status": "analysed"}, CLUSTER, NOW)


def test_due_stages_include_a_deferred_lookup_past_its_retry_time() -> None:
    deferred = {"analysis_status": "analysed", "analysis_version": "2.abc", "tracklist_status": "deferred"}
    assert due_stages(deferred | {"tracklist_retry_after": timestamp_text(NOW)}, EMBEDDED, NOW) == {"tracklist"}
    later = timestamp_text(NOW + timedelta(minutes=5))
    assert due_stages(deferred | {"tracklist_retry_after": later}, EMBEDDED, NOW) == frozenset()
    assert due_stages({"tracklist_status": "blocked"}, EMBEDDED, NOW) == {"analysis", "tracklist"}


def test_a_folder_summary_counts_each_state() -> None:
    states = [
        ("/m/done.wav", {"analysis_status": "analysed", "analysis_version": "2.abc", "tracklist_status": "found"}),
        ("/m/bad.wav", {"analysis_status": "failed", "analysis_error": "silent"}),
        ("/m/lost.wav", requested(timedelta(minutes=1), by="a-killed-run")),
        ("/m/new.wav", requested(timedelta(minutes=1), by="this-run")),
        ("/m/set.wav", {"analysis_status": "analysed", "analysis_version": "2.abc", "tracklist_status": "deferred"}),
        ("/m/gone.wav", requested(timedelta(days=2), attempts=MAX_ANALYSIS_ATTEMPTS)),
    ]
    counts = summarise(states, EMBEDDED, NOW)
    analysis, tracklist = counts["analysis"], counts["tracklist"]
    assert (analysis.done, analysis.due, analysis.in_progress, analysis.skipped) == (2, 1, 1, 0)
    assert analysis.failed == {"/m/bad.wav": "silent", "/m/gone.wav": "no answer after repeated requests"}
    assert (tracklist.done, tracklist.deferred) == (1, 1)


def test_with_analysis_off_what_is_not_done_is_skipped() -> None:
    off = StagePolicy(analysis=False)
    assert analysis_state({}, off, NOW) == "skipped"
    assert analysis_state(requested(timedelta(minutes=1), by="old"), off, NOW) == "skipped"
    assert analysis_state({"analysis_status": "analysed"}, off, NOW) == "done"
    assert analysis_state({"analysis_status": "failed"}, off, NOW) == "failed"
