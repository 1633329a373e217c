"""The terminal simulator started again on its database: its clock goes on from where the
last run left it (review s38 r28 R28-1), and the groups' members are as they were (R28-6)."""

from __future__ import annotations

import os
import re
import shutil
import signal
from datetime import datetime, timedelta
from pathlib import Path

from harness import ROOT, Ran, groupbot
from test_terminal_commands import waiting_a_year

STAMP = re.compile(r"^(?:\[.*\]> )*(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) ", re.MULTILINE)
NOW = re.compile(r"^(?:\[.*\]> )*now (\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) ", re.MULTILINE)


def _deployment(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "config", tmp_path / "config")
    shutil.copytree(ROOT / "content", tmp_path / "content")
    return tmp_path / "config"


def _run(config: Path, *lines: str) -> Ran:
    """`groupbot run --simulator` in this process, the lines on its stdin."""
    return groupbot("run", "--simulator", "--config", str(config),
                    stdin="\n".join(lines) + "\n",
                    env={k: v for k, v in os.environ.items()
                         if not k.startswith(("WECHATY_", "GROUPBOT_"))})


def _times(pattern: re.Pattern[str], out: str) -> list[datetime]:
    return [datetime.fromisoformat(t) for t in pattern.findall(out)]


def test_a_restart_goes_on_from_the_clock_of_the_last_wait(tmp_path: Path) -> None:
    """A `/wait` with no member event after it: the next start went back to the real time,
    the week's runs, recorded as done, lay in the future, and the next day passed without a
    push or a report; the account's warm-up began again."""
    config = _deployment(tmp_path)
    first = _run(config, "/wait 7d", "/quit")
    assert first.returncode == 0, first.stderr
    [stopped] = _times(NOW, first.stdout)
    second = _run(config, "/wait 1d", "/quit")
    assert second.returncode == 0, second.stderr
    [now] = _times(NOW, second.stdout)
    assert stopped + timedelta(days=1) <= now < stopped + timedelta(days=1, minutes=5)
    # the next day's pushes (the 08:00 morning push in c1, r1's tips...) go out
    pushes = [t for t in _times(STAMP, second.stdout) if t > stopped]
    assert len(pushes) >= 5, second.stdout
    assert "late" not in second.stderr, second.stderr


def test_after_a_kill_9_nothing_goes_out_stamped_before_what_was_shown(
        tmp_path: Path) -> None:
    """Killed in the middle of a `/wait` (pushes going out): the next start went back to the
    real time, and the pushes still queued went out stamped hours before they were due."""
    config = _deployment(tmp_path)
    with waiting_a_year(config) as (process, line):
        process.send_signal(signal.SIGKILL)
        out, _ = process.communicate(timeout=30)
    shown = max(_times(STAMP, line + out))
    second = _run(config, "/wait 1h", "/quit")
    assert second.returncode == 0, second.stderr
    assert min(_times(STAMP, second.stdout), default=shown) >= shown, second.stdout
    [now] = _times(NOW, second.stdout)
    assert now >= shown + timedelta(hours=1), second.stdout


def test_as_tells_to_join_first_by_the_groups_members_also_after_a_restart(
        tmp_path: Path) -> None:
    """The hint read the contacts, which a restart does not restore: dave, who had joined i1,
    was told to /join it first, and that /join did nothing, silently; in r1, where he never
    was, nor carol, a contact in c1, no hint, and their messages were refused."""
    config = _deployment(tmp_path)
    first = _run(config, "/in i1", "/join dave", "/quit")
    assert first.returncode == 0, first.stderr
    second = _run(config, "/in i1", "/as dave", "/join dave", "/in r1", "/as dave",
                  "/as carol", "/join carol", "/as carol", "/quit")
    assert second.returncode == 0, second.stderr
    out = second.stdout
    assert "speaking as dave (dave)\n" in out, out
    assert "! already in i1: dave" in out
    assert "speaking as dave (dave, not in r1: /join it first)" in out
    assert "speaking as Carol (carol, not in r1: /join it first)" in out
    assert "speaking as Carol (carol)\n" in out  # once she joined
