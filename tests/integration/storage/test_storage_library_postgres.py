"""The library read-model contract (tests/unit/storage/test_storage_library.py), run on PostgreSQL."""

from __future__ import annotations

import pytest
from storage_contracts import contract_tests

pytestmark = pytest.mark.postgres

globals().update(contract_tests("test_storage_library"))
