"""Slot counters by date (issue 16): the engine's clock starts again at every midnight,
so a slot is its date and time of day.  18:00 on Monday and 18:00 on Tuesday are two
slots; Tuesday 11:00 booked on Monday (``35 h`` on Monday's clock) and on Tuesday
(``11 h``) is one.  Revision ``0003_slot_day`` moves a store's counters to these keys,
tested from a database at revision 0002 on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from alembic import command

from dispatch import Engine, FulfilmentMode
from dispatch.store import CapacityFullError, head_revision
from dispatch.store.migrate import _config
from dispatch.store.schema import capacity_usage, day_time, plan_clock_s
from tests.dispatch.engine_helpers import small_world
from tests.dispatch.helpers import H, line
from tests.dispatch.test_engine_reliability import scheduled_payload

MONDAY = date(2026, 12, 7)
TUESDAY = date(2026, 12, 8)


class Calendar:
    """The engine's day, turned by the test."""

    def __init__(self, day: date) -> None:
        self.day = day

    def __call__(self) -> date:
        return self.day


def _remaining(engine: Engine, start_s: float) -> int:
    quote = engine.quote("b1", [line("mw1", "milk")], "m1", at_s=10 * H)
    (slot,) = [
        s
        for s in quote.of(FulfilmentMode.SCHEDULED)
        if s.window is not None and s.window.start_s == start_s
    ]
    return slot.remaining if slot.remaining is not None else -1


def test_day_time_keys_are_dates_and_times_of_day() -> None:
    assert day_time(11 * H, MONDAY) == "2026-12-07+39600.0"
    assert day_time(35 * H, MONDAY) == day_time(11 * H, TUESDAY) == "2026-12-08+39600.0"
    assert day_time(-1 * H, TUESDAY) == "2026-12-07+82800.0"
    assert plan_clock_s("2026-12-08+39600.0", MONDAY) == 35 * H
    assert plan_clock_s("2026-12-08+39600.0", TUESDAY) == 11 * H
    assert plan_clock_s("39600.0", TUESDAY) == 11 * H  # undated: a plan-clock time


def test_the_same_time_on_another_day_is_another_slot(store_url: str) -> None:
    calendar = Calendar(MONDAY)
    with Engine.open(store_url, small_world(), clock=lambda: 10 * H, day=calendar) as engine:
        for k in range(20):
            engine.submit(scheduled_payload(f"mon{k}"))
        assert _remaining(engine, 11 * H) == 0
        with pytest.raises(CapacityFullError):
            engine.submit(scheduled_payload("mon-extra"))
        # Booked on Monday for Tuesday 11:00 (35 h on Monday's clock).
        engine.submit(scheduled_payload("for-tue", start_s=35 * H))
        calendar.day = TUESDAY
        # Before: Monday's full 11:00 counter was Tuesday's too.
        assert _remaining(engine, 11 * H) == 19
        assert engine.submit(scheduled_payload("tue0")).stored
        assert engine.store.usage(TUESDAY).slots[("mw1", 11 * H)] == 2
        assert engine.store.usage(MONDAY).slots[("mw1", 11 * H)] == 20
        # Cancelling Monday's order on Tuesday frees Monday's slot, not Tuesday's.
        engine.cancel("for-tue")
        assert engine.store.usage(TUESDAY).slots[("mw1", 11 * H)] == 1
        engine.cancel("mon0")
        assert engine.store.usage(MONDAY).slots[("mw1", 11 * H)] == 19


def test_upgrade_from_0002_keys_the_counters_by_date(store_url: str) -> None:
    with Engine.open(store_url, small_world(), clock=lambda: 10 * H) as engine:
        for k in range(3):
            engine.submit(scheduled_payload(f"s{k}"))
        engine.submit(scheduled_payload("late", start_s=35 * H))
        engine.cancel("s2")
        with engine.store._engine.begin() as conn:
            config = _config(conn)
            command.downgrade(config, "0002")
        with engine.store._tx() as conn:
            keys = dict(conn.execute(sa.select(capacity_usage.c.key, capacity_usage.c.used)).all())
            columns = {c["name"] for c in sa.inspect(conn).get_columns("orders")}
        # Revision 0002's keys: plan-clock seconds, no date, no plan_day column.
        assert keys == {"mw1@39600.0": 2, "mw1@126000.0": 1}
        assert "plan_day" not in columns
    with Engine.open(store_url, small_world(), clock=lambda: 10 * H) as upgraded:
        assert upgraded.store.migrate() == head_revision()
        with upgraded.store._tx() as conn:
            rows = conn.execute(sa.text("SELECT id, plan_day FROM orders ORDER BY id")).all()
            keys = dict(conn.execute(sa.select(capacity_usage.c.key, capacity_usage.c.used)).all())
        days = {str(day) for _, day in rows}
        assert len(days) == 1 and None not in days  # every row dated (its received day)
        (day,) = days
        tomorrow = date.fromordinal(date.fromisoformat(day[:10]).toordinal() + 1)
        assert keys == {
            f"mw1@{day[:10]}+39600.0": 2,
            f"mw1@{tomorrow.isoformat()}+39600.0": 1,
        }
        today = date.fromisoformat(day[:10])
        assert upgraded.store.usage(today).slots[("mw1", 11 * H)] == 2
        assert upgraded.store.usage(tomorrow).slots[("mw1", 11 * H)] == 1
