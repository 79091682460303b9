"""The instant dispatcher: one rolling-horizon wave decision for every caller.

Used by the Grubhub replay (:mod:`scenarios.grubhub_dispatcher` is its adapter) and by
the engine's live re-planning.  Layer-neutral: its own input types, places as integers
``0..n-1`` with travel minutes between them given as a function or a matrix, every time
in minutes (``*_min``).

* :class:`InstantOrder`, :class:`InstantCourier`, :class:`InstantRules`: the input;
  :data:`TravelMinutes` / :class:`MatrixTravel`: travel minutes between places.
* :class:`InstantPolicy`: how the waves work (the Grubhub policy JSON's fields).
* :func:`decide_wave` -> :class:`WaveDecision` of :class:`Assignment`: bundles matched to
  couriers, each with the time it must be committed by (:meth:`Assignment.due`).
"""

from __future__ import annotations

from solvers.instant_dispatch.policy import MAX_BUNDLE, MAX_WAVE_SEARCH_S, InstantPolicy
from solvers.instant_dispatch.types import (
    InstantCourier,
    InstantOrder,
    InstantRules,
    MatrixTravel,
    MinutesArray,
    PlaceArray,
    TravelMinutes,
    validate_wave_input,
)
from solvers.instant_dispatch.wave import (
    COST_RESOLUTION,
    SERVE_REWARD_MIN,
    Assignment,
    CandidateBundle,
    WaveDecision,
    candidate_bundles,
    decide_wave,
    in_horizon,
)

__all__ = [
    "COST_RESOLUTION",
    "MAX_BUNDLE",
    "MAX_WAVE_SEARCH_S",
    "SERVE_REWARD_MIN",
    "Assignment",
    "CandidateBundle",
    "InstantCourier",
    "InstantOrder",
    "InstantPolicy",
    "InstantRules",
    "MatrixTravel",
    "MinutesArray",
    "PlaceArray",
    "TravelMinutes",
    "WaveDecision",
    "candidate_bundles",
    "decide_wave",
    "in_horizon",
    "validate_wave_input",
]
