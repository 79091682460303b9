"""The ``dispatch`` command line: thin; parses arguments and calls library functions.

This is the only module that prints or reads the command line.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import inspect
import json
import math
import signal
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

import typer
from matplotlib.figure import Figure
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from typer._click.core import Context, Parameter  # typer 0.2x vendors click
from typer.core import TyperCommand, TyperGroup, TyperOption

from core import limits
from core.files import confined_path, file_field, read_json
from core.memory import format_mib, peak_rss_bytes
from dispatch import Plan, Planner
from dispatch.clock import format_clock, format_hhmm, parse_clock
from dispatch.decompose import MAX_PART_ORDERS, PartEvent, ScaleSettings
from dispatch.geojson import plan_geojson
from dispatch.known import known_at
from dispatch.manifests import plan_manifests
from dispatch.mapping import plot_plan
from dispatch.plan_report import (
    FLOW_HEADERS,
    ROUTE_HEADERS,
    flow_rows,
    kpi_rows,
    route_rows,
    unassigned_rows,
)
from dispatch.plan_schema import plan_json_schema
from dispatch.planning.demand import ForecastKey, forecast_rows, history_key, hourly_series
from dispatch.planning.design_map import plot_design
from dispatch.planning.network_design import (
    NetworkComparison,
    default_candidates,
    design_network,
    network_world,
    next_day_cost,
    with_statuses,
)
from dispatch.planning.service_areas import RIDE_S, service_areas_geojson
from dispatch.planning.staffing import (
    DEFAULT_ORDERS_PER_COURIER_HOUR,
    plan_shifts,
    stock_plan,
    warehouse_throughput,
)
from dispatch.returns_effect import plan_with_returns_effect
from dispatch.viewer import render_plan_html
from dispatch.warehouse_picks import warehouse_pick_sheets
from dispatch.world import World
from geo.citygen import CitySpec, generate_city
from scenarios.compare import (
    ReplaySeries,
    comparison_figures,
    comparison_rows,
    series_of_day,
    series_of_grubhub,
)
from scenarios.demo import city_demo, plan_demo
from scenarios.design_scenario import design_scenario
from scenarios.generate import city_day_scenario, osm_day_scenario
from scenarios.grubhub import GrubhubInstance, read_grubhub
from scenarios.grubhub_dispatcher import GrubhubPolicy, policy_from_json
from scenarios.grubhub_import import grubhub_instance, grubhub_scenario
from scenarios.grubhub_outcome import GrubhubReplay
from scenarios.grubhub_rules import check_grubhub_replay
from scenarios.grubhub_sim import replay_grubhub
from scenarios.history import generate_history, history_of_orders
from scenarios.instances import FORMATS, read_instance, solution_json
from scenarios.planning_files import (
    read_candidates,
    read_forecast,
    read_history,
    write_forecast,
    write_history,
)
from scenarios.replay import (
    DayReplay,
    ReplayPolicy,
    replay_policy_from_json,
    replay_scenario,
)
from scenarios.scenario_file import load_scenario, read_scenario_file, save_scenario
from scenarios.scenario_schema import OsmNetwork, ScenarioFile, scenario_json_schema
from scenarios.staffing_day import forecast_day_scenario, replay_staffing, units_per_order
from scenarios.wave import wave_fleet_size, wave_scenario
from solvers import SolveParams, check
from solvers import solve as solve_problem
from solvers.errors import EngineError, InvalidInputError
from solvers.executor import ExecutorKind, ExecutorSpec
from solvers.forecast import forecast_counts
from solvers.params import DEFAULT_TIME_LIMIT_S

ITERATIONS_HELP = (
    "Stop each routing search after this many local-search solutions instead of on the "
    "clock: the same input, seed and iterations give the same result. The time limit "
    "stays the cap."
)


def _flags_without_type(params: list[Parameter]) -> list[Parameter]:
    """The parameters, flags (`--help` among them) given an empty metavar: a flag takes no
    value, so its help shows none (typer would print `<bool>`)."""
    for param in params:
        if isinstance(param, TyperOption) and param.is_flag and param.metavar is None:
            param.metavar = ""
    return params


def _reflowed(text: str | None) -> str | None:
    """Help text with each paragraph on one line: rich wraps it to the terminal's width
    (typer keeps the docstring's line breaks after the first paragraph)."""
    if text is None:
        return None
    paragraphs = inspect.cleandoc(text).split("\n\n")
    return "\n\n".join(" ".join(p.split()) for p in paragraphs)


class CleanHelpCommand(TyperCommand):
    """A command whose help reads as paragraphs and lists flags without a value type."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.help = _reflowed(self.help)

    def get_params(self, ctx: Context) -> list[Parameter]:
        return _flags_without_type(super().get_params(ctx))


class CleanHelpGroup(TyperGroup):
    """A command group whose help reads as paragraphs and lists flags without a value type."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.help = _reflowed(self.help)

    def get_params(self, ctx: Context) -> list[Parameter]:
        return _flags_without_type(super().get_params(ctx))


# One markup mode for all help: rich markup, `code` shown as typed.  Every Typer and
# command here uses the classes above.
MARKUP_MODE: Literal["rich"] = "rich"

app = typer.Typer(
    help="Delivery and pickup-point dispatch engine for community O2O commerce.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=MARKUP_MODE,
    cls=CleanHelpGroup,
)
console = Console()
err_console = Console(stderr=True)


def _fail(error: EngineError) -> typer.Exit:
    """Print an engine error as one clear line and return the exit to raise.

    The message is printed as it is: not wrapped at the terminal width, and brackets in
    it (paths, lists) are not taken for rich markup.
    """
    err_console.print(f"[bold red]error:[/bold red] {escape(str(error))}", soft_wrap=True)
    return typer.Exit(code=2)


# --- rel-solver: SIGTERM ends a command cleanly (worker pools are terminated) --------
def _exit_on_sigterm(signum: int, _frame: object) -> None:
    """SIGTERM becomes ``SystemExit(143)``: ``finally`` blocks run and the solvers' worker
    pools are terminated on the way out (:mod:`solvers.processes`)."""
    raise SystemExit(128 + signum)


# --- city scale (issue 11): where a plan's parts are solved, and their progress bars ---

ENGINE_HELP = (
    "Where the parts of a large batch (and a replay's zones) are solved: inline (one "
    "after another in this process), process (a local process pool on every core, the "
    "default) or ray (a Ray cluster given by --ray-address, else a local Ray)."
)
EngineOption = Annotated[
    ExecutorKind, typer.Option("--engine", help=ENGINE_HELP, case_sensitive=False)
]
MaxPartOption = Annotated[
    int,
    typer.Option(
        "--max-part-orders",
        help="Most orders of one part: a flow with more is split into parts by "
        "micro-warehouse area (100000: never split).",
    ),
]
RayAddressOption = Annotated[
    str | None,
    typer.Option(
        "--ray-address",
        metavar="<address>",
        help="The Ray cluster to run on (e.g. ray://head:10001 or auto); with --engine ray.",
    ),
]


def _scale(
    engine: ExecutorKind, ray_address: str | None, max_part_orders: int = MAX_PART_ORDERS
) -> ScaleSettings:
    """The planner's scale settings for the command line's engine options.

    Raises:
        InvalidInputError: --ray-address without --engine ray, --max-part-orders out of
            its range.
    """
    _check_options(max_part_orders=max_part_orders)
    if ray_address is not None and engine is not ExecutorKind.RAY:
        raise InvalidInputError("--ray-address", "is for --engine ray only")
    return ScaleSettings(
        executor=ExecutorSpec(kind=engine, ray_address=ray_address),
        max_part_orders=max_part_orders,
    )


def _parts_progress() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[note]}"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    )


def _part_bars(progress: Progress) -> Callable[[PartEvent], None]:
    """A planner progress callback: one bar per part of a decomposed flow (stderr)."""
    bars: dict[tuple[str, str], Any] = {}

    def on_event(event: PartEvent) -> None:
        key = (event.flow.value, event.label)
        if event.state == "queued":
            bars[key] = progress.add_task(
                escape(f"{event.flow.value} {event.label} ({event.orders} orders)"),
                total=1.0,
                note="",
            )
        elif key in bars:
            progress.update(
                bars[key], completed=1.0, note=f"{event.seconds:.1f} s, cost {event.cost:,.0f}"
            )

    return on_event


# --- input limits of the command line (core.limits; README "Input limits") ------------
# Each numeric option is checked here first, so a value such as `--workers 100000` or
# `--time-limit 1e300` is one clear error line naming the option, not a hang.
_OPTION_RANGES: dict[str, tuple[float, float]] = {
    "--time-limit": (0.0, limits.MAX_TIME_LIMIT_S),
    "--workers": (1, limits.MAX_WORKERS),
    "--iterations": (1, limits.MAX_ITERATIONS),
    "--seed": (0, limits.MAX_SEED),
    "--blocks": (1, limits.MAX_CITY_BLOCKS_PER_SIDE),
    "--orders": (1, limits.MAX_ORDERS),
    "--couriers": (1, limits.MAX_COURIERS),
    "--micro-warehouses": (1, limits.MAX_CITY_BLOCKS),
    "--warehouses": (1, limits.MAX_WAVE_WAREHOUSES),
    "--max-part-orders": (20, 100_000),
}
DATA_ROOT_HELP = (
    "A folder that files the scenario refers to (an OSM file) may lie in, besides the "
    "scenario's own folder; repeat for more."
)
# The --data-root option of every command that reads a scenario (file confinement).
DataRootOption = Annotated[
    list[Path] | None,
    typer.Option("--data-root", metavar="<folder>", help=DATA_ROOT_HELP, file_okay=False),
]


