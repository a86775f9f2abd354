"""Fixtures for the analysis unit tests (defined in :mod:`analysis_clips`)."""

from __future__ import annotations

from analysis_clips import clip

__all__ = ["clip"]
