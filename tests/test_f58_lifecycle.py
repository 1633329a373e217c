"""f58: the silence warning says how long truly (r57 finding 6; its test is in
tests/test_r57.py): `groupbot check` warns of a `{days}` that would be rounded."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import BOT_YAML, write_config

from bot.cli import main


def _lifecycle(silent: str) -> str:
    return f"handlers:\n  - lifecycle:\n      silent: {silent}\n"


@pytest.mark.parametrize("after, said", [("1h", "0"), ("36h", "1.5")])
def test_check_warns_of_days_said_for_an_after_not_in_whole_days(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, after: str, said: str) -> None:
    root = write_config(tmp_path / "config", BOT_YAML, {"recruitment": _lifecycle(
        f"{{after: {after}, remove: true, warning: '已经 {{days}} 天没有发言了'}}")})
    assert main(["check", "--config", str(root)]) == 0
    errors = capsys.readouterr().err.replace(str(root) + "/", "").splitlines()
    shown = {"1h": "1 小时", "36h": "36 小时"}[after]
    assert errors == [
        f"warning: types/recruitment.yaml:3: handlers.lifecycle.silent.warning: {{days}} says "
        f"{said} for an after of {shown} (not whole days: rounded down to a tenth); "
        f"{{after}} says {shown}"]


@pytest.mark.parametrize("silent", [
    "{after: 2d, warning: '已经 {days} 天没有发言了'}",   # whole days: said exactly
    "{after: 1h}",                                          # the shipped text: {after}
])
def test_check_is_quiet_where_the_warning_reads_true(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, silent: str) -> None:
    root = write_config(tmp_path / "config", BOT_YAML, {"recruitment": _lifecycle(silent)})
    assert main(["check", "--config", str(root)]) == 0
    assert capsys.readouterr().err == ""
