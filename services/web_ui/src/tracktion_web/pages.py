"""The HTML pages: rendered with Jinja2 from the API's own functions and models (one source for both).

Pages work without JavaScript except for what only a browser script can do: the timeline chart (Plotly, served
from this server) and the graph panels, which the recording page loads from ``/api`` after it is shown, so a slow
or busy graph never holds the page up.
"""

from __future__ import annotations

import uuid
from importlib import resources
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.templating import Jinja2Templates

from tracktion_web import api
from tracktion_web.filters import SortColumn
from tracktion_web.timefmt import clock

__all__ = ["LOW_CONFIDENCE", "PLOTLY_JS", "router", "templates"]

router = APIRouter(include_in_schema=False)

templates = Jinja2Templates(directory=str(resources.files("tracktion_web") / "templates"))
templates.env.filters["clock"] = clock
templates.env.globals["urlencode"] = urlencode
#: below this tempo confidence the pages mark the BPM as a guess (muted, "~", the reading's details on hover)
LOW_CONFIDENCE = 0.5
templates.env.globals["low_confidence"] = LOW_CONFIDENCE

#: Plotly's browser bundle as the plotly package ships it (the version uv.lock pins); never fetched from a CDN
PLOTLY_JS = resources.files("plotly") / "package_data" / "plotly.min.js"

LIBRARY_COLUMNS: list[tuple[str, str]] = [
    ("artist", "Artist"),
    ("title", "Title / file"),
    ("bpm", "BPM"),
    ("camelot", "Key"),
    ("mood", "Mood"),
    ("duration", "Length"),
    ("status", "Status"),
]


@router.get("/", response_class=HTMLResponse)
async def library_page(
    request: Request,
    *,
    q: Annotated[str | None, Query(max_length=200)] = None,
    bpm_min: Annotated[str | None, Query(max_length=20)] = None,
    bpm_max: Annotated[str | None, Query(max_length=20)] = None,
    half_double: Annotated[bool, Query()] = False,
    camelot: Annotated[list[str] | None, Query()] = None,
    mood: Annotated[str | None, Query(max_length=100)] = None,
    status_: Annotated[Literal["", "cataloged", "analysed", "failed", "missing"], Query(alias="status")] = "",
    sort: Annotated[SortColumn, Query()] = "artist",
    order: Annotated[Literal["asc", "desc"], Query()] = "asc",
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> HTMLResponse:
    """The library table with its filter form; the form's empty fields mean "any"."""
    low, high = _bpm(bpm_min), _bpm(bpm_max)
    error = None
    try:
        page = await api.list_recordings(
            request,
            q=q or None,
            bpm_min=low,
            bpm_max=high,
            half_double=half_double,
            camelot=camelot,
            mood=[mood] if mood else None,
            status_=[status_] if status_ else None,
            sort=sort,
            order=order,
            offset=offset,
        )
    except HTTPException as problem:
        error, page = str(problem.detail), None
    facets = await api.get_facets(request)
    params: dict[str, Any] = {
        "q": q or "",
        "bpm_min": "" if low is None else f"{low:g}",
        "bpm_max": "" if high is None else f"{high:g}",
        "half_double": half_double,
        "camelot": list(camelot or []),
        "mood": mood or "",
        "status": status_,
    }
    query = [(k, v) for k, v in params.items() if v not in ("", False, []) and k != "camelot"]
    query += [("camelot", key) for key in params["camelot"]]
    query = [(k, "1" if v is True else v) for k, v in query]
    return templates.TemplateResponse(
        request,
        "library.html",
        {
            "page": page,
            "error": error,
            "facets": facets,
            "params": params,
            "filter_query": query,
            "sort": sort,
            "order": order,
            "columns": LIBRARY_COLUMNS,
        },
        status_code=200 if error is None else 422,
    )


def _bpm(text: str | None) -> float | None:
    """A tempo from the form: an empty or unreadable field is no bound (the form cannot send a number type)."""
    try:
        value = float(text) if text else None
    except ValueError:
        return None
    return value if value is not None and 0 <= value <= 1000 else None


@router.get("/recordings/{recording_id}", response_class=HTMLResponse)
async def recording_page(request: Request, recording_id: uuid.UUID) -> HTMLResponse:
    detail = await api.get_recording(request, recording_id)
    return templates.TemplateResponse(request, "recording.html", {"r": detail})


@router.get("/status", response_class=HTMLResponse)
async def status_page(request: Request) -> HTMLResponse:
    report = await api.get_status(request)
    return templates.TemplateResponse(request, "status.html", {"s": report})


@router.get("/static/vendor/plotly.min.js")
async def plotly_js() -> FileResponse:
    with resources.as_file(PLOTLY_JS) as path:
        return FileResponse(path, media_type="text/javascript", headers={"cache-control": "public, max-age=86400"})
