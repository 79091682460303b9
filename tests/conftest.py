"""Shared test fixtures.

Public benchmark data and the Beijing OSM extract live beside the checkout in
``../shared/data`` and are read in place; tests that need them skip when it is absent.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Property-based tests (marker ``property``) take their example counts from a hypothesis
# profile: ``ci`` (the default test run, a bounded number of cases) or ``fuzz`` (``./run
# fuzz``: long campaigns, at least 10,000 cases per input kind).  A test that sets its own
# ``max_examples`` overrides the profile, so property tests of input kinds leave it unset.
settings.register_profile(
    "ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "fuzz",
    # FUZZ_EXAMPLES (./run fuzz --examples N) sets another count for a shorter campaign.
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "10000")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    print_blob=True,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

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
