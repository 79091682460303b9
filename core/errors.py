"""The engine's one root error class and its input-validation subclass.

Every package (``solvers``, ``geo``, ``dispatch``, ``scenarios``) raises these, so a
caller can catch :class:`EngineError` for anything the engine refuses.  They live in
``core``, which imports nothing of the engine, so that importing ``geo`` does not load
``solvers`` (and with it OR-Tools) just to get its error classes.
"""

from __future__ import annotations

from collections.abc import Sequence

#: Problems an error lists in its message at most; all stay in its ``problems``.
MAX_LISTED_PROBLEMS = 20


class EngineError(Exception):
    """Root of every error the engine raises on purpose."""


class InvalidInputError(EngineError, ValueError):
    """Input broke a documented rule.

    The message names the offending field (or id) and the rule, e.g.
    ``"Building 'b7': households must be >= 0, got -3"``.
    """

    def __init__(self, field: str, rule: str) -> None:
        self.field = field
        self.rule = rule
        super().__init__(f"{field}: {rule}")

    def __reduce__(self) -> tuple[type[InvalidInputError], tuple[str, str]]:
        # Raised in a solver's worker process, it crosses back by pickle; the default
        # would call __init__ with the message alone.  (A subclass arrives as this class,
        # with the same field, rule and message.)
        return (InvalidInputError, (self.field, self.rule))


def listed_problems(problems: Sequence[tuple[str, str]], limit: int = MAX_LISTED_PROBLEMS) -> str:
    """``"N invalid fields: path: rule; ..."`` with at most ``limit`` problems written
    out (``"... and K more"``), so one file with a million bad fields cannot make a
    million-line message."""
    n = len(problems)
    shown = "; ".join(f"{path}: {rule}" for path, rule in problems[:limit])
    more = f"; ... and {n - limit} more" if n > limit else ""
    return f"{n} invalid field{'s' if n != 1 else ''}: {shown}{more}"
