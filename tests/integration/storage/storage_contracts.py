"""Borrow the contract tests of tests/unit/storage, so a module here runs them against PostgreSQL.

The contract modules there reach the database only through the ``database_url`` and ``database`` fixtures. Test
functions are collected from whichever module holds them, and take that module's fixtures, so re-exporting them from
a module in this directory runs the very same bodies on this directory's PostgreSQL fixtures. Imported, not
copied: the contract cannot drift apart between the two backends.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any

UNIT_STORAGE_TESTS = Path(__file__).resolve().parents[2] / "unit" / "storage"


def contract_tests(module_name: str) -> dict[str, Any]:
    """The ``test_*`` functions of ``tests/unit/storage/<module_name>.py``, for ``globals().update(...)``."""
    if str(UNIT_STORAGE_TESTS) not in sys.path:
        sys.path.insert(0, str(UNIT_STORAGE_TESTS))  # as pytest itself does when it collects that directory
    module = importlib.import_module(module_name)
    return {name: value for name, value in vars(module).items() if name.startswith("test_")}
