"""The city-scale report (issue 11) in one command: plan waves of growing size, the cost
of decomposition, the engines' identity and a day replay, as a user would run them.

Run with ``python -m benchmarks.scale`` (a report command, long; not part of
``./run test``).  A progress bar (rich, on stderr) shows the step; the tables go to
stdout and ``--out FILE`` writes everything as JSON, with the load average at the start
and the end (wall-clock figures depend on it).

* **Waves** (``--sizes 1000,2000,5000,10000,20000``, ``--time-limit 60``): each size
  is generated (:func:`scenarios.wave.wave_scenario`: couriers and micro-warehouses
  scaled from 300 and 20 at 10,000 orders, ``--couriers-per-10k``), planned by
  ``dispatch plan --time-limit T`` as a child process (so the wall time includes
  reading the scenario, building the world and the matrices; the child's peak resident
  memory comes from ``os.wait4``), and its plan file is read back through the plan
  schema (:func:`dispatch.plan_schema.plan_from_json`) and checked: every order routed
  or unassigned exactly once.  The routes themselves were accepted by the independent
  checker inside the plan (the portfolio takes only checked answers).  The table is the
  growth table (seconds per 1,000 orders, cost per order) and holds the reference
  wave's row (10,000 orders: wall, peak memory, routed %, unassigned by reason).
* **Cost of decomposition** (``--compare-orders 2000``): the same wave decomposed at
  ``--compare-short-s`` (30) against undecomposed (``--max-part-orders 100000``) at
  ``--compare-long-s`` (300), with the ratio of the costs per order.
* **Engines** (``--identity-orders 500``): the same wave with ``--iterations N --seed
  S`` on two engines (``--identity-engines process,ray``), decomposed into parts of
  ``--identity-part-orders``; the plan files compared byte by byte and without their
  wall-clock fields (:data:`TIMING_FIELDS`).
* **Day** (``--day-orders 100000``, optional and long): generate a day (``dispatch
  generate city --warehouses``) and time ``dispatch replay`` on it.

Arguments after ``--`` go to every ``dispatch plan`` and ``replay`` (``-- --engine
process``).  Exit code 0 when every run succeeded and its plan file passed the checks.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from core.memory import MIB
from dispatch.plan_schema import plan_from_json
from scenarios.generate import city_day_scenario
from scenarios.scenario_file import save_scenario
from scenarios.wave import wave_scenario

DEFAULT_SIZES = (1000, 2000, 5000, 10_000, 20_000)
#: The issue's reference wave: 10,000 orders, 300 couriers, 20 micro-warehouses.
REFERENCE_ORDERS, REFERENCE_COURIERS, REFERENCE_WAREHOUSES = 10_000, 300, 20


def scaled_fleet(orders: int, couriers_per_10k: int = REFERENCE_COURIERS) -> tuple[int, int]:
    """(couriers, micro-warehouses) of a wave, in proportion to the reference wave (at
    least 5 couriers, one per flow, and one warehouse)."""
    couriers = max(5, round(couriers_per_10k * orders / REFERENCE_ORDERS))
    warehouses = max(1, round(REFERENCE_WAREHOUSES * orders / REFERENCE_ORDERS))
    return couriers, warehouses


@dataclass
class ChildRun:
    """A finished child process: exit code, wall seconds, peak resident bytes, output."""

    returncode: int
    wall_s: float
    peak_rss_bytes: int
    stdout: str
    stderr: str


def run_child(args: Sequence[str], workdir: Path, *, timeout_s: float | None = None) -> ChildRun:
    """Run a command, wait for it with ``os.wait4`` (its own resource usage: the peak
    resident memory of that child alone) and return what it did.  The output goes
    through files, so a child that writes much cannot block on a full pipe."""
    out_path, err_path = workdir / "child.stdout", workdir / "child.stderr"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(list(args), stdout=out, stderr=err)
        try:
            if timeout_s is None:
                _, status, usage = os.wait4(proc.pid, 0)
            else:
                status, usage = _wait4_timeout(proc, timeout_s)
        finally:
            if proc.returncode is None and proc.poll() is None:
                proc.kill()
                proc.wait()
        wall_s = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: kB on Linux
    return ChildRun(
        returncode=proc.returncode,
        wall_s=wall_s,
        peak_rss_bytes=int(usage.ru_maxrss) * scale,
        stdout=out_path.read_text(errors="replace"),
        stderr=err_path.read_text(errors="replace"),
    )


def _wait4_timeout(proc: subprocess.Popen[bytes], timeout_s: float) -> tuple[int, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            return status, usage
        if time.monotonic() > deadline:
            proc.kill()
            _, status, usage = os.wait4(proc.pid, 0)
            return status, usage
        time.sleep(0.05)


def dispatch_command() -> list[str]:
    """How to run the CLI in a child: the ``dispatch`` script beside this interpreter,
    else this interpreter with the CLI's typer app."""
    script = Path(sys.executable).with_name("dispatch")
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "import sys, cli; sys.argv[0] = 'dispatch'; cli.app()"]


