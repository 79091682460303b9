"""The engine's one root error class and its input-validation subclass.

Every package (``solvers``, ``geo``, ``dispatch``, ``scenarios``) raises these, so a
caller can catch :class:`EngineError` for anything the engine refuses.  They live in
``core``, which imports nothing of the engine, so that importing ``geo`` does not load
``solvers`` (and with it OR-Tools) just to get its error classes.
"""

from __future__ import annotations


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
