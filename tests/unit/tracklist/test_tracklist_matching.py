"""Which search result is the recording's set: descriptions from realistic names, queries, scores, the threshold."""

from __future__ import annotations

import pytest

from tracktion_tracklist import SearchCandidate, build_queries, describe_recording, pick_best, score
from tracktion_tracklist.domain.matching import extract_date, normalise

THRESHOLD = 0.7
SPACE = SearchCandidate(
    "https://x/tracklist/a/matroda-space.html", "Matroda @ Club Space Miami, United States", "2023-08-05"
)
SPACE_2022 = SearchCandidate(
    "https://x/tracklist/b/matroda-space-22.html", "Matroda @ Club Space Miami, United States", "2022-03-10"
)
EDC = SearchCandidate("https://x/tracklist/c/matroda-edc.html", "Matroda @ EDC Las Vegas, United States", "2023-05-20")
OTHER_DJ = SearchCandidate(
    "https://x/tracklist/d/chris-lake-space.html", "Chris Lake @ Club Space Miami, United States", "2023-08-05"
)


@pytest.mark.parametrize(
    ("path", "tags", "dj", "event", "date"),
    [
        ("/m/Matroda @ Club Space Miami 2023-08-05 [4hr set].mp3", {}, "Matroda", "club space miami", "2023-08-05"),
        (
            "/m/Carl_Cox_-_Live_at_Space_Ibiza_2016-09-20_(4hr_set)_320kbps.mp3",
            {},
            "Carl Cox",
            "space ibiza",
            "2016-09-20",
        ),
        ("/m/2019.12.05 - Solomun - Boiler Room Berlin.flac", {}, "Solomun", "boiler room berlin", "2019-12-05"),
        ("/m/Solomun @ Boiler Room Berlin 05.12.2019.mp3", {}, "Solomun", "boiler room berlin", "2019-12-05"),
        ("/m/Amelie Lens - Awakenings Festival 2022 (Full Set).m4a", {}, "Amelie Lens", "awakenings festival", None),
        (
            "/m/track01.mp3",
            {"ARTIST": "Matroda", "TITLE": "Live @ Club Space Miami", "DATE": "2023-08-05"},
            "Matroda",
            "club space miami",
            "2023-08-05",
        ),
        (
            "/m/Matroda - Club Space 20230805.mp3",
            {"album": "Space Miami Sessions"},
            "Matroda",
            "club space",
            "2023-08-05",
        ),
    ],
)
def test_describe_recording(path: str, tags: dict[str, str], dj: str, event: str, date: str | None) -> None:
    description = describe_recording(path, tags)
    assert description.dj == dj
    assert description.event == event
    assert description.date == date


def test_queries_drop_dates_and_noise_and_fall_back_to_the_dj() -> None:
    description = describe_recording("/m/Carl_Cox_-_Live_at_Space_Ibiza_2016-09-20_(4hr_set)_320kbps.mp3", {})
    assert build_queries(description) == ["carl cox space ibiza", "carl cox"]


def test_no_query_from_a_meaningless_name() -> None:
    assert build_queries(describe_recording("/m/01.mp3", {})) == []
    assert build_queries(describe_recording("/m/live set 2023.mp3", {})) == []


def test_dates_and_set_lengths_do_not_sink_a_real_match() -> None:
    noisy = describe_recording("/m/Matroda @ Club Space Miami 2023-08-05 [4hr set] (320kbps).mp3", {})
    plain = describe_recording("/m/Matroda - Club Space Miami.mp3", {})
    assert score(noisy, SPACE) >= 0.95
    assert score(plain, SPACE) >= 0.85
    assert pick_best(noisy, [EDC, OTHER_DJ, SPACE], THRESHOLD) is not None


def test_the_same_date_wins_among_repeat_events() -> None:
    description = describe_recording("/m/Matroda @ Club Space Miami 2023-08-05.mp3", {})
    best = pick_best(description, [SPACE_2022, SPACE], THRESHOLD)
    assert best is not None
    assert best.candidate is SPACE
    assert score(description, SPACE_2022) < THRESHOLD  # a different night is not this recording


def test_wrong_dj_or_wrong_event_is_not_found() -> None:
    description = describe_recording("/m/Matroda @ Club Space Miami 2023-08-05.mp3", {})
    assert score(description, OTHER_DJ) < THRESHOLD
    assert score(description, EDC) < THRESHOLD
    assert pick_best(description, [OTHER_DJ, EDC], THRESHOLD) is None
    assert pick_best(description, [], THRESHOLD) is None


def test_year_only_recordings() -> None:
    description = describe_recording("/m/Amelie Lens - Awakenings Festival 2022 (Full Set).m4a", {})
    right = SearchCandidate("u1", "Amelie Lens @ Awakenings Festival, Netherlands", "2022-07-09")
    wrong_year = SearchCandidate("u2", "Amelie Lens @ Awakenings Festival, Netherlands", "2019-06-29")
    assert pick_best(description, [wrong_year, right], THRESHOLD) == pick_best(description, [right], THRESHOLD)
    assert score(description, right) > score(description, wrong_year)


def test_b2b_names() -> None:
    description = describe_recording("/m/ARTBAT b2b Anyma @ Tomorrowland 2023 Mainstage WE1.mp3", {})
    candidate = SearchCandidate("u", "ARTBAT & Anyma @ Mainstage, Tomorrowland Weekend 1, Belgium", "2023-07-21")
    assert score(description, candidate) >= THRESHOLD


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("Set 2023-08-05", "2023-08-05"),
        ("Set 2023.8.5", "2023-08-05"),
        ("Set 05.08.2023", "2023-08-05"),
        ("Set 20230805 x", "2023-08-05"),
        ("Set 2023", None),
        ("Set 2023-13-40", None),
    ],
)
def test_extract_date(text: str, iso: str | None) -> None:
    assert extract_date(text)[0] == iso


def test_normalise() -> None:
    assert normalise("Matroda @ Club Space Miami, United States 2023-08-05 [4hr set]") == (
        "matroda club space miami united states"
    )