def _check_options(**values: float | None) -> None:
    """Refuse a numeric option outside its range (keys: option names, `_` for `-`).

    Raises:
        InvalidInputError: naming the option, its range and the value.
    """
    for key, value in values.items():
        if value is None:
            continue
        option = "--" + key.replace("_", "-")
        low, high = _OPTION_RANGES[option]
        # --time-limit is a positive number; the others are whole numbers.
        if option == "--time-limit":
            if not (math.isfinite(value) and low < value <= high):
                raise InvalidInputError(
                    option, f"must be a number > 0 and <= {high:g} seconds, got {value:g}"
                )
        elif not low <= value <= high:
            raise InvalidInputError(
                option,
                f"must be a whole number in {low:,.0f}..{high:,.0f}, got {limits.quoted(value)}",
            )


@app.callback()
def main() -> None:
    """Delivery and pickup-point dispatch engine for community O2O commerce."""
    signal.signal(signal.SIGTERM, _exit_on_sigterm)


def _write(path: Path, text: str, encoding: str = "utf-8") -> None:
    """Write a text file (parent folders made); an OSError becomes one error line."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding=encoding)
    except OSError as error:
        failure = InvalidInputError(str(path), f"must be a writable file ({error.strerror})")
        raise _fail(failure) from error


def _save_figure(figure: Figure, path: Path) -> None:
    """Save a figure as PNG; an OSError becomes one error line."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(path, format="png")
    except OSError as error:
        failure = InvalidInputError(str(path), f"must be a writable file ({error.strerror})")
        raise _fail(failure) from error


def _print_rows(title: str, rows: Sequence[tuple[str, str]]) -> None:
    table = Table(title=title, title_justify="left", show_header=False)
    table.add_column("what", style="cyan")
    table.add_column("value")
    for label, value in rows:
        table.add_row(label, value)
    console.print(table)


def _print_routes(plan: Plan, world: World) -> None:
    """The route table: one row per courier route (clock times as HH:MM)."""
    if not plan.routes:
        console.print("[dim]no routes[/dim]")
        return
    table = Table(title="Routes", title_justify="left")
    for i, header in enumerate(ROUTE_HEADERS):
        table.add_column(
            header,
            justify="left" if i < 2 else "right",
            style="cyan" if i == 0 else None,
            no_wrap=True,
        )
    for row in route_rows(plan, world):
        table.add_row(*(escape(cell) for cell in row))
    console.print(table)


def _print_plan(plan: Plan, world: World) -> None:
    """The plan's route table, KPI tables (per flow and overall) and its first unassigned
    orders."""
    _print_routes(plan, world)
    flows = Table(title="Orders by flow", title_justify="left")
    for i, header in enumerate(FLOW_HEADERS):
        flows.add_column(
            header, justify="left" if i == 0 else "right", style="cyan" if i == 0 else None
        )
    rows = flow_rows(plan)
    for i, row in enumerate(rows):
        flows.add_row(*row, end_section=i == len(rows) - 2)
    console.print(flows)
    _print_rows("KPIs", kpi_rows(plan))
    unassigned = unassigned_rows(plan)
    if unassigned:
        table = Table(title="Unassigned orders", title_justify="left")
        for header in ("order", "flow", "reason", "detail"):
            table.add_column(header)
        for row in unassigned:
            table.add_row(*(escape(cell) for cell in row))
        console.print(table)
        if len(plan.unassigned) > len(unassigned):
            console.print(f"[dim]... and {len(plan.unassigned) - len(unassigned)} more[/dim]")


