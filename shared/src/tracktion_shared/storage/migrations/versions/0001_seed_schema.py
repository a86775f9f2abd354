"""Seed schema: recordings, their tracklists and their key/value metadata.

Revision ID: 0001
Revises:
Create Date: 2024-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "recordings",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("file_path", sa.Text(), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("sha256_hash", sa.String(length=64), nullable=True),
        sa.Column("xxh128_hash", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recordings")),
        sa.UniqueConstraint("sha256_hash", name=op.f("uq_recordings_sha256_hash")),
        sa.UniqueConstraint("xxh128_hash", name=op.f("uq_recordings_xxh128_hash")),
    )
    op.create_table(
        "tracklists",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("recording_id", sa.Uuid(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("cue_file_path", sa.Text(), nullable=True),
        sa.Column("tracks", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracklists")),
        sa.ForeignKeyConstraint(
            ["recording_id"],
            ["recordings.id"],
            name=op.f("fk_tracklists_recording_id_recordings"),
            ondelete="CASCADE",
        ),
    )
    op.create_table(
        "metadata",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("recording_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_metadata")),
        sa.ForeignKeyConstraint(
            ["recording_id"],
            ["recordings.id"],
            name=op.f("fk_metadata_recording_id_recordings"),
            ondelete="CASCADE",
        ),
        # one value per key and recording: lets writes upsert, so repeating one is harmless
        sa.UniqueConstraint("recording_id", "key", name=op.f("uq_metadata_recording_id_key")),
    )
    op.create_index("idx_metadata_recording_id", "metadata", ["recording_id"])
    op.create_index("idx_metadata_key", "metadata", ["key"])


def downgrade() -> None:
    op.drop_index("idx_metadata_key", table_name="metadata")
    op.drop_index("idx_metadata_recording_id", table_name="metadata")
    op.drop_table("metadata")
    op.drop_table("tracklists")
    op.drop_table("recordings")
