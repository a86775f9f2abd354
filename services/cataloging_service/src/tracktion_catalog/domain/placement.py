"""Where freshly read content belongs: an existing recording, the file's own recording updated, or a new one.

A recording is content. The same content at a second path is a copy of that recording, not a new one. A file whose
content changed keeps its recording (and its history: tracklists, analysis) when it alone held that recording; when
copies still hold the old content, the old recording stays theirs and the changed file gets a new one.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Literal

__all__ = ["Placement", "place_content"]


@dataclass(frozen=True, slots=True)
class Placement:
    """``attach`` to ``recording_id``; ``rehash`` ``recording_id`` in place; ``create`` a new recording.

    ``announce`` says whether downstream services must hear about it (new audio, or changed audio).
    """

    kind: Literal["attach", "rehash", "create"]
    recording_id: uuid.UUID | None
    announce: bool


def place_content(
    *,
    matching: uuid.UUID | None,
    previous: uuid.UUID | None,
    previous_present: bool,
    previous_shared: bool,
) -> Placement:
    """Decide for a file just read.

    ``matching``: the recording that already has these hashes. ``previous``: the recording the file's row pointed
    at; ``previous_present``: the row said the file was there (so this is a modification, not a reappearance);
    ``previous_shared``: another present file still holds ``previous``.
    """
    if matching is not None:
        return Placement("attach", matching, announce=False)
    if previous is not None and previous_present and not previous_shared:
        return Placement("rehash", previous, announce=True)
    return Placement("create", None, announce=True)
