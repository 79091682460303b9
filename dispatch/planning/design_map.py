"""A map of a designed pickup-point network (matplotlib, no pyplot state).

Streets (muted), homes coloured by whether the design covers them, the opened points
sized by capacity and coloured by utilisation, existing points the design closes, and
candidates left unopened.  Axes are the network's frame metres.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from dispatch.planning.network_design import CandidateStatus, NetworkComparison
from dispatch.world import World
from geo.mapplot import draw_streets
from solvers.errors import InvalidInputError


def plot_design(world: World, comparison: NetworkComparison, *, size_in: float = 9.0) -> Figure:
    """The design's map (see the module doc).

    Raises:
        InvalidInputError: the world has no road network to draw on.
    """
    if world.network is None:
        raise InvalidInputError("network", "the map needs a road network (generated or OSM)")
    frame = world.network.frame
    fig = Figure(figsize=(size_in * 1.3, size_in), dpi=110)
    ax = fig.add_subplot(1, 1, 1)
    draw_streets(ax, world.network, muted=True)
    design = comparison.design
    homes = {b.id: b for b in world.buildings if b.households > 0}
    covered = set(design.design.assigned)
    for ids, colour, label in (
        ([b for b in homes if b in covered], "#6baed6", "home covered"),
        ([b for b in homes if b not in covered], "#fb6a4a", "home not covered"),
    ):
        if ids:
            x, y = frame.forward([homes[i].lon for i in ids], [homes[i].lat for i in ids])
            ax.scatter(x, y, s=5, c=colour, marker="s", label=label, zorder=2)
    cands = {c.id: c for c in comparison.candidates}
    opened = list(design.design.opened)
    unopened = [c for c in comparison.candidates if c.id not in set(opened)]
    closed_existing = [c for c in unopened if c.status is CandidateStatus.EXISTING]
    idle = [c for c in unopened if c.status is not CandidateStatus.EXISTING]
    if idle:
        x, y = frame.forward([c.lon for c in idle], [c.lat for c in idle])
        ax.scatter(x, y, s=14, c="#bdbdbd", marker="o", label="candidate not opened", zorder=3)
    if closed_existing:
        x, y = frame.forward([c.lon for c in closed_existing], [c.lat for c in closed_existing])
        ax.scatter(x, y, s=40, c="#252525", marker="x", label="existing point closed", zorder=4)
    if opened:
        x, y = frame.forward([cands[i].lon for i in opened], [cands[i].lat for i in opened])
        util = np.array([design.utilisation.get(i, 0.0) for i in opened])
        sizes = np.array([cands[i].capacity_parcels for i in opened], dtype=np.float64)
        points = ax.scatter(
            x,
            y,
            s=30 + sizes,
            c=util,
            cmap="viridis",
            vmin=0.0,
            vmax=1.0,
            marker="*",
            edgecolors="black",
            linewidths=0.5,
            label="opened (size: capacity)",
            zorder=5,
        )
        fig.colorbar(points, ax=ax, label="utilisation (parcels / capacity)", shrink=0.7)
    ax.set_aspect("equal")
    ax.autoscale_view()
    ax.set_xlabel("east of centre, m")
    ax.set_ylabel("north of centre, m")
    ax.set_title(
        f"{len(opened)} points open: {design.households_covered_pct:.1f}% of households "
        f"within {comparison.problem.walk_limit_m:g} m"
    )
    ax.legend(loc="upper left", bbox_to_anchor=(1.25, 1.0), fontsize=8, frameon=False)
    fig.tight_layout()
    return fig
