"""h70: the terminal simulator reads `/wait 10` as 10 seconds, as a scenario reads `wait: 10`
(review r51: the simulator refused it, "not a duration"), within the same bound."""

from __future__ import annotations

import itertools
import os
import re
import shutil
from datetime import datetime, timedelta
from pathlib import Path

from harness import ROOT, groupbot

NOW = re.compile(r"now (\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) ")


def _waited(tmp_path: Path, *waits: str) -> tuple[str, list[datetime]]:
    """The simulator's output after the `/wait`s, and the times each that moved left it at."""
    shutil.copytree(ROOT / "config", tmp_path / "config")
    shutil.copytree(ROOT / "content", tmp_path / "content")
    ran = groupbot("run", "--simulator", "--config", str(tmp_path / "config"),
                   stdin="".join(f"/wait {wait}\n" for wait in waits),
                   env={k: v for k, v in os.environ.items()
                        if not k.startswith(("WECHATY_", "GROUPBOT_"))})
    assert ran.returncode == 0, ran.stderr
    return ran.stdout, [datetime.fromisoformat(at) for at in NOW.findall(ran.stdout)]


def test_a_number_without_a_unit_is_seconds(tmp_path: Path) -> None:
    out, times = _waited(tmp_path, "1m", "10", "90", "1m")
    assert "!" not in out, out
    assert [later - earlier for earlier, later in itertools.pairwise(times)] == [
        timedelta(seconds=10), timedelta(seconds=90), timedelta(minutes=1)]


def test_seconds_past_a_year_are_refused_as_a_duration_is(tmp_path: Path) -> None:
    out, times = _waited(tmp_path, "31708800", "31622400.5", "1s")  # 367 d; 366 d and a half s
    assert "! /wait 31708800 is too long: at most 366d (a year) at a time; /wait again for " \
           "more" in out
    assert "! /wait 31622400.5 is too long" in out
    assert len(times) == 1  # the clock stayed; the next line goes on


def test_a_number_with_something_else_is_still_no_duration(tmp_path: Path) -> None:
    out, times = _waited(tmp_path, "-5", "10x", "1e3")
    assert "! not a duration: -5 (write e.g. 15s, 10m, 2h, 7d, or a number of seconds)" in out
    assert "! not a duration: '10x'" in out and "! not a duration: '1e3'" in out
    assert times == []