@dataclass
class PlanRow:
    """One planned wave: its size, the child's wall time and peak memory, and the plan."""

    orders: int
    couriers: int
    warehouses: int
    time_limit_s: float
    generate_s: float
    wall_s: float
    peak_mb: float
    ok: bool
    routed: int = 0
    routed_pct: float = 0.0
    unassigned_by_reason: dict[str, int] = field(default_factory=dict)
    route_cost: float = 0.0
    cost_per_order: float | None = None
    routes: int = 0
    parts: int = 0
    label: str = ""
    error: str = ""


def check_plan_file(path: Path, order_ids: Sequence[str]) -> tuple[int, dict[str, int], Any]:
    """Read a plan file through the plan schema and check that every order of the wave
    is served or unassigned, exactly once.  Returns (served, unassigned by reason, plan).

    Raises:
        ValueError: the file breaks the schema, or an order is missing, doubled or
            unknown.
    """
    data = json.loads(path.read_text())
    plan = plan_from_json(data, source=str(path))
    served = set(plan.served_order_ids())
    unassigned = [u.order_id for u in plan.unassigned]
    wanted = set(order_ids)
    doubled = served & set(unassigned)
    if doubled or len(unassigned) != len(set(unassigned)):
        raise ValueError(f"orders both served and unassigned, or unassigned twice: {doubled}")
    if served | set(unassigned) != wanted:
        missing = sorted(wanted - served - set(unassigned))[:5]
        unknown = sorted((served | set(unassigned)) - wanted)[:5]
        raise ValueError(f"orders missing {missing} or unknown {unknown}")
    reasons = Counter(u.reason.value for u in plan.unassigned)
    return len(served), dict(sorted(reasons.items())), plan


