"""Quality report: solve a benchmark family and compare with its best-known solutions.

Run with ``./run quality --family solomon`` (``python -m benchmarks.quality``); it is a
report command, not part of ``./run test``.  For every instance it prints vehicles
(ours / BKS), the distance of the ``dispatch solve`` contract (recomputed in the family's
own arithmetic by :func:`scenarios.instances.solution_json`), the BKS distance, the gap
``(ours - bks) / bks * 100``, unassigned tasks, the independent checker's verdict and the
solve time; then the means.

Which BKS a gap uses (conventions in ``../shared/data/bench/README.md``):

* ``solomon``: the ``real_valued`` rows of ``bks_distance_only.csv`` (distance-only); the
  BKS vehicle column comes from the hierarchical ``bks.csv``.
* ``li_lim``, ``gehring_homberger``: the hierarchical ``bks.csv`` (vehicles first, then
  distance).  A solution with more vehicles than the BKS can show a negative gap: under
  the hierarchical rule it is still worse.
* ``mpdptw``, ``cordeau``, ``uchoa``: ``bks.csv`` (distance-only).

An instance with unassigned tasks or checker violations is flagged and left out of the
"feasible" mean, but shown.  The listing, BKS reading, row and mean functions do not
solve anything and are tested on their own (``tests/benchmarks/test_quality_report.py``).
"""

from __future__ import annotations

import csv
import dataclasses
import json
import math
import re
import sys
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from itertools import pairwise
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.console import Console, JustifyMethod
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from benchmarks.peers import (
    PEERS,
    THREADS,
    Peer,
    peer_missing,
    peer_solution,
    peer_support,
    solve_peer,
)
from cli import MARKUP_MODE, CleanHelpCommand
from scenarios.instances import BenchInstance, read_instance, solution_json
from solvers import RoutingSolution, SolveParams, check, solve
from solvers.errors import EngineError, InvalidInputError
from solvers.portfolio import warm_workers
from solvers.rr import ensure_compiled as ensure_search_compiled

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data" / "bench"


class BksKind(StrEnum):
    """Which best-known solutions a gap is measured against."""

    DISTANCE_ONLY = "distance-only"  # the shortest distance, whatever the vehicles
    HIERARCHICAL = "hierarchical"  # the fewest vehicles first, then the shortest distance


class QualityError(InvalidInputError):
    """A report that cannot run: missing data folder, unknown family, size or instance."""


@dataclass(frozen=True)
class Family:
    """Where a benchmark family lives and how its instances and BKS are read.

    Attributes:
        name: the ``--family`` name.
        folder: folder under the data root.
        fmt: the :func:`scenarios.instances.read_instance` format.
        pattern: glob of the instance files inside the (size) folder.
        sizes: size subfolders (empty: none).
        default_size: the size used when ``--size`` is not given.
        bks_kind: which kind of BKS the gap uses.
    """

    name: str
    folder: str
    fmt: str
    pattern: str
    bks_kind: BksKind
    sizes: tuple[int, ...] = ()
    default_size: int | None = None


FAMILIES: dict[str, Family] = {
    f.name: f
    for f in (
        Family("solomon", "solomon", "solomon", "*.txt", BksKind.DISTANCE_ONLY),
        Family(
            "gehring_homberger",
            "gehring_homberger",
            "solomon",
            "*.txt",
            BksKind.HIERARCHICAL,
            sizes=(200, 400, 1000),
            default_size=200,
        ),
        Family(
            "li_lim",
            "li_lim",
            "lilim",
            "*.txt",
            BksKind.HIERARCHICAL,
            sizes=(100, 200, 400),
            default_size=100,
        ),
        Family("mpdptw", "mpdptw", "mpdptw", "*.txt", BksKind.DISTANCE_ONLY),
        Family("cordeau", "cordeau_mdvrp", "cordeau", "*.txt", BksKind.DISTANCE_ONLY),
        Family("uchoa", "uchoa_x", "vrplib", "*.vrp", BksKind.DISTANCE_ONLY),
    )
}

# Targets of the quality issue: mean distance gap (%) at 10 s per instance on the shared
# set, every solution feasible.  Keyed by (family, size).
TARGETS_PCT: dict[tuple[str, int | None], float] = {
    ("solomon", None): 1.5,
    ("li_lim", 100): 1.5,
    ("mpdptw", None): 3.0,
}
TARGET_TIME_LIMIT_S = 10.0


@dataclass(frozen=True)
class InstanceFile:
    """One instance file of a family: its name (file stem), path and reader format."""

    name: str
    path: Path
    fmt: str


@dataclass(frozen=True)
class Bks:
    """The best-known solution a gap is measured against.

    Attributes:
        instance: instance name.
        distance: the reference distance of the gap.
        kind: distance-only or hierarchical (vehicles first, then distance).
        vehicles: BKS vehicles to show (Solomon: the hierarchical table's count); None
            where the table leaves it empty.
        source: the ``source`` column(s) of the table(s) used.
    """

    instance: str
    distance: float
    kind: BksKind
    vehicles: int | None = None
    source: str = ""


@dataclass(frozen=True)
class BksRow:
    """One row of a ``bks*.csv`` file."""

    instance: str
    vehicles: int | None
    distance: float
    source: str
    convention: str