def _write_manifests(folder: Path, sheets: dict[str, str]) -> None:
    """Write courier manifests (CSV) into ``folder``; with a byte-order mark so that
    spreadsheet programs read the UTF-8 (Chinese notes) right."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        failure = InvalidInputError(str(folder), f"must be a writable folder ({error.strerror})")
        raise _fail(failure) from error
    for name, text in sheets.items():
        _write(folder / name, text, encoding="utf-8-sig")


def _plan_json(name: str, plan: Plan) -> str:
    return (
        json.dumps({"scenario": name, "at": format_clock(plan.at_s), **plan.to_json()}, indent=2)
        + "\n"
    )


@app.command(cls=CleanHelpCommand)
def schema(
    out: Annotated[
        Path | None,
        typer.Option(help="Write the schema to this file instead of printing it.", dir_okay=False),
    ] = None,
    plan: Annotated[
        bool,
        typer.Option(
            "--plan", help="The schema of plan files (the output of `dispatch plan`) instead."
        ),
    ] = False,
) -> None:
    """Print the JSON Schema of scenario files (the input of `dispatch plan`), or with
    --plan of plan files (its output)."""
    chosen = plan_json_schema() if plan else scenario_json_schema()
    text = json.dumps(chosen, indent=2, ensure_ascii=False) + "\n"
    if out is None:
        typer.echo(text, nl=False)
    else:
        _write(out, text)
        console.print(f"schema written to [bold]{escape(str(out))}[/bold]")


@app.command("plan", cls=CleanHelpCommand)
def plan_command(
    scenario: Annotated[Path, typer.Argument(help="Scenario file (JSON; see `dispatch schema`).")],
    *,
    out: Annotated[Path, typer.Option(help="Where to write the plan JSON.", dir_okay=False)],
    at: Annotated[
        str | None,
        typer.Option(help='Plan time "HH:MM" (default: the scenario\'s "at").'),
    ] = None,
    geojson: Annotated[
        Path | None, typer.Option(help="Also write the plan as GeoJSON.", dir_okay=False)
    ] = None,
    map_path: Annotated[
        Path | None, typer.Option("--map", help="Also write a map PNG.", dir_okay=False)
    ] = None,
    time_limit: Annotated[
        float,
        typer.Option(
            "--time-limit", help="Wall-clock budget of the whole plan, seconds (every flow)."
        ),
    ] = DEFAULT_TIME_LIMIT_S,
    seed: Annotated[int, typer.Option(help="Search seed.")] = 0,
    iterations: Annotated[int | None, typer.Option(help=ITERATIONS_HELP)] = None,
    workers: Annotated[int, typer.Option(help="Parallel searches (processes) per run.")] = 1,
    engine: EngineOption = ExecutorKind.PROCESS,
    ray_address: RayAddressOption = None,
    max_part_orders: MaxPartOption = MAX_PART_ORDERS,
    data_root: DataRootOption = None,
    html_path: Annotated[
        Path | None,
        typer.Option(
            "--html",
            help="Also write the plan viewer: one HTML page that works offline.",
            dir_okay=False,
        ),
    ] = None,
    manifests: Annotated[
        Path | None,
        typer.Option(
            help="Also write one manifest per courier into this folder (CSV: sequence, "
            "time, action, place, location, orders, items, customer note).",
            file_okay=False,
        ),
    ] = None,
    pick_lists: Annotated[
        Path | None,
        typer.Option(
            "--pick-lists",
            help="Also write one pick list per micro-warehouse into this folder (CSV: "
            "courier, ready, departure, orders, SKU, temperature, quantity, cold items "
            "and boxes per departure).",
            file_okay=False,
        ),
    ] = None,
) -> None:
    """Plan a scenario's batch of orders (and returns), print the route table and KPIs,
    and write the plan (JSON; optional GeoJSON, map, viewer page, courier manifests and
    micro-warehouse pick lists).  With returns, the plan is made a second time without
    them to say how many km they add.

    Only orders created by the plan time are planned; how many later ones were left
    out is said on stderr.

    Bad input (a scenario that breaks the schema, an order naming an unknown store or
    building, a closed pickup point...) prints one error line and exits with code 2.
    """
    try:
        _check_options(time_limit=time_limit, seed=seed, iterations=iterations, workers=workers)
        params = SolveParams(
            time_limit_s=time_limit, seed=seed, workers=workers, iterations=iterations
        )
        loaded = load_scenario(scenario, data_roots=data_root or ())
        if loaded.spec.grubhub is not None:
            raise InvalidInputError(
                "grubhub",
                "a Grubhub MDRP scenario is replayed under its family's rules: use "
                "`dispatch replay` (its world is empty, there is nothing to plan)",
            )
        at_s = parse_clock(at, field="--at") if at is not None else loaded.at_s
        if at_s is not None and at_s > limits.MAX_CLOCK_S:
            raise InvalidInputError(
                "--at", f"must be within the planning horizon ({limits.MAX_CLOCK_S // 3600}:00)"
            )
        if at_s is None:
            raise InvalidInputError("--at", 'is required: the scenario gives no "at" time')
        # Only what is known at the plan time (dispatch.known): orders created later wait.
        known, later = known_at(loaded.orders, at_s)
        if later:
            err_console.print(
                f"{len(later)} order(s) created after {format_hhmm(at_s)} left out "
                f"(first at {format_hhmm(min(o.created_at_s for o in later))}); "
                f"planning the {len(known)} created by then"
            )
        loaded = dataclasses.replace(
            loaded,
            orders=known,
            returns=tuple(r for r in loaded.returns if r.created_at_s <= at_s),
        )
        scale = _scale(engine, ray_address, max_part_orders)
        with _parts_progress() as progress:
            progress.add_task(f"Planning {len(loaded.orders)} orders ...", total=None, note="")
            started = time.perf_counter()
            plan = plan_with_returns_effect(
                Planner(loaded.world, loaded.settings, scale=scale, progress=_part_bars(progress)),
                loaded.orders,
                loaded.returns,
                at_s=at_s,
                params=params,
            )
            plan_s = time.perf_counter() - started
            collection = (
                plan_geojson(plan, loaded.world, loaded.orders) if geojson is not None else None
            )
            figure = (
                plot_plan(plan, loaded.world, orders=loaded.orders)
                if map_path is not None
                else None
            )
            page = (
                render_plan_html(
                    plan,
                    loaded.world,
                    loaded.orders,
                    title=f"{loaded.name}: plan at {format_hhmm(at_s)}",
                )
                if html_path is not None
                else None
            )
            sheets = (
                plan_manifests(plan, loaded.world, loaded.orders) if manifests is not None else {}
            )
    except EngineError as error:
        raise _fail(error) from error
    _write(out, _plan_json(loaded.name, plan))
    written = [str(out)]
    if html_path is not None and page is not None:
        _write(html_path, page)
        written.append(str(html_path))
    if manifests is not None:
        _write_manifests(manifests, sheets)
        written.append(f"{len(sheets)} manifests in {manifests}")
    if pick_lists is not None:
        picks = warehouse_pick_sheets(plan.warehouse_pick_lists)
        _write_manifests(pick_lists, picks)
        written.append(f"{len(picks)} pick lists in {pick_lists}")
    if geojson is not None and collection is not None:
        _write(geojson, json.dumps(collection) + "\n")
        written.append(str(geojson))
    if map_path is not None and figure is not None:
        _save_figure(figure, map_path)
        written.append(str(map_path))
    _print_plan(plan, loaded.world)
    console.print(
        f"{escape(loaded.name)} at {format_hhmm(at_s)}: planned in {plan_s:.1f} s -> "
        + ", ".join(escape(w) for w in written)
    )
    # scale-data: the process's peak memory (RSS high-water mark), on stderr.
    err_console.print(f"peak memory: {format_mib(peak_rss_bytes())} (resident, this process)")


@app.command(cls=CleanHelpCommand)
def demo(
    *,
    seed: Annotated[int, typer.Option(help="Seed of the generated city and its orders.")] = 7,
    blocks: Annotated[int, typer.Option(help="Blocks per side of the city.")] = 14,
    map_path: Annotated[
        Path, typer.Option("--map", help="Where to write the plan's map PNG.", dir_okay=False)
    ] = Path("demo-plan.png"),
    time_limit: Annotated[
        float,
        typer.Option(
            "--time-limit", help="Wall-clock budget of the whole plan, seconds (every flow)."
        ),
    ] = DEFAULT_TIME_LIMIT_S,
    workers: Annotated[int, typer.Option(help="Parallel searches (processes) per run.")] = 1,
    out: Annotated[
        Path | None, typer.Option(help="Also write the plan JSON.", dir_okay=False)
    ] = None,
    geojson: Annotated[
        Path | None, typer.Option(help="Also write the plan as GeoJSON.", dir_okay=False)
    ] = None,
    scenario_out: Annotated[
        Path | None,
        typer.Option("--scenario-out", help="Also write the demo scenario file.", dir_okay=False),
    ] = None,
    html_path: Annotated[
        Path | None,
        typer.Option(
            "--html",
            help="Also write the plan viewer: one HTML page that works offline.",
            dir_okay=False,
        ),
    ] = None,
) -> None:
    """Generate a city and a batch of all five flows, plan it, print KPIs, write the map.

    Needs no input files.  Planning the batch (five flows and the pickup-point
    assignment) takes at most --time-limit seconds in all.
    """
    try:
        _check_options(seed=seed, blocks=blocks, time_limit=time_limit, workers=workers)
        params = SolveParams(time_limit_s=time_limit, workers=workers)
        with console.status("Generating the city and computing travel ..."):
            report = city_demo(seed=seed, blocks=blocks, with_map=False)
        with console.status("Planning the demo batch (all five flows) ..."):
            demo_report = plan_demo(seed=seed, blocks=blocks, params=params)
            collection = (
                plan_geojson(
                    demo_report.plan, demo_report.scenario.world, demo_report.scenario.orders
                )
                if geojson is not None
                else None
            )
            page = (
                render_plan_html(
                    demo_report.plan,
                    demo_report.scenario.world,
                    demo_report.scenario.orders,
                    title=f"{demo_report.scenario.name}: plan at "
                    f"{format_hhmm(demo_report.plan.at_s)}",
                )
                if html_path is not None
                else None
            )
    except EngineError as error:
        raise _fail(error) from error
    for section in report.sections:
        _print_rows(section.title, section.rows)
    _print_plan(demo_report.plan, demo_report.scenario.world)
    timings = {**report.timings_s, **demo_report.timings_s}
    timing = ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in timings.items())
    console.print(f"[dim]timings: {timing}[/dim]")
    _save_figure(demo_report.figure, map_path)
    console.print(f"map written to [bold]{escape(str(map_path))}[/bold]")
    if out is not None:
        _write(out, _plan_json(demo_report.scenario.name, demo_report.plan))
        console.print(f"plan written to [bold]{escape(str(out))}[/bold]")
    if geojson is not None and collection is not None:
        _write(geojson, json.dumps(collection) + "\n")
        console.print(f"GeoJSON written to [bold]{escape(str(geojson))}[/bold]")
    if html_path is not None and page is not None:
        _write(html_path, page)
        console.print(f"plan viewer written to [bold]{escape(str(html_path))}[/bold]")
    if scenario_out is not None:
        try:
            save_scenario(demo_report.spec, scenario_out)
        except EngineError as error:
            raise _fail(error) from error
        console.print(f"scenario written to [bold]{escape(str(scenario_out))}[/bold]")


@app.command(cls=CleanHelpCommand)
def solve(
    instance: Annotated[Path, typer.Argument(help="Benchmark instance file.")],
    *,
    fmt: Annotated[
        str,
        typer.Option("--format", help=f"Instance format: {', '.join(FORMATS)}."),
    ],
    out: Annotated[Path, typer.Option(help="Where to write the JSON result.", dir_okay=False)],
    time_limit: Annotated[
        float, typer.Option("--time-limit", help="Wall-clock budget of the solve, seconds.")
    ] = DEFAULT_TIME_LIMIT_S,
    seed: Annotated[int, typer.Option(help="Search seed.")] = 0,
    iterations: Annotated[int | None, typer.Option(help=ITERATIONS_HELP)] = None,
    workers: Annotated[int, typer.Option(help="Parallel searches (processes).")] = 2,
) -> None:
    """Solve a public benchmark instance and write routes as JSON.

    A bad format, a missing or malformed file or bad search settings print one error
    line and exit with code 2.
    """
    try:
        _check_options(time_limit=time_limit, seed=seed, iterations=iterations, workers=workers)
        params = SolveParams(
            time_limit_s=time_limit, seed=seed, workers=workers, iterations=iterations
        )
        bench = read_instance(instance, fmt)
        with console.status(f"Solving {bench.name} for {time_limit:g} s ..."):
            started = time.perf_counter()
            solution = solve_problem(bench.problem, params)
            solve_s = time.perf_counter() - started
    except EngineError as error:
        raise _fail(error) from error
    if 0 < solution.stats.workers < workers:
        console.print(
            f"[dim]note: {workers} workers asked, {solution.stats.workers} run "
            "(one search per usable core)[/dim]"
        )
    report = check(bench.problem, solution)
    result = solution_json(bench, solution, solve_s)
    _write(out, json.dumps(result) + "\n")
    verdict = "feasible" if report.ok else f"{len(report.violations)} violations"
    console.print(
        f"{bench.name}: {result['vehicles']} vehicles, distance {result['distance']:.2f}, "
        f"{len(solution.unassigned)} unassigned, checker: {verdict}, {solve_s:.1f} s -> {out}"
    )
    for item in solution.unassigned[:10]:
        console.print(f"  unassigned {item.task_id}: {item.reason} ({item.detail})")


# --- replay: a scenario's day, or a Grubhub MDRP instance under its own rules ----------
# Imports kept here so that this block is one addition at the end of the file; they
# belong with the others at the top when the file is next reorganised.


def _read_json_file(path: Path) -> object:
    """A policy file, read with every guard of :mod:`core.files`."""
    try:
        return read_json(path, field=file_field("policy", path), max_bytes=1024**2)
    except EngineError as error:
        raise _fail(error) from error


def _print_grubhub(replay: GrubhubReplay) -> None:
    m = replay.metrics
    rows = [
        ("orders", str(m.orders_total)),
        ("delivered", str(m.delivered)),
        ("not delivered", f"{m.not_delivered} ({m.not_delivered_pct:.2f}%)"),
        (
            "click-to-door mean / p90",
            f"{m.click_to_door_mean_min:.2f} / {m.click_to_door_p90_min:.1f} min",
        ),
        ("overage beyond target", f"{m.overage_mean_min:.2f} min"),
        ("late (beyond target)", str(m.late)),
        ("ready-to-pickup", f"{m.ready_to_pickup_mean_min:.2f} min"),
        ("cost per order", f"{m.cost_per_order:.2f}"),
        ("courier utilisation", f"{m.courier_utilisation_pct:.1f}%"),
        ("orders per trip", f"{m.orders_per_bundle:.2f}"),
    ]
    state = "" if replay.complete else " (interrupted: partial)"
    _print_rows(f"Replay of {replay.instance}{state}", rows)


def _print_day(day: DayReplay) -> None:
    k = day.kpis

    def num(value: object, fmt: str) -> str:
        return "-" if value is None else format(value, fmt)

    rows = [
        ("orders", str(k["orders_total"])),
        ("delivered", str(k["delivered"])),
        ("collected at pickup points", str(k["collected"])),
        ("unassigned", str(k["unassigned"])),
        ("late", str(k["late"])),
        ("on time", f"{num(k['on_time_pct'], '.1f')}%"),
        (
            "click-to-door mean / p90",
            f"{num(k['click_to_door_mean_min'], '.1f')} / "
            f"{num(k['click_to_door_p90_min'], '.1f')} min",
        ),
        ("courier utilisation", f"{num(k['courier_utilisation_pct'], '.1f')}%"),
        ("waves", str(day.waves)),
    ]
    rows.extend((f"unassigned: {r}", str(n)) for r, n in k["unassigned_by_reason"].items())
    if "returns" in k:  # returns collected on the routes (dispatch.returns)
        r = k["returns"]
        rows.append(
            (
                "returns collected / on time",
                f"{r['returns_collected']} / {r['returns_on_time']} of {r['returns_total']} "
                f"({num(r['on_time_pct'], '.1f')}% on time)",
            )
        )
    state = "" if day.complete else " (interrupted: partial)"
    _print_rows(f"Replay of {day.name}{state}", rows)


def _replay_progress(label: str) -> Progress:
    return Progress(
        TextColumn(f"replaying {escape(label)}"),
        BarColumn(),
        TextColumn("{task.fields[clock]}"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    )


def _read_source(source: Path) -> GrubhubInstance | ScenarioFile:
    """What a replay's SOURCE holds: a Grubhub MDRP instance (a folder, or a scenario file
    with a ``grubhub`` section), or else a scenario file (validated, world not built)."""
    if source.is_dir():
        return read_grubhub(source)
    spec = read_scenario_file(source)
    return grubhub_instance(spec) if spec.grubhub is not None else spec


def _replay_grubhub(instance: GrubhubInstance, policy_data: object, label: str, out: Path) -> bool:
    """Replay an MDRP instance under its family's rules, write and print the KPIs; whether
    the replay ran to the end."""
    try:
        chosen = policy_from_json(policy_data, source=label)
    except EngineError as error:
        raise _fail(error) from error
    with _replay_progress(instance.name) as progress:
        task = progress.add_task("replay", total=1.0, clock="")

        def advance(now_min: float, last_min: float) -> None:
            clock = format_clock(60.0 * int(now_min))
            done = min(1.0, now_min / max(last_min, 1.0))
            progress.update(task, completed=done, clock=clock)

        result = replay_grubhub(instance, chosen, progress=advance)
    violations = check_grubhub_replay(instance, result)
    data = result.to_json()
    data["violations"] = list(violations)
    _write(out, json.dumps(data, indent=1) + "\n")
    _print_grubhub(result)
    if violations:
        err_console.print(f"{len(violations)} rule violations: {escape(violations[0])}")
    return result.complete


@app.command(cls=CleanHelpCommand)
def replay(
    source: Annotated[
        Path,
        typer.Argument(
            help="A scenario file (JSON), or a Grubhub MDRP instance folder (or its "
            "scenario file from `dispatch import grubhub`)."
        ),
    ],
    *,
    out: Annotated[Path, typer.Option(help="Where to write the KPIs (JSON).", dir_okay=False)],
    policy: Annotated[
        Path | None,
        typer.Option(
            help="JSON file of policy fields (scenario: wave_s, time_limit_s, give_up_s, "
            "drain_s, workers, seed, iterations; Grubhub: wave_min, max_bundle, "
            "horizon_min, ...)."
        ),
    ] = None,
    time_limit: Annotated[
        float | None,
        typer.Option(
            "--time-limit",
            help="Wall-clock budget of each wave's re-plan, seconds (scenario days; "
            "overrides the policy file's time_limit_s).",
        ),
    ] = None,
    seed: Annotated[
        int | None, typer.Option(help="Search seed (scenario days; overrides the policy's).")
    ] = None,
    iterations: Annotated[
        int | None,
        typer.Option(help=ITERATIONS_HELP + " Scenario days; overrides the policy's."),
    ] = None,
    engine: EngineOption = ExecutorKind.PROCESS,
    ray_address: RayAddressOption = None,
    data_root: DataRootOption = None,
) -> None:
    """Replay a day with rolling-horizon re-planning and write the KPIs.

    A scenario file's orders arrive over the day and the live dispatcher re-plans every
    wave (default 2 minutes); a Grubhub MDRP instance folder, or a scenario file with a
    `grubhub` section (`dispatch import grubhub`), is replayed under that family's
    rules and reports its metrics.  kpis.json has `kpis` with at least
    orders_total, delivered, collected, unassigned and late.  Ctrl-C stops the replay and
    still writes the partial KPIs (`"complete": false`), exiting with code 130.  A bad
    file or policy prints one error line and exits with code 2.
    """
    try:
        _check_options(time_limit=time_limit, seed=seed, iterations=iterations)
        scale = _scale(engine, ray_address)
    except EngineError as error:
        raise _fail(error) from error
    policy_data = _read_json_file(policy) if policy is not None else {}
    label = file_field("policy", str(policy))
    overrides = {
        name: value
        for name, value in (
            ("time_limit_s", time_limit),
            ("seed", seed),
            ("iterations", iterations),
        )
        if value is not None
    }
    try:
        loaded = _read_source(source)
        if overrides and isinstance(loaded, GrubhubInstance):
            raise InvalidInputError(
                "--time-limit/--seed/--iterations",
                "apply to scenario days; a Grubhub replay takes its settings from --policy",
            )
    except EngineError as error:
        raise _fail(error) from error
    if isinstance(policy_data, dict):
        policy_data = {**policy_data, **overrides}
    if isinstance(loaded, GrubhubInstance):
        complete = _replay_grubhub(loaded, policy_data, label, out)
    else:
        try:
            day_policy = replay_policy_from_json(policy_data, source=label)
            scenario = load_scenario(source, loaded, data_roots=data_root or ())
        except EngineError as error:
            raise _fail(error) from error
        with _replay_progress(scenario.name) as progress:
            task = progress.add_task("replay", total=1.0, clock="")

            def advance_day(elapsed_s: float, total_s: float) -> None:
                done = min(1.0, elapsed_s / max(total_s, 1.0))
                progress.update(task, completed=done, clock=f"+{elapsed_s / 60:.0f} min")

            try:
                day = replay_scenario(scenario, day_policy, progress=advance_day, scale=scale)
            except EngineError as error:
                raise _fail(error) from error
        _write(out, json.dumps(day.to_json(), indent=1) + "\n")
        _print_day(day)
        complete = day.complete
    console.print(f"KPIs written to [bold]{escape(str(out))}[/bold]")
    if not complete:
        raise typer.Exit(code=130)


# --- generate: scenarios from the procedural city or an OSM file ---------------------

generate_app = typer.Typer(
    help="Generate scenario files.",
    no_args_is_help=True,
    rich_markup_mode=MARKUP_MODE,
    cls=CleanHelpGroup,
)
app.add_typer(generate_app, name="generate")


@generate_app.command("city", cls=CleanHelpCommand)
def generate_city_command(
    *,
    out: Annotated[Path, typer.Option(help="Where to write the scenario (JSON).", dir_okay=False)],
    seed: Annotated[int, typer.Option(help="City and order-stream seed.")] = 7,
    blocks: Annotated[int, typer.Option(help="City size in blocks each way.")] = 10,
    orders: Annotated[int, typer.Option(help="Orders over the day.")] = 300,
    couriers: Annotated[int, typer.Option(help="E-bike couriers.")] = 20,
    multi_store_share: Annotated[
        float, typer.Option("--multi-store-share", help="Share of multi-store baskets.")
    ] = 0.1,
    next_day_share: Annotated[
        float, typer.Option("--next-day-share", help="Share of next-day pickup orders.")
    ] = 0.1,
    warehouses: Annotated[
        int | None,
        typer.Option(
            help="Micro-warehouses; the city grows to about 50 blocks per warehouse "
            "(default: one per 50 blocks of --blocks)."
        ),
    ] = None,
    returns_share: Annotated[
        float,
        typer.Option(
            "--returns-share",
            help="Share of delivered orders returned the same day (collected at the door).",
        ),
    ] = 0.025,
    stock_cover: Annotated[
        float | None,
        typer.Option(
            "--stock-cover",
            help="Stock at every micro-warehouse: this share of its day's demand per SKU "
            "(1.0 covers the day; below 1, orders run out of stock). Default: no stock "
            "counted.",
        ),
    ] = None,
) -> None:
    """A generated city and a day of orders with breakfast, lunch and evening peaks, and
    a share of returns."""
    try:
        _check_options(
            seed=seed, blocks=blocks, orders=orders, couriers=couriers, warehouses=warehouses
        )
        spec = city_day_scenario(
            seed,
            blocks=blocks,
            orders=orders,
            couriers=couriers,
            multi_store_share=multi_store_share,
            next_day_share=next_day_share,
            warehouses=warehouses,
            returns_share=returns_share,
            stock_cover=stock_cover,
        )
        save_scenario(spec, out)
    except EngineError as error:
        raise _fail(error) from error
    console.print(
        f"{len(spec.orders)} orders, {len(spec.returns)} returns, {len(spec.couriers)} couriers -> "
        f"[bold]{escape(str(out))}[/bold]"
    )


# --- scale-data: a batch wave at city scale (issue 11) --------------------------------
@generate_app.command("wave", cls=CleanHelpCommand)
def generate_wave_command(
    *,
    out: Annotated[Path, typer.Option(help="Where to write the scenario (JSON).", dir_okay=False)],
    orders: Annotated[int, typer.Option(help="Orders in the wave, all known at 10:00.")] = 1000,
    couriers: Annotated[
        int | None,
        typer.Option(
            help="The whole fleet, split over the flows by their work (default: the fleet "
            "the estimates say serves about every order)."
        ),
    ] = None,
    warehouses: Annotated[
        int, typer.Option(help="Micro-warehouses; the city grows to about 50 blocks each.")
    ] = 4,
    seed: Annotated[int, typer.Option(help="City and order-stream seed.")] = 7,
) -> None:
    """A batch wave: every order known at the plan time, the five flows mixed, on a city
    big enough for the micro-warehouses."""
    try:
        _check_options(seed=seed, orders=orders, couriers=couriers, warehouses=warehouses)
        spec = wave_scenario(seed, orders=orders, couriers=couriers, warehouses=warehouses)
        save_scenario(spec, out)
    except EngineError as error:
        raise _fail(error) from error
    needed = wave_fleet_size(orders)
    if couriers is not None and couriers < needed:
        console.print(
            f"[yellow]note:[/yellow] {couriers} couriers is below the {needed} the estimates "
            "say serve about every order: expect unassigned orders"
        )
    console.print(
        f"{len(spec.orders)} orders, {len(spec.couriers)} couriers -> "
        f"[bold]{escape(str(out))}[/bold]"
    )


@generate_app.command("osm", cls=CleanHelpCommand)
def generate_osm_command(
    osm_file: Annotated[
        Path, typer.Argument(help="An OpenStreetMap XML file (.osm, .osm.gz, .osm.bz2).")
    ],
    *,
    out: Annotated[Path, typer.Option(help="Where to write the scenario (JSON).", dir_okay=False)],
    seed: Annotated[int, typer.Option(help="Order-stream seed.")] = 7,
    orders: Annotated[int, typer.Option(help="Orders over the day.")] = 300,
    couriers: Annotated[int, typer.Option(help="E-bike couriers.")] = 10,
    multi_store_share: Annotated[
        float, typer.Option("--multi-store-share", help="Share of multi-store baskets.")
    ] = 0.1,
    next_day_share: Annotated[
        float, typer.Option("--next-day-share", help="Share of next-day pickup orders.")
    ] = 0.1,
    micro_warehouses: Annotated[
        int, typer.Option("--micro-warehouses", help="Micro-warehouses to place by demand.")
    ] = 2,
    returns_share: Annotated[
        float,
        typer.Option(
            "--returns-share",
            help="Share of delivered orders returned the same day (collected at the door).",
        ),
    ] = 0.025,
) -> None:
    """A day of orders on a real map: buildings are homes, shops stores and pickup points.

    The scenario refers to the OSM file by its path relative to --out's folder.
    """
    try:
        _check_options(
            seed=seed, orders=orders, couriers=couriers, micro_warehouses=micro_warehouses
        )
        spec = osm_day_scenario(
            osm_file,
            seed,
            orders=orders,
            couriers=couriers,
            multi_store_share=multi_store_share,
            next_day_share=next_day_share,
            micro_warehouses=micro_warehouses,
            scenario_dir=out.parent,
            returns_share=returns_share,
        )
        save_scenario(spec, out)
    except EngineError as error:
        raise _fail(error) from error
    network = spec.network
    if isinstance(network, OsmNetwork) and confined_path(network.path, base_dir=out.parent) is None:
        console.print(
            f"the OSM file lies outside {escape(str(out.parent))}: plan or replay the scenario "
            f"with --data-root {escape(str(osm_file.parent))}",
            soft_wrap=True,
        )
    places = spec.places
    homes = sum(1 for b in places.buildings if b.households > 0)
    console.print(
        f"{homes} homes, {len(places.stores)} stores, {len(places.pickup_points)} pickup "
        f"points, {len(places.micro_warehouses)} micro-warehouses; {len(spec.orders)} orders, "
        f"{len(spec.couriers)} couriers -> [bold]{escape(str(out))}[/bold]"
    )


# --- import: benchmark instances as scenario files -------------------------------------

import_app = typer.Typer(
    help="Import benchmark instances as scenario files.",
    no_args_is_help=True,
    rich_markup_mode=MARKUP_MODE,
    cls=CleanHelpGroup,
)
app.add_typer(import_app, name="import")


@import_app.command("grubhub", cls=CleanHelpCommand)
def import_grubhub_command(
    folder: Annotated[Path, typer.Argument(help="A Grubhub MDRP instance folder.")],
    *,
    out: Annotated[Path, typer.Option(help="Where to write the scenario (JSON).", dir_okay=False)],
) -> None:
    """A Grubhub MDRP instance folder as a scenario file, losslessly.

    The file's `grubhub` section holds the whole instance; `dispatch replay` and
    `dispatch compare` replay it under the family's rules exactly as the folder.  A bad
    folder prints one error line and exits with code 2.
    """
    try:
        instance = read_grubhub(folder)
        save_scenario(grubhub_scenario(instance), out)
    except EngineError as error:
        raise _fail(error) from error
    console.print(
        f"{len(instance.orders)} orders, {len(instance.couriers)} couriers, "
        f"{len(instance.restaurants)} restaurants -> [bold]{escape(str(out))}[/bold]"
    )


# --- compare: one scenario replayed under several policies ----------------------------


def _bar_callback(progress: Progress) -> Callable[[float, float], None]:
    """A replay progress callback advancing a fresh bar of ``progress``."""
    task = progress.add_task("replay", total=1.0, clock="")

    def tick(now: float, last: float) -> None:
        progress.update(task, completed=min(1.0, now / max(last, 1.0)), clock="")

    return tick


def _grubhub_series(instance: GrubhubInstance, policy: GrubhubPolicy, label: str) -> ReplaySeries:
    """An MDRP instance replayed under its family's rules with one policy, for a comparison."""
    with _replay_progress(f"{instance.name} ({label})") as progress:
        grubhub = replay_grubhub(instance, policy, progress=_bar_callback(progress))
    return series_of_grubhub(label, instance, grubhub)


