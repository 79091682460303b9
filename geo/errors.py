"""Errors raised by ``geo``: the engine's root errors (re-exported from :mod:`core.errors`,
so ``geo`` needs nothing of ``solvers``) and the geographic ones."""

from __future__ import annotations

from core.errors import EngineError, InvalidInputError


class UnreachablePointError(InvalidInputError):
    """A point lies farther than the snapping tolerance from every street of a network."""


class OsmReadError(InvalidInputError):
    """An OpenStreetMap file is missing, empty, unreadable or has no routable street."""


__all__ = ["EngineError", "InvalidInputError", "OsmReadError", "UnreachablePointError"]
