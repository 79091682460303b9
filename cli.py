"""The ``dispatch`` command line: thin; parses arguments and calls library functions.

This is the only module that prints or reads the command line.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer
from matplotlib.figure import Figure
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from dispatch import Plan, Planner
from dispatch.clock import format_clock, parse_clock
from dispatch.geojson import plan_geojson
from dispatch.mapping import plot_plan
from scenarios.demo import city_demo, plan_demo
from scenarios.instances import FORMATS, read_instance, solution_json
from scenarios.plan_report import FLOW_HEADERS, flow_rows, kpi_rows, unassigned_rows
from scenarios.scenario_file import load_scenario, save_scenario, scenario_json_schema
from solvers import SolveParams, check
from solvers import solve as solve_problem
from solvers.errors import EngineError, InvalidInputError

app = typer.Typer(
    help="Delivery and pickup-point dispatch engine for community O2O commerce.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
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


@app.command()
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


@app.command("plan")
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
        float, typer.Option("--time-limit", help="Search seconds per solver run.")
    ] = 2.0,
    seed: Annotated[int, typer.Option(help="Search seed.")] = 0,
    workers: Annotated[int, typer.Option(help="Parallel searches (processes) per run.")] = 1,
) -> None:
    """Plan a scenario's batch of orders and write the plan (JSON, optional GeoJSON and map).

    Bad input (a scenario that breaks the schema, an order naming an unknown store or
    building, a closed pickup point...) prints one error line and exits with code 2.
    """
    try:
        params = SolveParams(time_limit_s=time_limit, seed=seed, workers=workers)
        loaded = load_scenario(scenario)
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


@app.command()
def demo(
    *,
    seed: Annotated[int, typer.Option(help="Seed of the generated city and its orders.")] = 7,
    blocks: Annotated[int, typer.Option(help="Blocks per side of the city.")] = 14,
    map_path: Annotated[
        Path, typer.Option("--map", help="Where to write the plan's map PNG.", dir_okay=False)
    ] = Path("demo-plan.png"),
    time_limit: Annotated[
        float, typer.Option("--time-limit", help="Search seconds per solver run.")
    ] = 2.0,
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

    Needs no input files.  The solver runs up to six times (five flows and the
    pickup-point assignment), each for at most --time-limit seconds.
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


@app.command()
def solve(
    instance: Annotated[Path, typer.Argument(help="Benchmark instance file.")],
    *,
    fmt: Annotated[
        str,
        typer.Option("--format", help=f"Instance format: {', '.join(FORMATS)}."),
    ],
    out: Annotated[Path, typer.Option(help="Where to write the JSON result.", dir_okay=False)],
    time_limit: Annotated[float, typer.Option("--time-limit", help="Search seconds.")] = 10.0,
    seed: Annotated[int, typer.Option(help="Search seed.")] = 0,
    workers: Annotated[int, typer.Option(help="Parallel searches (processes).")] = 2,
) -> None:
    """Solve a public benchmark instance and write routes as JSON.

    A bad format, a missing or malformed file or bad search settings print one error
    line and exit with code 2.
    """
    try:
        params = SolveParams(time_limit_s=time_limit, seed=seed, workers=workers)
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


if __name__ == "__main__":  # pragma: no cover
    app()
