"""Plan jobs: plans are computed in background threads and stored, whoever waits.

A request that makes a plan (``POST /plans``, ``POST /plans/{id}/replan``) submits a job
here and either waits for it or returns its id at once; either way the plan is computed
to the end and stored by the Engine, so a client that disconnects loses nothing: it
polls ``GET /plans/job-...`` later.  Jobs live in the server process (the plans they
make live in the store); the last ``keep`` finished jobs are remembered.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum

from dispatch.engine import PlanRecord
from dispatch.plan import Plan
from solvers.errors import EngineError, InvalidInputError


class JobStatus(StrEnum):
    """Where a plan job is."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True)
class Job:
    """A plan job's state.

    Attributes:
        id: ``job-<hex>``.
        kind: ``plan`` or ``replan``.
        status: queued, running, done or failed.
        submitted_at: ISO time (UTC).
        plan_id: the stored plan, once done.
        error_field, error_rule: why it failed (bad input found while planning).
        internal: it failed on an unexpected error (a bug), not on the input.
    """

    id: str
    kind: str
    status: JobStatus
    submitted_at: str
    plan_id: int | None = None
    error_field: str | None = None
    error_rule: str | None = None
    internal: bool = False  # failed on a bug, not on the input (the answer is a 500)


class PlanJobs:
    """Background plan jobs on a small thread pool; thread-safe."""

    def __init__(self, workers: int, keep: int) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="plan-job")
        self._lock = threading.Lock()
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._plans: OrderedDict[int, Plan] = OrderedDict()
        self._keep = keep

    def submit(self, kind: str, work: Callable[[], PlanRecord]) -> tuple[Job, Future[Job]]:
        """Queue ``work`` (which stores its plan and returns the record)."""
        job = Job(
            id=f"job-{uuid.uuid4().hex}",
            kind=kind,
            status=JobStatus.QUEUED,
            submitted_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        with self._lock:
            self._jobs[job.id] = job
            self._forget()

        def run() -> Job:
            self._set(replace(job, status=JobStatus.RUNNING))
            try:
                record = work()
            except InvalidInputError as error:
                return self._set(
                    replace(
                        job, status=JobStatus.FAILED, error_field=error.field, error_rule=error.rule
                    )
                )
            except EngineError as error:
                return self._set(
                    replace(job, status=JobStatus.FAILED, error_field="plan", error_rule=str(error))
                )
            except Exception as error:  # a bug: the job must still end, and say so
                return self._set(
                    replace(
                        job,
                        status=JobStatus.FAILED,
                        error_field="plan",
                        error_rule=f"internal error ({type(error).__name__})",
                        internal=True,
                    )
                )
            with self._lock:
                self._plans[record.plan_id] = record.plan
                while len(self._plans) > self._keep:
                    self._plans.popitem(last=False)
            return self._set(replace(job, status=JobStatus.DONE, plan_id=record.plan_id))

        return job, self._pool.submit(run)

    def _set(self, job: Job) -> Job:
        with self._lock:
            self._jobs[job.id] = job
        return job

    def _forget(self) -> None:
        finished = [
            k for k, j in self._jobs.items() if j.status in (JobStatus.DONE, JobStatus.FAILED)
        ]
        for key in finished[: max(0, len(finished) - self._keep)]:
            del self._jobs[key]

    def get(self, job_id: str) -> Job | None:
        """The job, or None when unknown (or long forgotten)."""
        with self._lock:
            return self._jobs.get(job_id)

    def plan(self, plan_id: int) -> Plan | None:
        """The :class:`Plan` object of a plan made in this process (recent ones), if kept."""
        with self._lock:
            return self._plans.get(plan_id)

    def shutdown(self) -> None:
        """Finish the running jobs, then stop the threads."""
        self._pool.shutdown(wait=True, cancel_futures=False)
