"""Deferred tracklist look-ups are asked for again when a scan confirms their recording's file, once they are due.

A look-up the tracklist service could not make (the site offline, or a block page) comes back as a deferred state
with a time to try again (``tracklist_status`` blocked/deferred, ``tracklist_retry_after``), not as "not found". An
unchanged file sends nothing to the later stages, so without this a deferred look-up would never be made. When the
catalog marks a rescan's unchanged files as seen, it also looks, in the same transaction and with one query per
batch, for their recordings whose look-up is deferred and due, and puts a ``RecordingCataloged`` with
``content_changed=False`` for each in the outbox: the tracklist stage looks it up, analysis ignores it (the content
is the one it has analysed) and the graph rewrites the same recording. The look-up's retry time moves on by
:data:`~tracktion_catalog.domain.results.REREQUEST_LEASE`, so the next scan does not ask again while the answer is
on its way, and a request that got lost is asked again after it.

The catalog stays the only writer of its database; the request goes out like every follow-up, through the outbox.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import UTC, datetime

from tracktion_catalog.domain.results import DEFERRED_LOOKUPS, REREQUEST_LEASE, lookup_due, timestamp_text
from tracktion_catalog.domain.tags import TAG_KEYS
from tracktion_shared.messages import RecordingCataloged
from tracktion_shared.storage import UnitOfWork

__all__ = ["request_due_lookups"]

_FACTS = ("tracklist_retry_after", "duration", *TAG_KEYS)


async def request_due_lookups(
    uow: UnitOfWork, recording_ids: Collection[uuid.UUID], *, now: datetime | None = None
) -> set[uuid.UUID]:
    """Queue a new look-up for each of ``recording_ids`` whose deferred look-up is due; returns those recordings."""
    deferred = await uow.metadata.having("tracklist_status", DEFERRED_LOOKUPS, recording_ids)
    if not deferred:
        return set()
    now = now or datetime.now(UTC)
    facts = await uow.metadata.get_many(list(deferred), _FACTS)
    leases: dict[uuid.UUID, dict[str, str]] = {}
    for recording_id, status in deferred.items():
        values = facts.get(recording_id, {})
        if not lookup_due(status, values.get("tracklist_retry_after"), now):
            continue
        recording = await uow.recordings.get(recording_id)
        if recording is None or recording.sha256_hash is None or recording.xxh128_hash is None:
            continue
        await uow.outbox.add(
            RecordingCataloged(
                recording_id=recording_id,
                path=recording.file_path,
                sha256=recording.sha256_hash,
                xxh128=recording.xxh128_hash,
                duration_seconds=_number(values.get("duration")),
                content_changed=False,
                tags={key: values[key] for key in TAG_KEYS if key in values},
            )
        )
        leases[recording_id] = {"tracklist_retry_after": timestamp_text(now + REREQUEST_LEASE)}
    await uow.metadata.upsert_many(leases)
    return set(leases)


def _number(text: str | None) -> float | None:
    try:
        return None if text is None else max(0.0, float(text))
    except ValueError:
        return None
