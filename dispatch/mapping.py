"""A static map of a plan (matplotlib, Agg canvas, no display): streets, places, routes.

:func:`plot_plan` returns a :class:`matplotlib.figure.Figure`; the caller saves it
(``figure.savefig("plan.png")``).  Routes are drawn along the road network when the
world has one (the same lines as :func:`dispatch.geojson.plan_geojson`), one colour per
courier; stops are dots in the route's colour; pickup points that receive orders are
filled and labelled with their parcels, the others hollow; unassigned orders are red
crosses at their place.  Axes are metres in the network's local frame (or a frame
around the world's places when there is no network).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from dispatch.clock import format_clock
from dispatch.domain import Order
from dispatch.geojson import RouteLine, order_place, route_colour, route_lines
from dispatch.plan import Plan
from dispatch.world import World
from geo.frame import LocalFrame
from geo.mapplot import draw_places, draw_streets


def _frame(world: World) -> LocalFrame:
    if world.network is not None:
        return world.network.frame
    lon = [p.lon for p in world.all_places] + [c.lon for c in world.couriers]
    lat = [p.lat for p in world.all_places] + [c.lat for c in world.couriers]
    return LocalFrame.around(lon, lat)


def plot_plan(
    plan: Plan,
    world: World,
    *,
    orders: Sequence[Order] = (),
    lines: Sequence[RouteLine] | None = None,
    title: str = "",
    size_in: float = 9.0,
) -> Figure:
    """Draw a plan made in ``world`` (see the module doc).

    Args:
        plan: the plan.
        world: the world it was made in.
        orders: the batch; when given, unassigned orders are marked at their place.
        lines: the routes' lines if already computed (:func:`dispatch.geojson.route_lines`).
        title: figure title; default a one-line summary of the plan.
        size_in: figure height, inches (the width leaves room for the legend).

    Raises:
        InvalidInputError: a route's courier or a stop's place is not in the world.
    """
    fig = Figure(figsize=(size_in * 1.35, size_in), dpi=110)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    frame = _frame(world)
    if world.network is not None:
        draw_streets(ax, world.network, muted=True)
    used = {p.pickup_point_id: p.parcels for p in plan.pick_lists}
    draw_places(
        ax,
        frame,
        stores=world.stores,
        micro_warehouses=world.micro_warehouses,
        depots=world.depots,
    )
    idle = [p for p in world.pickup_points if p.id not in used]
    if idle:
        x, y = frame.forward([p.lon for p in idle], [p.lat for p in idle])
        ax.scatter(
            x,
            y,
            marker="o",
            s=24,
            facecolors="white",
            edgecolors="#1f77b4",
            linewidths=0.8,
            zorder=3,
            label="pickup point",
        )
    served_points = [p for p in world.pickup_points if p.id in used]
    if served_points:
        x, y = frame.forward([p.lon for p in served_points], [p.lat for p in served_points])
        sizes = [40 + 6 * used[p.id] for p in served_points]
        ax.scatter(
            x,
            y,
            marker="o",
            s=sizes,
            c="#1f77b4",
            edgecolors="white",
            linewidths=0.8,
            zorder=6,
            label="pickup point with orders",
        )
        for xi, yi, point in zip(x, y, served_points, strict=True):
            ax.annotate(
                str(used[point.id]),
                (xi, yi),
                xytext=(5, 5),
                textcoords="offset points",
                fontsize=7,
                color="#0b3c68",
                zorder=7,
            )
    if lines is None:
        lines = route_lines(plan, world)
    for index, (route, line) in enumerate(zip(plan.routes, lines, strict=True)):
        colour = route_colour(index)
        x, y = frame.forward(np.array(line.lon), np.array(line.lat))
        ax.plot(
            x,
            y,
            color=colour,
            linewidth=2.0,
            alpha=0.9,
            zorder=4,
            solid_capstyle="round",
            label=f"{route.courier_id}: {route.flow.value}, {len(route.stops)} stops",
        )
        stop_idx = np.array(line.stop_vertex, dtype=np.int64)
        if stop_idx.size:
            ax.scatter(
                x[stop_idx],
                y[stop_idx],
                s=18,
                c=colour,
                edgecolors="black",
                linewidths=0.4,
                zorder=5,
            )
        ax.scatter(x[:1], y[:1], marker="s", s=30, c=colour, edgecolors="black", zorder=5)
    by_id = {order.id: order for order in orders}
    crosses = [
        place
        for item in plan.unassigned
        if item.order_id in by_id
        and (place := order_place(by_id[item.order_id], world)) is not None
    ]
    if crosses:
        x, y = frame.forward([c.lon for c in crosses], [c.lat for c in crosses])
        ax.scatter(
            x,
            y,
            marker="x",
            s=40,
            c="#d62728",
            linewidths=1.5,
            zorder=7,
            label=f"unassigned order ({len(crosses)})",
        )
    k = plan.kpis
    ax.set_title(
        title
        or (
            f"Plan at {format_clock(plan.at_s)}: {k.orders_served}/{k.orders_total} orders "
            f"served, {len(plan.routes)} routes, {k.distance_km:.1f} km"
        )
    )
    ax.set_aspect("equal")
    ax.autoscale_view()
    ax.set_xlabel("east of centre, m")
    ax.set_ylabel("north of centre, m")
    handles, labels = ax.get_legend_handles_labels()
    ax.legend(
        handles,
        labels,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        fontsize=7,
        frameon=False,
        ncol=2 if len(labels) > 28 else 1,
    )
    fig.tight_layout()
    return fig
