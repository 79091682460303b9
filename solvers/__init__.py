"""Pure optimisation: a routing problem in, a routing solution out.

Solver-neutral model (:mod:`solvers.problem`), results (:mod:`solvers.solution`), the
OR-Tools engine (only :mod:`solvers.ortools` imports ortools), the reasons for
unassigned tasks and the independent checker.
"""

from solvers.checker import CheckReport as CheckReport
from solvers.checker import Violation as Violation
from solvers.checker import check as check
from solvers.errors import EngineError as EngineError
from solvers.errors import InvalidInputError as InvalidInputError
from solvers.params import SolveParams as SolveParams
from solvers.problem import RoutingProblem as RoutingProblem
from solvers.problem import Stop as Stop
from solvers.problem import Task as Task
from solvers.problem import TimeWindow as TimeWindow
from solvers.problem import TravelMatrices as TravelMatrices
from solvers.problem import Vehicle as Vehicle
from solvers.problem import VehicleLock as VehicleLock
from solvers.solution import RoutingSolution as RoutingSolution
from solvers.solution import SolveStatus as SolveStatus
from solvers.solution import UnassignedReason as UnassignedReason
from solvers.solve import solve as solve