@dataclass(frozen=True)
class Row:
    """One instance of the report.

    ``gap_pct`` is None without a BKS; ``feasible`` means every task served and no
    checker violation; ``violation_kinds`` counts the checker's violations by kind;
    ``member`` is the engine's winning portfolio member ("" for peers).
    """

    instance: str
    vehicles: int
    distance: float
    unassigned: int
    violations: int
    solve_s: float
    bks_vehicles: int | None
    bks_distance: float | None
    bks_kind: BksKind | None
    gap_pct: float | None
    violation_kinds: dict[str, int] = field(default_factory=dict)
    member: str = ""  # the engine's portfolio member that answered (SolveStats.member)

    @property
    def all_served(self) -> bool:
        """No unassigned task."""
        return self.unassigned == 0

    @property
    def checker_ok(self) -> bool:
        """The checker found no violation."""
        return self.violations == 0

    @property
    def feasible(self) -> bool:
        """Every task served and the checker found no violation."""
        return self.all_served and self.checker_ok

    @property
    def verdict(self) -> str:
        """The checker's verdict: ``ok`` or ``n violation(s)``."""
        if self.checker_ok:
            return "ok"
        return f"{self.violations} violation{'s' if self.violations != 1 else ''}"

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready fields plus ``checker``, ``all_served`` and ``feasible``."""
        out = asdict(self)
        out.update(checker=self.verdict, all_served=self.all_served, feasible=self.feasible)
        return out


@dataclass(frozen=True)
class Summary:
    """Means and counts over the rows.

    Attributes:
        instances: rows.
        with_bks: rows with a BKS (and so a gap).
        feasible: rows with every task served and no checker violation.
        all_served: rows with no unassigned task.
        checker_ok: rows without checker violations.
        mean_vehicles / mean_distance: over all rows.
        mean_gap_pct: over every row with a gap.
        mean_gap_feasible_pct: over feasible rows with a gap.
        vehicles_above_bks: rows using more vehicles than the BKS.
        total_solve_s: summed solve time.
        max_solve_s: the longest call (wall clock; a time limit is a promise).
        above_outlier: instances whose gap is above :data:`OUTLIER_GAP_PCT`, worst first.
    """

    instances: int
    with_bks: int
    feasible: int
    all_served: int
    checker_ok: int
    mean_vehicles: float | None
    mean_distance: float | None
    mean_gap_pct: float | None
    mean_gap_feasible_pct: float | None
    vehicles_above_bks: int
    total_solve_s: float
    max_solve_s: float = 0.0
    above_outlier: tuple[str, ...] = ()


# search18c: the MPDPTW target allows no instance above this gap (issue 18).  Percent.
OUTLIER_GAP_PCT = 8.0


# --- instances and BKS -------------------------------------------------------------------


def natural_key(name: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key that orders embedded numbers by value (X-n101 before X-n1001)."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part.lower())
        for part in re.split(r"(\d+)", name)
        if part
    )


def family_spec(family: str) -> Family:
    """The :class:`Family` called ``family``.

    Raises:
        QualityError: unknown family.
    """
    try:
        return FAMILIES[family]
    except KeyError:
        raise QualityError(
            "family", f"must be one of {', '.join(FAMILIES)}, got {family!r}"
        ) from None


def family_dir(family: str, data_root: Path, size: int | None = None) -> Path:
    """The folder holding the family's BKS files (the size folder's parent)."""
    spec = family_spec(family)
    _size_of(spec, size)
    root = Path(data_root)
    if not root.is_dir():
        raise QualityError(str(root), "the benchmark data folder must exist (set it with --data)")
    folder = root / spec.folder
    if not folder.is_dir():
        raise QualityError(str(folder), f"the {family} folder must exist under {root}")
    return folder


def _size_of(spec: Family, size: int | None) -> int | None:
    if not spec.sizes:
        if size is not None:
            raise QualityError("size", f"family {spec.name} has no sizes, got {size}")
        return None
    chosen = spec.default_size if size is None else size
    if chosen not in spec.sizes:
        raise QualityError(
            "size",
            f"family {spec.name} needs one of {', '.join(map(str, spec.sizes))}, got {chosen}",
        )
    return chosen


def list_instances(family: str, data_root: Path, size: int | None = None) -> list[InstanceFile]:
    """The family's instance files in natural name order.

    Raises:
        QualityError: unknown family or size, missing folder, or no instance files.
    """
    spec = family_spec(family)
    folder = family_dir(family, data_root, size)
    chosen = _size_of(spec, size)
    where = folder / str(chosen) if chosen is not None else folder
    if not where.is_dir():
        raise QualityError(str(where), f"the {family} size {chosen} folder must exist")
    files = sorted(
        (p for p in where.glob(spec.pattern) if p.is_file()), key=lambda p: natural_key(p.stem)
    )
    if not files:
        raise QualityError(str(where), f"must hold {spec.pattern} instance files")
    return [InstanceFile(p.stem, p, spec.fmt) for p in files]


def select_instances(
    files: Sequence[InstanceFile], names: Iterable[str] = (), limit: int | None = None
) -> list[InstanceFile]:
    """``files`` restricted to ``names`` (any case; all when empty), then the first ``limit``.

    Raises:
        QualityError: a name not in ``files``, or ``limit`` < 1.
    """
    wanted = [n.strip() for n in names if n.strip()]
    chosen = list(files)
    if wanted:
        by_name = {f.name.lower(): f for f in files}
        missing = [n for n in wanted if n.lower() not in by_name]
        if missing:
            raise QualityError(
                "instances",
                f"not in this family: {', '.join(missing)} "
                f"(it has {', '.join(f.name for f in files[:8])}"
                f"{', ...' if len(files) > 8 else ''})",
            )
        keep = {n.lower() for n in wanted}
        chosen = [f for f in files if f.name.lower() in keep]
    if limit is not None:
        if limit < 1:
            raise QualityError("limit", f"must be >= 1, got {limit}")
        chosen = chosen[:limit]
    return chosen


def read_bks_csv(path: Path, *, convention: str | None = None) -> dict[str, BksRow]:
    """Rows of a ``bks*.csv`` file by instance (CRLF endings and quoted fields are fine).

    Columns ``instance,vehicles,distance,source`` and an optional ``convention``; with
    ``convention`` given, only the rows with that convention are kept.  Rows with an empty
    distance are skipped; an empty ``vehicles`` is None.

    Raises:
        QualityError: missing file, missing columns, a non-numeric value, or an instance
            listed twice for the same convention.
    """
    path = Path(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            header = [c.strip() for c in reader.fieldnames or ()]
            rows = list(reader)
    except (OSError, UnicodeDecodeError) as exc:
        raise QualityError(str(path), f"must be a readable CSV file ({exc})") from None
    needed = {"instance", "vehicles", "distance"}
    if not needed <= set(header):
        raise QualityError(str(path), f"must have the columns {', '.join(sorted(needed))}")
    out: dict[str, BksRow] = {}
    for line, raw in enumerate(rows, start=2):
        rec = {(k or "").strip(): (v or "").strip() for k, v in raw.items() if k is not None}
        name = rec.get("instance", "")
        conv = rec.get("convention", "")
        if not name or (convention is not None and conv != convention):
            continue
        if not rec.get("distance"):
            continue
        try:
            distance = float(rec["distance"])
            vehicles = int(rec["vehicles"]) if rec.get("vehicles") else None
        except ValueError:
            raise QualityError(
                f"{path}:{line}", f"distance and vehicles must be numbers, got {raw}"
            ) from None
        if not math.isfinite(distance) or distance <= 0:
            raise QualityError(f"{path}:{line}", f"distance must be > 0, got {distance}")
        if name in out:
            raise QualityError(f"{path}:{line}", f"instance {name} is listed twice")
        out[name] = BksRow(name, vehicles, distance, rec.get("source", ""), conv)
    return out


def read_bks(family: str, data_root: Path, size: int | None = None) -> dict[str, Bks]:
    """The BKS each gap of ``family`` is measured against, by instance name.

    Solomon: the ``real_valued`` distance-only row with the hierarchical table's vehicles
    (falling back to the hierarchical row where no distance-only row exists).  The other
    families: their ``bks.csv`` (distance-only or hierarchical, see the module docstring).
    """
    spec = family_spec(family)
    folder = family_dir(family, data_root, size)
    table = read_bks_csv(folder / "bks.csv")
    if spec.name != "solomon":
        return {
            name: Bks(name, r.distance, spec.bks_kind, r.vehicles, r.source)
            for name, r in table.items()
        }
    distance_only = read_bks_csv(folder / "bks_distance_only.csv", convention="real_valued")
    out: dict[str, Bks] = {}
    for name in sorted({*table, *distance_only}, key=natural_key):
        hier = table.get(name)
        best = distance_only.get(name)
        vehicles = hier.vehicles if hier is not None else None
        if best is not None:
            out[name] = Bks(name, best.distance, BksKind.DISTANCE_ONLY, vehicles, best.source)
        elif hier is not None:
            out[name] = Bks(name, hier.distance, BksKind.HIERARCHICAL, vehicles, hier.source)
    return out


# --- rows and means ----------------------------------------------------------------------


def gap_pct(distance: float, bks_distance: float) -> float:
    """``(distance - bks) / bks * 100``."""
    return (distance - bks_distance) / bks_distance * 100.0


def make_row(
    instance: str,
    *,
    vehicles: int,
    distance: float,
    unassigned: int,
    violation_kinds: Mapping[str, int],
    solve_s: float,
    bks: Bks | None,
) -> Row:
    """A report row from the contract's numbers, the checker's violations and the BKS."""
    return Row(
        instance=instance,
        vehicles=vehicles,
        distance=distance,
        unassigned=unassigned,
        violations=sum(violation_kinds.values()),
        solve_s=solve_s,
        bks_vehicles=bks.vehicles if bks else None,
        bks_distance=bks.distance if bks else None,
        bks_kind=bks.kind if bks else None,
        gap_pct=gap_pct(distance, bks.distance) if bks else None,
        violation_kinds=dict(violation_kinds),
    )


def evaluate(
    bench: BenchInstance, solution: RoutingSolution, solve_s: float, bks: Bks | None
) -> Row:
    """The row of a solved instance: contract distance and vehicles, checker verdict, gap."""
    contract = solution_json(bench, solution, solve_s)
    report = check(bench.problem, solution)
    kinds = Counter(v.kind for v in report.violations)
    row = make_row(
        bench.name,
        vehicles=int(contract["vehicles"]),
        distance=float(contract["distance"]),
        unassigned=len(solution.unassigned),
        violation_kinds=dict(sorted(kinds.items())),
        solve_s=solve_s,
        bks=bks,
    )
    return dataclasses.replace(row, member=solution.stats.member)


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def summarise(rows: Sequence[Row]) -> Summary:
    """Means and counts over ``rows`` (see :class:`Summary`)."""
    gaps = [r.gap_pct for r in rows if r.gap_pct is not None]
    feasible_gaps = [r.gap_pct for r in rows if r.gap_pct is not None and r.feasible]
    return Summary(
        instances=len(rows),
        with_bks=len(gaps),
        feasible=sum(r.feasible for r in rows),
        all_served=sum(r.all_served for r in rows),
        checker_ok=sum(r.checker_ok for r in rows),
        mean_vehicles=_mean([float(r.vehicles) for r in rows]),
        mean_distance=_mean([r.distance for r in rows]),
        mean_gap_pct=_mean(gaps),
        mean_gap_feasible_pct=_mean(feasible_gaps),
        vehicles_above_bks=sum(
            r.bks_vehicles is not None and r.vehicles > r.bks_vehicles for r in rows
        ),
        total_solve_s=sum(r.solve_s for r in rows),
        max_solve_s=max((r.solve_s for r in rows), default=0.0),
        above_outlier=tuple(
            r.instance
            for r in sorted(rows, key=lambda r: -(r.gap_pct or 0.0))
            if r.gap_pct is not None and r.gap_pct > OUTLIER_GAP_PCT
        ),
    )


def target_pct(family: str, size: int | None) -> float | None:
    """The issue's target mean gap for this family and size, if it has one."""
    spec = family_spec(family)
    return TARGETS_PCT.get((spec.name, _size_of(spec, size)))


