"""Parsing tracklist and search pages: the real saved pages (../shared), our own trap pages, and garbage.

The real pages pin the parser to what the site actually serves; the small pages written for these tests hold one
trap each (mashup rows sharing a cue, untimed rows whose hidden input reads 0, "ID - ID" rows, decoy names, block
pages). The fuzz tests hold the parser to its promise: no exception but PageFormatError, whatever the input.
"""

from __future__ import annotations

import contextlib
import random
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracktion_tracklist import (
    Blocked,
    PageFormatError,
    SearchCandidate,
    Tracklist,
    classify,
    parse_search_page,
    parse_tracklist_page,
)

FIXTURES = Path(__file__).parent / "fixtures"
SITE = "https://www.1001tracklists.com"


def page(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def tracklist(html: str) -> Tracklist:
    result = parse_tracklist_page(html)
    assert isinstance(result, Tracklist), result
    return result


# -- the real pages ----------------------------------------------------------------------------------------------


def real(shared: Path, name: str) -> str:
    return (shared / "1001tracklists" / name).read_text(encoding="utf-8")


def test_real_tracklist_page(shared_fixtures_dir: Path) -> None:
    result = tracklist(real(shared_fixtures_dir, "tracklist-matroda.html"))
    assert result.title == "Matroda @ Club Space Miami, United States 2023-08-05"
    assert result.url == (
        "https://www.1001tracklists.com/tracklist/l3uw499/matroda-club-space-miami-united-states-2023-08-05.html"
    )
    assert result.date == "2023-08-05"
    assert result.djs == ("Matroda",)
    assert result.genres == ("House", "Tech House")
    assert len(result.tracks) == 28
    assert [t.position for t in result.tracks] == list(range(1, 29))
    first, second = result.tracks[0], result.tracks[1]
    assert (first.artist, first.title, first.start_s) == ("Igor Zanga", "Nobody (Matroda Edit)", 0.0)
    assert first.label is None  # "Not On Label"
    assert (second.artist, second.title, second.start_s, second.label) == (
        "TOBEHONEST",
        "Where Ya At",
        150.0,
        "BLACK BOOK",
    )
    assert result.tracks[5].artist == "BLR ft. Robbie Rise"
    assert result.tracks[5].title == "Lipstick (Matroda Remix)"


def test_real_page_mashup_row_shares_its_partners_cue(shared_fixtures_dir: Path) -> None:
    result = tracklist(real(shared_fixtures_dir, "tracklist-matroda.html"))
    partner, mashup = result.tracks[23], result.tracks[24]
    assert (partner.artist, partner.mashup_linked) == ("Odd Mob", False)
    assert (mashup.artist, mashup.title, mashup.mashup_linked) == ("Round Table Knights & Bauchamp", "Calypso", True)
    # the cue script lists both ids under one entry; the w/ row's hidden input (4650) is not what counts
    assert mashup.start_s == partner.start_s == 4590.0
    assert sum(t.mashup_linked for t in result.tracks) == 1
    assert all(t.start_s is not None for t in result.tracks)
    starts = [t.start_s for t in result.tracks if t.start_s is not None]
    assert starts == sorted(starts)


def test_real_ip_block_page_is_blocked_not_an_empty_tracklist(shared_fixtures_dir: Path) -> None:
    html = real(shared_fixtures_dir, "ip-block-tracklist.html")
    result = parse_tracklist_page(html)
    assert isinstance(result, Blocked)
    assert result.kind == "captcha"
    assert "limited due to overuse" in result.reason
    assert "68.114" not in result.reason  # the IP address stays out of logs and messages
    assert isinstance(parse_search_page(html, base_url=SITE), Blocked)


def test_real_search_pages(shared_fixtures_dir: Path) -> None:
    found = parse_search_page(real(shared_fixtures_dir, "search-result.html"), base_url=SITE)
    assert found == [
        SearchCandidate(
            url="https://www.1001tracklists.com/tracklist/l3uw499/matroda-club-space-miami-united-states-2023-08-05.html",
            title="Matroda @ Club Space Miami, United States",
            date="2023-08-05",
        )
    ]
    assert parse_search_page(real(shared_fixtures_dir, "search-no-result.html"), base_url=SITE) == []


def test_real_pages_are_not_blocks(shared_fixtures_dir: Path) -> None:
    for name in ("tracklist-matroda.html", "search-result.html", "search-no-result.html"):
        assert classify(real(shared_fixtures_dir, name)) is None, name


# -- our own trap pages ------------------------------------------------------------------------------------------


def test_small_page_set_data() -> None:
    result = tracklist(page("tracklist-small.html"))
    assert result.title == "Test DJ & Other DJ @ Fabric London, United Kingdom 2024-03-09"
    assert (
        result.url == "https://www.1001tracklists.com/tracklist/abc123/test-dj-other-dj-fabric-london-2024-03-09.html"
    )
    assert result.date == "2024-03-09"
    assert result.djs == ("Test DJ", "Other DJ")
    assert result.genres == ("Techno", "Tech House")  # not the Article's "tracklist", not the tracks' genres


def test_small_page_rows() -> None:
    rows = [
        (t.artist, t.title, t.start_s, t.mashup_linked, t.identified)
        for t in tracklist(page("tracklist-small.html")).tracks
    ]
    assert rows == [
        ("Opening Artist", "First Track (Original Mix)", 0.0, False, True),
        ("Second - Artist ft. Guest", "Title - With Dash", 150.0, False, True),
        ("Mash Artist", "Base Track", 390.0, False, True),
        ('Partner "Q"', "Acapella", 390.0, True, True),
        ("ID", "ID", 600.0, False, False),
        ("Late Artist", "Untimed Track", None, False, True),
        ("Closing Artist", "Last Track", None, False, True),
    ]


def test_untimed_rows_are_none_even_when_the_hidden_input_reads_zero() -> None:
    html = page("tracklist-small.html")
    assert 'id="tlp1007_cue_seconds" type="hidden" value="0"' in html  # the trap is really there
    last = tracklist(html).tracks[-1]
    assert last.start_s is None


def test_first_track_at_zero_is_a_real_zero() -> None:
    assert tracklist(page("tracklist-small.html")).tracks[0].start_s == 0.0


def test_labels_come_from_microdata_and_no_label_means_none() -> None:
    tracks = tracklist(page("tracklist-small.html")).tracks
    assert tracks[0].label == "DRUMCODE"
    assert tracks[1].label is None  # shown as NOT ON LABEL


def test_decoy_page_trusts_microdata() -> None:
    result = tracklist(page("tracklist-decoy.html"))
    assert result.title == "Real DJ @ Berghain, Berlin 2022-11-20"
    assert result.djs == ("Real DJ",)
    assert result.date == "2022-11-20"
    assert [(t.artist, t.title, t.label) for t in result.tracks] == [
        ("Real Artist", "Real Title", "REAL LABEL"),
        ("Second Real", "Second Title", None),
    ]
    assert [t.start_s for t in result.tracks] == [0.0, 245.0]  # the script, not the hidden input's 999


@pytest.mark.parametrize(
    ("name", "kind"),
    [("ip-block.html", "captcha"), ("js-challenge.html", "js-challenge"), ("cloudflare-turnstile.html", "cloudflare")],
)
def test_block_pages(name: str, kind: str) -> None:
    html = page(name)
    assert classify(html) == parse_tracklist_page(html)
    result = parse_tracklist_page(html)
    assert isinstance(result, Blocked)
    assert result.kind == kind
    assert kind in result.describe()
    assert isinstance(parse_search_page(html, base_url=SITE), Blocked)


def test_a_page_with_rows_and_a_turnstile_widget_is_not_blocked() -> None:
    html = page("tracklist-small.html").replace(
        "</body>",
        '<div class="cf-turnstile"></div><script src="https://challenges.cloudflare.com/x.js"></script></body>',
    )
    assert len(tracklist(html).tracks) == 7


def test_search_results_keep_only_site_tracklists() -> None:
    result = parse_search_page(page("search-results.html"), base_url=SITE)
    assert result == [
        SearchCandidate(
            f"{SITE}/tracklist/abc123/test-dj-other-dj-fabric-london-2024-03-09.html",
            "Test DJ & Other DJ @ Fabric London, United Kingdom",
            "2024-03-09",
        ),
        SearchCandidate(
            f"{SITE}/tracklist/old999/test-dj-fabric-london-2019-05-04.html",
            "Test DJ @ Fabric London, United Kingdom",
            "2019-05-04",
        ),
    ]


def test_search_results_against_another_base_url() -> None:
    result = parse_search_page(page("search-results.html"), base_url="http://127.0.0.1:8000")
    assert isinstance(result, list)
    assert (
        next(c.url for c in result)
        == "http://127.0.0.1:8000/tracklist/abc123/test-dj-other-dj-fabric-london-2024-03-09.html"
    )


def test_empty_search() -> None:
    assert parse_search_page(page("search-empty.html"), base_url=SITE) == []


@pytest.mark.parametrize("html", ["", "   ", "<html><body><p>hello</p></body></html>", "not html at all", "\x00\x01"])
def test_unknown_pages_raise_page_format_error(html: str) -> None:
    with pytest.raises(PageFormatError):
        parse_tracklist_page(html)
    with pytest.raises(PageFormatError):
        parse_search_page(html, base_url=SITE)


def test_truncated_real_page_still_parses_the_rows_it_has(shared_fixtures_dir: Path) -> None:
    html = real(shared_fixtures_dir, "tracklist-matroda.html")
    full = tracklist(html)
    cut = tracklist(html[: html.index('id="tlp_9381920"')])  # a cut inside the rows (the 13th row's start)
    assert 0 < len(cut.tracks) < len(full.tracks)
    assert cut.tracks == full.tracks[: len(cut.tracks)]


# -- fuzzing -----------------------------------------------------------------------------------------------------

_TAGS = st.sampled_from(
    ["div", "span", "meta", "script", "form", "input", "h1", "a", "link", "html", "body", "title", "noscript"]
)
_ATTRS = st.sampled_from(
    [
        'class="tlpItem"',
        'class="tlpItem con"',
        'class="bItm"',
        'id="tlp0_content"',
        'itemprop="name" content="A - B"',
        'itemprop="byArtist" content="A"',
        'itemscope itemtype="http://schema.org/MusicPlaylist"',
        'action="/info/unblock_ip.html"',
        'method="post"',
        'type="hidden" name="token" value="x"',
        "onclick=\"window.open('/tracklist/x/y.html')\"",
        'rel="canonical" href="/tracklist/z.html"',
        'class="cf-turnstile"',
        'itemprop="publisher" content="&lt;b&gt;L"',
        "",
    ]
)
_TEXT = st.sampled_from(
    [
        "cueValuesEntry = {}; cueValuesEntry.seconds = 12;",
        "cueValuesEntry.ids[0] = 'tlp0_content';",
        "cueValuesEntry.seconds = -5;",
        "ID - ID",
        "Artist - Title",
        "<",
        ">",
        "&amp;",
        "\x00",
        "\ud800",
        "ü",
        "document.forms[0].submit()",
    ]
)


@st.composite
def html_soup(draw: st.DrawFn) -> str:
    parts: list[str] = []
    for _ in range(draw(st.integers(0, 30))):
        choice = draw(st.integers(0, 3))
        if choice == 0:
            parts.append(f"<{draw(_TAGS)} {draw(_ATTRS)}>")
        elif choice == 1:
            parts.append(f"</{draw(_TAGS)}>")
        elif choice == 2:
            parts.append(draw(_TEXT))
        else:
            parts.append(draw(st.text(max_size=20)))
    return "".join(parts)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(html_soup())
def test_fuzz_structured_garbage_never_crashes(html: str) -> None:
    start = time.perf_counter()
    for parse in (parse_tracklist_page, lambda h: parse_search_page(h, base_url=SITE)):
        try:
            result = parse(html)
        except PageFormatError:
            continue
        assert isinstance(result, Tracklist | Blocked | list)
        if isinstance(result, Tracklist):
            assert all(t.start_s is None or t.start_s >= 0 for t in result.tracks)
            assert all(t.artist and t.title for t in result.tracks)
    assert time.perf_counter() - start < 2.0


@settings(max_examples=100, deadline=None)
@given(st.one_of(st.text(max_size=500), st.binary(max_size=500)))
def test_fuzz_random_text_and_bytes_never_crash(data: str | bytes) -> None:
    with contextlib.suppress(PageFormatError):
        parse_tracklist_page(data)
    with contextlib.suppress(PageFormatError):
        parse_search_page(data, base_url=SITE)


def test_fuzz_mangled_real_page(shared_fixtures_dir: Path) -> None:
    """Slices and byte flips of the real page: parsed or PageFormatError, quickly."""
    html = real(shared_fixtures_dir, "tracklist-matroda.html")
    rng = random.Random(5)
    for _ in range(15):
        start = rng.randrange(len(html))
        chunk = list(html[start : start + rng.randrange(1, 60_000)])
        for _ in range(50):
            if chunk:
                chunk[rng.randrange(len(chunk))] = rng.choice("<>\"'=/ \x00&;")
        began = time.perf_counter()
        with contextlib.suppress(PageFormatError):
            parse_tracklist_page("".join(chunk))
        assert time.perf_counter() - began < 2.0
