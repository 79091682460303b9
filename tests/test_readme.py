"""The README's Python examples run as written."""

from __future__ import annotations

import re

import pytest

from tests.conftest import REPO_ROOT


def _python_blocks() -> list[str]:
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)


def test_readme_has_examples() -> None:
    assert _python_blocks()


@pytest.mark.parametrize("index", range(len(_python_blocks())))
def test_readme_example_runs(index: int, capsys: pytest.CaptureFixture[str]) -> None:
    exec(compile(_python_blocks()[index], f"README.md example {index}", "exec"), {})
    assert re.search(r"mw\d+ -> b\d+: \d+ m, \d+\.\d min", capsys.readouterr().out)