def plan_wave(
    orders: int,
    *,
    time_limit_s: float,
    workdir: Path,
    seed: int = 7,
    couriers: int | None = None,
    warehouses: int | None = None,
    couriers_per_10k: int = REFERENCE_COURIERS,
    extra_args: Sequence[str] = (),
    label: str = "",
) -> PlanRow:
    """Generate a wave (once per size and seed: a second call reuses the file), plan it
    with ``dispatch plan`` in a child process, check the plan."""
    c, w = scaled_fleet(orders, couriers_per_10k)
    couriers = c if couriers is None else couriers
    warehouses = w if warehouses is None else warehouses
    started = time.perf_counter()
    spec = wave_scenario(seed, orders=orders, couriers=couriers, warehouses=warehouses)
    scenario = workdir / f"wave-{orders}-{couriers}-{seed}.json"
    if not scenario.is_file():
        save_scenario(spec, scenario)
    generate_s = time.perf_counter() - started
    tag = "".join(ch if ch.isalnum() else "-" for ch in label)
    plan_path = workdir / f"plan-{orders}-{time_limit_s:g}s{'-' + tag if tag else ''}.json"
    child = run_child(
        [
            *dispatch_command(),
            "plan",
            str(scenario),
            "--out",
            str(plan_path),
            "--time-limit",
            f"{time_limit_s:g}",
            "--seed",
            str(seed),
            *extra_args,
        ],
        workdir,
    )
    row = PlanRow(
        orders=orders,
        couriers=len(spec.couriers),
        warehouses=warehouses,
        time_limit_s=time_limit_s,
        generate_s=round(generate_s, 2),
        wall_s=round(child.wall_s, 2),
        peak_mb=round(child.peak_rss_bytes / MIB, 1),
        ok=False,
        label=label,
    )
    if child.returncode != 0:
        row.error = f"exit {child.returncode}: {child.stderr.strip()[-300:]}"
        return row
    try:
        served, reasons, plan = check_plan_file(plan_path, [o.id for o in spec.orders])
    except (ValueError, OSError) as error:
        row.error = f"plan file: {error}"
        return row
    row.ok = True
    row.routed = served
    row.routed_pct = round(100.0 * served / orders, 2)
    row.unassigned_by_reason = reasons
    row.route_cost = round(plan.kpis.route_cost, 2)
    row.cost_per_order = (
        round(plan.kpis.cost_per_order, 3) if plan.kpis.cost_per_order is not None else None
    )
    row.routes = len(plan.routes)
    row.parts = len(plan.parts)
    return row


@dataclass
class DayRow:
    """A replayed day: size, generation seconds, the replay's wall time and peak memory."""

    orders: int
    couriers: int
    warehouses: int
    generate_s: float
    wall_s: float
    peak_mb: float
    ok: bool
    kpis: dict[str, Any] = field(default_factory=dict)
    error: str = ""


def replay_day(
    orders: int,
    *,
    couriers: int,
    warehouses: int,
    time_limit_s: float,
    workdir: Path,
    seed: int = 7,
    extra_args: Sequence[str] = (),
) -> DayRow:
    """Generate a day at city scale and time ``dispatch replay`` on it (child process)."""
    started = time.perf_counter()
    spec = city_day_scenario(seed, orders=orders, couriers=couriers, warehouses=warehouses)
    scenario = workdir / f"day-{orders}.json"
    save_scenario(spec, scenario)
    generate_s = time.perf_counter() - started
    kpis_path = workdir / f"day-{orders}-kpis.json"
    child = run_child(
        [
            *dispatch_command(),
            "replay",
            str(scenario),
            "--out",
            str(kpis_path),
            "--time-limit",
            f"{time_limit_s:g}",
            *extra_args,
        ],
        workdir,
    )
    row = DayRow(
        orders=orders,
        couriers=couriers,
        warehouses=warehouses,
        generate_s=round(generate_s, 2),
        wall_s=round(child.wall_s, 2),
        peak_mb=round(child.peak_rss_bytes / MIB, 1),
        ok=child.returncode == 0,
    )
    if child.returncode != 0:
        row.error = f"exit {child.returncode}: {child.stderr.strip()[-300:]}"
        return row
    row.kpis = dict(json.loads(kpis_path.read_text()).get("kpis", {}))
    return row


def _reasons(reasons: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in reasons.items()) or "-"