@app.command(cls=CleanHelpCommand)
def compare(
    source: Annotated[
        Path,
        typer.Argument(
            help="A scenario file (JSON), or a Grubhub MDRP instance folder (or its "
            "scenario file from `dispatch import grubhub`)."
        ),
    ],
    *,
    policy: Annotated[
        list[Path],
        typer.Option(
            metavar="<file>", help="A policy JSON file; repeat the option for two or more."
        ),
    ],
    plots: Annotated[Path, typer.Option(help="Folder for the PNG plots.", file_okay=False)] = Path(
        "compare-plots"
    ),
    out: Annotated[
        Path | None, typer.Option(help="Also write every policy's KPIs (JSON).", dir_okay=False)
    ] = None,
    data_root: DataRootOption = None,
) -> None:
    """Replay one scenario under each policy; print a table and write plots.

    A Grubhub MDRP instance folder, or a scenario file with a `grubhub` section
    (`dispatch import grubhub`), is replayed under that family's rules.  Plots (PNG, in
    --plots): orders_over_time.png, click_to_door.png, utilisation.png.
    """
    if len(policy) < 2:
        raise _fail(InvalidInputError("--policy", "give at least two policy files"))
    try:
        loaded = _read_source(source)
        # Built once: a replay does not change the scenario.
        scenario = (
            None
            if isinstance(loaded, GrubhubInstance)
            else load_scenario(source, loaded, data_roots=data_root or ())
        )
    except EngineError as error:
        raise _fail(error) from error
    series: list[ReplaySeries] = []
    for path in policy:
        data = _read_json_file(path)
        label = path.stem
        try:
            if isinstance(loaded, GrubhubInstance):
                chosen = policy_from_json(data, source=str(path))
                series.append(_grubhub_series(loaded, chosen, label))
            else:
                assert scenario is not None
                with _replay_progress(f"{scenario.name} ({label})") as progress:
                    day = replay_scenario(
                        scenario,
                        replay_policy_from_json(data, source=str(path)),
                        progress=_bar_callback(progress),
                    )
                series.append(series_of_day(label, day))
        except EngineError as error:
            raise _fail(error) from error
    table = Table(title=f"Policies compared on {escape(source.name)}")
    table.add_column("KPI", style="cyan")
    for s in series:
        table.add_column(escape(s.label), justify="right")
    for key, values in comparison_rows(series):
        table.add_row(key, *values)
    console.print(table)
    for name, figure in comparison_figures(series).items():
        _save_figure(figure, plots / f"{name}.png")
    if out is not None:
        _write(out, json.dumps({s.label: s.kpis for s in series}, indent=1) + "\n")
    console.print(f"plots written to [bold]{escape(str(plots))}[/bold]")


