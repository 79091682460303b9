"""The instant dispatcher on small hand-made waves whose right decision is known."""

from __future__ import annotations

import numpy as np
import pytest

from solvers.errors import InvalidInputError
from solvers.instant_dispatch import (
    InstantCourier,
    InstantOrder,
    InstantPolicy,
    InstantRules,
    MatrixTravel,
    candidate_bundles,
    decide_wave,
    in_horizon,
)

RULES = InstantRules(pickup_service_min=4.0, dropoff_service_min=4.0, target_click_to_door_min=40.0)


def line_travel(*positions_min: float) -> MatrixTravel:
    """Places on a line, travel = |difference| minutes."""
    p = np.array(positions_min)
    return MatrixTravel(np.abs(p[:, None] - p[None, :]))


def test_nearest_courier_takes_the_order() -> None:
    # Place 0: restaurant at 0; 1: door at 10; 2: courier near (3); 3: courier far (20).
    travel = line_travel(0, 10, 3, 20)
    order = InstantOrder("o1", 0, 0.0, 5.0, 1)
    couriers = [InstantCourier("far", 3, 0.0, 600.0), InstantCourier("near", 2, 0.0, 600.0)]
    decision = decide_wave(
        0.0, [order], couriers, travel=travel, rules=RULES, policy=InstantPolicy()
    )
    assert [(a.courier_id, a.order_ids) for a in decision.assignments] == [("near", ("o1",))]
    a = decision.assignments[0]
    # Leaves now, 3 min to the restaurant, pickup when ready (5 >= 3 + 2), leaves at 7,
    # door after 10 min + 2: drop-off 19.
    assert (a.depart_min, a.arrive_min, a.pickup_min) == (0.0, 3.0, 5.0)
    assert a.drop_offsets_min == (12.0,)
    assert a.end_offset_min == 14.0
    # The latest departure that still picks up at ready time: 5 - 2 - 3 = 0.
    assert a.commit_by_min == 0.0
    assert a.due(0.0, 2.0)  # leaving at the next wave (2) would pick up at 7 > 5
    assert decision.run is not None


def test_later_ready_order_is_not_due_yet() -> None:
    travel = line_travel(0, 10, 3)
    order = InstantOrder("o1", 0, 0.0, 15.0, 1)
    (a,) = decide_wave(
        0.0,
        [order],
        [InstantCourier("c", 2, 0.0, 600.0)],
        travel=travel,
        rules=RULES,
        policy=InstantPolicy(),
    ).assignments
    assert a.commit_by_min == 10.0  # 15 - 2 - 3
    assert not a.due(0.0, 2.0)
    # The same pair decided at minute 9 is due: waiting to 11 would be too late.
    (b,) = decide_wave(
        9.0,
        [order],
        [InstantCourier("c", 2, 0.0, 600.0)],
        travel=travel,
        rules=RULES,
        policy=InstantPolicy(),
    ).assignments
    assert b.due(9.0, 2.0)


def test_two_orders_of_one_restaurant_bundle_in_best_drop_sequence() -> None:
    # Restaurant 0 at 0; doors at 10 (place 1) and 5 (place 2); one courier at 0 (place 3).
    travel = line_travel(0, 10, 5, 0)
    orders = [InstantOrder("far", 0, 0.0, 2.0, 1), InstantOrder("near", 0, 0.0, 2.0, 2)]
    bundles = candidate_bundles(orders, travel, RULES, max_bundle=2)
    pair = [b for b in bundles if len(b.orders) == 2]
    assert len(bundles) == 3 and len(pair) == 1
    # Near door first: 5 + 2 = 7, then 2 + 5 + 2 = 16 (the other way: 12 and 21).
    assert pair[0].orders == (1, 0)
    assert pair[0].drop_offsets_min == (7.0, 16.0)
    (a,) = decide_wave(
        0.0,
        orders,
        [InstantCourier("c", 3, 0.0, 600.0)],
        travel=travel,
        rules=RULES,
        policy=InstantPolicy(),
    ).assignments
    assert a.order_ids == ("near", "far")  # one courier: both orders in one trip
    one = decide_wave(
        0.0,
        orders,
        [InstantCourier("c", 3, 0.0, 600.0)],
        travel=travel,
        rules=RULES,
        policy=InstantPolicy(max_bundle=1),
    ).assignments
    assert len(one) == 1 and len(one[0].order_ids) == 1  # no bundling: one order now


def test_courier_off_shift_or_busy_is_not_used() -> None:
    travel = line_travel(0, 10, 1)
    order = InstantOrder("o1", 0, 0.0, 5.0, 1)
    couriers = [
        InstantCourier("ended", 2, 0.0, 4.0),  # cannot pick up at 5: shift ends at 4
        InstantCourier("busy", 2, 30.0, 600.0),  # free only at 30, after the next wave
    ]
    decision = decide_wave(
        0.0, [order], couriers, travel=travel, rules=RULES, policy=InstantPolicy()
    )
    assert decision.assignments == ()


