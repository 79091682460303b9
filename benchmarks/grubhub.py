"""Grubhub MDRP benchmark: replay every shared instance and compare with the targets.

Run with ``python -m benchmarks.grubhub`` (a report command, not part of ``./run test``).
Every instance folder under ``../shared/data/bench/grubhub_mdrp`` is read
(:func:`scenarios.grubhub.read_grubhub`), replayed under the family's rules by the
rolling-horizon dispatcher (:func:`scenarios.grubhub_sim.replay_grubhub`) and checked
(:func:`scenarios.grubhub_rules.check_grubhub_replay`).  It prints one row per instance
and the means over instances, compares the means with the issue's targets (not delivered
at most 0.5%, click-to-door mean at most 33 min, cost per order at most 11.5) and the
published rolling-horizon figures, and writes the numbers as JSON with ``--out``.

``--instances`` picks names, ``--limit N`` the first N; ``--wave-min``, ``--max-bundle``
and ``--horizon-min`` change the policy.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from scenarios.grubhub import read_grubhub
from scenarios.grubhub_rules import check_grubhub_replay
from scenarios.grubhub_sim import replay_grubhub
from solvers.errors import EngineError
from solvers.instant_dispatch import InstantPolicy

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data" / "bench" / "grubhub_mdrp"

# metric -> (target, published rolling-horizon value over all 240 instances)
TARGETS: Mapping[str, float] = {
    "not_delivered_pct": 0.5,
    "click_to_door_mean_min": 33.0,
    "cost_per_order": 11.5,
}
PUBLISHED: Mapping[str, float] = {
    "not_delivered_pct": 0.25,
    "click_to_door_mean_min": 32.74,
    "click_to_door_p90_min": 49.3,
    "overage_mean_min": 2.77,
    "ready_to_pickup_mean_min": 1.93,
    "cost_per_order": 11.42,
}
COLUMNS = (
    ("orders_total", "orders", "{:.0f}"),
    ("not_delivered_pct", "not del %", "{:.2f}"),
    ("click_to_door_mean_min", "ctd mean", "{:.2f}"),
    ("click_to_door_p90_min", "ctd p90", "{:.1f}"),
    ("overage_mean_min", "overage", "{:.2f}"),
    ("ready_to_pickup_mean_min", "ready>pick", "{:.2f}"),
    ("cost_per_order", "cost/order", "{:.2f}"),
    ("courier_utilisation_pct", "util %", "{:.1f}"),
    ("orders_per_bundle", "per trip", "{:.2f}"),
)


@dataclass(frozen=True)
class InstanceRow:
    """One instance's metrics, checker verdict and replay time."""

    instance: str
    metrics: dict[str, float]
    violations: int
    replay_s: float


def list_instances(data: Path) -> list[Path]:
    """Instance folders (those with an ``orders.txt``), sorted by name."""
    return sorted(p for p in data.iterdir() if (p / "orders.txt").is_file())


def run_instance(folder: Path, policy: InstantPolicy) -> InstanceRow:
    """Read, replay and check one instance."""
    instance = read_grubhub(folder)
    started = time.perf_counter()
    replay = replay_grubhub(instance, policy)
    replay_s = time.perf_counter() - started
    violations = check_grubhub_replay(instance, replay)
    return InstanceRow(instance.name, asdict(replay.metrics), len(violations), replay_s)


def means(rows: Sequence[InstanceRow]) -> dict[str, float]:
    """Mean of every metric over instances (NaN values left out)."""
    result: dict[str, float] = {}
    for key in rows[0].metrics if rows else ():
        values = [float(r.metrics[key]) for r in rows if not math.isnan(float(r.metrics[key]))]
        result[key] = sum(values) / len(values) if values else math.nan
    return result


def verdicts(mean: Mapping[str, float]) -> dict[str, bool]:
    """For each target metric, whether the mean meets it."""
    return {key: mean.get(key, math.inf) <= target for key, target in TARGETS.items()}


def _table(rows: Sequence[InstanceRow], mean: Mapping[str, float]) -> Table:
    table = Table(title="Grubhub MDRP replay")
    table.add_column("instance")
    for _, header, _ in COLUMNS:
        table.add_column(header, justify="right")
    table.add_column("check", justify="right")
    table.add_column("s", justify="right")
    for row in rows:
        table.add_row(
            row.instance,
            *(fmt.format(row.metrics[key]) for key, _, fmt in COLUMNS),
            "ok" if row.violations == 0 else str(row.violations),
            f"{row.replay_s:.1f}",
        )
    table.add_row("mean", *(fmt.format(mean[key]) for key, _, fmt in COLUMNS), "", "")
    table.add_row(
        "published",
        *(fmt.format(PUBLISHED[key]) if key in PUBLISHED else "" for key, _, fmt in COLUMNS),
        "",
        "",
    )
    table.add_row(
        "target",
        *(fmt.format(TARGETS[key]) if key in TARGETS else "" for key, _, fmt in COLUMNS),
        "",
        "",
    )
    return table


def report(rows: Sequence[InstanceRow], policy: InstantPolicy) -> dict[str, Any]:
    """The JSON report: policy, per-instance rows, means, targets and verdicts."""
    mean = means(rows)
    return {
        "policy": asdict(policy),
        "instances": [asdict(r) for r in rows],
        "mean": mean,
        "targets": dict(TARGETS),
        "published": dict(PUBLISHED),
        "meets_targets": verdicts(mean),
        "violations": sum(r.violations for r in rows),
        "replay_s_total": sum(r.replay_s for r in rows),
    }


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.grubhub", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="instance folders")
    parser.add_argument("--instances", nargs="*", default=None, help="instance names")
    parser.add_argument("--limit", type=int, default=None, help="only the first N")
    parser.add_argument("--wave-min", type=float, default=InstantPolicy.wave_min)
    parser.add_argument("--max-bundle", type=int, default=InstantPolicy.max_bundle)
    parser.add_argument("--horizon-min", type=float, default=InstantPolicy.horizon_min)
    parser.add_argument("--out", type=Path, default=None, help="write the JSON report here")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; 0 when every target is met and every replay checks, else 1."""
    args = _parser().parse_args(argv)
    console = Console()
    if not console.is_terminal:
        console = Console(width=160)
    try:
        policy = InstantPolicy(
            wave_min=args.wave_min, max_bundle=args.max_bundle, horizon_min=args.horizon_min
        )
        if not args.data.is_dir():
            console.print(f"error: {args.data} is not a folder")
            return 2
        folders = list_instances(args.data)
        if args.instances:
            wanted = set(args.instances)
            folders = [f for f in folders if f.name in wanted]
        if args.limit is not None:
            folders = folders[: args.limit]
        rows: list[InstanceRow] = []
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as progress:
            task = progress.add_task("replaying", total=len(folders))
            for folder in folders:
                progress.update(task, description=folder.name)
                rows.append(run_instance(folder, policy))
                progress.advance(task)
    except EngineError as error:
        console.print(f"error: {error}")
        return 2
    if not rows:
        console.print("no instances")
        return 2
    result = report(rows, policy)
    console.print(_table(rows, result["mean"]))
    for key, ok in result["meets_targets"].items():
        console.print(
            f"{key}: mean {result['mean'][key]:.2f}, target <= {TARGETS[key]:g}: "
            f"{'met' if ok else 'NOT met'}"
        )
    console.print(f"{len(rows)} instances, replay {result['replay_s_total']:.1f} s in all")
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=1) + "\n")
    met = all(result["meets_targets"].values()) and result["violations"] == 0
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
