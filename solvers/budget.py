"""One wall-clock budget per call, shared out among the call's parts by one rule.

A call (a solve, a plan, a re-plan) gets ``time_limit_s``; it makes a :class:`Budget`
when it starts, and every part it runs in turn (a flow, a zone, the pickup-point
assignment, the search inside a solve) gets a :meth:`Budget.part`: **the time left, in
proportion to the part's weight over the weight of the parts still to come**.  Time a
part does not use is left for the parts after it, building matrices or models counts
against the part that does it, and the last part gets all that is left.  So the call
ends within its budget, give or take the short floor :data:`MIN_PART_S` that a solver
needs to return at all.

Weights are the parts' sizes (orders, tasks); a caller states its weights where it
splits, so the rule stays one rule.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import accumulate
from time import perf_counter

from solvers.errors import InvalidInputError
from solvers.params import SolveParams

MIN_PART_S = 0.05
"""The least time a part gets even when the budget is spent, seconds: a solver needs a
few milliseconds to return the first solution it has."""


@dataclass(frozen=True, slots=True)
class Budget:
    """A deadline on the :func:`time.perf_counter` clock (system-wide, so a deadline
    holds in worker processes too).

    Attributes:
        deadline_s: when the call must be done, ``perf_counter()`` seconds.
    """

    deadline_s: float

    @classmethod
    def start(cls, time_limit_s: float) -> Budget:
        """A budget of ``time_limit_s`` seconds from now.

        Raises:
            InvalidInputError: ``time_limit_s`` is not a finite number > 0.
        """
        if not (
            isinstance(time_limit_s, int | float)
            and not isinstance(time_limit_s, bool)
            and math.isfinite(time_limit_s)
            and time_limit_s > 0
        ):
            raise InvalidInputError(
                "time_limit_s", f"must be a finite number > 0, got {time_limit_s!r}"
            )
        return cls(perf_counter() + float(time_limit_s))

    def remaining_s(self) -> float:
        """Seconds left (0 once the deadline has passed)."""
        return max(0.0, self.deadline_s - perf_counter())

    def part(self, weight: float, weight_left: float) -> Budget:
        """The budget of the next part: the time left times ``weight / weight_left``.

        ``weight_left`` is the weight of this part and of every part still to come, so
        the last part (``weight == weight_left``) gets all that is left.  At least
        :data:`MIN_PART_S`.

        Raises:
            InvalidInputError: ``weight`` is negative or ``weight_left`` below it.
        """
        if not (0 <= weight <= weight_left) or not math.isfinite(weight_left):
            raise InvalidInputError(
                "Budget.part", f"needs 0 <= weight <= weight_left, got {weight!r}, {weight_left!r}"
            )
        share = 1.0 if weight_left == 0 else weight / weight_left
        now = perf_counter()
        left = max(0.0, self.deadline_s - now)
        return Budget(now + max(MIN_PART_S, left * share))

    def shares(self, weights: Sequence[float]) -> Iterator[Budget]:
        """The budgets of parts run in turn with these weights, one per ``next()``.

        Lazy: each part's budget is cut (:meth:`part`) when it is asked for, so time the
        parts before it did not use is shared among it and the rest.  A caller may stop
        early (parts it does not run take nothing).
        """
        # Sums of the weights still to come, added from the last: each is at least its own
        # weight in float arithmetic too (subtracting from the total would drift below).
        left = list(accumulate(reversed([float(w) for w in weights])))[::-1]
        for weight, weight_left in zip(weights, left, strict=True):
            yield self.part(weight, weight_left)

    def params(self, params: SolveParams) -> SolveParams:
        """``params`` with the time left as their ``time_limit_s`` (at least
        :data:`MIN_PART_S`), for a solver run that ends this budget's part."""
        return dataclasses.replace(params, time_limit_s=max(MIN_PART_S, self.remaining_s()))