def format_table(rows: Sequence[PlanRow]) -> str:
    """The plan rows as a fixed-width text table."""
    header = (
        f"{'run':<14} {'orders':>7} {'couriers':>8} {'MW':>3} {'limit s':>7} {'wall s':>7} "
        f"{'s/1k':>6} {'peak MB':>8} {'routed %':>8} {'routes':>6} {'parts':>5} "
        f"{'cost/order':>10}  unassigned by reason"
    )
    lines = [header, "-" * len(header)]
    for r in rows:
        head = (
            f"{r.label or '-':<14} {r.orders:>7} {r.couriers:>8} {r.warehouses:>3} "
            f"{r.time_limit_s:>7g} {r.wall_s:>7.1f} {1000.0 * r.wall_s / max(1, r.orders):>6.2f} "
            f"{r.peak_mb:>8.0f}"
        )
        if not r.ok:
            lines.append(f"{head}  FAILED: {r.error}")
            continue
        cpo = f"{r.cost_per_order:.3f}" if r.cost_per_order is not None else "-"
        lines.append(
            f"{head} {r.routed_pct:>8.2f} {r.routes:>6} {r.parts:>5} {cpo:>10}  "
            f"{_reasons(r.unassigned_by_reason)}"
        )
    return "\n".join(lines)


def compare_rows(short: PlanRow, long: PlanRow) -> dict[str, Any]:
    """The cost of decomposition: the decomposed plan at the short limit against the
    undecomposed one at the long limit (cost per served order, and route cost)."""
    out: dict[str, Any] = {"routed_short": short.routed, "routed_long": long.routed}
    if short.ok and long.ok and short.cost_per_order and long.cost_per_order:
        out["cost_per_order_ratio"] = round(short.cost_per_order / long.cost_per_order, 4)
    if short.ok and long.ok and long.route_cost > 0:
        out["route_cost_ratio"] = round(short.route_cost / long.route_cost, 4)
    return out


#: Plan-file fields that hold wall-clock seconds (they differ run to run; everything
#: else of a plan with the iteration stop rule is deterministic).
TIMING_FIELDS = frozenset({"solve_s", "seconds", "wall_s", "elapsed_s"})


def without_timings(data: Any) -> Any:
    """A plan file's JSON with the wall-clock fields (:data:`TIMING_FIELDS`) left out."""
    if isinstance(data, dict):
        return {k: without_timings(v) for k, v in data.items() if k not in TIMING_FIELDS}
    if isinstance(data, list):
        return [without_timings(v) for v in data]
    return data


@dataclass
class IdentityRow:
    """Two engines on the same wave with the iteration stop rule: are the plans equal?"""

    orders: int
    iterations: int
    engines: tuple[str, str]
    max_part_orders: int
    ok: bool
    byte_identical: bool = False
    identical_without_timings: bool = False
    parts: int = 0
    wall_s: tuple[float, float] = (0.0, 0.0)
    error: str = ""


