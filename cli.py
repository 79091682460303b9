"""The ``dispatch`` command line: thin; parses arguments and calls library functions.

This is the only module that prints or reads the command line.
"""

from __future__ import annotations

import inspect
import json
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
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from typer._click.core import Context, Parameter  # typer 0.2x vendors click
from typer.core import TyperCommand, TyperGroup, TyperOption

from dispatch import Plan, Planner
from dispatch.clock import format_clock, parse_clock
from dispatch.geojson import plan_geojson
from dispatch.mapping import plot_plan
from scenarios.compare import (
    ReplaySeries,
    comparison_figures,
    comparison_rows,
    series_of_day,
    series_of_grubhub,
)
from scenarios.demo import city_demo, plan_demo
from scenarios.generate import city_day_scenario, osm_day_scenario
from scenarios.grubhub import GrubhubInstance, read_grubhub
from scenarios.grubhub_dispatcher import GrubhubPolicy, policy_from_json
from scenarios.grubhub_import import grubhub_instance, grubhub_scenario
from scenarios.grubhub_outcome import GrubhubReplay
from scenarios.grubhub_rules import check_grubhub_replay
from scenarios.grubhub_sim import replay_grubhub
from scenarios.instances import FORMATS, read_instance, solution_json
from scenarios.plan_report import FLOW_HEADERS, flow_rows, kpi_rows, unassigned_rows
from scenarios.replay import (
    DayReplay,
    replay_policy_from_json,
    replay_scenario,
)
from scenarios.scenario_file import load_scenario, read_scenario_file, save_scenario
from scenarios.scenario_schema import ScenarioFile, scenario_json_schema
from solvers import SolveParams, check
from solvers import solve as solve_problem
from solvers.errors import EngineError, InvalidInputError
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


@app.callback()
def main() -> None:
    """Delivery and pickup-point dispatch engine for community O2O commerce."""


def _write(path: Path, text: str) -> None:
    """Write a text file (parent folders made); an OSError becomes one error line."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
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


def _print_plan(plan: Plan) -> None:
    """The plan's KPI tables (per flow and overall) and its first unassigned orders."""
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
) -> None:
    """Print the JSON Schema of scenario files (the input of `dispatch plan`)."""
    text = json.dumps(scenario_json_schema(), indent=2, ensure_ascii=False) + "\n"
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
) -> None:
    """Plan a scenario's batch of orders and write the plan (JSON, optional GeoJSON and map).

    Bad input (a scenario that breaks the schema, an order naming an unknown store or
    building, a closed pickup point...) prints one error line and exits with code 2.
    """
    try:
        params = SolveParams(
            time_limit_s=time_limit, seed=seed, workers=workers, iterations=iterations
        )
        loaded = load_scenario(scenario)
        if loaded.spec.grubhub is not None:
            raise InvalidInputError(
                "grubhub",
                "a Grubhub MDRP scenario is replayed under its family's rules: use "
                "`dispatch replay` (its world is empty, there is nothing to plan)",
            )
        at_s = parse_clock(at, field="--at") if at is not None else loaded.at_s
        if at_s is None:
            raise InvalidInputError("--at", 'is required: the scenario gives no "at" time')
        with console.status(f"Planning {len(loaded.orders)} orders ..."):
            started = time.perf_counter()
            plan = Planner(loaded.world, loaded.settings).plan(
                loaded.orders, at_s=at_s, params=params
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
    except EngineError as error:
        raise _fail(error) from error
    _write(out, _plan_json(loaded.name, plan))
    written = [str(out)]
    if geojson is not None and collection is not None:
        _write(geojson, json.dumps(collection) + "\n")
        written.append(str(geojson))
    if map_path is not None and figure is not None:
        _save_figure(figure, map_path)
        written.append(str(map_path))
    _print_plan(plan)
    console.print(
        f"{escape(loaded.name)} at {format_clock(at_s)}: planned in {plan_s:.1f} s -> "
        + ", ".join(escape(w) for w in written)
    )


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
) -> None:
    """Generate a city and a batch of all five flows, plan it, print KPIs, write the map.

    Needs no input files.  Planning the batch (five flows and the pickup-point
    assignment) takes at most --time-limit seconds in all.
    """
    try:
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
    except EngineError as error:
        raise _fail(error) from error
    for section in report.sections:
        _print_rows(section.title, section.rows)
    _print_plan(demo_report.plan)
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
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        failure = InvalidInputError(str(path), f"must be a readable file ({error.strerror})")
        raise _fail(failure) from error
    except ValueError as error:
        raise _fail(InvalidInputError(str(path), f"must be JSON ({error})")) from error


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
    policy_data = _read_json_file(policy) if policy is not None else {}
    label = f"policy {str(policy)!r}"
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
            scenario = load_scenario(source, loaded)
        except EngineError as error:
            raise _fail(error) from error
        with _replay_progress(scenario.name) as progress:
            task = progress.add_task("replay", total=1.0, clock="")

            def advance_day(elapsed_s: float, total_s: float) -> None:
                done = min(1.0, elapsed_s / max(total_s, 1.0))
                progress.update(task, completed=done, clock=f"+{elapsed_s / 60:.0f} min")

            try:
                day = replay_scenario(scenario, day_policy, progress=advance_day)
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
) -> None:
    """A generated city and a day of orders with breakfast, lunch and evening peaks."""
    try:
        spec = city_day_scenario(
            seed,
            blocks=blocks,
            orders=orders,
            couriers=couriers,
            multi_store_share=multi_store_share,
            next_day_share=next_day_share,
        )
        save_scenario(spec, out)
    except EngineError as error:
        raise _fail(error) from error
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
) -> None:
    """A day of orders on a real map: buildings are homes, shops stores and pickup points.

    The scenario refers to the OSM file by its path relative to --out's folder.
    """
    try:
        spec = osm_day_scenario(
            osm_file,
            seed,
            orders=orders,
            couriers=couriers,
            multi_store_share=multi_store_share,
            next_day_share=next_day_share,
            micro_warehouses=micro_warehouses,
            scenario_dir=out.parent,
        )
        save_scenario(spec, out)
    except EngineError as error:
        raise _fail(error) from error
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
        scenario = None if isinstance(loaded, GrubhubInstance) else load_scenario(source, loaded)
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


# --- serve and vroom: the HTTP service and VROOM-compatible problems (issue 12) --------
# Imports kept here so that this block is one addition at the end of the file.
from dispatch import Engine, World  # noqa: E402
from dispatch.service import ServiceConfig, create_app, load_tokens  # noqa: E402
from dispatch.vroom import solve_vroom, vroom_error, world_travel  # noqa: E402
from scenarios.demo import demo_scenario  # noqa: E402
from scenarios.scenario_file import build_scenario  # noqa: E402


def _service_world(scenario: Path | None, seed: int, blocks: int) -> tuple[Any, Any]:
    """The world and planner settings of a scenario file, else of the demo city."""
    if scenario is not None:
        loaded = load_scenario(scenario)
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
        world, settings = _service_world(scenario, seed, blocks)
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
) -> None:
    """Solve a VROOM problem (VROOM's input format) and write VROOM's output format.

    Fields the engine cannot honour (breaks, setup times, max_tasks...) are refused:
    the error names each field, is written to --out as VROOM's error answer (code 2)
    and the command exits with code 2.
    """
    data = _read_json_file(problem)
    try:
        params = SolveParams(time_limit_s=time_limit, seed=seed, workers=1, iterations=iterations)
        world = load_scenario(scenario).world if scenario is not None else World()
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
