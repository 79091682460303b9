"""The ``dispatch`` command line: thin; parses arguments and calls library functions.

This is the only module that prints or reads the command line.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from scenarios.demo import city_demo
from scenarios.instances import FORMATS, read_instance, solution_json
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


@app.command()
def demo(
    seed: Annotated[int, typer.Option(help="Seed of the generated city.")] = 7,
    blocks: Annotated[int, typer.Option(help="Blocks per side of the city.")] = 14,
    map_path: Annotated[
        Path, typer.Option("--map", help="Where to write the map PNG.", dir_okay=False)
    ] = Path("demo-city.png"),
) -> None:
    """Generate a city, summarise it and write a map (no input files needed)."""
    try:
        with console.status("Generating the city and computing travel ..."):
            report = city_demo(seed=seed, blocks=blocks)
    except EngineError as error:
        raise _fail(error) from error
    for section in report.sections:
        table = Table(title=section.title, title_justify="left", show_header=False)
        table.add_column("what", style="cyan")
        table.add_column("value")
        for label, value in section.rows:
            table.add_row(label, value)
        console.print(table)
    timing = ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in report.timings_s.items())
    console.print(f"[dim]timings: {timing}[/dim]")
    map_path.parent.mkdir(parents=True, exist_ok=True)
    report.figure.savefig(map_path)
    console.print(f"map written to [bold]{map_path}[/bold]")


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
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result) + "\n", encoding="utf-8")
    except OSError as error:
        failure = InvalidInputError(str(out), f"must be a writable file ({error.strerror})")
        raise _fail(failure) from error
    verdict = "feasible" if report.ok else f"{len(report.violations)} violations"
    console.print(
        f"{bench.name}: {result['vehicles']} vehicles, distance {result['distance']:.2f}, "
        f"{len(solution.unassigned)} unassigned, checker: {verdict}, {solve_s:.1f} s -> {out}"
    )
    for item in solution.unassigned[:10]:
        console.print(f"  unassigned {item.task_id}: {item.reason} ({item.detail})")


if __name__ == "__main__":  # pragma: no cover
    app()