def engine_identity(
    orders: int,
    *,
    workdir: Path,
    engines: tuple[str, str] = ("process", "ray"),
    iterations: int = 50,
    max_part_orders: int = 100,
    seed: int = 7,
) -> IdentityRow:
    """Plan one wave with ``--iterations N --seed S`` on two engines (decomposed into
    parts of ``max_part_orders``) and compare the plan files byte by byte and without
    their wall-clock fields."""
    couriers, warehouses = scaled_fleet(orders)
    spec = wave_scenario(seed, orders=orders, couriers=couriers, warehouses=warehouses)
    scenario = workdir / f"identity-{orders}-{seed}.json"
    save_scenario(spec, scenario)
    row = IdentityRow(orders, iterations, engines, max_part_orders, ok=False)
    files: list[bytes] = []
    walls: list[float] = []
    for engine in engines:
        path = workdir / f"identity-{orders}-{engine}.json"
        child = run_child(
            [
                *dispatch_command(),
                "plan",
                str(scenario),
                "--out",
                str(path),
                "--engine",
                engine,
                "--iterations",
                str(iterations),
                "--seed",
                str(seed),
                "--time-limit",
                "3600",
                "--max-part-orders",
                str(max_part_orders),
            ],
            workdir,
        )
        walls.append(round(child.wall_s, 2))
        if child.returncode != 0:
            row.error = f"{engine}: exit {child.returncode}: {child.stderr.strip()[-300:]}"
            return row
        files.append(path.read_bytes())
    row.wall_s = (walls[0], walls[1])
    row.ok = True
    row.byte_identical = files[0] == files[1]
    first, second = (without_timings(json.loads(f)) for f in files)
    row.identical_without_timings = first == second
    row.parts = len(first.get("parts", []))
    return row


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=False,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """The whole city-scale report: the wave sizes (growth table, the 10k wave with its
    unassigned reasons), the cost of decomposition, the engines' identity and optionally
    the day replay; prints the tables, writes the JSON (``--out``)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    extra: list[str] = []
    if "--" in argv:
        cut = argv.index("--")
        argv, extra = argv[:cut], argv[cut + 1 :]
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.scale",
        description="The city-scale report (issue 11): plan waves of growing size as child "
        "processes (wall time incl. reading and matrices, peak memory, routed share, "
        "unassigned by reason, cost per order), the cost of decomposition, the identity of "
        "two engines with the iteration stop rule and optionally a day replay.  Arguments "
        "after -- go to every `dispatch plan` (e.g. -- --engine process).",
    )
    parser.add_argument("--sizes", default=",".join(str(s) for s in DEFAULT_SIZES))
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds per plan")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--couriers-per-10k",
        type=int,
        default=REFERENCE_COURIERS,
        help="fleet per 10,000 orders (the issue's 300; the generator's estimate of what "
        "serves about every order is 411)",
    )
    parser.add_argument("--workdir", type=Path, default=None, help="default: a temp folder")
    parser.add_argument(
        "--compare-orders",
        type=int,
        default=0,
        help="e.g. 2000 (0: skip): decomposed at "
        "--compare-short-s against undecomposed at --compare-long-s",
    )
    parser.add_argument("--compare-short-s", type=float, default=30.0)
    parser.add_argument("--compare-long-s", type=float, default=300.0)
    parser.add_argument(
        "--identity-orders",
        type=int,
        default=0,
        help="e.g. 1000 (0: skip): the same wave on two engines with --iterations",
    )
    parser.add_argument("--identity-engines", default="process,ray")
    parser.add_argument("--identity-iterations", type=int, default=50)
    parser.add_argument("--identity-part-orders", type=int, default=100)
    parser.add_argument("--day-orders", type=int, default=0, help="e.g. 100000 (0: skip)")
    parser.add_argument("--day-couriers", type=int, default=2000)
    parser.add_argument("--day-warehouses", type=int, default=60)
    parser.add_argument("--day-time-limit", type=float, default=0.2, help="per wave re-plan")
    parser.add_argument("--out", type=Path, default=None, help="write the report as JSON")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    engines = tuple(e.strip() for e in args.identity_engines.split(",") if e.strip())
    if len(engines) != 2:
        parser.error("--identity-engines must name two engines, e.g. process,ray")
    if args.workdir is None:
        workdir = Path(tempfile.mkdtemp(prefix="dispatch-scale-"))
    else:
        workdir = args.workdir
        workdir.mkdir(parents=True, exist_ok=True)
    loads = os.getloadavg()
    sys.stdout.write(
        f"scale report: {os.cpu_count()} CPUs, load average {loads[0]:.1f} "
        f"{loads[1]:.1f} {loads[2]:.1f}; plans run as `dispatch plan --time-limit "
        f"{args.time_limit:g}` {' '.join(extra)}\n"
    )
    steps = len(sizes) + (2 if args.compare_orders else 0) + (1 if args.identity_orders else 0)
    steps += 1 if args.day_orders else 0
    rows: list[PlanRow] = []
    compare: list[PlanRow] = []
    identity: IdentityRow | None = None
    day: DayRow | None = None
    with _progress() as bar:
        task = bar.add_task("scale report", total=steps)

        def step(what: str) -> None:
            bar.update(task, description=what)

        for n in sizes:
            step(f"wave {n} orders, {args.time_limit:g} s")
            rows.append(
                plan_wave(
                    n,
                    time_limit_s=args.time_limit,
                    workdir=workdir,
                    seed=args.seed,
                    couriers_per_10k=args.couriers_per_10k,
                    extra_args=extra,
                    label="wave",
                )
            )
            bar.advance(task)
        if args.compare_orders:
            runs = (
                ("decomposed", args.compare_short_s, ()),
                ("undecomposed", args.compare_long_s, ("--max-part-orders", "100000")),
            )
            for label, limit, more in runs:
                step(f"compare {args.compare_orders} orders: {label}, {limit:g} s")
                compare.append(
                    plan_wave(
                        args.compare_orders,
                        time_limit_s=limit,
                        workdir=workdir,
                        seed=args.seed,
                        couriers_per_10k=args.couriers_per_10k,
                        extra_args=[*extra, *more],
                        label=label,
                    )
                )
                bar.advance(task)
        if args.identity_orders:
            step(f"engines {'/'.join(engines)} on {args.identity_orders} orders")
            identity = engine_identity(
                args.identity_orders,
                workdir=workdir,
                engines=(engines[0], engines[1]),
                iterations=args.identity_iterations,
                max_part_orders=args.identity_part_orders,
                seed=args.seed,
            )
            bar.advance(task)
        if args.day_orders:
            step(f"day replay, {args.day_orders} orders")
            day = replay_day(
                args.day_orders,
                couriers=args.day_couriers,
                warehouses=args.day_warehouses,
                time_limit_s=args.day_time_limit,
                workdir=workdir,
                seed=args.seed,
                extra_args=extra,
            )
            bar.advance(task)
    if rows:
        sys.stdout.write("\ngrowth (time per 1,000 orders in s/1k):\n" + format_table(rows) + "\n")
    ratios: dict[str, Any] = {}
    if compare:
        short, long = compare
        ratios = compare_rows(short, long)
        sys.stdout.write(
            "\ncost of decomposition (the same wave):\n" + format_table(compare) + "\n"
        )
        sys.stdout.write(
            f"decomposed {short.time_limit_s:g} s vs undecomposed {long.time_limit_s:g} s: "
            f"cost per order x{ratios.get('cost_per_order_ratio', float('nan')):.4f}, route "
            f"cost x{ratios.get('route_cost_ratio', float('nan')):.4f} (routed {short.routed} "
            f"vs {long.routed})\n"
        )
    if identity is not None:
        state = (
            f"byte-identical {identity.byte_identical}, identical without wall-clock fields "
            f"{identity.identical_without_timings}, {identity.parts} parts"
            if identity.ok
            else f"FAILED: {identity.error}"
        )
        sys.stdout.write(
            f"\nengines {' vs '.join(identity.engines)}, {identity.orders} orders, --iterations "
            f"{identity.iterations}, parts of {identity.max_part_orders}: {state}\n"
        )
    if day is not None:
        status = "ok" if day.ok else f"FAILED: {day.error}"
        sys.stdout.write(
            f"\nday replay: {day.orders} orders, {day.couriers} couriers, {day.warehouses} "
            f"MW: generated in {day.generate_s:.1f} s, replayed in {day.wall_s:.1f} s, peak "
            f"{day.peak_mb:.0f} MB, {status}\n"
        )
    if args.out is not None:
        report = {
            "cpus": os.cpu_count(),
            "load_average": loads,
            "load_average_end": os.getloadavg(),
            "extra_args": extra,
            "time_limit_s": args.time_limit,
            "waves": [asdict(r) for r in rows],
            "compare": [asdict(r) for r in compare],
            "compare_ratios": ratios,
            "identity": asdict(identity) if identity is not None else None,
            "day": asdict(day) if day is not None else None,
        }
        args.out.write_text(json.dumps(report, indent=1) + "\n")
    ok = all(r.ok for r in rows + compare) and (day is None or day.ok)
    ok = ok and (identity is None or identity.ok)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
