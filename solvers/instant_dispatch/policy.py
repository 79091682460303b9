"""How the instant dispatcher works: the policy of its waves (all times in minutes).

The fields and their JSON names are those of the Grubhub replay's policy files
(``dispatch replay-grubhub --policy``), which read into this class.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from core.bounds import bounded, check_bounds
from core.errors import InvalidInputError
from core.limits import DAY_S, MAX_COURIERS, MAX_GRUBHUB_MINUTES, MAX_GRUBHUB_RATE, MIN_WAVE_S

# Most orders of one pickup place in a trip (their delivery orders are all tried), and
# the CP-SAT seconds per wave, that a policy may ask for.
MAX_BUNDLE = 6  # delivery orders are enumerated: 6! = 720
MAX_WAVE_SEARCH_S = 3600.0


@dataclass(frozen=True)
class InstantPolicy:
    """How the rolling-horizon instant dispatcher works.

    Attributes:
        wave_min: minutes between dispatch waves.
        horizon_min: orders ready within this many minutes of a wave are considered.
        max_bundle: most orders of one pickup place in one trip (1 = no bundling).
        courier_candidates: couriers considered per bundle (those arriving first).
        overage_weight: extra cost per click-to-door minute beyond the target.
        age_weight: reward per minute an order has waited since placement (serves the
            oldest orders first when couriers are scarce).
        commit_slack_min: commit a chosen pair this many minutes earlier than the rule
            "one more wave could delay the pickup" says (negative: later).
        lookahead_min: couriers who finish their trip within this many minutes (or by
            the next wave) are candidates; a pair with such a courier is its next trip
            (with ``commit_at_departure`` it is committed only when the courier leaves;
            15 was chosen on the shared Grubhub half together with it).
        wave_search_s: the budget of one wave's decision, seconds: CP-SAT's
            deterministic time limit (reproducible), and the wall-clock limit of the whole
            wave (building the candidate bundles counts against it; CP-SAT gets what is
            left), so a wave never runs past it on a loaded machine either.
        pay_weight: click-to-door minutes one unit of courier pay is worth: a pair
            costs ``pay_weight`` times the pay it adds (``rules.pay_per_order`` for each
            order beyond the courier's guaranteed orders), so orders go to couriers
            still under their guarantee unless that costs the customer more minutes.
            The trade-off knob between click-to-door time and cost per order (0: pay
            is ignored; the default 0.1 was chosen on the shared Grubhub half: most of
            the cost saving of larger settings at a tenth of a minute).
        courier_time_weight: cost per minute a pair keeps its courier busy (from leaving
            for the pickup to leaving the last door): values the couriers' time for the
            orders still to come, so bundles that save a trip win when couriers are
            scarce (0: only the customers' minutes count).
        commit_at_departure: 1 to commit a chosen pair only at the last wave before its
            courier must leave (the later of when it is free and the commit-by time), so
            a busy courier's next trip stays open, and its orders and the courier stay in
            play, until the courier is free; 0 for the old rule (commit as soon as
            waiting one more wave could delay the pickup, which fixes a busy courier's
            next trip as soon as the order is late).
        defer_objective: 1 to weigh serving an order at this wave against its estimated
            cost if left for a later wave (alone, with the courier that would bring it
            first when leaving at the next wave or when free, busy or not), so that a
            wave minimises the click-to-door of every order it considers, served or
            not, and does not bundle, or send a far courier, only to serve more orders
            now; 0 for the old objective (serve as many orders as possible now, with
            ``age_weight``; the default: the deferred objective did not beat it on
            the measured subset of the shared Grubhub half).
        defer_penalty_min: minutes added to an order's deferred estimate (its risk:
            the courier it counts on may be given other work); large values serve
            everything now, as the old objective.
        greedy_hint: 1 to start CP-SAT from the greedy choice, 0 not to (the greedy
            choice still answers when CP-SAT finds nothing within the wave's budget).
    """

    wave_min: float = bounded(2.0, ge=MIN_WAVE_S / 60, le=DAY_S / 60)
    horizon_min: float = bounded(20.0, ge=0, le=MAX_GRUBHUB_MINUTES)
    max_bundle: int = bounded(3, ge=1, le=MAX_BUNDLE)
    courier_candidates: int = bounded(8, ge=1, le=MAX_COURIERS)
    overage_weight: float = bounded(2.0, ge=0, le=MAX_GRUBHUB_RATE)
    age_weight: float = bounded(2.0, ge=0, le=MAX_GRUBHUB_RATE)
    commit_slack_min: float = bounded(0.0, ge=-MAX_GRUBHUB_MINUTES, le=MAX_GRUBHUB_MINUTES)
    lookahead_min: float = bounded(15.0, ge=0, le=MAX_GRUBHUB_MINUTES)
    wave_search_s: float = bounded(0.5, gt=0, le=MAX_WAVE_SEARCH_S)
    pay_weight: float = bounded(0.1, ge=0, le=MAX_GRUBHUB_RATE)
    courier_time_weight: float = bounded(0.0, ge=0, le=MAX_GRUBHUB_RATE)
    greedy_hint: int = bounded(1, ge=0, le=1)
    commit_at_departure: int = bounded(1, ge=0, le=1)
    defer_objective: int = bounded(0, ge=0, le=1)
    defer_penalty_min: float = bounded(2.0, ge=0, le=MAX_GRUBHUB_MINUTES)

    def __post_init__(self) -> None:
        # The ranges first (core.limits): a wave under a second would mean millions of
        # waves a day.
        check_bounds(self, "InstantPolicy")
        if not (math.isfinite(self.wave_min) and self.wave_min > 0):
            raise InvalidInputError("wave_min", f"must be > 0, got {self.wave_min}")
        if not (math.isfinite(self.horizon_min) and self.horizon_min >= 0):
            raise InvalidInputError("horizon_min", f"must be >= 0, got {self.horizon_min}")
        if self.max_bundle < 1:
            raise InvalidInputError("max_bundle", f"must be >= 1, got {self.max_bundle}")
        if self.courier_candidates < 1:
            raise InvalidInputError(
                "courier_candidates", f"must be >= 1, got {self.courier_candidates}"
            )
        if not (math.isfinite(self.overage_weight) and self.overage_weight >= 0):
            raise InvalidInputError("overage_weight", f"must be >= 0, got {self.overage_weight}")
        if not (math.isfinite(self.age_weight) and self.age_weight >= 0):
            raise InvalidInputError("age_weight", f"must be >= 0, got {self.age_weight}")
        if not math.isfinite(self.commit_slack_min):
            raise InvalidInputError("commit_slack_min", "must be a finite number")
        if not (math.isfinite(self.lookahead_min) and self.lookahead_min >= 0):
            raise InvalidInputError("lookahead_min", f"must be >= 0, got {self.lookahead_min}")
        if not (math.isfinite(self.wave_search_s) and self.wave_search_s > 0):
            raise InvalidInputError("wave_search_s", f"must be > 0, got {self.wave_search_s}")
