"""The domain (orders, members, leaders, couriers) and planning on top of ``solvers``.

``Planner(world, settings).plan(orders, at_s=..., params=...) -> Plan``: a batch of
orders of the five fulfilment flows (instant, multi-store, scheduled slot, next-day
pickup point, home service) planned in a :class:`World`, joined into one :class:`Plan`
with routes, pickup-point assignments and pick lists, leader commissions, unassigned
orders with reasons, KPIs and a JSON export; :func:`plan_geojson` exports it as GeoJSON
and :func:`dispatch.mapping.plot_plan` draws it (matplotlib, imported on demand).

:class:`Engine` is the facade the order service calls in-process: quotes
(:class:`Quote`, fees after member benefits), idempotent order submission, members and
leaders, commission statements and stored, replayable batch plans, on an embedded store
(:mod:`dispatch.store`: SQLite by default, PostgreSQL by URL).
"""

from dispatch.clock import format_clock as format_clock
from dispatch.clock import parse_clock as parse_clock

# City scale (issue 11): decomposition and the engines that solve the parts.
from dispatch.decompose import PartEvent as PartEvent
from dispatch.decompose import ScaleSettings as ScaleSettings
from dispatch.domain import CommissionTier as CommissionTier
from dispatch.domain import Courier as Courier
from dispatch.domain import FulfilmentMode as FulfilmentMode
from dispatch.domain import Leader as Leader
from dispatch.domain import Member as Member
from dispatch.domain import MemberTier as MemberTier
from dispatch.domain import Order as Order
from dispatch.domain import OrderLine as OrderLine
from dispatch.domain import TemperatureClass as TemperatureClass
from dispatch.engine import CommissionStatement as CommissionStatement
from dispatch.engine import Engine as Engine
from dispatch.engine import PlanRecord as PlanRecord
from dispatch.engine import Submitted as Submitted
from dispatch.geojson import plan_geojson as plan_geojson
from dispatch.payloads import PayloadError as PayloadError
from dispatch.plan import AssignmentRun as AssignmentRun
from dispatch.plan import LeaderCommission as LeaderCommission
from dispatch.plan import PartRecord as PartRecord
from dispatch.plan import PickItem as PickItem
from dispatch.plan import PickList as PickList
from dispatch.plan import PickupAssignment as PickupAssignment
from dispatch.plan import Plan as Plan
from dispatch.plan import PlanKpis as PlanKpis
from dispatch.plan import PlannedRoute as PlannedRoute
from dispatch.plan import PlanStop as PlanStop
from dispatch.plan import RoutingRun as RoutingRun
from dispatch.plan import SolverKind as SolverKind
from dispatch.plan import SolverRun as SolverRun
from dispatch.plan import StopAction as StopAction
from dispatch.plan import UnassignedOrder as UnassignedOrder
from dispatch.plan import UnassignedOrderReason as UnassignedOrderReason
from dispatch.plan import WarehousePickList as WarehousePickList
from dispatch.planner import Planner as Planner
from dispatch.quotes import FulfilmentOption as FulfilmentOption
from dispatch.quotes import HomeService as HomeService
from dispatch.quotes import Quote as Quote
from dispatch.quotes import QuoteSettings as QuoteSettings
from dispatch.returns import PlannedReturn as PlannedReturn
from dispatch.returns import ReturnRequest as ReturnRequest
from dispatch.settings import CourierCost as CourierCost
from dispatch.settings import PlannerSettings as PlannerSettings
from dispatch.world import World as World
from solvers.executor import ExecutorKind as ExecutorKind
from solvers.executor import ExecutorSpec as ExecutorSpec
from solvers.problem import TimeWindow as TimeWindow