# --- planning ahead: pickup-point network design, forecasts, shifts, service areas ----
# One block for the planning commands (issue 14); the library does the work in
# dispatch/planning/ and scenarios/ (history, design_scenario, staffing_day, planning_files).


design_app = typer.Typer(
    help="Design networks: where to open pickup points.",
    no_args_is_help=True,
    rich_markup_mode=MARKUP_MODE,
    cls=CleanHelpGroup,
)
app.add_typer(design_app, name="design")


def _comparison_table(comparison: NetworkComparison, costs: dict[str, Any]) -> Table:
    table = Table(title="Pickup-point networks compared", title_justify="left")
    table.add_column("figure", style="cyan")
    nets = (comparison.design, comparison.greedy, comparison.current)
    for net in nets:
        table.add_column(net.name, justify="right")

    def num(value: float | None, fmt: str) -> str:
        return "-" if value is None else format(value, fmt)

    table.add_row("points open", *(str(len(n.design.opened)) for n in nets))
    table.add_row("households covered %", *(num(n.households_covered_pct, ".1f") for n in nets))
    table.add_row("mean walk m", *(num(n.mean_walk_m, ".0f") for n in nets))
    table.add_row("p90 walk m", *(num(n.p90_walk_m, ".0f") for n in nets))
    table.add_row(
        "mean utilisation %",
        *(
            num(100 * sum(n.utilisation.values()) / len(n.utilisation), ".1f")
            if n.utilisation
            else "-"
            for n in nets
        ),
    )
    table.add_row("objective", *(num(n.design.run.objective, ".0f") for n in nets))
    table.add_row("gap %", *(num(n.design.gap_pct, ".2f") for n in nets))
    if costs:
        table.add_row(
            "next-day served / orders",
            *(f"{costs[n.name]['served']}/{costs[n.name]['orders']}" for n in nets),
        )
        table.add_row(
            "next-day trunk cost yuan", *(num(costs[n.name]["route_cost"], ".2f") for n in nets)
        )
        table.add_row(
            "next-day mean walk m", *(num(costs[n.name]["mean_walk_m"], ".0f") for n in nets)
        )
    return table


