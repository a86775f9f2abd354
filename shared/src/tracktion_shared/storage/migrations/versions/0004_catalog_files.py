"""The catalog's files: every path the catalog knows, what it holds, and whether it is still there.

A recording is content (its hashes); a file is a place. One recording can sit at several paths (copies), a file can
vanish and come back, and a file can be unreadable and so have no recording at all. ``size``/``mtime`` let a rescan
skip files that did not change; ``last_scan_id`` tells which files the latest scan of a folder saw.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "files",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("recording_id", sa.Uuid(), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("mtime", sa.Double(), nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("last_scan_id", sa.Uuid(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_files")),
        sa.UniqueConstraint("path", name=op.f("uq_files_path")),
        sa.ForeignKeyConstraint(
            ["recording_id"],
            ["recordings.id"],
            name=op.f("fk_files_recording_id_recordings"),
            ondelete="SET NULL",
        ),
        sa.CheckConstraint("status IN ('present', 'missing', 'failed')", name=op.f("ck_files_status")),
    )
    op.create_index("idx_files_recording_id", "files", ["recording_id"])
    op.create_index("idx_files_status", "files", ["status"])
    op.create_index("idx_files_last_scan_id", "files", ["last_scan_id"])


def downgrade() -> None:
    op.drop_index("idx_files_last_scan_id", table_name="files")
    op.drop_index("idx_files_status", table_name="files")
    op.drop_index("idx_files_recording_id", table_name="files")
    op.drop_table("files")
