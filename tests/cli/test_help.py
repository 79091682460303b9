"""Every command's ``--help`` reads as clean paragraphs: no Sphinx or reST markup, no
``<bool>`` after flags, no Python types as metavars, no hard line breaks in prose."""

from __future__ import annotations

import re

import pytest
import typer
from typer.core import TyperCommand, TyperGroup
from typer.testing import CliRunner

from cli import CleanHelpCommand, CleanHelpGroup, app

WIDTH = 140  # wider than any docstring line, so a hard line break would show
FORBIDDEN = (":func:", ":mod:", ":class:", ":data:", ":meth:", "``", "<bool>", "list[", "\b")


def _command_paths() -> list[tuple[str, ...]]:
    """The path of the root group and of every command and sub-command under it."""
    paths: list[tuple[str, ...]] = []

    def walk(command: TyperCommand | TyperGroup, path: tuple[str, ...]) -> None:
        paths.append(path)
        if isinstance(command, TyperGroup):
            for name, sub in command.commands.items():
                assert isinstance(sub, TyperCommand | TyperGroup)
                walk(sub, (*path, name))

    root = typer.main.get_command(app)
    assert isinstance(root, TyperGroup)
    walk(root, ())
    return paths


PATHS = _command_paths()


def _command(path: tuple[str, ...]) -> TyperCommand | TyperGroup:
    command = typer.main.get_command(app)
    for name in path:
        assert isinstance(command, TyperGroup)
        command = command.commands[name]
    assert isinstance(command, TyperCommand | TyperGroup)
    return command


def _help(path: tuple[str, ...]) -> str:
    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": str(WIDTH)})
    assert result.exit_code == 0, result.output
    return result.output


def test_every_command_is_listed() -> None:
    names = {" ".join(p) for p in PATHS}
    assert {"", "plan", "demo", "replay", "compare", "generate city", "import grubhub"} <= names


@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(p) or "dispatch")
def test_help_has_text_and_no_stray_markup(path: tuple[str, ...]) -> None:
    command = _command(path)
    assert isinstance(command, CleanHelpCommand | CleanHelpGroup)
    assert command.help, f"{path}: no help text"
    for param in command.params:
        assert getattr(param, "help", None), f"{path}: {param.name} has no help"
    output = _help(path)
    assert " ".join(command.help.split("\n\n")[0].split()) in " ".join(output.split())
    for bad in FORBIDDEN:
        assert bad not in output, f"{path}: {bad!r} in its help"
    assert re.search(r"--help\s+Show this message", output), output


@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(p) or "dispatch")
def test_prose_paragraphs_fill_the_width(path: tuple[str, ...]) -> None:
    # The text above the panels: every line of a paragraph but its last is filled up to
    # the width less a word (a docstring's hard line break would end it early).
    prose = _help(path).split("╭", 1)[0]
    for block in re.split(r"\n\s*\n", prose):
        lines = [line.rstrip() for line in block.splitlines() if line.strip()]
        for line in lines[:-1]:
            assert len(line) > WIDTH - 20, f"{path}: ragged line {line!r}"