def target_met(summary: Summary, target: float) -> bool:
    """Every solution feasible and the mean gap (over all instances) at most ``target``."""
    return (
        summary.instances > 0
        and summary.feasible == summary.instances
        and summary.with_bks == summary.instances
        and summary.mean_gap_pct is not None
        and summary.mean_gap_pct <= target
    )


# --- output ------------------------------------------------------------------------------


def _fmt(value: float | None, spec: str = ".2f", none: str = "-") -> str:
    return none if value is None else format(value, spec)


def _kind_label(kind: BksKind | None) -> str:
    if kind is None:
        return "-"
    return {BksKind.DISTANCE_ONLY: "dist-only", BksKind.HIERARCHICAL: "hierarch."}[kind]


def report_table(rows: Sequence[Row], title: str) -> Table:
    """The per-instance rich table, with a last row of means.

    Infeasible rows (unassigned tasks or checker violations) are red.  The BKS kind gets
    a column only when it differs between rows (otherwise the title names it).
    """
    kinds = {r.bks_kind for r in rows}
    mixed = len(kinds) > 1
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD)
    table.add_column("instance", style="cyan", no_wrap=True)
    table.add_column("vehicles ours/BKS", justify="right", no_wrap=True)
    table.add_column("distance", justify="right", no_wrap=True)
    table.add_column("BKS distance", justify="right", no_wrap=True)
    if mixed:
        table.add_column("BKS kind", no_wrap=True)
    table.add_column("gap %", justify="right", no_wrap=True)
    table.add_column("unassigned", justify="right", no_wrap=True)
    table.add_column("checker", no_wrap=True)
    table.add_column("solve s", justify="right", no_wrap=True)
    for i, r in enumerate(rows):
        bks_vehicles = "-" if r.bks_vehicles is None else str(r.bks_vehicles)
        cells = [
            r.instance,
            f"{r.vehicles} / {bks_vehicles}",
            f"{r.distance:.2f}",
            _fmt(r.bks_distance),
            *([_kind_label(r.bks_kind)] if mixed else []),
            _fmt(r.gap_pct, "+.2f"),
            str(r.unassigned),
            r.verdict,
            f"{r.solve_s:.1f}",
        ]
        table.add_row(*cells, style=None if r.feasible else "red", end_section=i == len(rows) - 1)
    summary = summarise(rows)
    bks_values = [r.bks_distance for r in rows if r.bks_distance is not None]
    bks_vehicles_values = [float(r.bks_vehicles) for r in rows if r.bks_vehicles is not None]
    table.add_row(
        "mean",
        f"{_fmt(summary.mean_vehicles, '.1f')} / {_fmt(_mean(bks_vehicles_values), '.1f')}",
        _fmt(summary.mean_distance),
        _fmt(_mean(bks_values)),
        *([""] if mixed else []),
        _fmt(summary.mean_gap_pct, "+.2f"),
        str(sum(r.unassigned for r in rows)),
        f"{summary.checker_ok}/{summary.instances} ok",
        _fmt(_mean([r.solve_s for r in rows]), ".1f"),
        style="bold",
    )
    return table


