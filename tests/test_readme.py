"""The README's Python examples run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scenarios.scenario_file import load_scenario
from tests.conftest import REPO_ROOT


def _python_blocks() -> list[str]:
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)


def test_readme_has_examples() -> None:
    assert _python_blocks()


@pytest.mark.parametrize("index", range(len(_python_blocks())))
def test_readme_example_runs(index: int, capsys: pytest.CaptureFixture[str]) -> None:
    block = _python_blocks()[index]
    exec(compile(block, f"README.md example {index}", "exec"), {})
    out = capsys.readouterr().out
    assert out
    if "road_matrix" in block:
        assert re.search(r"mw\d+ -> b\d+: \d+ m, \d+\.\d min", out)
    if "solve(problem" in block:
        # The basket: both shops, then the customer.
        assert re.findall(r"^(\w+) order-1 at (\d)", out, flags=re.MULTILINE) == [
            ("pickup", "1"),
            ("pickup", "2"),
            ("delivery", "3"),
        ]


def test_readme_scenario_example_loads(tmp_path: Path) -> None:
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    (block,) = re.findall(r"```json\n(.*?)```", text, flags=re.DOTALL)
    path = tmp_path / "scenario.json"
    path.write_text(block, encoding="utf-8")
    scenario = load_scenario(path)
    assert [o.id for o in scenario.orders] == ["o1"]
    assert scenario.at_s == 10 * 3600
