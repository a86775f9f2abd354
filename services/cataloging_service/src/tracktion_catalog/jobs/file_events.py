"""FileDiscovered / FileChanged: catalog the file at ``path``, unless it is exactly what the catalog already has.

Unchanged (same size and mtime as when last read): only "this scan saw it" is recorded, batched, no read at all
(plus a new request for a deferred tracklist look-up that is due).
Otherwise the file is read outside any transaction (stat, tags, one hash pass in a worker thread, several files at
once) and the result is recorded with the files read at the same time, in one transaction per batch
(:mod:`~tracktion_catalog.jobs.recorder`); a bad file becomes a ``failed`` row, which acknowledges the message.
"""

from __future__ import annotations

from tracktion_catalog.jobs.content import count_recorded
from tracktion_catalog.jobs.context import CatalogContext
from tracktion_catalog.jobs.recorder import Recorder
from tracktion_catalog.jobs.unchanged import Confirmation, UnchangedFiles
from tracktion_shared.messages import FileEvent

__all__ = ["handle_file_event"]


async def handle_file_event(
    ctx: CatalogContext, unchanged: UnchangedFiles, recorder: Recorder, message: FileEvent
) -> None:
    """The recorder publishes what each batch put in the outbox before it answers, redeliveries' batches included
    (a first delivery may have committed and then failed to publish), so this returns with the follow-ups sent."""
    async with ctx.locks.hold(message.path):
        confirmation = await unchanged.confirm(message)
        if confirmation is Confirmation.SEEN_AND_ASKED:
            await ctx.announce()  # publish the due tracklist look-up the confirmation asked for again
        if confirmation is not Confirmation.CHANGED:
            return
        inspection = await ctx.read(message.path)
        await recorder.record(message, inspection)
        count_recorded(inspection)