@design_app.command("pickup-points", cls=CleanHelpCommand)
def design_pickup_points_command(
    scenario: Annotated[Path, typer.Argument(help="Scenario file (JSON; see `dispatch schema`).")],
    *,
    open_count: Annotated[
        int, typer.Option("--open", help="Most pickup points open in the design (K).")
    ],
    out: Annotated[Path, typer.Option(help="Where to write design.json.", dir_okay=False)],
    candidates: Annotated[
        Path | None,
        typer.Option(
            help="JSON list of candidate sites (id, lon, lat, kind, capacity_parcels, "
            "open_cost, status); default: the scenario's pickup points, grocery stores and "
            "the largest home of every 250 m cell as a leader home."
        ),
    ] = None,
    map_path: Annotated[
        Path | None, typer.Option("--map", help="Also write the design's map PNG.", dir_okay=False)
    ] = None,
    budget: Annotated[
        float | None, typer.Option(help="Most total opening cost of new points, yuan.")
    ] = None,
    walk_limit: Annotated[
        float | None,
        typer.Option("--walk-limit", help="Walking limit, metres (default: the scenario's)."),
    ] = None,
    parcels_per_household: Annotated[
        float,
        typer.Option("--parcels-per-household", help="Expected parcels a household sends a day."),
    ] = 0.05,
    keep_existing: Annotated[
        bool, typer.Option("--keep-existing", help="Keep every existing point open.")
    ] = False,
    fix_open: Annotated[
        list[str] | None,
        typer.Option("--fix-open", metavar="<id>", help="A site that must open (repeatable)."),
    ] = None,
    close: Annotated[
        list[str] | None,
        typer.Option("--close", metavar="<id>", help="A site that must not open (repeatable)."),
    ] = None,
    scenario_out: Annotated[
        Path | None,
        typer.Option(
            "--scenario-out",
            help="Also write the scenario on the designed network.",
            dir_okay=False,
        ),
    ] = None,
    plan_cost: Annotated[
        bool,
        typer.Option(
            "--plan-cost",
            help="Plan the scenario's next-day orders on each network and compare the cost.",
        ),
    ] = False,
    time_limit: Annotated[
        float, typer.Option("--time-limit", help="Wall-clock budget of the design, seconds.")
    ] = 20.0,
    plan_time_limit: Annotated[
        float,
        typer.Option(
            "--plan-time-limit", help="Budget of each next-day plan of --plan-cost, seconds."
        ),
    ] = DEFAULT_TIME_LIMIT_S,
    iterations: Annotated[int | None, typer.Option(help=ITERATIONS_HELP)] = None,
    seed: Annotated[int, typer.Option(help="Search seed.")] = 0,
    data_root: DataRootOption = None,
) -> None:
    """Choose which pickup points to open: a capacitated maximal-covering model (CP-SAT).

    Residents' expected parcels (households x --parcels-per-household) are served by
    open points within the walking limit on the walk network, under each point's
    capacity and --open (and --budget).  design.json has `opened`,
    `households_covered_pct`, `mean_walk_m`, `p90_walk_m`, `utilisation`, `objective`,
    `bound`, `gap_pct` and `baselines` (`current`: the scenario's network, `greedy`).
    """
    try:
        loaded = load_scenario(scenario, data_roots=data_root or ())
        world = loaded.world
        cands = read_candidates(candidates) if candidates is not None else default_candidates(world)
        cands = with_statuses(
            world, cands, keep_existing=keep_existing, fix_open=fix_open or (), close=close or ()
        )
        limit_m = walk_limit if walk_limit is not None else loaded.settings.walk_limit_m
        with console.status(f"Designing among {len(cands)} candidate sites ..."):
            comparison = design_network(
                world,
                cands,
                walk_limit_m=limit_m,
                max_open=open_count,
                budget=budget,
                parcels_per_household=parcels_per_household,
                time_limit_s=time_limit,
                seed=seed,
            )
        costs: dict[str, Any] = {}
        if plan_cost:
            with console.status("Planning the next-day orders on each network ..."):
                params = SolveParams(time_limit_s=plan_time_limit, seed=seed, iterations=iterations)
                for net in (comparison.design, comparison.greedy, comparison.current):
                    costs[net.name] = next_day_cost(
                        net.name,
                        network_world(world, cands, net.design.opened),
                        loaded.orders,
                        loaded.settings,
                        params,
                    ).to_json()
        figure = plot_design(world, comparison) if map_path is not None else None
        spec_out = (
            design_scenario(
                loaded.spec,
                [p.id for p in world.pickup_points],
                cands,
                comparison.design.design.opened,
            )
            if scenario_out is not None
            else None
        )
    except EngineError as error:
        raise _fail(error) from error
    data = comparison.to_json()
    if costs:
        data["next_day_plan"] = costs
    _write(out, json.dumps(data, indent=1) + "\n")
    written = [str(out)]
    if map_path is not None and figure is not None:
        _save_figure(figure, map_path)
        written.append(str(map_path))
    if scenario_out is not None and spec_out is not None:
        try:
            save_scenario(spec_out, scenario_out)
        except EngineError as error:
            raise _fail(error) from error
        written.append(str(scenario_out))
    console.print(_comparison_table(comparison, costs))
    console.print("written: " + ", ".join(escape(w) for w in written))


@generate_app.command("history", cls=CleanHelpCommand)
def generate_history_command(
    *,
    out: Annotated[Path, typer.Option(help="Where to write the history CSV.", dir_okay=False)],
    weeks: Annotated[int, typer.Option(help="Weeks of history.")] = 8,
    seed: Annotated[int, typer.Option(help="City (without --scenario) and order seed.")] = 7,
    scenario: Annotated[
        Path | None,
        typer.Option(help="The scenario whose world orders come from (default: a generated city)."),
    ] = None,
    blocks: Annotated[
        int, typer.Option(help="Blocks each way of the generated city (without --scenario).")
    ] = 10,
    orders_per_day: Annotated[
        float, typer.Option("--orders-per-day", help="Mean orders a day in the first week.")
    ] = 300.0,
    growth: Annotated[float, typer.Option(help="Demand growth factor per week.")] = 1.02,
    export_day: Annotated[
        bool,
        typer.Option(
            "--export-day", help="Write --scenario's own day of orders as history rows instead."
        ),
    ] = False,
    data_root: DataRootOption = None,
) -> None:
    """Weeks of orders with daily and weekly seasonality, weather-like noise and growth.

    CSV columns: order_id, created_at (ISO 8601 local time), building_id, warehouse_id,
    mode.  Without --scenario the world is the generated city of --seed and --blocks
    (the one `dispatch generate city` with the same seed and blocks makes).  With
    --export-day the scenario's own orders are written (on 2026-01-05), so day files
    join a history.
    """
    try:
        if export_day:
            if scenario is None:
                raise InvalidInputError("--export-day", "needs --scenario (the day to export)")
            day_scenario = load_scenario(scenario, data_roots=data_root or ())
            day_rows = history_of_orders(day_scenario.world, day_scenario.orders)
            write_history(out, day_rows)
            console.print(f"{len(day_rows)} orders -> [bold]{escape(str(out))}[/bold]")
            return
        if scenario is not None:
            world = load_scenario(scenario, data_roots=data_root or ()).world
        else:
            world = World.from_city(
                generate_city(CitySpec(seed=seed, blocks_x=blocks, blocks_y=blocks))
            )
        rows = generate_history(
            world, weeks=weeks, seed=seed, orders_per_day=orders_per_day, weekly_growth=growth
        )
        write_history(out, rows)
    except EngineError as error:
        raise _fail(error) from error
    console.print(f"{len(rows)} orders over {weeks} weeks -> [bold]{escape(str(out))}[/bold]")


