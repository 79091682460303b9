"""Pure optimisation: a routing problem in, a routing solution out; and the CP-SAT models.

Solver-neutral model (:mod:`solvers.problem`), results (:mod:`solvers.solution`), the
OR-Tools routing engine (:mod:`solvers.ortools`, reached only through
:mod:`solvers.solve`), the reasons for unassigned tasks and the independent checker.
The CP-SAT models (:mod:`solvers.assignment`, :mod:`solvers.bundling`, run through
:mod:`solvers.cp_sat`) take and return ids; every float-to-integer conversion is in
:mod:`solvers.scaling`.
"""

from solvers.checker import CheckReport as CheckReport
from solvers.checker import Violation as Violation
from solvers.checker import check as check
from solvers.checker_route import ViolationKind as ViolationKind
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
