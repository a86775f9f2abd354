"""What only the embedded backend has: one LadybugDB file, locked by the process that has it open."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tracktion_shared.errors import TemporaryError
from tracktion_shared.graph import LadybugGraph

HOLD = "import sys, ladybug; db = ladybug.Database(sys.argv[1]); print('ready', flush=True); sys.stdin.readline()"


@pytest.fixture
def held(tmp_path: Path) -> Iterator[tuple[Path, Callable[[], None]]]:
    """A graph file another process has open (as a running ``tracktion watch`` would), and how to let it go."""
    path = tmp_path / "graph" / "tracktion.lbug"
    path.parent.mkdir()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )

    def release() -> None:
        if holder.poll() is None:
            holder.communicate("\n", timeout=10)

    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "ready"
        yield path, release
    finally:
        release()


async def test_a_file_held_by_another_process_is_a_temporary_error(held: tuple[Path, Callable[[], None]]) -> None:
    path, release = held
    graph = LadybugGraph(path)
    try:
        with pytest.raises(TemporaryError, match="lock"):
            await graph.sets_with("anything")
        release()
        # once the other process is gone, the same instance opens the file (the consumer's retry succeeds)
        rid = uuid.uuid4()
        await graph.upsert_recording(rid, "/a.mp3", {})
        assert await graph.recording_for_path("/a.mp3") == rid
    finally:
        await graph.close()
