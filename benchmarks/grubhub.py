"""Grubhub MDRP benchmark: replay every shared instance and compare with the targets.

Run with ``python -m benchmarks.grubhub`` (a report command, not part of ``./run test``).
Every instance folder under ``../shared/data/bench/grubhub_mdrp`` is read
(:func:`scenarios.grubhub.read_grubhub`), replayed under the family's rules by the
rolling-horizon dispatcher (:func:`scenarios.grubhub_sim.replay_grubhub`) and checked
(:func:`scenarios.grubhub_rules.check_grubhub_replay`).  It prints one row per instance
and the means over instances, compares the means with the issue's targets (not delivered
at most 0.25%, click-to-door mean at most 32 min, cost per order at most 11.0) and the
published rolling-horizon figures, then the Pareto table: the not-delivered /
click-to-door / cost means for a few settings of the policy's trade-off knob
(``pay_weight``: click-to-door minutes one unit of courier pay is worth), so an operator
can pick a point.  The replay seconds (total and the slowest instance) are printed and
written; ``--out`` writes everything as JSON.

``--instances`` picks names, ``--limit N`` the first N; ``--wave-min``, ``--max-bundle``,
``--horizon-min`` and ``--pay-weight`` change the default policy; ``--pareto W ...`` the
knob's settings (none: no Pareto table).
"""

from __future__ import annotations

import argparse
import dataclasses
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
    "not_delivered_pct": 0.25,
    "click_to_door_mean_min": 32.0,
    "cost_per_order": 11.0,
}
# Settings of the trade-off knob (InstantPolicy.pay_weight) in the Pareto table.
PARETO_WEIGHTS = (0.0, 0.1, 0.3, 1.0)
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


@dataclass(frozen=True)
class ParetoPoint:
    """The means of one setting of the trade-off knob over the same instances."""

    pay_weight: float
    not_delivered_pct: float
    click_to_door_mean_min: float
    cost_per_order: float
    violations: int
    meets_targets: bool


def pareto_point(pay_weight: float, rows: Sequence[InstanceRow]) -> ParetoPoint:
    """One row of the Pareto table from one setting's instance rows."""
    mean = means(rows)
    violations = sum(r.violations for r in rows)
    return ParetoPoint(
        pay_weight,
        mean["not_delivered_pct"],
        mean["click_to_door_mean_min"],
        mean["cost_per_order"],
        violations,
        all(verdicts(mean).values()) and violations == 0,
    )


def report(
    rows: Sequence[InstanceRow],
    policy: InstantPolicy,
    pareto: Sequence[ParetoPoint] = (),
) -> dict[str, Any]:
    """The JSON report: policy, per-instance rows, means, targets, verdicts, replay
    seconds and the Pareto table."""
    mean = means(rows)
    slowest = max(rows, key=lambda r: r.replay_s) if rows else None
    return {
        "policy": asdict(policy),
        "instances": [asdict(r) for r in rows],
        "mean": mean,
        "targets": dict(TARGETS),
        "published": dict(PUBLISHED),
        "meets_targets": verdicts(mean),
        "violations": sum(r.violations for r in rows),
        "replay_s_total": sum(r.replay_s for r in rows),
        "replay_s_max": slowest.replay_s if slowest else 0.0,
        "replay_s_max_instance": slowest.instance if slowest else "",
        "pareto": [asdict(p) for p in pareto],
    }


def _pareto_table(points: Sequence[ParetoPoint], default_weight: float) -> Table:
    table = Table(title="Trade-off (pay_weight: click-to-door minutes per unit of pay)")
    for header in ("pay_weight", "not del %", "ctd mean", "cost/order", "check", "targets"):
        table.add_column(header, justify="right")
    for p in points:
        label = f"{p.pay_weight:g}" + (" (default)" if p.pay_weight == default_weight else "")
        table.add_row(
            label,
            f"{p.not_delivered_pct:.2f}",
            f"{p.click_to_door_mean_min:.2f}",
            f"{p.cost_per_order:.2f}",
            "ok" if p.violations == 0 else str(p.violations),
            "met" if p.meets_targets else "not met",
        )
    return table


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
    parser.add_argument(
        "--pay-weight",
        type=float,
        default=InstantPolicy.pay_weight,
        help="the default policy's trade-off knob",
    )
    parser.add_argument(
        "--pareto",
        type=float,
        nargs="*",
        default=list(PARETO_WEIGHTS),
        help="pay_weight settings of the Pareto table (none: no table)",
    )
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
            wave_min=args.wave_min,
            max_bundle=args.max_bundle,
            horizon_min=args.horizon_min,
            pay_weight=args.pay_weight,
        )
        settings = [
            dataclasses.replace(policy, pay_weight=w) for w in args.pareto if w != policy.pay_weight
        ]
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
        others: dict[float, list[InstanceRow]] = {p.pay_weight: [] for p in settings}
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as progress:
            task = progress.add_task("replaying", total=len(folders) * (1 + len(settings)))
            for folder in folders:
                progress.update(task, description=folder.name)
                rows.append(run_instance(folder, policy))
                progress.advance(task)
                for setting in settings:
                    others[setting.pay_weight].append(run_instance(folder, setting))
                    progress.advance(task)
    except EngineError as error:
        console.print(f"error: {error}")
        return 2
    if not rows:
        console.print("no instances")
        return 2
    pareto = sorted(
        [
            *(pareto_point(w, r) for w, r in others.items()),
            *([pareto_point(policy.pay_weight, rows)] if args.pareto else []),
        ],
        key=lambda p: p.pay_weight,
    )
    result = report(rows, policy, pareto)
    console.print(_table(rows, result["mean"]))
    for key, ok in result["meets_targets"].items():
        console.print(
            f"{key}: mean {result['mean'][key]:.2f}, target <= {TARGETS[key]:g}: "
            f"{'met' if ok else 'NOT met'}"
        )
    console.print(
        f"{len(rows)} instances, replay {result['replay_s_total']:.1f} s in all (default "
        f"policy), slowest {result['replay_s_max_instance']} {result['replay_s_max']:.1f} s"
    )
    if pareto:
        console.print(_pareto_table(pareto, policy.pay_weight))
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=1) + "\n")
    met = all(result["meets_targets"].values()) and result["violations"] == 0
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
