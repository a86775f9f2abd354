"""A second process that writes the embedded graph without a pause, as a busy ``tracktion watch`` does.

Run as a script (``python graph_writer.py GRAPH_FILE SECONDS``) it opens a :class:`LadybugGraph` writer and writes
set after set for SECONDS: set ``i`` is recording :func:`set_id` ``(i)`` with a tracklist "Anchor - Tune", then
"Step i - Next". It prints ``ready`` after the first set and, at the end, ``done <sets> <slowest write in s>``.
Writes land in order, one transaction each, so every consistent read sees the anchor in the sets ``0..n-1`` for
some ``n`` that never shrinks (:func:`check_anchor_sets`). The recordings carry no tempo or key, so they never show
up as compatible with anything.

:func:`live_writer` runs it from a test and stops it afterwards.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tracktion_shared.graph import LadybugGraph
from tracktion_shared.messages import TracklistTrack

__all__ = ["ANCHOR", "LiveWriter", "check_anchor_sets", "live_writer", "set_id"]

#: the track every set plays first
ANCHOR = "Anchor - Tune"


def set_id(i: int) -> uuid.UUID:
    return uuid.UUID(int=0xA0000000 + i)


def check_anchor_sets(hits: Sequence[Mapping[str, Any]]) -> int:
    """How many sets the hits for :data:`ANCHOR` show; fails unless they are exactly the sets ``0..n-1``.

    ``hits`` as JSON has them (``tracktion graph --json``, the web API, ``SetHit.to_dict()``).
    """
    assert all((hit["position"], hit["artist"], hit["title"]) == (1, "Anchor", "Tune") for hit in hits), hits
    titles = {uuid.UUID(str(hit["recording_id"])).int - set_id(0).int: hit["tracklist_title"] for hit in hits}
    assert len(titles) == len(hits), "a set twice"
    assert sorted(titles) == list(range(len(titles))), f"not a prefix of the sets written: {sorted(titles)}"
    assert all(title == f"Anchor set {i}" for i, title in titles.items()), titles
    return len(titles)


@dataclass
class LiveWriter:
    process: subprocess.Popen[str]
    sets: int = 0
    slowest: float = 0.0


@contextmanager
def live_writer(path: str | Path, seconds: float) -> Iterator[LiveWriter]:
    """A writer process writing ``path`` for ``seconds``, ready (one set written) when this yields.

    On leaving, it waits for the writer to finish and records how many sets it wrote and its slowest write.
    """
    process = subprocess.Popen(
        [sys.executable, __file__, str(path), str(seconds)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    writer = LiveWriter(process)
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        assert line == "ready", (line, process.stderr.read() if process.stderr else "")
        yield writer
        stdout, stderr = process.communicate(timeout=seconds + 60)
        assert process.returncode == 0, stderr
        _, sets, slowest = stdout.split()
        writer.sets, writer.slowest = int(sets), float(slowest)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


async def _write_sets(path: str, seconds: float) -> None:
    async with LadybugGraph(path) as graph:
        end = time.monotonic() + seconds
        i, slowest = 0, 0.0
        while i == 0 or time.monotonic() < end:
            started = time.monotonic()
            tracks = [
                TracklistTrack(position=1, artist="Anchor", title="Tune"),
                TracklistTrack(position=2, artist=f"Step {i}", title="Next"),
            ]
            await graph.upsert_tracklist(set_id(i), "live", tracks, title=f"Anchor set {i}")
            await graph.upsert_recording(set_id(i), f"/anchor/{i}.mp3", {"n": str(i)})
            slowest = max(slowest, time.monotonic() - started)
            if i == 0:
                print("ready", flush=True)
            i += 1
    print("done", i, f"{slowest:.3f}", flush=True)


if __name__ == "__main__":
    asyncio.run(_write_sets(sys.argv[1], float(sys.argv[2])))
