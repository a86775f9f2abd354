"""The catalog's decisions, without files or a database."""

from __future__ import annotations

import os
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracktion_catalog.domain.audio import truncation, unterminated
from tracktion_catalog.domain.facts import AudioFacts
from tracktion_catalog.domain.files import KnownFile, choose_primary, folder_prefix, is_unchanged, move_keeps_content
from tracktion_catalog.domain.placement import Placement, place_content
from tracktion_catalog.domain.tags import MAX_TAG_LENGTH, clean_text, decimal_text, metadata_values, pick_tags

REC = uuid.uuid4()
OTHER = uuid.uuid4()

# -- tags ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("  Daft\tPunk \n", "Daft Punk"),
        ("Nul\x00Separated\x00", "Nul Separated"),
        ("lone \ud800 surrogate", "lone ? surrogate"),
        ("\u3000wide\u00a0space", "wide space"),
        ("", ""),
    ],
)
def test_clean_text(raw: str, clean: str) -> None:
    assert clean_text(raw) == clean


@given(st.text())
def test_clean_text_is_always_storable(value: str) -> None:
    cleaned = clean_text(value)
    assert "\x00" not in cleaned
    cleaned.encode("utf-8")  # PostgreSQL text: valid UTF-8, no NUL
    assert cleaned == cleaned.strip()


def test_pick_tags_maps_every_container_onto_the_catalog_keys() -> None:
    assert pick_tags({"tpe1": ["A"], "tit2": ["T"], "talb": ["L"], "tcon": ["G"], "tdrc": ["2001"]}) == {
        "artist": "A",
        "title": "T",
        "album": "L",
        "genre": "G",
        "date": "2001",
    }
    assert pick_tags({"©art": ["M"], "©nam": ["N"]}) == {"artist": "M", "title": "N"}
    assert pick_tags({"riff:iart": ["R"], "riff:icrd": ["1999"]}) == {"artist": "R", "date": "1999"}


def test_pick_tags_prefers_the_first_alias_with_text_and_joins_multiple_values() -> None:
    assert pick_tags({"artist": ["  ", ""], "tpe1": ["B"]}) == {"artist": "B"}
    assert pick_tags({"artist": ["A", "B", "A"]}) == {"artist": "A; B"}
    assert pick_tags({"comment": ["not kept"]}) == {}


def test_pick_tags_cuts_overlong_values() -> None:
    assert len(pick_tags({"title": ["x" * 5000]})["title"]) == MAX_TAG_LENGTH


@pytest.mark.parametrize(
    ("number", "text"),
    [(320000, "320000"), (5.0, "5"), (5.0416326, "5.042"), (0.00001, "0"), (1e20, "100000000000000000000")],
)
def test_decimal_text_is_plain(number: float, text: str) -> None:
    assert decimal_text(number) == text


def test_metadata_values_add_known_stream_facts_only() -> None:
    facts = AudioFacts(tags={"artist": "A"}, duration=61.5, bitrate=0, sample_rate=44100, channels=None)
    assert metadata_values(facts) == {"artist": "A", "duration": "61.5", "sample_rate": "44100"}


# -- truncation ---------------------------------------------------------------------------------------------------


def test_truncation_compares_declared_and_present_seconds() -> None:
    assert truncation(20.0, 20.0) is None
    assert truncation(20.0, 19.2) is None  # within the tolerance (encoder delay and padding)
    assert truncation(20.0, 25.0) is None  # more than declared is not missing anything
    assert truncation(0, 10) is None  # nothing declared
    assert truncation(20.0359, 12.02) == "truncated: 12.0 s of 20.0 s present"
    assert truncation(20.0, -1.0) == "truncated: 0.0 s of 20.0 s present"


def test_a_stream_without_its_end_says_how_much_is_there() -> None:
    assert unterminated(11.23) == "truncated: 11.2 s present, the stream stops before its end"
    assert unterminated(None) == "truncated: some audio present, the stream stops before its end"


# -- when to read a file again ------------------------------------------------------------------------------------


def test_unchanged_needs_a_settled_row_with_the_same_size_and_mtime() -> None:
    present = KnownFile("present", 10, 1.5, REC)
    assert is_unchanged(present, 10, 1.5)
    assert is_unchanged(KnownFile("failed", 0, 1.5, None), 0, 1.5)
    assert not is_unchanged(present, 11, 1.5)
    assert not is_unchanged(present, 10, 1.6)
    assert not is_unchanged(present, None, 1.5)
    assert not is_unchanged(None, 10, 1.5)
    assert not is_unchanged(KnownFile("missing", 10, 1.5, REC), 10, 1.5)  # came back: read it
    assert not is_unchanged(KnownFile("present", 10, 1.5, None), 10, 1.5)  # its recording was deleted
    assert not is_unchanged(KnownFile("failed", None, None, None), None, None)  # could not even be opened


def test_a_move_keeps_content_unless_told_otherwise() -> None:
    present = KnownFile("present", 10, 1.5, REC)
    assert move_keeps_content(present, None, None)
    assert move_keeps_content(present, 10, 1.5)
    assert not move_keeps_content(present, 10, 2.0)
    assert not move_keeps_content(KnownFile("missing", 10, 1.5, REC), 10, 1.5)


def test_the_primary_is_the_oldest_present_file() -> None:
    assert choose_primary("/m/a", {"/m/a": 1.0, "/m/b": 2.0}) == "/m/a"
    assert choose_primary("/m/a", {"/m/copy": 2.0, "/m/zz original": 1.0}) == "/m/zz original"
    assert choose_primary("/m/gone", {"/m/c": 5.0, "/m/b": 5.0}) == "/m/b"  # same mtime: first path
    assert choose_primary("/m/a", {"/m/no mtime": None, "/m/b": 9.0}) == "/m/b"
    assert choose_primary("/m/a", {}) == "/m/a"  # nothing present: where it was last seen


def test_folder_prefix() -> None:
    assert folder_prefix("/music") == "/music" + os.sep
    assert folder_prefix("/music" + os.sep) == "/music" + os.sep


# -- where content goes -------------------------------------------------------------------------------------------


def test_known_content_attaches_without_announcement() -> None:
    assert place_content(matching=REC, previous=None, previous_present=False, previous_shared=False) == Placement(
        "attach", REC, announce=False
    )
    assert place_content(matching=REC, previous=OTHER, previous_present=True, previous_shared=False) == Placement(
        "attach", REC, announce=False
    )


def test_modified_file_keeps_its_recording_when_it_alone_held_it() -> None:
    assert place_content(matching=None, previous=REC, previous_present=True, previous_shared=False) == Placement(
        "rehash", REC, announce=True
    )


@pytest.mark.parametrize(
    ("previous", "present", "shared"),
    [(None, False, False), (REC, True, True), (REC, False, False)],
    ids=["new file", "copies keep the old content", "a missing file replaced by other content"],
)
def test_otherwise_a_new_recording(previous: uuid.UUID | None, present: bool, shared: bool) -> None:
    placement = place_content(matching=None, previous=previous, previous_present=present, previous_shared=shared)
    assert placement == Placement("create", None, announce=True)
