"""Executors: one pure function over independent jobs, in-process, in local processes or on Ray.

A decomposed plan (:mod:`dispatch.decompose`) solves its parts with one function, a
part problem in and a part result out (:func:`solvers.parts.solve_part`), and one of
three engines runs it:

* ``inline``: one job after another in this process;
* ``process`` (the default): a local pool of worker processes, at most one per usable
  core and at most :data:`core.limits.MAX_WORKERS` (:func:`solvers.processes.worker_count`),
  whose workers die with this process (:func:`solvers.processes.die_with_parent`) and are
  terminated when the wait is interrupted;
* ``ray``: Ray tasks, on the cluster at ``ray_address`` or on a local Ray started with
  ``ray_cpus`` CPUs (all usable cores by default).  Ray is the optional ``ray`` extra and
  is imported only here, inside :func:`_run_ray`, when this engine runs.

The function must be a module-level function and jobs and results picklable.  Results
come back in the order of the jobs whatever the order the jobs end in, so a pure
function gives the same results on every engine; ``on_done(index, result)`` is called in
the calling thread as each job ends (a progress bar).

No printing, no I/O.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

from core.limits import MAX_WORKERS
from solvers.errors import EngineError, InvalidInputError
from solvers.processes import die_with_parent, usable_cores, worker_context, worker_count

J = TypeVar("J")
R = TypeVar("R")

OnDone = Callable[[int, Any], None]

POOL_MIN_WORK = 60
"""Least work (routing tasks over all jobs of a round) worth starting worker processes
for: a smaller round runs in-process (the same results: the function is pure)."""


class ExecutorKind(StrEnum):
    """Where the jobs run."""

    INLINE = "inline"
    PROCESS = "process"
    RAY = "ray"


@dataclass(frozen=True, slots=True)
class ExecutorSpec:
    """Which engine runs the jobs, and with how much.

    Attributes:
        kind: ``inline``, ``process`` (default) or ``ray``.
        workers: parallel jobs at most (process pool size, Ray tasks in flight); None =
            every usable core (process) or every CPU of the Ray cluster.  At most
            :data:`core.limits.MAX_WORKERS`; a process pool never has more workers than
            usable cores.
        ray_address: the Ray cluster to join (``ray.init(address=...)``, e.g.
            ``"ray://head:10001"`` or ``"auto"``); None = start a local Ray.
        ray_cpus: CPUs of a local Ray (``ray.init(num_cpus=...)``); None = usable cores.
    """

    kind: ExecutorKind = ExecutorKind.PROCESS
    workers: int | None = None
    ray_address: str | None = None
    ray_cpus: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.kind, ExecutorKind):
            try:
                object.__setattr__(self, "kind", ExecutorKind(self.kind))
            except ValueError:
                names = ", ".join(k.value for k in ExecutorKind)
                raise InvalidInputError(
                    "ExecutorSpec.kind", f"must be one of {names}, got {self.kind!r}"
                ) from None
        for name in ("workers", "ray_cpus"):
            value = getattr(self, name)
            if value is not None and (
                not isinstance(value, int)
                or isinstance(value, bool)
                or not 1 <= value <= MAX_WORKERS
            ):
                raise InvalidInputError(
                    f"ExecutorSpec.{name}",
                    f"must be an integer in [1, {MAX_WORKERS}] or None, got {value!r}",
                )
        if self.ray_address is not None and (
            not isinstance(self.ray_address, str) or not self.ray_address.strip()
        ):
            raise InvalidInputError(
                "ExecutorSpec.ray_address", f"must be a non-empty string, got {self.ray_address!r}"
            )
        if self.ray_address is not None and self.kind is not ExecutorKind.RAY:
            raise InvalidInputError(
                "ExecutorSpec.ray_address", "is for the ray engine only (kind='ray')"
            )

    def for_work(self, units: int) -> ExecutorSpec:
        """The engine for a round of ``units`` of work: in-process instead of a local pool
        below :data:`POOL_MIN_WORK` (starting processes would cost more than they
        save); Ray and in-process as they are."""
        if self.kind is ExecutorKind.PROCESS and units < POOL_MIN_WORK:
            return ExecutorSpec(ExecutorKind.INLINE)
        return self

    def same_clock(self) -> bool:
        """Whether every worker runs on this machine (so a ``perf_counter`` deadline
        holds in it): not on a Ray cluster given by address."""
        return self.kind is not ExecutorKind.RAY or self.ray_address is None

    def slots(self) -> int:
        """How many jobs run at the same time (for sharing a time budget among rounds of
        jobs): 1 inline; the pool size for processes; the CPUs asked for on Ray (the
        usable cores when not said)."""
        if self.kind is ExecutorKind.INLINE:
            return 1
        if self.kind is ExecutorKind.PROCESS:
            return worker_count(self.workers or MAX_WORKERS)
        return self.workers or self.ray_cpus or usable_cores()


def run_jobs(
    fn: Callable[[J], R],
    jobs: Sequence[J],
    spec: ExecutorSpec,
    on_done: OnDone | None = None,
) -> list[R]:
    """``[fn(job) for job in jobs]`` on the engine ``spec`` names, in the jobs' order.

    Raises:
        InvalidInputError: a job raised it (the first such, by job order), or the Ray
            engine was asked for and Ray is not installed.
        EngineError: a job failed otherwise (its error named), or a worker died.
    """
    if not jobs:
        return []
    if spec.kind is ExecutorKind.RAY:
        return _run_ray(fn, jobs, spec, on_done)
    if spec.kind is ExecutorKind.INLINE or spec.slots() == 1 or len(jobs) == 1:
        results: list[R] = []
        for index, job in enumerate(jobs):
            results.append(fn(job))
            if on_done is not None:
                on_done(index, results[-1])
        return results
    return _run_pool(fn, jobs, min(spec.slots(), len(jobs)), on_done)


def _run_pool(
    fn: Callable[[J], R], jobs: Sequence[J], workers: int, on_done: OnDone | None
) -> list[R]:
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=worker_context(),
        initializer=die_with_parent,
        initargs=(os.getpid(),),
    )
    try:
        futures: dict[Future[R], int] = {pool.submit(fn, job): i for i, job in enumerate(jobs)}
        results: dict[int, R] = {}
        pending = set(futures)
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in sorted(done, key=lambda f: futures[f]):
                index = futures[future]
                results[index] = _result(future)
                if on_done is not None:
                    on_done(index, results[index])
    except BaseException:
        # Interrupted (Ctrl-C, the CLI's SystemExit on SIGTERM) or a job failed: stop the
        # workers now rather than at their deadlines (Python 3.11's executor has no
        # public terminate, hence its process table).
        for process in list(pool._processes.values()):
            process.terminate()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    return [results[i] for i in range(len(jobs))]


def _result(future: Future[R]) -> R:
    try:
        return future.result()
    except (InvalidInputError, EngineError):
        raise
    except Exception as exc:
        raise EngineError(
            f"a part failed in a worker process: {type(exc).__name__}: {exc}"
        ) from exc


def ray_available() -> bool:
    """Whether the optional ``ray`` extra can be imported."""
    try:
        import ray  # noqa: F401, PLC0415
    except ImportError:
        return False
    return True


def _run_ray(
    fn: Callable[[J], R], jobs: Sequence[J], spec: ExecutorSpec, on_done: OnDone | None
) -> list[R]:
    try:
        import ray  # noqa: PLC0415  (the optional extra, loaded only for this engine)
    except ImportError:
        raise InvalidInputError(
            "engine",
            "'ray' needs the optional ray extra (pip install 'o2o-dispatch[ray]'); "
            "use 'process' or 'inline'",
        ) from None
    if not ray.is_initialized():
        if spec.ray_address is not None:
            ray.init(address=spec.ray_address, log_to_driver=False)
        else:
            ray.init(
                num_cpus=spec.ray_cpus or usable_cores(),
                include_dashboard=False,
                log_to_driver=False,
                configure_logging=False,
            )
    remote = ray.remote(num_cpus=1, max_retries=0)(fn)
    # At most `workers` tasks in flight when asked (else Ray schedules by its CPUs).
    limit = spec.workers or len(jobs)
    refs: dict[Any, int] = {}
    results: dict[int, R] = {}
    next_job = 0
    try:
        while next_job < len(jobs) or refs:
            while next_job < len(jobs) and len(refs) < limit:
                refs[remote.remote(jobs[next_job])] = next_job
                next_job += 1
            done, _ = ray.wait(list(refs), num_returns=1)
            for ref in done:
                index = refs.pop(ref)
                try:
                    results[index] = ray.get(ref)
                except ray.exceptions.RayTaskError as exc:
                    cause = exc.as_instanceof_cause()  # type: ignore[no-untyped-call]
                    if isinstance(cause, InvalidInputError | EngineError):
                        raise cause from None
                    raise EngineError(f"a part failed on Ray: {exc}") from None
                if on_done is not None:
                    on_done(index, results[index])
    except BaseException:
        for ref in refs:
            ray.cancel(ref, force=True)
        raise
    return [results[i] for i in range(len(jobs))]