def summary_table(summary: Summary, target: float | None, note: str = "") -> Table:
    """The means and counts as a two-column table."""
    table = Table(title="Means", title_justify="left", show_header=False)
    table.add_column("what", style="cyan")
    table.add_column("value", justify="right")
    n = summary.instances
    table.add_row("instances", str(n))
    table.add_row("mean vehicles", _fmt(summary.mean_vehicles))
    table.add_row("mean distance", _fmt(summary.mean_distance))
    table.add_row(
        f"mean gap % (all {summary.with_bks} with a BKS)", _fmt(summary.mean_gap_pct, "+.2f")
    )
    table.add_row("mean gap % (feasible only)", _fmt(summary.mean_gap_feasible_pct, "+.2f"))
    table.add_row("feasible (all served, checker ok)", f"{summary.feasible} / {n}")
    table.add_row("all tasks served", f"{summary.all_served} / {n}")
    table.add_row("checker ok", f"{summary.checker_ok} / {n}")
    table.add_row("more vehicles than the BKS", f"{summary.vehicles_above_bks} / {n}")
    table.add_row("total solve s", f"{summary.total_solve_s:.1f}")
    table.add_row("longest call s", f"{summary.max_solve_s:.2f}")
    table.add_row(f"above {OUTLIER_GAP_PCT:g} %", outlier_text(summary))
    if target is not None:
        verdict = "met" if target_met(summary, target) else "NOT met"
        table.add_row(f"target: mean gap <= {target:g} %, all feasible", f"{verdict}{note}".strip())
    return table


def outlier_text(summary: Summary) -> str:
    """How many instances are above :data:`OUTLIER_GAP_PCT`, and which (worst first)."""
    names = summary.above_outlier
    return f"{len(names)}" + (f" ({', '.join(names)})" if names else "")


def result_dict(rows: Sequence[Row], summary: Summary, meta: Mapping[str, Any]) -> dict[str, Any]:
    """What ``--out`` writes as JSON: the run's settings, every row and the means."""
    return {**meta, "rows": [r.as_dict() for r in rows], "summary": asdict(summary)}


CSV_COLUMNS = (
    "instance",
    "vehicles",
    "bks_vehicles",
    "distance",
    "bks_distance",
    "bks_kind",
    "gap_pct",
    "unassigned",
    "violations",
    "checker",
    "all_served",
    "feasible",
    "solve_s",
)


