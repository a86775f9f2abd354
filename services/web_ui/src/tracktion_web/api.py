"""The JSON API under ``/api``: the library, one recording, its timeline and tracklists, the .cue download, the
graph's answers and the status. The pages call these same functions, so the API is what the pages show.

Graph answers are never errors of the request: when the graph cannot answer (a watch holds the embedded file, Neo4j
is down, nothing was scanned yet) the answer is empty with a ``state`` and a ``reason`` the page shows.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Query, Request, Response

from tracktion_shared.graph import GraphRepository, UnknownRecording
from tracktion_shared.graph.domain import DEFAULT_BPM_TOLERANCE
from tracktion_web.context import context_of
from tracktion_web.cue import CueProblem, read_cue
from tracktion_web.filters import FilterError, LibraryFilter, SortColumn
from tracktion_web.graphs import GraphRefusal
from tracktion_web.models import (
    CompatibleAnswer,
    CompatibleView,
    Facets,
    LibraryPage,
    RecordingDetail,
    SetHitView,
    SetsAnswer,
    StatusReport,
    Timeline,
    TracklistView,
)
from tracktion_web.queries import library, recordings, status
from tracktion_web.timefmt import clock

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["api"])

NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "no such recording or tracklist (the detail says which)"}
}


@router.get("/recordings", response_model=LibraryPage, summary="The library, filtered, sorted and paged")
async def list_recordings(
    request: Request,
    *,
    q: Annotated[
        str | None, Query(max_length=200, description="words that must all occur (artist, title, ...)")
    ] = None,
    bpm_min: Annotated[float | None, Query(ge=0, le=1000)] = None,
    bpm_max: Annotated[float | None, Query(ge=0, le=1000)] = None,
    half_double: Annotated[bool, Query(description="also match half and double the tempo range")] = False,
    camelot: Annotated[list[str] | None, Query(description="Camelot keys, e.g. 8A (repeat or comma-separate)")] = None,
    mood: Annotated[list[str] | None, Query(max_length=100)] = None,
    status_: Annotated[
        list[Literal["cataloged", "analysed", "failed", "missing"]] | None, Query(alias="status")
    ] = None,
    sort: Annotated[SortColumn, Query()] = "artist",
    order: Annotated[Literal["asc", "desc"], Query()] = "asc",
    limit: Annotated[int | None, Query(ge=1, le=500)] = None,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> LibraryPage:
    context = context_of(request)
    try:
        wanted = LibraryFilter.build(
            q=q,
            bpm_min=bpm_min,
            bpm_max=bpm_max,
            half_double=half_double,
            camelot=camelot or (),
            mood=mood or (),
            status=status_ or (),
            sort=sort,
            order=order,
            limit=limit or context.ui.page_size,
            offset=offset,
        )
    except FilterError as error:
        raise HTTPException(422, str(error)) from error
    return await library.library_page(context.db, wanted)


@router.get("/facets", response_model=Facets, summary="The values the library filters offer")
async def get_facets(request: Request) -> Facets:
    return await library.facets(context_of(request).db)


@router.get("/recordings/{recording_id}", response_model=RecordingDetail, responses=NOT_FOUND)
async def get_recording(request: Request, recording_id: uuid.UUID) -> RecordingDetail:
    """Tags, analysis, files (with the duplicates) and tracklists of one recording."""
    detail = await recordings.recording_detail(context_of(request).db, recording_id)
    if detail is None:
        raise HTTPException(404, f"no recording {recording_id}")
    return detail


@router.get("/recordings/{recording_id}/timeline", response_model=Timeline, responses=NOT_FOUND)
async def get_timeline(request: Request, recording_id: uuid.UUID) -> Timeline:
    """Tempo and key over time (long recordings) and where the tracklist's tracks start."""
    found = await recordings.timeline(context_of(request).db, recording_id)
    if found is None:
        raise HTTPException(404, f"no recording {recording_id}")
    return found


@router.get("/recordings/{recording_id}/tracklists", response_model=list[TracklistView], responses=NOT_FOUND)
async def get_tracklists(request: Request, recording_id: uuid.UUID) -> list[TracklistView]:
    return (await get_recording(request, recording_id)).tracklists


