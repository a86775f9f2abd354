"""The JSON API over a real catalog: generated tracks scanned and analysed by the embedded pipeline, and a long set.

Expected values come from what the catalog holds (read back through the API's own listing or the storage layer),
never from what the analysis "should" have found, so a change in the analysis cannot make these tests lie.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
from web_catalog import SET_BPM_CONFIDENCE, SET_TRACKS, TRACKS, WebCatalog

from tracktion_shared.graph import domain


async def everything(client: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    response = await client.get("/api/recordings", params={"limit": 500, **params})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == len(body["items"])
    return list(body["items"])


async def test_the_library_lists_every_recording_with_its_analysis(
    client: httpx.AsyncClient, web_catalog: WebCatalog
) -> None:
    rows = {row["file_name"]: row for row in await everything(client)}
    assert set(rows) == {*TRACKS, "Breakline live at Fabric.flac"}
    for name, (artist, title, *_rest) in TRACKS.items():
        row = rows[name]
        assert (row["artist"], row["title"]) == (artist, title)
        assert row["recording_id"] == str(web_catalog.ids[name])
        assert row["status"] == "analysed", row
        assert row["bpm"]
        assert row["bpm"] > 0
        assert row["camelot"]
        assert domain.parse_camelot(row["camelot"]) is not None
        assert row["duration"] is not None
        assert abs(row["duration"] - 12.0) < 0.5
    assert rows["Breakline live at Fabric.flac"]["camelot"] == "4A"


async def test_the_library_and_the_detail_carry_confidences_and_the_alternative_tempo(
    client: httpx.AsyncClient, web_catalog: WebCatalog
) -> None:
    rows = {row["file_name"]: row for row in await everything(client)}
    the_set = rows["Breakline live at Fabric.flac"]
    assert (the_set["bpm_confidence"], the_set["bpm_alternative"], the_set["key_confidence"]) == (
        SET_BPM_CONFIDENCE,
        87.0,
        0.8,
    )
    for name in TRACKS:  # whatever the analysis said about them: unknown, or a confidence
        for key in ("bpm_confidence", "key_confidence"):
            assert rows[name][key] is None or 0 <= rows[name][key] <= 1, rows[name]
        assert rows[name]["bpm_alternative"] is None or rows[name]["bpm_alternative"] > 0

    detail = (await client.get(f"/api/recordings/{web_catalog.set_id}")).json()["analysis"]
    assert (detail["bpm_confidence"], detail["bpm_alternative"], detail["key_confidence"]) == (
        SET_BPM_CONFIDENCE,
        87.0,
        0.8,
    )
    timeline = (await client.get(f"/api/recordings/{web_catalog.set_id}/timeline")).json()
    assert [s["bpm_confidence"] for s in timeline["segments"]][8:11] == [0.8, 0.4, 0.8]
    schema = (await client.get("/openapi.json")).json()["components"]["schemas"]
    for model in ("LibraryRow", "AnalysisView"):
        assert {"bpm_confidence", "bpm_alternative", "key_confidence"} <= set(schema[model]["properties"]), model


async def test_sorting_and_paging_cover_every_row_once(client: httpx.AsyncClient) -> None:
    rows = await everything(client, sort="bpm", order="desc")
    tempos = [row["bpm"] for row in rows]
    assert tempos == sorted(tempos, reverse=True)
    seen: list[str] = []
    for offset in range(0, len(rows), 2):
        page = (await client.get("/api/recordings", params={"sort": "bpm", "limit": 2, "offset": offset})).json()
        assert page["total"] == len(rows)
        assert len(page["items"]) <= 2
        seen += [row["recording_id"] for row in page["items"]]
    assert sorted(seen) == sorted(row["recording_id"] for row in rows)
    assert len(set(seen)) == len(seen)
    by_artist = [row["artist"] or "" for row in await everything(client, sort="artist")]
    assert by_artist == sorted(by_artist)


async def test_bpm_filter_with_and_without_half_double_time(client: httpx.AsyncClient) -> None:
    rows = await everything(client)

    def expected(low: float, high: float, half_double: bool) -> set[str]:
        factors = (1.0, 2.0, 0.5) if half_double else (1.0,)
        return {r["file_name"] for r in rows if r["bpm"] and any(low <= r["bpm"] * f <= high for f in factors)}

    for low, high in ((170, 178), (120, 130), (80, 90)):
        plain = {r["file_name"] for r in await everything(client, bpm_min=low, bpm_max=high)}
        both = {r["file_name"] for r in await everything(client, bpm_min=low, bpm_max=high, half_double=True)}
        assert plain == expected(low, high, False)
        assert both == expected(low, high, True)
        assert plain <= both
    # the 87 BPM track is found by a 174 filter only at half time (as the analysis measured it)
    slow = next(r for r in rows if r["file_name"] == "Breakline - Slow Pressure.flac")
    if 85 <= slow["bpm"] <= 89:
        found = {r["file_name"] for r in await everything(client, bpm_min=170, bpm_max=178, half_double=True)}
        assert slow["file_name"] in found


async def test_camelot_mood_status_and_text_filters(client: httpx.AsyncClient) -> None:
    rows = await everything(client)
    keys = sorted({r["camelot"] for r in rows if r["camelot"]})[:2]
    chosen = {r["file_name"] for r in await everything(client, camelot=keys)}
    assert chosen == {r["file_name"] for r in rows if r["camelot"] in keys}
    assert chosen == {r["file_name"] for r in await everything(client, camelot=",".join(k.lower() for k in keys))}
    mood = next(r["mood"] for r in rows if r["mood"])
    assert {r["file_name"] for r in await everything(client, mood=mood)} == {
        r["file_name"] for r in rows if r["mood"] == mood
    }
    assert {r["file_name"] for r in await everything(client, q="breakline PRESS")} == {
        "Breakline - Pressure.flac",
        "Breakline - Slow Pressure.flac",
    }
    assert await everything(client, q="100%_match") == []  # LIKE wildcards are searched for, not expanded
    assert [r["status"] for r in await everything(client, status="missing")] == []
    facets = (await client.get("/api/facets")).json()
    assert mood in facets["moods"]
    assert len(facets["camelot"]) == 24


async def test_bad_filters_are_422_with_a_reason(client: httpx.AsyncClient) -> None:
    for params, reason in (
        ({"camelot": "13A"}, "Camelot"),
        ({"bpm_min": 130, "bpm_max": 120}, "above"),
        ({"sort": "file_path"}, ""),
        ({"limit": 0}, ""),
    ):
        response = await client.get("/api/recordings", params=params)
        assert response.status_code == 422, params
        assert reason in str(response.json()["detail"])


async def test_recording_detail_has_tags_analysis_and_duplicates(
    client: httpx.AsyncClient, web_catalog: WebCatalog
) -> None:
    rid = web_catalog.ids["Kraak - Nightdrive.flac"]
    detail = (await client.get(f"/api/recordings/{rid}")).json()
    assert detail["tags"]["artist"] == "Kraak"
    assert detail["tags"]["title"] == "Nightdrive"
    assert detail["analysis"]["status"] == "analysed"
    assert detail["analysis"]["bpm"] > 0
    assert detail["duplicates"] == [str(web_catalog.duplicate)]
    assert {f["status"] for f in detail["files"]} == {"present"}
    assert detail["tracklists"] == []
    missing = await client.get(f"/api/recordings/{uuid.uuid4()}")
    assert missing.status_code == 404
    assert "no recording" in missing.json()["detail"]
    assert (await client.get("/api/recordings/not-a-uuid")).status_code == 422


async def test_the_set_has_its_timeline_tracklist_and_cue(client: httpx.AsyncClient, web_catalog: WebCatalog) -> None:
    detail = (await client.get(f"/api/recordings/{web_catalog.set_id}")).json()
    assert detail["has_timeline"] is True
    (tracklist,) = detail["tracklists"]
    assert tracklist["source"] == "manual"
    assert [(t["artist"], t["title"], t["start_seconds"]) for t in tracklist["tracks"]] == SET_TRACKS
    assert tracklist["tracks"][2]["cue_time"] == "14:00"
    assert tracklist["cue_url"] == f"/api/tracklists/{web_catalog.set_tracklist_id}/cue"
    assert (await client.get(f"/api/recordings/{web_catalog.set_id}/tracklists")).json() == detail["tracklists"]

    timeline = (await client.get(f"/api/recordings/{web_catalog.set_id}/timeline")).json()
    assert timeline["duration"] == 3600.0
    assert len(timeline["segments"]) == 60
    assert {s["camelot"] for s in timeline["segments"]} == {"4A", "5A"}
    assert [(b["position"], b["start_seconds"]) for b in timeline["boundaries"]] == [
        (n, start) for n, (_a, _t, start) in enumerate(SET_TRACKS, 1)
    ]

    cue = await client.get(tracklist["cue_url"])
    assert cue.status_code == 200
    assert web_catalog.cue_path is not None
    assert cue.content == web_catalog.cue_path.read_bytes()
    assert cue.headers["content-type"].startswith("application/x-cue")
    assert 'filename="Breakline live at Fabric.cue"' in cue.headers["content-disposition"]


async def test_graph_answers_compatible_tracks_and_sets(client: httpx.AsyncClient, web_catalog: WebCatalog) -> None:
    rows = {r["recording_id"]: r for r in await everything(client)}
    for name, rid in web_catalog.ids.items():
        answer = (await client.get(f"/api/recordings/{rid}/compatible")).json()
        assert answer["state"] == "ok", (name, answer)
        target = rows[str(rid)]
        key = domain.parse_camelot(target["camelot"])
        assert key is not None
        expected = set()
        for other_id, other in rows.items():
            other_key = domain.parse_camelot(other["camelot"])
            if other_id == str(rid) or other_key is None or not other["bpm"]:
                continue
            close = domain.bpm_distance(target["bpm"], other["bpm"]) <= domain.DEFAULT_BPM_TOLERANCE
            if close and domain.camelot_relation(key, other_key) is not None:
                expected.add(other_id)
        assert {item["recording_id"] for item in answer["items"]} == expected, name

    sets = (await client.get(f"/api/recordings/{web_catalog.ids['Kraak - Nightdrive.flac']}/sets")).json()
    assert sets["state"] == "ok"
    assert sets["query"] == "Kraak - Nightdrive"
    (hit,) = sets["items"]
    assert hit["recording_id"] == str(web_catalog.set_id)
    assert (hit["position"], hit["cue_time"]) == (3, "14:00")
    none = (await client.get(f"/api/recordings/{web_catalog.ids['Vela - Oxide.flac']}/sets")).json()
    assert none == {"state": "ok", "reason": None, "query": "Vela - Oxide", "items": []}
    free = (await client.get("/api/graph/sets-with", params={"track": "breakline pressure"})).json()
    assert [h["position"] for h in free["items"]] == [6]


async def test_status_counts_failures_and_says_where_dead_letters_are(
    client: httpx.AsyncClient, web_catalog: WebCatalog
) -> None:
    status = (await client.get("/api/status")).json()
    assert status["counts"]["analysed"] == len(TRACKS) + 1
    assert status["total"] == len(TRACKS) + 1
    assert status["failed_files"] == len(web_catalog.bad_files)
    (failure,) = status["failures"]
    assert failure["kind"] == "file"
    assert failure["path"] == str(web_catalog.bad_files[0])
    assert failure["reason"]
    assert status["bus"]["kind"] == "in-process"
    assert "dead-letter" in status["bus"]["note"]


async def test_pages_render_from_the_same_data(client: httpx.AsyncClient, web_catalog: WebCatalog) -> None:
    library = await client.get("/", params={"bpm_min": "170", "bpm_max": "178", "camelot": "4A"})
    assert library.status_code == 200
    assert "Breakline live at Fabric.flac" in library.text or "Live at Fabric 2026" in library.text
    assert "Kraak" not in library.text.split("<tbody>")[1]
    assert library.headers["content-security-policy"].startswith("default-src 'self'")
    # the set's tempo is a low-confidence reading: marked, with the reading's details on hover
    the_set = re.search(rf'<tr data-recording="{web_catalog.set_id}">(.*?)</tr>', library.text, re.DOTALL)
    assert the_set, library.text
    assert 'class="bpm uncertain" title="low confidence 0.32; alternative 87.0">174.0<' in the_set.group(1)
    page = await client.get(f"/recordings/{web_catalog.set_id}")
    assert page.status_code == 200
    assert 'id="timeline"' in page.text
    bpm = re.search(r'<dd id="analysis-bpm">(.*?)</dd>', page.text, re.DOTALL)
    assert bpm
    assert re.sub(r"<[^>]+>", "", bpm.group(1)) == "174.0 confidence 0.32 · or 87.0"
    assert "confidence 0.80" in page.text.split('id="analysis-key"')[1].split("</dd>")[0]
    assert f"/api/tracklists/{web_catalog.set_tracklist_id}/cue" in page.text
    assert "14:00" in page.text
    status = await client.get("/status")
    assert status.status_code == 200
    assert "broken.mp3" in status.text
    missing = await client.get(f"/recordings/{uuid.uuid4()}")
    assert missing.status_code == 404
    assert "text/html" in missing.headers["content-type"]
    bad = await client.get("/", params={"camelot": "99Z"})
    assert bad.status_code == 422
    assert "Camelot" in bad.text
    plotly = await client.get("/static/vendor/plotly.min.js")
    assert plotly.status_code == 200
    assert len(plotly.content) > 1_000_000
