"""Side-by-side comparison of replays under several policies: a table and three figures.

:func:`series_of_day` and :func:`series_of_grubhub` reduce a replay to what the
comparison needs (:class:`ReplaySeries`); :func:`comparison_rows` gives the table and
:func:`comparison_figures` three matplotlib figures (orders over time, the click-to-door
distribution, courier utilisation).  Nothing here writes files: the caller saves them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from scenarios.grubhub import GrubhubInstance
from scenarios.grubhub_outcome import GrubhubReplay
from scenarios.replay import DayReplay

TABLE_KEYS = (
    "orders_total",
    "delivered",
    "collected",
    "unassigned",
    "late",
    "click_to_door_mean_min",
    "click_to_door_p90_min",
    "courier_utilisation_pct",
)


@dataclass(frozen=True)
class ReplaySeries:
    """One policy's replay as the comparison sees it (times in minutes of the day)."""

    label: str
    kpis: dict[str, Any]
    created_min: tuple[float, ...]
    done_min: tuple[float, ...]
    click_to_door_min: tuple[float, ...]
    utilisation_pct: float | None


def series_of_day(label: str, day: DayReplay) -> ReplaySeries:
    """The comparison's view of a day replay."""
    delivered = [o for o in day.outcomes if o.delivered_s is not None]
    return ReplaySeries(
        label,
        dict(day.kpis),
        tuple(o.created_s / 60.0 for o in day.outcomes),
        tuple(sorted((o.delivered_s or 0.0) / 60.0 for o in delivered)),
        tuple(((o.delivered_s or 0.0) - o.created_s) / 60.0 for o in delivered),
        day.kpis.get("courier_utilisation_pct"),
    )


def series_of_grubhub(label: str, instance: GrubhubInstance, replay: GrubhubReplay) -> ReplaySeries:
    """The comparison's view of a Grubhub replay."""
    kpis = replay.to_json()["kpis"]
    return ReplaySeries(
        label,
        kpis,
        tuple(o.placement_min for o in instance.orders),
        tuple(sorted(d.dropoff_min for d in replay.deliveries)),
        tuple(d.click_to_door_min for d in replay.deliveries),
        replay.metrics.courier_utilisation_pct,
    )


def comparison_rows(series: Sequence[ReplaySeries]) -> list[tuple[str, list[str]]]:
    """One row per KPI: its name and the value under each policy."""
    rows: list[tuple[str, list[str]]] = []
    for key in TABLE_KEYS:
        values = []
        for s in series:
            value = s.kpis.get(key)
            if value is None:
                values.append("-")
            elif isinstance(value, float):
                values.append(f"{value:.2f}")
            else:
                values.append(str(value))
        rows.append((key, values))
    if any("returns" in s.kpis for s in series):  # days with returns (scenarios.replay)
        for key in ("returns_total", "returns_collected", "returns_on_time", "on_time_pct"):
            cells = [s.kpis.get("returns", {}).get(key) for s in series]
            rows.append(
                (
                    f"returns {key.removeprefix('returns_')}",
                    [
                        "-" if v is None else f"{v:.2f}" if isinstance(v, float) else str(v)
                        for v in cells
                    ],
                )
            )
    return rows


def comparison_figures(series: Sequence[ReplaySeries]) -> dict[str, Figure]:
    """``orders_over_time``, ``click_to_door`` and ``utilisation`` figures."""
    over_time = Figure(figsize=(8, 4.5))
    ax = over_time.add_subplot()
    for s in series:
        created = np.sort(np.array(s.created_min))
        ax.step(
            created / 60.0, np.arange(1, created.size + 1), where="post", label=f"{s.label}: placed"
        )
        done = np.array(s.done_min)
        ax.step(
            done / 60.0, np.arange(1, done.size + 1), where="post", label=f"{s.label}: delivered"
        )
    ax.set_xlabel("hour of the day")
    ax.set_ylabel("orders (cumulative)")
    ax.set_title("Orders over time")
    ax.legend(fontsize="small")
    ctd = Figure(figsize=(8, 4.5))
    ax = ctd.add_subplot()
    values = [np.array(s.click_to_door_min) for s in series]
    top = max((float(v.max()) for v in values if v.size), default=60.0)
    bins = np.linspace(0.0, max(top, 1.0), 31)
    for s, v in zip(series, values, strict=True):
        ax.hist(v, bins=bins.tolist(), histtype="step", linewidth=1.5, label=s.label)
    ax.set_xlabel("click-to-door, minutes")
    ax.set_ylabel("orders")
    ax.set_title("Click-to-door distribution")
    ax.legend(fontsize="small")
    util = Figure(figsize=(6, 4))
    ax = util.add_subplot()
    ax.bar([s.label for s in series], [s.utilisation_pct or 0.0 for s in series])
    ax.set_ylabel("courier utilisation, %")
    ax.set_title("Courier utilisation")
    return {"orders_over_time": over_time, "click_to_door": ctd, "utilisation": util}