@router.get(
    "/tracklists/{tracklist_id}/cue",
    response_class=Response,
    responses={200: {"content": {"application/x-cue": {}}, "description": "the .cue sheet"}, **NOT_FOUND},
)
async def download_cue(request: Request, tracklist_id: uuid.UUID) -> Response:
    """The .cue sheet the tracklist service wrote for this tracklist, exactly the file the catalog recorded."""
    location = await recordings.cue_location(context_of(request).db, tracklist_id)
    if location is None:
        raise HTTPException(404, f"no tracklist {tracklist_id}")
    try:
        cue = read_cue(location.cue_file_path)
    except CueProblem as problem:
        raise HTTPException(404, str(problem)) from problem
    ascii_name = cue.name.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(cue.name)}"
    return Response(
        cue.content,
        media_type="application/x-cue",
        headers={"content-disposition": disposition, "x-content-type-options": "nosniff"},
    )


def _refused(error: GraphRefusal) -> tuple[Literal["busy", "unavailable", "no_graph"], str]:
    return error.state, error.reason


async def _sets(request: Request, query: str, exclude: uuid.UUID | None, limit: int) -> SetsAnswer:
    async def ask(graph: GraphRepository) -> list[SetHitView]:
        hits = await graph.sets_with(query, limit + (1 if exclude else 0))
        views = [
            SetHitView(
                recording_id=uuid.UUID(hit.recording_id),
                path=hit.path,
                source=hit.source,
                tracklist_title=hit.tracklist_title,
                position=hit.position,
                start_seconds=hit.start_time,
                cue_time=clock(hit.start_time),
                artist=hit.artist,
                title=hit.title,
                score=hit.score,
            )
            for hit in hits
            if exclude is None or hit.recording_id != str(exclude)
        ]
        return views[:limit]

    try:
        items = await context_of(request).graph.ask(ask)
    except GraphRefusal as error:
        state, reason = _refused(error)
        return SetsAnswer(state=state, reason=reason, query=query, items=[])
    return SetsAnswer(state="ok", reason=None, query=query, items=items)


@router.get("/recordings/{recording_id}/sets", response_model=SetsAnswer, responses=NOT_FOUND)
async def sets_with_recording(
    request: Request, recording_id: uuid.UUID, limit: Annotated[int, Query(ge=1, le=100)] = 20
) -> SetsAnswer:
    """Sets whose tracklist played this recording's track (by its artist and title tags)."""
    detail = await get_recording(request, recording_id)
    query = recordings.track_query(detail.tags)
    if query is None:
        return SetsAnswer(
            state="no_tags", reason="the file has no artist and title tags to look up", query=None, items=[]
        )
    return await _sets(request, query, recording_id, limit)


@router.get("/graph/sets-with", response_model=SetsAnswer)
async def sets_with_track(
    request: Request,
    track: Annotated[str, Query(min_length=1, max_length=300, description='e.g. "Artist - Title"')],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> SetsAnswer:
    """Sets (recordings with a tracklist) that played a track; fuzzy on artist and title."""
    return await _sets(request, track, None, limit)


@router.get("/recordings/{recording_id}/compatible", response_model=CompatibleAnswer, responses=NOT_FOUND)
async def compatible_with(
    request: Request,
    recording_id: uuid.UUID,
    bpm_tolerance: Annotated[float, Query(ge=0, le=0.5, description="a fraction: 0.06 is ±6%")] = DEFAULT_BPM_TOLERANCE,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> CompatibleAnswer:
    """Recordings that mix into this one: compatible Camelot key, tempo within the tolerance (half/double aware)."""
    await get_recording(request, recording_id)

    async def ask(graph: GraphRepository) -> list[CompatibleView]:
        found = await graph.compatible(recording_id, bpm_tolerance=bpm_tolerance, limit=limit)
        return [
            CompatibleView(
                recording_id=uuid.UUID(c.recording_id),
                path=c.path,
                camelot=c.camelot,
                bpm=c.bpm,
                relation=c.relation,
                bpm_distance=c.bpm_distance,
            )
            for c in found
        ]

    try:
        items = await context_of(request).graph.ask(ask)
    except UnknownRecording as error:
        return CompatibleAnswer(state="not_analysed", reason=str(error), items=[])
    except GraphRefusal as error:
        state, reason = _refused(error)
        return CompatibleAnswer(state=state, reason=reason, items=[])
    return CompatibleAnswer(state="ok", reason=None, items=items)


@router.get("/status", response_model=StatusReport, summary="Counts by state, recent failures, the bus, the cluster")
async def get_status(request: Request) -> StatusReport:
    context = context_of(request)
    catalog = await status.catalog_status(context.db)
    return StatusReport(
        counts=catalog.counts,
        total=sum(catalog.counts.values()),
        failed_files=catalog.failed_files,
        failures=catalog.failures,
        bus=await context.bus.report(),
        cluster=None if context.cluster is None else await context.cluster.report(),
    )