def write_outputs(out: Path, result: Mapping[str, Any]) -> list[Path]:
    """Write ``result`` as JSON to ``out``; for ``*.csv``, the rows as CSV there and JSON beside.

    Returns the files written.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    json_path = out.with_suffix(".json") if out.suffix.lower() == ".csv" else out
    json_path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    written = [json_path]
    if out.suffix.lower() == ".csv":
        with out.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS, extrasaction="ignore")
            writer.writeheader()
            for row in result["rows"]:
                writer.writerow(row)
        written.append(out)
    return written


# --- peers side by side ------------------------------------------------------------------

ENGINE = "engine"
# Two distances closer than this share a win (floating-point noise of the same routes).
TIE_REL = 1e-9


@dataclass(frozen=True)
class SolverRun:
    """One solver's answer on one instance.

    Attributes:
        solver: ``engine`` or a :class:`benchmarks.peers.Peer` value.
        row: the checked row (same arithmetic, checker and BKS as the engine's), or None
            when the solver did not run.
        note: why it did not run (not applicable, failed), empty otherwise.
    """

    solver: str
    row: Row | None
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: the row's fields (or none) and the note."""
        return {"solver": self.solver, "row": None if self.row is None else self.row.as_dict()} | (
            {"note": self.note} if self.note else {}
        )


@dataclass(frozen=True)
class Comparison:
    """Every solver's answer on one instance and who won it.

    ``winners``: the feasible answers with the fewest vehicles, then the shortest
    distance (the hierarchical rule); several on a tie, none when no answer is feasible.
    """

    instance: str
    runs: tuple[SolverRun, ...]
    winners: tuple[str, ...]

    def row(self, solver: str) -> Row | None:
        """The row of ``solver``, or None when it did not run."""
        return next((r.row for r in self.runs if r.solver == solver), None)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: instance, every run and the winners."""
        return {
            "instance": self.instance,
            "runs": [r.as_dict() for r in self.runs],
            "winners": list(self.winners),
        }


@dataclass(frozen=True)
class SolverSummary:
    """One solver's means over the instances it ran, and how often it won.

    Attributes:
        solver: the solver.
        threads: search threads (engine: worker processes).
        summary: :func:`summarise` over its rows.
        not_run: instances it did not run (not applicable or failed).
        wins: instances it won, ties included.
        sole_wins: instances it won alone.
    """

    solver: str
    threads: int
    summary: Summary
    not_run: int
    wins: int
    sole_wins: int

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return asdict(self)


def winners(rows: Mapping[str, Row]) -> tuple[str, ...]:
    """The solvers whose feasible answer has the fewest vehicles, then the least distance."""
    feasible = {s: r for s, r in rows.items() if r.feasible}
    if not feasible:
        return ()
    vehicles = min(r.vehicles for r in feasible.values())
    distance = min(r.distance for r in feasible.values() if r.vehicles == vehicles)
    return tuple(
        s
        for s, r in feasible.items()
        if r.vehicles == vehicles and r.distance <= distance * (1 + TIE_REL)
    )


def compare(instance: str, runs: Sequence[SolverRun]) -> Comparison:
    """The :class:`Comparison` of ``runs`` on ``instance``."""
    rows = {r.solver: r.row for r in runs if r.row is not None}
    return Comparison(instance, tuple(runs), winners(rows))


def summarise_solvers(
    comparisons: Sequence[Comparison], solvers: Sequence[str], threads: Mapping[str, int]
) -> list[SolverSummary]:
    """Per solver: means over the instances it ran, instances not run, wins."""
    out: list[SolverSummary] = []
    for solver in solvers:
        rows = [row for c in comparisons if (row := c.row(solver)) is not None]
        out.append(
            SolverSummary(
                solver=solver,
                threads=threads.get(solver, 1),
                summary=summarise(rows),
                not_run=len(comparisons) - len(rows),
                wins=sum(solver in c.winners for c in comparisons),
                sole_wins=sum(c.winners == (solver,) for c in comparisons),
            )
        )
    return out


def _cell(row: Row | None, note: str) -> str:
    if row is None:
        return "[dim]n/a[/dim]" if note.startswith("n/a") else "[dim]failed[/dim]"
    above = row.bks_vehicles is not None and row.vehicles > row.bks_vehicles
    text = (
        f"{row.vehicles}{'*' if above else ''} / {row.distance:.2f} / {_fmt(row.gap_pct, '+.2f')}"
    )
    if row.feasible:
        return f"{text} ok"
    why = row.verdict if not row.checker_ok else f"{row.unassigned} unassigned"
    return f"[red]{text} {why}[/red]"


def side_by_side_table(
    comparisons: Sequence[Comparison], solvers: Sequence[str], bks: Mapping[str, Bks], title: str
) -> Table:
    """Per instance: BKS, then each solver's ``vehicles / distance / gap %`` and verdict
    (``ok``, violations, or unassigned tasks; ``n/a`` where it cannot model the
    instance), and the winner(s).  ``*`` marks more vehicles than the BKS: worse under
    the hierarchical rule whatever the distance gap."""
    table = Table(
        title=title,
        title_justify="left",
        box=box.SIMPLE_HEAD,
        caption="* more vehicles than the BKS (worse under the hierarchical rule, "
        "whatever the distance gap)",
        caption_justify="left",
    )
    table.add_column("instance", style="cyan", no_wrap=True)
    table.add_column("BKS veh / dist", justify="right", no_wrap=True)
    for solver in solvers:
        table.add_column(f"{solver}\nveh / dist / gap %", justify="right", no_wrap=True)
    table.add_column("won by", no_wrap=True)
    for c in comparisons:
        ref = bks.get(c.instance)
        ref_text = "-" if ref is None else f"{_fmt(ref.vehicles, 'd')} / {ref.distance:.2f}"
        notes = {r.solver: r.note for r in c.runs}
        cells = [_cell(c.row(s), notes.get(s, "n/a")) for s in solvers]
        table.add_row(c.instance, ref_text, *cells, ", ".join(c.winners) or "none feasible")
    return table


def solver_means_table(summaries: Sequence[SolverSummary], instances: int) -> Table:
    """One line per solver: threads, instances run, feasible, means, wins."""
    table = Table(title="Means per solver", title_justify="left", box=box.SIMPLE_HEAD)
    columns: tuple[tuple[str, JustifyMethod], ...] = (
        ("solver", "left"),
        ("threads", "right"),
        ("ran", "right"),
        ("feasible", "right"),
        ("mean veh", "right"),
        ("mean distance", "right"),
        ("mean gap %", "right"),
        ("mean gap % feasible", "right"),
        ("veh > BKS", "right"),
        ("wins (ties incl.)", "right"),
        ("sole wins", "right"),
        ("mean solve s", "right"),
        ("max solve s", "right"),
        (f"> {OUTLIER_GAP_PCT:g} %", "right"),
    )
    for name, justify in columns:
        table.add_column(name, justify=justify, no_wrap=True)
    for s in summaries:
        m = s.summary
        table.add_row(
            s.solver,
            str(s.threads),
            f"{m.instances} / {instances}",
            f"{m.feasible} / {m.instances}",
            _fmt(m.mean_vehicles),
            _fmt(m.mean_distance),
            _fmt(m.mean_gap_pct, "+.2f"),
            _fmt(m.mean_gap_feasible_pct, "+.2f"),
            str(m.vehicles_above_bks),
            f"{s.wins} / {instances}",
            str(s.sole_wins),
            _fmt(m.total_solve_s / m.instances if m.instances else None, ".2f"),
            f"{m.max_solve_s:.2f}",
            str(len(m.above_outlier)),
        )
    return table


def peers_to_run(peers: bool, chosen: Sequence[str]) -> list[Peer]:
    """The peers of ``--peers`` (all installed ones) or of ``--peer NAME`` (these, which
    must be installed).

    Raises:
        QualityError: an unknown peer name, or a chosen peer that is not installed.
    """
    names = [n.strip().lower() for item in chosen for n in item.split(",") if n.strip()]
    known = {p.value: p for p in PEERS}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise QualityError("peer", f"must be one of {', '.join(known)}, got {', '.join(unknown)}")
    if names:
        picked = list(dict.fromkeys(known[n] for n in names))
        for peer in picked:
            missing = peer_missing(peer)
            if missing is not None:
                raise QualityError("peer", f"{peer}: {missing}")
        return picked
    if not peers:
        return []
    return [p for p in PEERS if peer_missing(p) is None]


def run_solvers(
    bench: BenchInstance, bks: Bks | None, params: SolveParams, peers: Sequence[Peer]
) -> Comparison:
    """Solve ``bench`` with the engine and each peer at ``params.time_limit_s`` and
    ``params.seed``; check and compare every answer."""
    runs = [SolverRun(ENGINE, solve_bench(bench, bks, params))]
    for peer in peers:
        reason = peer_support(peer, bench.problem)
        if reason is not None:
            runs.append(SolverRun(peer.value, None, f"n/a: {reason}"))
            continue
        try:
            found = solve_peer(peer, bench.problem, params.time_limit_s, params.seed)
        except Exception as error:  # a peer that crashes is a result of the comparison
            runs.append(SolverRun(peer.value, None, f"failed: {type(error).__name__}: {error}"))
            continue
        runs.append(
            SolverRun(
                peer.value, evaluate(bench, peer_solution(bench.problem, found), found.solve_s, bks)
            )
        )
    return compare(bench.name, runs)


# --- improvement curve -------------------------------------------------------------------

CURVE_LIMITS_S = (1.0, 2.0, 5.0, 10.0)


@dataclass(frozen=True)
class CurvePoint:
    """The engine's means at one time limit over the report's instances.

    ``worse_than_shorter`` counts instances whose answer at this limit is worse (more
    vehicles, or as many and a longer distance, or infeasible where it was feasible)
    than at the next shorter limit: a longer limit should never be worse.
    """

    limit_s: float
    summary: Summary
    worse_than_shorter: int = 0

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: the limit, the means and the count of worse instances."""
        return {
            "limit_s": self.limit_s,
            "mean_gap_pct": self.summary.mean_gap_pct,
            "mean_vehicles": self.summary.mean_vehicles,
            "mean_distance": self.summary.mean_distance,
            "feasible": self.summary.feasible,
            "instances": self.summary.instances,
            "worse_than_shorter": self.worse_than_shorter,
            "total_solve_s": self.summary.total_solve_s,
        }


def curve_limits(time_limit_s: float, points_s: Iterable[float] = CURVE_LIMITS_S) -> list[float]:
    """The curve's limits: ``points_s`` below ``time_limit_s``, then ``time_limit_s``."""
    return sorted({p for p in points_s if 0 < p < time_limit_s} | {time_limit_s})


def parse_limits(text: str) -> list[float]:
    """``"1,2,5"`` as seconds.

    Raises:
        QualityError: not a comma list of numbers > 0.
    """
    try:
        values = [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        values = []
    if not values or not all(math.isfinite(v) and v > 0 for v in values):
        raise QualityError("curve-limits", f"must be seconds > 0 separated by commas, got {text!r}")
    return values


def _worse(longer: Row, shorter: Row) -> bool:
    if longer.feasible != shorter.feasible:
        return shorter.feasible
    return (longer.vehicles, longer.distance) > (shorter.vehicles, shorter.distance * (1 + TIE_REL))


def curve_points(rows_by_limit: Mapping[float, Sequence[Row]]) -> list[CurvePoint]:
    """One :class:`CurvePoint` per limit, in increasing limit order."""
    points: list[CurvePoint] = []
    previous: dict[str, Row] = {}
    for limit in sorted(rows_by_limit):
        rows = rows_by_limit[limit]
        worse = sum(r.instance in previous and _worse(r, previous[r.instance]) for r in rows)
        points.append(CurvePoint(limit, summarise(rows), worse))
        previous = {r.instance: r for r in rows}
    return points


def curve_table(points: Sequence[CurvePoint]) -> Table:
    """``limit s -> mean gap %, mean vehicles`` (and distance, feasible, worse)."""
    table = Table(
        title="Improvement curve (engine; one solve per limit)",
        title_justify="left",
        box=box.SIMPLE_HEAD,
    )
    table.add_column("limit s", justify="right")
    table.add_column("mean gap %", justify="right")
    table.add_column("mean vehicles", justify="right")
    table.add_column("mean distance", justify="right")
    table.add_column("feasible", justify="right")
    table.add_column("worse than the shorter limit", justify="right")
    for p in points:
        table.add_row(
            f"{p.limit_s:g}",
            _fmt(p.summary.mean_gap_pct, "+.2f"),
            _fmt(p.summary.mean_vehicles),
            _fmt(p.summary.mean_distance),
            f"{p.summary.feasible} / {p.summary.instances}",
            str(p.worse_than_shorter),
            style=None if p.worse_than_shorter == 0 else "yellow",
        )
    return table


# --- the command -------------------------------------------------------------------------


def read_bench(file: InstanceFile) -> BenchInstance:
    """Read one instance file.

    Raises:
        QualityError: the file cannot be read (unknown format, malformed file).
    """
    try:
        return read_instance(file.path, file.fmt)
    except EngineError as error:
        raise QualityError(str(file.path), f"cannot be read as {file.fmt!r}: {error}") from None


def solve_bench(bench: BenchInstance, bks: Bks | None, params: SolveParams) -> Row:
    """Solve, check and compare one read instance."""
    started = time.perf_counter()
    solution = solve(bench.problem, params)
    return evaluate(bench, solution, time.perf_counter() - started, bks)


def solve_row(file: InstanceFile, bks: Bks | None, params: SolveParams) -> Row:
    """Read, solve, check and compare one instance file.

    Raises:
        QualityError: the file cannot be read (unknown format, malformed file).
    """
    return solve_bench(read_bench(file), bks, params)


app = typer.Typer(
    add_completion=False, pretty_exceptions_enable=False, rich_markup_mode=MARKUP_MODE
)


@app.command(
    cls=CleanHelpCommand,
    context_settings={"help_option_names": ["-h", "--help"]},
)
def quality(
    *,
    family: Annotated[
        str, typer.Option(help=f"Benchmark family: {', '.join(FAMILIES)}.", show_default=False)
    ],
    size: Annotated[
        int | None,
        typer.Option(
            help="Size folder: li_lim 100/200/400 (default 100), "
            "gehring_homberger 200/400/1000 (default 200)."
        ),
    ] = None,
    time_limit: Annotated[float, typer.Option(help="Seconds per instance.")] = 10.0,
    seed: Annotated[int, typer.Option(help="Search seed.")] = 0,
    workers: Annotated[int, typer.Option(help="Parallel searches per instance.")] = 2,
    iterations: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Stop the engine's search after this many iterations (load-independent, "
            "reproducible; --time-limit stays the cap; peers keep the time limit).",
        ),
    ] = None,
    instances: Annotated[
        list[str] | None,
        typer.Option(metavar="<names>", help="Only these instances (repeatable, or a comma list)."),
    ] = None,
    limit: Annotated[int | None, typer.Option(help="Only the first N instances.")] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            help="Write every row and the means as JSON; a name ending in .csv writes the "
            "rows as CSV there and the JSON beside it (.json)."
        ),
    ] = None,
    data: Annotated[Path, typer.Option(help="Benchmark data root.")] = DEFAULT_DATA,
    peers: Annotated[
        bool,
        typer.Option(
            "--peers",
            help="Also solve each instance with every installed peer (pyvrp, vroom, plain "
            "OR-Tools; one thread each) at the same time limit, check every answer and "
            "print one side-by-side table.",
        ),
    ] = False,
    peer: Annotated[
        list[str] | None,
        typer.Option(
            metavar="<name>",
            help=f"Only this peer (repeatable: {', '.join(PEERS)}); implies --peers.",
        ),
    ] = None,
    curve: Annotated[
        bool,
        typer.Option(
            "--curve",
            help="Also solve with the engine at each --curve-limits value below "
            "--time-limit and print mean gap and vehicles per limit.",
        ),
    ] = False,
    curve_limits_s: Annotated[
        str,
        typer.Option("--curve-limits", metavar="<s,s,...>", help="Limits of --curve, seconds."),
    ] = ",".join(f"{v:g}" for v in CURVE_LIMITS_S),
    cold_workers: Annotated[
        bool,
        typer.Option(
            "--cold-workers",
            help="Start the portfolio's worker processes anew for every call, as a "
            "one-off `dispatch solve` does (default: kept between instances, as in a "
            "long-lived engine process).",
        ),
    ] = False,
) -> None:
    """Solve a benchmark family at a per-instance time limit and compare with its
    best-known solutions.

    The gap is to the distance-only BKS where the family has one, else to the
    hierarchical BKS distance; the checker gives each solution's verdict.  Exits with
    code 0 when done, 1 when interrupted (the tables cover the finished instances), 2 on
    bad arguments or data.
    """
    code = _report(
        family=family,
        size_arg=size,
        time_limit=time_limit,
        seed=seed,
        workers=workers,
        iterations=iterations,
        instances=instances or [],
        limit=limit,
        out=out,
        data=data,
        peers=peers,
        peer_names=peer or [],
        curve=curve,
        curve_limits_text=curve_limits_s,
        cold_workers=cold_workers,
    )
    raise typer.Exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    """``./run quality`` with these arguments (None: the command line's).

    Returns the exit code: 0 done, 1 interrupted, 2 bad arguments or data.
    """
    command = typer.main.get_command(app)
    try:
        command.main(args=None if argv is None else list(argv), prog_name="./run quality")
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else 1
    return 0


