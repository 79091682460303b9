"""Errors raised by ``solvers``: re-exported from the engine's single error root.

The classes are defined in :mod:`core.errors`; ``except solvers.errors.InvalidInputError``
catches the same class as ``except core.errors.InvalidInputError``.
"""

from __future__ import annotations

from core.errors import EngineError, InvalidInputError

__all__ = ["EngineError", "InvalidInputError"]
