"""Property: any VROOM-format JSON document is answered or refused with one clear error
(issue 16's input kind "VROOM JSON"), within a time bound.

Documents are the two VROOM-shaped examples of ``tests/dispatch/test_vroom.py`` (custom
matrices; shipments, skills, capacities, time windows, priorities) with one to three
values replaced, removed or added anywhere, and arbitrary JSON.  A document the
translation accepts is solved with a tiny budget (first solution only); the solution must
pass the solver's independent checker on the translated problem, and its VROOM answer
the replay of :func:`tests.dispatch.vroom_check.check_vroom_answer` against the input.
The example count comes from the hypothesis profile (``ci`` or ``fuzz``).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from core.errors import InvalidInputError
from dispatch.vroom import solve_vroom
from solvers import SolveParams, check
from tests.dispatch.test_vroom import matrix_example, rich_example
from tests.dispatch.vroom_check import check_vroom_answer
from tests.scenarios.test_fuzz_inputs import JSON_VALUES, _paths, mutate, one_clear_error, within

pytestmark = pytest.mark.property

# One first solution, no improvement: the property is about inputs, not search quality.
PARAMS = SolveParams(time_limit_s=1.0, workers=1, iterations=1)
BASES = [matrix_example(), rich_example()]
PATHS = [_paths(base) for base in BASES]


@st.composite
def mutated_documents(draw: st.DrawFn) -> Any:
    k = draw(st.integers(0, len(BASES) - 1))
    return mutate(draw, BASES[k], PATHS[k])


def _answered_or_refused(doc: object) -> None:
    with within():
        try:
            tr, solution, answer = solve_vroom(doc, PARAMS)
        except InvalidInputError as error:  # PayloadError is one
            event("refused")
            one_clear_error(error)
            return
    event("answered")
    report = check(tr.problem, solution)
    assert report.ok, report.violations
    assert check_vroom_answer(doc, answer) == []  # type: ignore[arg-type]


@given(mutated_documents())
def test_a_mutated_vroom_document_is_answered_or_refused_clearly(doc: Any) -> None:
    _answered_or_refused(doc)


@given(JSON_VALUES)
def test_arbitrary_json_is_a_vroom_document_or_refused_clearly(doc: object) -> None:
    _answered_or_refused(doc)
