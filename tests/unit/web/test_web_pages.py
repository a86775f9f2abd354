"""How the pages show how sure the analysis is: rendered from the API's models, without a catalog.

A BPM the analysis was unsure of (confidence below ``LOW_CONFIDENCE``) is marked in the library table and says why
on hover; the recording page spells out both confidences and the alternative tempo. Names stay data (escaped).
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Any

from tracktion_web.models import AnalysisView, Facets, LibraryPage, LibraryRow, RecordingDetail
from tracktion_web.numbers import number
from tracktion_web.pages import LIBRARY_COLUMNS, LOW_CONFIDENCE, templates


def row(name: str, bpm: float | None, confidence: float | None, alternative: float | None = None) -> LibraryRow:
    return LibraryRow(
        recording_id=uuid.uuid4(),
        file_path=f"/music/{name}",
        file_name=name,
        artist=None,
        title=None,
        album=None,
        genre=None,
        duration=300.0,
        bpm=bpm,
        bpm_confidence=confidence,
        bpm_alternative=alternative,
        key=None,
        scale=None,
        camelot=None,
        open_key=None,
        key_confidence=None,
        mood=None,
        energy=None,
        status="analysed",
        tracklist_status=None,
    )


def library_html(*rows: LibraryRow) -> str:
    page = LibraryPage(total=len(rows), limit=50, offset=0, sort="artist", order="asc", items=list(rows))
    context: dict[str, Any] = {
        "page": page,
        "error": None,
        "facets": Facets(camelot=[], moods=[], statuses=[]),
        "params": {
            "q": "",
            "bpm_min": "",
            "bpm_max": "",
            "half_double": False,
            "camelot": [],
            "mood": "",
            "status": "",
        },
        "filter_query": [],
        "sort": "artist",
        "order": "asc",
        "columns": LIBRARY_COLUMNS,
    }
    return templates.get_template("library.html").render(context)


def bpm_cell(html: str, recording_id: uuid.UUID) -> str:
    """The BPM cell (the third) of the recording's row."""
    found = re.search(rf'<tr data-recording="{recording_id}">(.*?)</tr>', html, re.DOTALL)
    assert found, recording_id
    return re.findall(r"<td[^>]*>(.*?)</td>", found.group(1), re.DOTALL)[2]


def test_a_low_confidence_bpm_is_marked_and_says_why() -> None:
    unsure = row("unsure.flac", 174.0, 0.32, 87.0)
    unsure_alone = row("unsure-alone.flac", 128.0, 0.1)
    sure = row("sure.flac", 128.0, 0.91, 64.0)
    just_sure = row("just-sure.flac", 128.0, LOW_CONFIDENCE)
    unknown = row("unknown.flac", 124.0, None)
    no_tempo = row("no-tempo.flac", None, 0.2)
    html = library_html(unsure, unsure_alone, sure, just_sure, unknown, no_tempo)

    cell = bpm_cell(html, unsure.recording_id)
    assert 'class="bpm uncertain"' in cell
    assert 'title="low confidence 0.32; alternative 87.0"' in cell
    assert ">174.0<" in cell  # the number stays a number: the "~" is the stylesheet's
    assert 'title="low confidence 0.10"' in bpm_cell(html, unsure_alone.recording_id)
    for confident in (sure, just_sure, unknown):
        cell = bpm_cell(html, confident.recording_id)
        assert "uncertain" not in cell
        assert "title=" not in cell
    assert bpm_cell(html, no_tempo.recording_id).strip() == ""


def test_file_names_stay_data() -> None:
    hostile = row('<script>alert("x")</script>.flac', 90.0, 0.2, 45.0)
    html = library_html(hostile)
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;.flac" in html


def detail(analysis: AnalysisView) -> RecordingDetail:
    return RecordingDetail(
        id=uuid.uuid4(),
        file_path="/music/a.flac",
        file_name="a.flac",
        sha256_hash=None,
        xxh128_hash=None,
        created_at=datetime(2026, 12, 1, tzinfo=UTC),
        status="analysed",
        tags={},
        properties={},
        duration=300.0,
        analysis=analysis,
        tracklist_status=None,
        tracklist_reason=None,
        files=[],
        duplicates=[],
        tracklists=[],
        has_timeline=False,
    )


def analysis(**fields: Any) -> AnalysisView:
    values: dict[str, Any] = {
        "status": "analysed",
        "error": None,
        "bpm": 128.0,
        "bpm_confidence": None,
        "bpm_alternative": None,
        "key": "A",
        "scale": "minor",
        "camelot": "8A",
        "open_key": "1m",
        "key_confidence": None,
        "mood": None,
        "mood_method": None,
        "energy": None,
        "danceability": None,
    }
    return AnalysisView.model_validate(values | fields)


def dd(html: str, element_id: str) -> str:
    found = re.search(rf'<dd id="{element_id}">(.*?)</dd>', html, re.DOTALL)
    assert found, element_id
    return re.sub(r"<[^>]+>", "", found.group(1))


def test_the_recording_page_shows_confidences_and_the_alternative() -> None:
    page = templates.get_template("recording.html").render(
        {"r": detail(analysis(bpm_confidence=0.32, bpm_alternative=64.0, key_confidence=0.875))}
    )
    assert dd(page, "analysis-bpm") == "128.0 confidence 0.32 · or 64.0"
    assert '<span class="bpm uncertain">' in page
    assert dd(page, "analysis-key").endswith("confidence 0.88")

    plain = templates.get_template("recording.html").render({"r": detail(analysis())})
    assert dd(plain, "analysis-bpm") == "128.0"
    assert "confidence" not in dd(plain, "analysis-key")
    assert "uncertain" not in plain


def test_metadata_numbers_are_read_leniently() -> None:
    assert number("0.32") == 0.32
    assert number("87") == 87.0
    for bad in (None, "", "abc", "nan", "inf"):
        assert number(bad) is None
