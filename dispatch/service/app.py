"""The HTTP service: the Engine's operations as JSON over HTTP (FastAPI).

``create_app(engine, config)`` builds the application; it keeps no global state (the
engine, the configuration and the plan jobs live on the app).  ``dispatch serve`` runs
it on uvicorn.  Paths (roles in brackets; ``/health`` is open):

* ``GET /health``
* ``POST /quotes`` [order-service]: fulfilment options and fees for a basket.
* ``POST /orders`` [order-service]: submit; idempotent on the order id (201 stored, 200
  the same order again, 409 the id with other content).
* ``GET /orders/{id}``, ``DELETE /orders/{id}`` [order-service]: status and ETA; cancel.
* ``POST /returns`` [order-service]: submit a return request (:mod:`dispatch.returns`);
  idempotent on its id like orders; ``GET /returns/{id}``: its state and plan.
* ``POST /plans`` [operator]: plan the pending orders; waits for the plan (201) within
  its budget plus a grace, else (or with ``"wait": false``) answers 202 with a job.
  The plan is computed in a background thread and stored whether or not anyone waits.
* ``GET /plans/{id}`` [operator]: a stored plan by number, or a job by ``job-...``.
* ``POST /plans/{id}/replan`` [operator]: re-plan a plan's courier deliveries with what
  couriers carry or ride to locked (:meth:`dispatch.Engine.replan`).
* ``POST /vroom`` [operator]: a VROOM problem in, VROOM's answer out
  (:mod:`dispatch.vroom`).
* ``PUT /stock/{place}``, ``GET /stock/{place}`` [operator]: a store's or
  micro-warehouse's stock (units on hand, announced arrivals) and what stored orders
  reserved of it (:meth:`dispatch.Engine.set_stock`, :meth:`dispatch.Engine.replenish`).

Errors: :mod:`dispatch.service.errors`.  Limits (413 before any work): the body size
(:class:`dispatch.service.guards.BodyLimit`) and the orders of a plan or VROOM problem.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Body, Depends, FastAPI, Path, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse

from dispatch.domain import FulfilmentMode
from dispatch.engine import Engine, PlanRecord
from dispatch.live import CommittedStop, CourierState, OnBoard, PartlyPicked
from dispatch.payloads import OrderPayload, PayloadError, order_payload
from dispatch.plan import Plan
from dispatch.quotes import Quote
from dispatch.returns import ReturnPayload
from dispatch.service.config import Role, ServiceConfig
from dispatch.service.errors import ApiError, InternalErrors, from_engine, install_error_handlers
from dispatch.service.guards import BodyLimit, require
from dispatch.service.jobs import Job, JobStatus, PlanJobs
from dispatch.service.models import (
    CourierStateIn,
    ErrorOut,
    HealthOut,
    JobOut,
    MissingLineOut,
    OptionOut,
    OrderOut,
    PlanOut,
    PlanRequest,
    QuoteOut,
    QuoteRequest,
    ReplanRequest,
    ReturnOut,
    StockIn,
    StockLotOut,
    StockOut,
    SubmittedOut,
    WindowOut,
)
from dispatch.stock import MissingLine
from dispatch.store.sql import OrderStatus, StoredOrder, StoredPlan
from dispatch.viewer import render_stored_plan_html, viewer_csp
from dispatch.vroom import solve_vroom, world_travel
from dispatch.world import World
from solvers import SolveParams
from solvers.errors import InvalidInputError

PlanRef = Annotated[
    str,
    Path(
        description="a plan number, or a job id (job-...) from POST /plans",
        pattern=r"^(\d{1,12}|job-[0-9a-f]{32})$",
    ),
]
OrderId = Annotated[str, Path(min_length=1, max_length=100)]

_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"description": text, "model": ErrorOut}
    for code, text in (
        (400, "the body is not JSON"),
        (401, "missing or unknown bearer token"),
        (403, "the token's role may not do this"),
        (404, "unknown id"),
        (409, "conflict with what is stored"),
        (413, "the body or the problem is larger than this server takes"),
        (422, "a field breaks a rule: every problem with its field path"),
    )
}


class ServiceState:
    """What the app holds: the engine, its configuration and the plan jobs."""

    def __init__(self, engine: Engine, config: ServiceConfig) -> None:
        self.engine = engine
        self.config = config
        self.jobs = PlanJobs(config.plan_workers, config.jobs_kept)

    def view_source(self, plan_id: int) -> tuple[StoredPlan, Plan | None, World]:
        """What a plan viewer draws: the stored plan (its JSON), the :class:`Plan`
        object when this process made it, and the engine's world.

        Raises:
            ApiError: 404 for an unknown plan.
        """
        stored = self.engine.store.plan(plan_id)
        if stored is None:
            raise ApiError(404, f"unknown plan {plan_id}", [("plan_id", f"unknown plan {plan_id}")])
        return stored, self.jobs.plan(plan_id), self.engine.world


def _budget(config: ServiceConfig, asked: float | None) -> float:
    value = config.default_time_limit_s if asked is None else asked
    if value > config.max_time_limit_s:
        raise ApiError(
            422,
            f"time_limit_s: must be <= {config.max_time_limit_s:g} on this server",
            [("time_limit_s", f"must be <= {config.max_time_limit_s:g}, got {value!r}")],
        )
    return value


def _missing_out(lines: Sequence[MissingLine]) -> list[MissingLineOut]:
    return [
        MissingLineOut(place_id=m.place_id, sku=m.sku, wanted=m.wanted, available=m.available)
        for m in lines
    ]


def _quote_out(quote: Quote) -> QuoteOut:
    return QuoteOut(
        destination_id=quote.destination_id,
        member_id=quote.member_id,
        at_s=quote.at_s,
        basket_value=str(quote.basket_value),
        options=[
            OptionOut(
                mode=o.mode,
                fee=str(o.fee),
                base_fee=str(o.base_fee),
                benefit=o.benefit,
                available=o.available,
                eta_s=o.eta_s,
                window=None
                if o.window is None
                else WindowOut(start_s=o.window.start_s, end_s=o.window.end_s),
                remaining=o.remaining,
                pickup_point_id=o.pickup_point_id,
                walk_m=o.walk_m,
                next_pickup_s=o.next_pickup_s,
                source_ids=list(o.source_ids),
                missing=_missing_out(o.missing),
                instead_of=o.instead_of,
            )
            for o in quote.options
        ],
        missing=_missing_out(quote.missing),
    )


def _eta(plan: Mapping[str, Any], order_id: str) -> tuple[float | None, str | None]:
    """The planned arrival at the customer (or the pickup point) and the courier."""
    found: tuple[float | None, str | None] = (None, None)
    for route in plan.get("routes", []):
        for stop in route.get("stops", []):
            if order_id in stop.get("order_ids", ()) and stop.get("action") != "pickup":
                found = (float(stop["eta_s"]), str(route["courier_id"]))
    return found


def _job_out(job: Job) -> JobOut:
    error = None
    if job.status is JobStatus.FAILED:
        error = {"field": job.error_field or "plan", "rule": job.error_rule or "failed"}
    return JobOut(
        job_id=job.id,
        kind=job.kind,
        status=job.status.value,
        submitted_at=job.submitted_at,
        plan_id=job.plan_id,
        error=error,
    )


def _plan_out(stored: StoredPlan) -> PlanOut:
    replan_of = stored.inputs.get("replan_of")
    return PlanOut(
        plan_id=stored.id,
        label=stored.label,
        at_s=stored.at_s,
        created_at=stored.created_at,
        replan_of=None if replan_of is None else int(replan_of),
        plan=stored.plan,
    )


def _courier_state(state: CourierStateIn, world: World) -> CourierState:
    courier = next((c for c in world.couriers if c.id == state.courier_id), None)
    if courier is None:
        raise InvalidInputError("couriers: courier_id", f"unknown courier {state.courier_id!r}")
    return CourierState(
        courier_id=state.courier_id,
        lon=courier.lon if state.lon is None else state.lon,
        lat=courier.lat if state.lat is None else state.lat,
        on_board=tuple(OnBoard(b.order_id, b.picked_up_at_s) for b in state.on_board),
        next_stop=(
            None
            if state.next_stop is None
            else CommittedStop(state.next_stop.order_id, state.next_stop.stop_index)
        ),
        left_at_s=state.left_at_s,
        partly_picked=tuple(
            PartlyPicked(p.order_id, tuple(p.stores_done), p.picked_up_at_s)
            for p in state.partly_picked
        ),
    )


def create_app(engine: Engine, config: ServiceConfig) -> FastAPI:
    """The service for ``engine`` under ``config`` (tokens, limits, budgets).

    The app owns a pool of plan-job threads, shut down (running plans finished) when the
    app's lifespan ends; the engine stays open (its owner closes it).
    """
    state = ServiceState(engine, config)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        await run_in_threadpool(state.jobs.shutdown)

    app = FastAPI(
        title="o2o-dispatch",
        version="1",
        summary="Delivery and pickup-point dispatch engine: quotes, orders, plans, VROOM.",
        lifespan=lifespan,
        responses=_ERRORS,
    )
    app.state.service = state
    install_error_handlers(app)
    app.add_middleware(BodyLimit, max_bytes=config.max_body_bytes)
    app.add_middleware(InternalErrors)  # outermost of ours: sees every escaped exception
    order_service = Depends(require(config.tokens, Role.ORDER_SERVICE))
    operator = Depends(require(config.tokens, Role.OPERATOR))

    @app.get("/health", tags=["service"])
    async def health() -> HealthOut:
        """The server is up and its store answers (no token needed)."""
        orders = await run_in_threadpool(engine.store.count_orders)
        return HealthOut(status="ok", store=engine.store.backend, orders=orders)

    # --- the order service -------------------------------------------------------------

    @app.post("/quotes", tags=["orders"], dependencies=[order_service])
    def quote(body: QuoteRequest) -> QuoteOut:
        """The fulfilment options for a basket to a building, with fees after the
        member's benefits."""
        found = engine.quote(
            body.destination,
            [line.to_line() for line in body.basket],
            body.member_id,
            at_s=body.at_s,
        )
        return _quote_out(found)

    @app.post(
        "/orders",
        tags=["orders"],
        dependencies=[order_service],
        status_code=201,
        response_model=SubmittedOut,
        responses={
            200: {"description": "the same order was already stored", "model": SubmittedOut}
        },
    )
    def submit(body: OrderPayload) -> JSONResponse:
        """Submit an order; its id is the idempotency key (the same order again: 200,
        the id with other content: 409)."""
        payload = body.model_dump(mode="json", by_alias=True)
        try:
            submitted = engine.submit(payload)
        except PayloadError:
            raise
        except InvalidInputError as error:  # the id with other content
            raise from_engine(error, 409) from None
        out = SubmittedOut(
            order_id=submitted.order_id, stored=submitted.stored, status=OrderStatus.PENDING.value
        )
        if not submitted.stored:
            current = engine.store.order(submitted.order_id)
            if current is not None:
                out = SubmittedOut(
                    order_id=submitted.order_id, stored=False, status=current.status.value
                )
        return JSONResponse(out.model_dump(), status_code=201 if submitted.stored else 200)

    def _order_out(stored: StoredOrder) -> OrderOut:
        eta, courier = None, None
        if stored.status is OrderStatus.PLANNED and stored.plan_id is not None:
            plan = engine.store.plan(stored.plan_id)
            if plan is not None:
                eta, courier = _eta(plan.plan, stored.order.id)
        return OrderOut(
            order_id=stored.order.id,
            mode=stored.order.mode,
            status=stored.status.value,
            plan_id=stored.plan_id,
            pickup_point_id=stored.pickup_point_id,
            fulfilled_on=None if stored.fulfilled_on is None else stored.fulfilled_on.isoformat(),
            eta_s=eta,
            courier_id=courier,
            order=order_payload(stored.order),
        )

    @app.get("/orders/{order_id}", tags=["orders"], dependencies=[order_service])
    def order_status(order_id: OrderId) -> OrderOut:
        """An order's status, plan and ETA."""
        stored = engine.store.order(order_id)
        if stored is None:
            raise ApiError(
                404, f"unknown order {order_id!r}", [("order_id", f"unknown order {order_id!r}")]
            )
        return _order_out(stored)

    @app.delete("/orders/{order_id}", tags=["orders"], dependencies=[order_service])
    def cancel(order_id: OrderId) -> OrderOut:
        """Cancel a pending or planned order (again: no change); a fulfilled one is 409."""
        if engine.store.order(order_id) is None:
            raise ApiError(
                404, f"unknown order {order_id!r}", [("order_id", f"unknown order {order_id!r}")]
            )
        try:
            stored = engine.cancel(order_id)
        except InvalidInputError as error:
            raise from_engine(error, 409) from None
        return _order_out(stored)

    # --- stock (dispatch.stock) -----------------------------------------------------------

    def _stock_out(place_id: str) -> StockOut:
        lots = engine.stock(place_id)
        return StockOut(
            place_id=place_id,
            lots=[StockLotOut(sku=x.sku, at_s=x.at_s, quantity=x.quantity, reserved=x.reserved)
                  for x in lots],
        )  # fmt: skip

    @app.put("/stock/{place_id}", tags=["stock"], dependencies=[operator])
    def put_stock(place_id: OrderId, body: StockIn) -> StockOut:
        """Set units on hand per SKU at a store or micro-warehouse and add announced
        arrivals; the place counts stock from then on."""
        _known_stock_place(place_id)
        for sku, quantity in sorted(body.levels.items()):
            engine.set_stock(place_id, sku, quantity)
        for arrival in body.replenishments:
            engine.replenish(place_id, arrival.sku, arrival.quantity, arrival.at_s)
        return _stock_out(place_id)

    @app.get("/stock/{place_id}", tags=["stock"], dependencies=[operator])
    def get_stock(place_id: OrderId) -> StockOut:
        """A place's stock lots and what stored orders reserved of them."""
        _known_stock_place(place_id)
        return _stock_out(place_id)

    def _known_stock_place(place_id: str) -> None:
        try:
            engine.stock(place_id)
        except InvalidInputError as error:
            raise ApiError(404, error.rule, [("place_id", error.rule)]) from None

    # --- returns (dispatch.returns) -------------------------------------------------------

    @app.post(
        "/returns",
        tags=["orders"],
        dependencies=[order_service],
        status_code=201,
        response_model=ReturnOut,
        responses={200: {"description": "the same return was already stored", "model": ReturnOut}},
    )
    def submit_return(body: ReturnPayload) -> JSONResponse:
        """Submit a return request; its id is the idempotency key (the same return again:
        200, the id with other content: 409).  The next plan of the courier deliveries
        collects it."""
        payload = body.model_dump(mode="json", by_alias=True)
        try:
            submitted = engine.submit_return(payload)
        except PayloadError:
            raise
        except InvalidInputError as error:  # the id with other content
            raise from_engine(error, 409) from None
        stored = engine.return_request(submitted.order_id)
        out = ReturnOut(
            return_id=submitted.order_id,
            stored=submitted.stored,
            status=stored.status.value,
            plan_id=stored.plan_id,
        )
        return JSONResponse(out.model_dump(), status_code=201 if submitted.stored else 200)

    @app.get("/returns/{return_id}", tags=["orders"], dependencies=[order_service])
    def return_status(return_id: OrderId) -> ReturnOut:
        """A return's state (pending, planned) and the plan that collects it."""
        try:
            stored = engine.return_request(return_id)
        except InvalidInputError:
            raise ApiError(
                404, f"unknown return {return_id!r}", [("return_id", "unknown return")]
            ) from None
        return ReturnOut(
            return_id=return_id, stored=False, status=stored.status.value, plan_id=stored.plan_id
        )

    # --- plans ---------------------------------------------------------------------------

    def _too_many(count: int, what: str) -> None:
        if count > config.max_orders:
            message = (
                f"{what} has {count} orders, more than this server's limit of "
                f"{config.max_orders}: split it"
            )
            raise ApiError(413, message, [("orders", f"at most {config.max_orders}, got {count}")])

    async def _run(kind: str, work: Any, wait: bool, time_limit_s: float) -> JSONResponse:
        job, future = state.jobs.submit(kind, work)
        if wait:
            try:
                done = await asyncio.wait_for(
                    asyncio.shield(asyncio.wrap_future(future)), time_limit_s + config.sync_grace_s
                )
            except TimeoutError:
                done = None
            if done is not None and done.status is JobStatus.DONE and done.plan_id is not None:
                stored = engine.store.plan(done.plan_id)
                if stored is not None:
                    return JSONResponse(
                        _plan_out(stored).model_dump(),
                        status_code=201,
                        headers={"Location": f"/plans/{done.plan_id}"},
                    )
            if done is not None and done.status is JobStatus.FAILED:
                field, rule = done.error_field or "plan", done.error_rule or "failed"
                raise ApiError(500 if done.internal else 422, f"{field}: {rule}", [(field, rule)])
            job = state.jobs.get(job.id) or job
        return JSONResponse(
            _job_out(job).model_dump(), status_code=202, headers={"Location": f"/plans/{job.id}"}
        )

    @app.post(
        "/plans",
        tags=["plans"],
        dependencies=[operator],
        status_code=201,
        response_model=PlanOut,
        responses={202: {"description": "the plan is being made: poll the job", "model": JobOut}},
    )
    async def make_plan(body: PlanRequest) -> JSONResponse:
        """Plan the pending orders (a wave, or the next-day cut-off) and store the plan."""
        budget = _budget(config, body.time_limit_s)
        params = SolveParams(
            time_limit_s=budget, seed=body.seed, workers=1, iterations=body.iterations
        )
        if body.order_ids is not None:
            count = len(body.order_ids)
        else:
            count = await run_in_threadpool(
                engine.store.count_orders, status=OrderStatus.PENDING, modes=body.modes
            )
        _too_many(count, "the batch")
        at_s = body.at_s

        def work() -> PlanRecord:
            return engine.plan_batch(
                at_s=engine.now_s() if at_s is None else at_s,
                modes=body.modes,
                order_ids=body.order_ids,
                params=params,
                label=body.label,
            )

        return await _run("plan", work, body.wait, budget)

    @app.get(
        "/plans/{plan_ref}",
        tags=["plans"],
        dependencies=[operator],
        response_model=PlanOut | JobOut,
    )
    def get_plan(plan_ref: PlanRef) -> PlanOut | JobOut:
        """A stored plan (by number) or a plan job (by ``job-...``: poll until done)."""
        if plan_ref.startswith("job-"):
            job = state.jobs.get(plan_ref)
            if job is None:
                raise ApiError(
                    404, f"unknown job {plan_ref!r}", [("plan_ref", f"unknown job {plan_ref!r}")]
                )
            return _job_out(job)
        stored, _, _ = state.view_source(int(plan_ref))
        return _plan_out(stored)

    @app.get(
        "/plans/{plan_id}/view",
        tags=["plans"],
        dependencies=[operator],
        response_class=HTMLResponse,
        responses={200: {"content": {"text/html": {}}, "description": "the plan viewer"}},
    )
    async def view_plan(plan_id: Annotated[int, Path(ge=1, le=10**12)]) -> HTMLResponse:
        """The plan viewer: one self-contained HTML page (streets, routes with their stops
        and HH:MM times, places, unassigned orders with reasons, KPIs), drawn from the
        stored plan so any plan of the store can be viewed; it fetches nothing."""
        stored, _, world = state.view_source(plan_id)
        page = await run_in_threadpool(render_stored_plan_html, stored, world)
        return HTMLResponse(page, headers={"Content-Security-Policy": viewer_csp()})

    @app.post(
        "/plans/{plan_id}/replan",
        tags=["plans"],
        dependencies=[operator],
        status_code=201,
        response_model=PlanOut,
        responses={
            202: {"description": "the re-plan is being made: poll the job", "model": JobOut}
        },
    )
    async def replan(
        plan_id: Annotated[int, Path(ge=1, le=10**12)], body: ReplanRequest
    ) -> JSONResponse:
        """Re-plan a plan's courier deliveries at ``at_s``: orders couriers carry or ride
        to stay with them; the rest (and new pending deliveries) are planned afresh."""
        state.view_source(plan_id)
        budget = _budget(config, body.time_limit_s)
        params = SolveParams(
            time_limit_s=budget, seed=body.seed, workers=1, iterations=body.iterations
        )
        couriers = [_courier_state(c, engine.world) for c in body.couriers]
        modes = [FulfilmentMode.INSTANT, FulfilmentMode.MULTI_STORE, FulfilmentMode.SCHEDULED]
        count = await run_in_threadpool(
            engine.store.count_orders, status=OrderStatus.PENDING, modes=modes
        ) + await run_in_threadpool(
            engine.store.count_orders, status=OrderStatus.PLANNED, modes=modes, plan_id=plan_id
        )
        _too_many(count, "the re-plan")

        def work() -> PlanRecord:
            return engine.replan(
                plan_id, at_s=body.at_s, couriers=couriers, params=params, label=body.label
            )

        return await _run("replan", work, body.wait, budget)

    # --- VROOM ---------------------------------------------------------------------------

    travel = world_travel(engine.world)

    @app.post("/vroom", tags=["vroom"], dependencies=[operator])
    def vroom(
        problem: Annotated[
            dict[str, Any],
            Body(description="a VROOM input document (VROOM's docs/API.md)"),
        ],
        time_limit_s: Annotated[
            float | None, Query(gt=0, le=3600, description="solve budget, seconds")
        ] = None,
    ) -> dict[str, Any]:
        """Solve a VROOM problem; the answer is VROOM's output format (``code``,
        ``summary``, ``unassigned``, ``routes`` with ``steps``).  Fields the engine
        cannot honour are refused (422) naming the field."""
        jobs, shipments = problem.get("jobs", []), problem.get("shipments", [])
        count = (len(jobs) if isinstance(jobs, list) else 0) + (
            len(shipments) if isinstance(shipments, list) else 0
        )
        _too_many(count, "the VROOM problem")
        budget = _budget(config, time_limit_s)
        if not math.isfinite(budget):
            raise ApiError(422, "time_limit_s must be finite", [("time_limit_s", "must be finite")])
        params = SolveParams(time_limit_s=budget, workers=1)
        _, _, answer = solve_vroom(problem, params, travel=travel)
        return answer

    return app