def _hours(value: str, field: str) -> int:
    """Hours of "7d" or "36h"."""
    text = value.strip().lower()
    try:
        if text.endswith("d"):
            hours = 24 * int(text[:-1])
        elif text.endswith("h"):
            hours = int(text[:-1])
        else:
            raise ValueError
    except ValueError:
        raise InvalidInputError(
            field, f'must be days or hours like "7d" or "36h", got {value!r}'
        ) from None
    if hours < 1:
        raise InvalidInputError(field, f"must be at least one hour, got {value!r}")
    return hours


@app.command("forecast", cls=CleanHelpCommand)
def forecast_command(
    history: Annotated[
        Path, typer.Argument(help="Order history CSV (`dispatch generate history`).")
    ],
    *,
    out: Annotated[Path, typer.Option(help="Where to write the forecast CSV.", dir_okay=False)],
    by: Annotated[str, typer.Option(help="Series: building, cell or warehouse.")] = "warehouse",
    freq: Annotated[str, typer.Option(help="Period of the series: hour.")] = "hour",
    horizon: Annotated[str, typer.Option(help='Hours to forecast: "7d" or "36h".')] = "7d",
    holdout: Annotated[
        str, typer.Option(help='Final part of the history held back to score methods: "7d".')
    ] = "7d",
    mode: Annotated[
        str | None, typer.Option(help="Only orders of this mode (e.g. instant).")
    ] = None,
    scenario: Annotated[
        Path | None, typer.Option(help="The history's scenario (needed for --by cell).")
    ] = None,
    report: Annotated[
        Path | None,
        typer.Option(help="Also write the MASE of every method (JSON).", dir_okay=False),
    ] = None,
    data_root: DataRootOption = None,
) -> None:
    """Forecast orders per building, 500 m cell or micro-warehouse and hour (statsforecast).

    Every method (seasonal naive, MSTL, AutoETS) is scored by MASE on the held-back final
    week; the best is refitted on the whole history and forecasts --horizon.  CSV
    columns: key, period_start (ISO 8601), forecast.
    """
    try:
        if freq != "hour":
            raise InvalidInputError("--freq", f'must be "hour", got {freq!r}')
        try:
            key_kind = ForecastKey(by)
        except ValueError:
            raise InvalidInputError(
                "--by", f"must be building, cell or warehouse, got {by!r}"
            ) from None
        horizon_h = _hours(horizon, "--horizon")
        holdout_h = _hours(holdout, "--holdout")
        rows = read_history(history)
        if mode is not None:
            rows = [r for r in rows if r.mode.value == mode]
        world = (
            load_scenario(scenario, data_roots=data_root or ()).world
            if scenario is not None
            else None
        )
        start, series = hourly_series(rows, history_key(key_kind, world))
        with console.status(f"Forecasting {len(series)} series (numba compiles on first use) ..."):
            result = forecast_counts(series, horizon_h=horizon_h, holdout_h=holdout_h)
        length = len(next(iter(series.values())))
        first = start + dt.timedelta(hours=length)
        write_forecast(out, forecast_rows(first, result.forecast))
    except EngineError as error:
        raise _fail(error) from error
    table = Table(title=f"MASE on the held-back {holdout_h} h ({result.scored_series} series)")
    table.add_column("method", style="cyan")
    table.add_column("MASE", justify="right")
    for name, value in result.mase.items():
        table.add_row(name + (" (kept)" if name == result.method else ""), f"{value:.3f}")
    console.print(table)
    if report is not None:
        _write(
            report,
            json.dumps(
                {
                    "by": by,
                    "series": len(series),
                    "scored_series": result.scored_series,
                    "holdout_h": holdout_h,
                    "horizon_h": horizon_h,
                    "mase": result.mase,
                    "method": result.method,
                },
                indent=1,
            )
            + "\n",
        )
    console.print(
        f"{len(series)} series x {horizon_h} h from {first.isoformat(timespec='minutes')} -> "
        f"[bold]{escape(str(out))}[/bold]"
    )


@app.command("staff", cls=CleanHelpCommand)
def staff_command(
    forecast: Annotated[
        Path, typer.Argument(help="Forecast CSV by warehouse (`dispatch forecast`).")
    ],
    *,
    out: Annotated[Path, typer.Option(help="Where to write shifts.json.", dir_okay=False)],
    scenario: Annotated[
        Path | None,
        typer.Option(
            help="The scenario of the warehouses: throughput from its streets, and the replay."
        ),
    ] = None,
    day: Annotated[
        str | None, typer.Option(help="Day to staff, YYYY-MM-DD (default: the forecast's first).")
    ] = None,
    target: Annotated[
        float, typer.Option(help="Share of forecast orders to serve within the promise.")
    ] = 0.95,
    min_shift: Annotated[int, typer.Option("--min-shift", help="Shortest shift, hours.")] = 4,
    max_shift: Annotated[int, typer.Option("--max-shift", help="Longest shift, hours.")] = 8,
    open_hour: Annotated[int, typer.Option("--open-hour", help="First hour couriers work.")] = 7,
    close_hour: Annotated[int, typer.Option("--close-hour", help="Hour couriers stop.")] = 23,
    orders_per_courier_hour: Annotated[
        float,
        typer.Option(
            "--orders-per-courier-hour", help="Throughput without --scenario, orders per hour."
        ),
    ] = DEFAULT_ORDERS_PER_COURIER_HOUR,
    replay_day: Annotated[
        bool,
        typer.Option(
            "--replay", help="Replay the forecast day with the shifts and the naive staffing."
        ),
    ] = False,
    replay_time_limit: Annotated[
        float, typer.Option("--replay-time-limit", help="Budget of each replay wave, seconds.")
    ] = 2.0,
    iterations: Annotated[int | None, typer.Option(help=ITERATIONS_HELP)] = None,
    seed: Annotated[int, typer.Option(help="Seed of the replayed day's orders and searches.")] = 7,
    time_limit: Annotated[
        float, typer.Option("--time-limit", help="Budget of the shift models, seconds.")
    ] = 10.0,
    data_root: DataRootOption = None,
) -> None:
    """Courier shifts per micro-warehouse and hour from a forecast, and stock to pre-position.

    An integer model (CP-SAT) schedules shifts of --min-shift to --max-shift hours so that
    --target of the forecast orders can be served within the promise at the warehouse's
    throughput, with the fewest courier hours; the naive staffing (enough couriers for
    the peak hour all day) is reported beside it.  With --replay (needs --scenario) the
    forecast day is replayed with both and the promise kept is reported.
    """
    try:
        rows = read_forecast(forecast)
        if not rows:
            raise InvalidInputError(str(forecast), "must contain forecast rows")
        chosen = (
            dt.date.fromisoformat(day) if day is not None else min(t for _, t, _ in rows).date()
        )
        day_forecast: dict[str, list[float]] = {}
        for key, t, value in rows:
            if t.date() == chosen:
                day_forecast.setdefault(key, [0.0] * 24)[t.hour] += value
        if not day_forecast:
            raise InvalidInputError("--day", f"the forecast has no hour on {chosen.isoformat()}")
        loaded = (
            load_scenario(scenario, data_roots=data_root or ()) if scenario is not None else None
        )
        throughput = (
            warehouse_throughput(loaded.world)
            if loaded is not None
            else dict.fromkeys(day_forecast, orders_per_courier_hour)
        )
        with console.status("Scheduling shifts ..."):
            shifts = plan_shifts(
                day_forecast,
                throughput,
                target_share=target,
                min_shift_h=min_shift,
                max_shift_h=max_shift,
                open_h=open_hour,
                close_h=close_hour,
                time_limit_s=time_limit,
                seed=0,
            )
        mix = units_per_order(
            loaded.spec if loaded is not None else None,
            loaded.world if loaded is not None else None,
        )
        stock = stock_plan({k: sum(v) for k, v in day_forecast.items()}, mix)
        replays: dict[str, Any] = {}
        if replay_day:
            if loaded is None:
                raise InvalidInputError("--replay", "needs --scenario (the world to replay in)")
            policy = ReplayPolicy(time_limit_s=replay_time_limit, iterations=iterations, seed=0)
            for label in ("model", "naive"):
                spec = forecast_day_scenario(
                    loaded.spec,
                    loaded.world,
                    day_forecast,
                    {
                        k: (v.staffing if label == "model" else v.naive).shifts
                        for k, v in shifts.items()
                    },
                    seed=seed,
                    open_h=open_hour,
                    close_h=close_hour,
                    name=f"forecast-day-{chosen.isoformat()}-{label}",
                )
                with console.status(f"Replaying the forecast day with the {label} shifts ..."):
                    replays[label] = replay_staffing(
                        label, spec, base_dir=scenario.parent if scenario else None, policy=policy
                    ).to_json()
    except EngineError as error:
        raise _fail(error) from error
    total = sum(w.staffing.courier_hours for w in shifts.values())
    naive_total = sum(w.naive.courier_hours for w in shifts.values())
    data = {
        "day": chosen.isoformat(),
        "target_share": target,
        "courier_hours": total,
        "naive_courier_hours": naive_total,
        "warehouses": {k: w.to_json() for k, w in shifts.items()},
        "stock": stock,
        **({"replay": replays} if replays else {}),
    }
    _write(out, json.dumps(data, indent=1) + "\n")
    table = Table(title=f"Shifts for {chosen.isoformat()}", title_justify="left")
    for header in ("warehouse", "forecast", "served", "courier h", "naive h", "shifts"):
        table.add_column(header, justify="left" if header in ("warehouse", "shifts") else "right")
    for k, w in shifts.items():
        table.add_row(
            escape(k),
            f"{sum(w.problem.forecast):.1f}",
            f"{w.staffing.served:.1f}",
            str(w.staffing.courier_hours),
            str(w.naive.courier_hours),
            ", ".join(f"{s.couriers}x{s.start_h:02d}-{s.end_h:02d}" for s in w.staffing.shifts),
        )
    console.print(table)
    for label, r in replays.items():
        console.print(
            f"replay ({label}): {r['courier_hours']:.0f} courier h, promise kept "
            f"{r['promise_kept_pct']:.1f}% of {r['orders']} orders"
        )
    console.print(f"{total} courier hours (naive {naive_total}) -> [bold]{escape(str(out))}[/bold]")


