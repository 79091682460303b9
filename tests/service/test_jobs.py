"""Plan jobs end whatever the work does: done with the plan id, failed with the field
and rule of bad input, or failed as internal on a bug (never stuck running)."""

from __future__ import annotations

from dispatch.engine import PlanRecord
from dispatch.service.jobs import JobStatus, PlanJobs
from solvers.errors import InvalidInputError


def test_jobs_end_done_failed_or_internal() -> None:
    jobs = PlanJobs(workers=1, keep=2)

    def bad_input() -> PlanRecord:
        raise InvalidInputError("order_ids", "not pending orders: ['x']")

    def bug() -> PlanRecord:
        raise RuntimeError("boom")

    _, first = jobs.submit("plan", bad_input)
    failed = first.result(timeout=30)
    assert failed.status is JobStatus.FAILED and not failed.internal
    assert (failed.error_field, failed.error_rule) == ("order_ids", "not pending orders: ['x']")
    _, second = jobs.submit("plan", bug)
    crashed = second.result(timeout=30)
    assert crashed.status is JobStatus.FAILED and crashed.internal
    assert jobs.get(crashed.id) == crashed
    for _ in range(3):  # only the last `keep` finished jobs are remembered
        jobs.submit("plan", bad_input)[1].result(timeout=30)
    assert jobs.get(failed.id) is None
    jobs.shutdown()
