"""The library read model: one typed, indexed row per recording for the library browser.

Filtering and sorting by tempo, key and mood over key/value metadata means a self-join per filter; at 100,000
recordings that is too slow for a page. The storage layer keeps these rows equal to ``recordings`` + ``metadata`` +
``files`` in every transaction (``tracktion_shared.storage.library``); this migration creates the table and fills it
from what is already cataloged, with the same rules written as plain SQL (a migration never imports the models).
Each sort index ends with the row key (a sorted page is found in the index alone), and ``files`` gets the
(recording_id, status) index that "has this recording a present file?" needs.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXED = ("artist", "title", "file_name", "bpm", "camelot", "mood", "duration", "status", "created_at")


def _value(key: str) -> str:
    return f"(SELECT m.value FROM metadata m WHERE m.recording_id = r.id AND m.key = '{key}')"


def _backfill() -> str:
    texts = ("artist", "title", "album", "genre", "key", "scale", "camelot", "open_key", "mood", "analysis_error")
    numbers = ("duration", "bpm", "energy")
    present = "EXISTS (SELECT 1 FROM files f WHERE f.recording_id = r.id AND f.status = 'present')"
    status = (
        f"CASE WHEN NOT {present} THEN 'missing' "
        f"WHEN {_value('analysis_status')} = 'failed' THEN 'failed' "
        f"WHEN {_value('analysis_status')} = 'analysed' THEN 'analysed' ELSE 'cataloged' END"
    )
    search = " || ' ' || ".join(
        [*(f"coalesce({_value(key)}, '')" for key in ("artist", "title", "album", "genre")), "r.file_name"]
    )
    columns = ["recording_id", "file_path", "file_name", *texts, *numbers, "status", "tracklist_status"]
    columns += ["search_text", "created_at", "updated_at"]
    values = ["r.id", "r.file_path", "r.file_name", *(_value(key) for key in texts)]
    values += [f"CAST({_value(key)} AS DOUBLE PRECISION)" for key in numbers]
    values += [status, _value("tracklist_status"), f"lower({search})", "r.created_at", "CURRENT_TIMESTAMP"]
    return f"INSERT INTO library ({', '.join(columns)}) SELECT {', '.join(values)} FROM recordings r"


def upgrade() -> None:
    op.create_table(
        "library",
        sa.Column("recording_id", sa.Uuid(), nullable=False),
        sa.Column("file_path", sa.Text(), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("artist", sa.Text(), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("album", sa.Text(), nullable=True),
        sa.Column("genre", sa.Text(), nullable=True),
        sa.Column("duration", sa.Double(), nullable=True),
        sa.Column("bpm", sa.Double(), nullable=True),
        sa.Column("key", sa.Text(), nullable=True),
        sa.Column("scale", sa.Text(), nullable=True),
        sa.Column("camelot", sa.Text(), nullable=True),
        sa.Column("open_key", sa.Text(), nullable=True),
        sa.Column("mood", sa.Text(), nullable=True),
        sa.Column("energy", sa.Double(), nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("analysis_error", sa.Text(), nullable=True),
        sa.Column("tracklist_status", sa.Text(), nullable=True),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("recording_id", name=op.f("pk_library")),
        sa.ForeignKeyConstraint(
            ["recording_id"], ["recordings.id"], name=op.f("fk_library_recording_id_recordings"), ondelete="CASCADE"
        ),
        sa.CheckConstraint(
            "status IN ('cataloged', 'analysed', 'failed', 'missing')", name=op.f("ck_library_status")
        ),
    )
    for column in INDEXED:
        op.create_index(f"idx_library_{column}", "library", [column, "recording_id"])
    op.create_index("idx_files_recording_id_status", "files", ["recording_id", "status"])
    op.execute(_backfill())


def downgrade() -> None:
    op.drop_index("idx_files_recording_id_status", table_name="files")
    for column in reversed(INDEXED):
        op.drop_index(f"idx_library_{column}", table_name="library")
    op.drop_table("library")