def _row_line(row: Row, solver: str = "") -> str:
    who = f"{solver} " if solver else ""
    return (
        f"{row.instance}: {who}{row.vehicles} veh, {row.distance:.2f}, "
        f"gap {_fmt(row.gap_pct, '+.2f')} %, {row.solve_s:.2f} s, checker {row.verdict}"
        f"{'' if row.all_served else f', {row.unassigned} unassigned'}"
        f"{f' ({row.member})' if row.member else ''}"
    )


def members_line(rows: Sequence[Row]) -> str:
    """Which portfolio member answered, counted over the engine's rows."""
    counts = Counter(r.member for r in rows if r.member)
    return "engine answers by portfolio member: " + (
        ", ".join(f"{name} {n}" for name, n in sorted(counts.items())) or "none"
    )


def time_used_line(points: Sequence[CurvePoint]) -> str:
    """The "time is used" verdict of the curve: a longer limit never gives a worse
    answer (more vehicles, or as many and a longer distance, or infeasible)."""
    worse = sum(p.worse_than_shorter for p in points)
    means = [p.summary.mean_gap_pct for p in points]
    monotone = all(a is not None and b is not None and b <= a for a, b in pairwise(means))
    verdict = "yes" if worse == 0 and monotone else "NO"
    return (
        f"time is used: {verdict} ({worse} instance answers worse than at a shorter limit; "
        f"mean gap {'never rises' if monotone else 'rises'} with the limit)"
    )


