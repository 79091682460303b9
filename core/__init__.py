"""The engine's foundation: what every layer shares and that depends on none of them.

Only the root error hierarchy lives here (:mod:`core.errors`), so that ``geo`` and
``solvers`` can both raise it without either importing the other.
"""

from core.errors import EngineError as EngineError
from core.errors import InvalidInputError as InvalidInputError