def test_orders_beyond_the_horizon_wait() -> None:
    order = InstantOrder("o1", 0, 0.0, 30.0, 1)
    policy = InstantPolicy(horizon_min=20.0)
    assert not in_horizon(order, 0.0, policy)
    assert in_horizon(order, 10.0, policy)
    decision = decide_wave(
        0.0,
        [order],
        [InstantCourier("c", 2, 0.0, 600.0)],
        travel=line_travel(0, 10, 1),
        rules=RULES,
        policy=policy,
    )
    assert decision.assignments == ()


def test_an_order_from_the_future_is_refused() -> None:
    order = InstantOrder("o1", 0, 5.0, 10.0, 1)
    with pytest.raises(InvalidInputError, match=r"orders\[0\]\.placement_min"):
        decide_wave(
            0.0,
            [order],
            [InstantCourier("c", 2, 0.0, 600.0)],
            travel=line_travel(0, 10, 1),
            rules=RULES,
            policy=InstantPolicy(),
        )


@pytest.mark.parametrize(
    ("orders", "couriers", "field"),
    [
        ([InstantOrder("o", 0, 0.0, 1.0, 7)], [], r"orders\[0\]"),
        ([InstantOrder("o", 0, 0.0, 1.0, 1)] * 2, [], r"orders\[1\]\.id"),
        ([], [InstantCourier("c", 9, 0.0, 1.0)], r"couriers\[0\]\.place"),
        ([], [InstantCourier("c", 0, float("nan"), 1.0)], r"couriers\[0\]"),
    ],
)
def test_bad_input_names_the_field(
    orders: list[InstantOrder], couriers: list[InstantCourier], field: str
) -> None:
    with pytest.raises(InvalidInputError, match=field):
        decide_wave(
            0.0,
            orders,
            couriers,
            travel=line_travel(0, 10, 1),
            rules=RULES,
            policy=InstantPolicy(),
        )


def test_matrix_and_rules_are_validated() -> None:
    with pytest.raises(InvalidInputError, match="square"):
        MatrixTravel(np.zeros((2, 3)))
    with pytest.raises(InvalidInputError, match="finite"):
        MatrixTravel(np.array([[0.0, -1.0], [1.0, 0.0]]))
    with pytest.raises(InvalidInputError, match=r"rules\.pickup_service_min"):
        InstantRules(pickup_service_min=-1.0, dropoff_service_min=0.0, target_click_to_door_min=1.0)
    with pytest.raises(InvalidInputError, match=r"InstantPolicy\.max_bundle"):
        InstantPolicy(max_bundle=0)


def test_pay_weight_sends_the_order_to_a_courier_under_guarantee() -> None:
    rules = InstantRules(4.0, 4.0, 40.0, pay_per_order=10.0)
    # Restaurant 0 at 0, door at 10; "paid" at 2 is above its guarantee (every order
    # costs 10), "free" at 3 is below it (the order costs nothing more).
    travel = line_travel(0, 10, 2, 3)
    order = InstantOrder("o1", 0, 0.0, 0.0, 1)
    couriers = [
        InstantCourier("paid", 2, 0.0, 600.0, delivered_orders=9, guaranteed_orders=6.0),
        InstantCourier("free", 3, 0.0, 600.0, delivered_orders=2, guaranteed_orders=6.0),
    ]

    def chosen(pay_weight: float) -> str:
        policy = InstantPolicy(pay_weight=pay_weight)
        decision = decide_wave(0.0, [order], couriers, travel=travel, rules=rules, policy=policy)
        (a,) = decision.assignments
        return a.courier_id

    assert chosen(0.0) == "paid"  # one minute sooner at the door
    assert chosen(0.3) == "free"  # 10 of pay is worth 3 minutes: more than the one minute


def test_courier_time_weight_bundles_to_save_a_trip() -> None:
    # Two orders of restaurant 0 for doors at the same spot, two idle couriers there.
    # Singles: both at the door at 16; a bundle: 16 and 20 (4 customer minutes more)
    # but one courier busy 18 minutes instead of two busy 18 each (14 courier minutes
    # less).
    travel = line_travel(0, 10, 10, 0, 0)
    orders = [InstantOrder("a", 0, 0.0, 2.0, 1), InstantOrder("b", 0, 0.0, 2.0, 2)]
    couriers = [InstantCourier("c1", 3, 0.0, 600.0), InstantCourier("c2", 4, 0.0, 600.0)]

    def trips(weight: float) -> list[tuple[str, ...]]:
        # The old objective's knob (serve every order now): the deferred objective's
        # estimates leave the courier's time out.
        policy = InstantPolicy(courier_time_weight=weight, defer_objective=0)
        decision = decide_wave(0.0, orders, couriers, travel=travel, rules=RULES, policy=policy)
        return sorted(a.order_ids for a in decision.assignments)

    assert trips(0.0) == [("a",), ("b",)]
    assert trips(0.5) == [("a", "b")]
