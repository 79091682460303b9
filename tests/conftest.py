"""Shared test fixtures.

Public benchmark data and the Beijing OSM extract live beside the checkout in
``../shared/data`` and are read in place; tests that need them skip when it is absent.
"""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
BEIJING_OSM = SHARED_DATA / "osm" / "beijing_haidian_xueyuanlu.osm"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data``; skips the test when it is not there."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not beside this checkout")
    return SHARED_DATA


@pytest.fixture(scope="session")
def beijing_osm(shared_data: Path) -> Path:
    """The real Beijing (Haidian, Xueyuan Road) OSM XML extract."""
    if not BEIJING_OSM.is_file():
        pytest.skip(f"{BEIJING_OSM} is missing")
    return BEIJING_OSM