def _report(
    *,
    family: str,
    size_arg: int | None,
    time_limit: float,
    seed: int,
    workers: int,
    instances: Sequence[str],
    limit: int | None,
    out: Path | None,
    data: Path,
    iterations: int | None = None,
    peers: bool = False,
    peer_names: Sequence[str] = (),
    curve: bool = False,
    curve_limits_text: str = "",
    cold_workers: bool = False,
) -> int:
    """Run a family, print the tables, optionally write ``out``; the exit code."""
    out_console = Console()
    if not out_console.is_terminal:  # piped or redirected: do not squeeze to 80 columns
        # The side-by-side table has a column per solver: wider.
        out_console = Console(width=220 if peers or peer_names else 160)
    err_console = Console(stderr=True)
    try:
        params = SolveParams(
            time_limit_s=time_limit, seed=seed, workers=workers, iterations=iterations
        )
        # The engine's own search (solvers.rr): its kernels are loaded (or compiled) once
        # before any instance is timed, as a long-lived engine process has them.
        ensure_search_compiled()
        spec = family_spec(family)
        size = _size_of(spec, size_arg)
        names = [n for item in instances for n in item.split(",")]
        all_files = list_instances(spec.name, data, size)
        files = select_instances(all_files, names, limit)
        bks = read_bks(spec.name, data, size)
        side_by_side = peers or bool(peer_names)
        chosen = peers_to_run(peers, peer_names)
        limits = curve_limits(time_limit, parse_limits(curve_limits_text)) if curve else []
    except EngineError as error:
        err_console.print(f"[bold red]error:[/bold red] {error}", soft_wrap=True)
        return 2
    missing = {p.value: why for p in PEERS if side_by_side and (why := peer_missing(p))}
    label = spec.name if size is None else f"{spec.name} {size}"
    rows: list[Row] = []
    comparisons: list[Comparison] = []
    shorter: dict[float, list[Row]] = {lim: [] for lim in limits[:-1]}
    interrupted = False
    progress = Progress(
        TextColumn("[bold]{task.description:<14}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
    )
    try:
        # search18c: the portfolio's worker processes are kept from one instance to the
        # next, as in a long-lived engine process (forking them took 0.1-0.25 s a call).
        with progress, nullcontext() if cold_workers else warm_workers():
            task = progress.add_task("solving", total=len(files) * (1 + len(shorter)))
            for file in files:
                progress.update(task, description=file.name)
                bench = read_bench(file)
                if side_by_side:
                    comparison = run_solvers(bench, bks.get(file.name), params, chosen)
                    comparisons.append(comparison)
                    engine_row = comparison.row(ENGINE)
                    assert engine_row is not None  # the engine always runs
                    rows.append(engine_row)
                    for run in comparison.runs:
                        progress.console.print(
                            _row_line(run.row, run.solver)
                            if run.row
                            else f"{file.name}: {run.solver} {run.note}"
                        )
                else:
                    rows.append(solve_bench(bench, bks.get(file.name), params))
                    progress.console.print(_row_line(rows[-1]))
                progress.advance(task)
            for lim, curve_rows in shorter.items():
                curve_params = SolveParams(time_limit_s=lim, seed=seed, workers=workers)
                for file in files:
                    progress.update(task, description=f"{file.name} {lim:g}s")
                    row = solve_bench(read_bench(file), bks.get(file.name), curve_params)
                    curve_rows.append(row)
                    progress.console.print(f"curve {lim:g} s: {_row_line(row)}")
                    progress.advance(task)
    except EngineError as error:
        err_console.print(f"[bold red]error:[/bold red] {error}", soft_wrap=True)
        return 2
    except KeyboardInterrupt:
        interrupted = True
        err_console.print("[yellow]interrupted: the tables cover the finished instances[/yellow]")
    summary = summarise(rows)
    subset = len(rows) < len(all_files)
    note = ""
    if subset:
        note += " (subset)"
    if time_limit != TARGET_TIME_LIMIT_S:
        note += f" (at {time_limit:g} s, target is for {TARGET_TIME_LIMIT_S:g} s)"
    kinds = sorted({r.bks_kind for r in rows if r.bks_kind is not None})
    stop = f"{time_limit:g} s" if iterations is None else f"{iterations} iterations"
    title = (
        f"{label}: {len(rows)} instances at {stop}, seed {seed}, "
        f"{workers} workers; gap vs {' and '.join(kinds) or 'no'} BKS"
    )
    solvers = [ENGINE, *(p.value for p in chosen)]
    threads = {ENGINE: workers, **{p.value: THREADS for p in chosen}}
    solver_summaries = summarise_solvers(comparisons, solvers, threads)
    if side_by_side:
        sbs_title = (
            f"{label}: {len(comparisons)} instances at {time_limit:g} s each, seed {seed}; "
            f"engine {workers} worker{'s' if workers != 1 else ''}, peers {THREADS} thread "
            f"each; gap vs {' and '.join(kinds) or 'no'} BKS; checker verdict per answer"
        )
        out_console.print(side_by_side_table(comparisons, solvers, bks, sbs_title))
        out_console.print(solver_means_table(solver_summaries, len(comparisons)))
        for solver_summary in solver_summaries:  # search18c: the outliers by name
            out_console.print(
                f"{solver_summary.solver} above {OUTLIER_GAP_PCT:g} %: "
                f"{outlier_text(solver_summary.summary)}",
                soft_wrap=True,
            )
        reasons = {run.solver: run.note for c in comparisons for run in c.runs if run.row is None}
        for solver, why in sorted(reasons.items()):
            out_console.print(f"{solver}: {why}", soft_wrap=True)
        for name, why in missing.items():
            out_console.print(f"{name}: not run, {why}", soft_wrap=True)
    else:
        out_console.print(report_table(rows, title))
        out_console.print(summary_table(summary, target_pct(spec.name, size), note))
    out_console.print(members_line(rows))
    points: list[CurvePoint] = []
    if curve:
        complete = {lim: r for lim, r in shorter.items() if len(r) == len(rows)}
        points = curve_points({**complete, time_limit: rows})
        out_console.print(curve_table(points))
        out_console.print(time_used_line(points))
    if out is not None:
        meta: dict[str, Any] = {
            "family": spec.name,
            "size": size,
            "format": spec.fmt,
            "data": str(data),
            "time_limit_s": time_limit,
            "seed": seed,
            "workers": workers,
            "iterations": iterations,
            "bks_kinds": kinds,
            "target_pct": target_pct(spec.name, size),
            "interrupted": interrupted,
        }
        result = result_dict(rows, summary, meta)
        if side_by_side:
            result["peers"] = {
                "solvers": solvers,
                "threads": threads,
                "not_installed": missing,
                "instances": [c.as_dict() for c in comparisons],
                "summary": [s.as_dict() for s in solver_summaries],
            }
        if curve:
            result["curve"] = [p.as_dict() for p in points]
        for path in write_outputs(out, result):
            out_console.print(f"written: [bold]{path}[/bold]")
    return 1 if interrupted else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
