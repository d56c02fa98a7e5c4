from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.contract.harness import HARNESSES, Harness


@pytest.fixture(params=HARNESSES, ids=lambda h: h.platform)
def harness(request: pytest.FixtureRequest, database_url: str, tmp_path: Path) -> Iterator[Harness]:
    h: Harness = request.param(database_url, tmp_path)
    yield h
    h.close()
