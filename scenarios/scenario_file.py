"""Scenario files on disk: read, load (read and build) and save.

This is an I/O module: it reads and writes files.  :func:`load_scenario` reads a file
into a :class:`scenarios.scenario_build.Scenario` (a :class:`dispatch.World`, the
orders and the :class:`dispatch.PlannerSettings`) ready for :class:`dispatch.Planner`;
:func:`read_scenario_file` reads and validates one without building the world;
:func:`save_scenario` writes a :class:`scenarios.scenario_schema.ScenarioFile`.  The
format and its rules are in :mod:`scenarios.scenario_schema`; building the world in
:mod:`scenarios.scenario_build`, whose ``Scenario`` and ``build_scenario`` are
re-exported here: with this module's own they are the entry points the README shows;
everything else is imported from the module that defines it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from core.files import file_field, read_json
from scenarios.scenario_build import Scenario, build_scenario
from scenarios.scenario_schema import ScenarioFile, parse_scenario
from solvers.errors import InvalidInputError

# The entry points a user reads and builds a scenario with (the README's examples):
# this module's own, and the builder's that turn a file into a world.
__all__ = ["Scenario", "build_scenario", "load_scenario", "read_scenario_file", "save_scenario"]


def read_scenario_file(path: str | Path) -> ScenarioFile:
    """Read and validate a scenario file (no world is built).

    The file is read through :func:`core.files.read_json`: a regular file, at most
    :data:`core.limits.MAX_JSON_BYTES`, UTF-8, JSON nested at most
    :data:`core.limits.MAX_JSON_DEPTH` deep.

    Raises:
        InvalidInputError: the file is missing, unreadable, not a regular file, too
            large, not UTF-8, not JSON or nested too deeply.
        ScenarioFileError: the JSON breaks the schema.
    """
    field = file_field("scenario", path)
    return parse_scenario(read_json(path, field=field), source=field)


def load_scenario(
    path: str | Path,
    spec: ScenarioFile | None = None,
    *,
    data_roots: Sequence[str | os.PathLike[str]] = (),
) -> Scenario:
    """Read a scenario file and build its world, orders and settings.

    An OSM network's path is relative to the file's directory and must resolve inside
    it or inside one of ``data_roots`` (``--data-root``).  ``spec`` is the file's
    contents when they are already read (:func:`read_scenario_file`); it is then not
    read again.

    Raises:
        InvalidInputError: the file is missing, unreadable or not JSON.
        ScenarioFileError: the file breaks the schema, or its objects or orders break
            the domain's rules (every problem listed with its path).
    """
    p = Path(path)
    spec = spec if spec is not None else read_scenario_file(p)
    return build_scenario(
        spec, base_dir=p.parent, data_roots=data_roots, source=file_field("scenario", p)
    )


def save_scenario(spec: ScenarioFile, path: str | Path) -> None:
    """Write a scenario file (UTF-8 JSON; fields at their default left out, clock times
    as ``"HH:MM"``, money as strings).

    Raises:
        InvalidInputError: the file cannot be written.
    """
    p = Path(path)
    text = spec.model_dump_json(indent=2, exclude_defaults=True)
    try:
        p.write_text(text + "\n", encoding="utf-8")
    except OSError as error:
        raise InvalidInputError(
            file_field("scenario", p), f"must be a writable file ({error.strerror or error})"
        ) from None