@app.command("areas", cls=CleanHelpCommand)
def areas_command(
    scenario: Annotated[Path, typer.Argument(help="Scenario file (JSON; see `dispatch schema`).")],
    *,
    geojson: Annotated[
        Path, typer.Option(help="Where to write the areas (GeoJSON).", dir_okay=False)
    ],
    ride_min: Annotated[
        float, typer.Option("--ride-min", help="The micro-warehouse ride, minutes.")
    ] = RIDE_S / 60.0,
    data_root: DataRootOption = None,
) -> None:
    """Service areas for GIS tools: each micro-warehouse's ride and pickup point's walk.

    Features (WGS-84 lon/lat): `micro_warehouse_ride` (reached by e-bike within
    --ride-min) and `pickup_point_walk` (walked within the scenario's walking limit, with
    the buildings and households covered).
    """
    try:
        loaded = load_scenario(scenario, data_roots=data_root or ())
        with console.status("Computing isochrones ..."):
            collection = service_areas_geojson(
                loaded.world, loaded.settings, ride_s=60.0 * ride_min
            )
    except EngineError as error:
        raise _fail(error) from error
    _write(geojson, json.dumps(collection) + "\n")
    kinds: dict[str, int] = {}
    for f in collection["features"]:
        kinds[f["properties"]["kind"]] = kinds.get(f["properties"]["kind"], 0) + 1
    console.print(
        ", ".join(f"{n} {k}" for k, n in kinds.items()) + f" -> [bold]{escape(str(geojson))}[/bold]"
    )


# --- serve and vroom: the HTTP service and VROOM-compatible problems (issue 12) --------
# Imports kept here so that this block is one addition at the end of the file.
from dispatch import Engine  # noqa: E402
from dispatch.service import ServiceConfig, create_app, load_tokens  # noqa: E402
from dispatch.vroom import solve_vroom, vroom_error, world_travel  # noqa: E402
from scenarios.demo import demo_scenario  # noqa: E402
from scenarios.scenario_file import build_scenario  # noqa: E402


def _service_world(
    scenario: Path | None, seed: int, blocks: int, data_roots: Sequence[Path] = ()
) -> tuple[Any, Any]:
    """The world and planner settings of a scenario file, else of the demo city."""
    if scenario is not None:
        loaded = load_scenario(scenario, data_roots=data_roots)
        return loaded.world, loaded.settings
    built = build_scenario(demo_scenario(seed=seed, blocks=blocks))
    return built.world, built.settings


@app.command(cls=CleanHelpCommand)
def serve(
    *,
    tokens: Annotated[
        Path,
        typer.Option(
            help="JSON file mapping each bearer token to its role (operator or "
            "order-service); keep it out of the repository.",
            dir_okay=False,
        ),
    ],
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    db: Annotated[
        str,
        typer.Option(
            help="The Engine's store URL: sqlite:///orders.db, or "
            "postgresql+psycopg://user@host:5432/db."
        ),
    ] = "sqlite:///dispatch.db",
    scenario: Annotated[
        Path | None,
        typer.Option(
            help="Scenario file giving the world (network, places, couriers, members, "
            "leaders) and planner settings; its orders are not loaded. Default: the demo city.",
            dir_okay=False,
        ),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the demo city (without --scenario).")] = 7,
    blocks: Annotated[
        int, typer.Option(help="Blocks per side of the demo city (without --scenario).")
    ] = 10,
    max_body_bytes: Annotated[int, typer.Option(help="Larger request bodies get 413.")] = 1_000_000,
    max_orders: Annotated[
        int, typer.Option(help="Plans and VROOM problems with more orders get 413.")
    ] = 2_000,
    time_limit: Annotated[
        float, typer.Option("--time-limit", help="Default budget of a plan, seconds.")
    ] = DEFAULT_TIME_LIMIT_S,
    max_time_limit: Annotated[
        float, typer.Option("--max-time-limit", help="Largest budget a request may ask, seconds.")
    ] = 300.0,
    data_root: DataRootOption = None,
) -> None:
    """Run the HTTP service (FastAPI on uvicorn): quotes, orders, plans, VROOM.

    Every path but /health needs `Authorization: Bearer <token>` with a token from
    --tokens; the OpenAPI schema is at /openapi.json. Bad options print one error line
    and exit with code 2.
    """
    import uvicorn  # noqa: PLC0415 - only this command runs a server

    try:
        config = ServiceConfig(
            tokens=load_tokens(tokens),
            max_body_bytes=max_body_bytes,
            max_orders=max_orders,
            default_time_limit_s=time_limit,
            max_time_limit_s=max_time_limit,
        )
        world, settings = _service_world(scenario, seed, blocks, data_root or ())
        engine = Engine.open(db, world, settings=settings)
    except EngineError as error:
        raise _fail(error) from error
    err_console.print(
        f"dispatch serve: {len(world.couriers)} couriers, store {engine.store.backend}, "
        f"http://{host}:{port} (OpenAPI: /openapi.json)",
        soft_wrap=True,
    )
    try:
        uvicorn.run(create_app(engine, config), host=host, port=port, log_level="info")
    finally:
        engine.close()


@app.command("vroom", cls=CleanHelpCommand)
def vroom_command(
    problem: Annotated[Path, typer.Argument(help="VROOM input file (JSON).", dir_okay=False)],
    *,
    out: Annotated[
        Path, typer.Option(help="Where to write VROOM's answer (JSON).", dir_okay=False)
    ],
    scenario: Annotated[
        Path | None,
        typer.Option(
            help="Scenario file whose network routes coordinates (default: straight lines "
            "times the detour factor).",
            dir_okay=False,
        ),
    ] = None,
    time_limit: Annotated[
        float, typer.Option("--time-limit", help="Wall-clock budget of the solve, seconds.")
    ] = DEFAULT_TIME_LIMIT_S,
    seed: Annotated[int, typer.Option(help="Search seed.")] = 0,
    iterations: Annotated[int | None, typer.Option(help=ITERATIONS_HELP)] = None,
    data_root: DataRootOption = None,
) -> None:
    """Solve a VROOM problem (VROOM's input format) and write VROOM's output format.

    Fields the engine cannot honour (breaks, setup times, max_tasks...) are refused:
    the error names each field, is written to --out as VROOM's error answer (code 2)
    and the command exits with code 2.
    """
    data = _read_json_file(problem)
    try:
        params = SolveParams(time_limit_s=time_limit, seed=seed, workers=1, iterations=iterations)
        world = (
            load_scenario(scenario, data_roots=data_root or ()).world
            if scenario is not None
            else World()
        )
        _, _, answer = solve_vroom(data, params, travel=world_travel(world))
    except InvalidInputError as error:
        _write(out, json.dumps(vroom_error(error), indent=1) + "\n")
        raise _fail(error) from error
    except EngineError as error:
        raise _fail(error) from error
    _write(out, json.dumps(answer, indent=1) + "\n")
    summary = answer["summary"]
    console.print(
        f"{escape(problem.name)}: {summary['routes']} routes, cost {summary['cost']}, "
        f"{summary['unassigned']} unassigned tasks -> {escape(str(out))}"
    )


if __name__ == "__main__":  # pragma: no cover
    app()
