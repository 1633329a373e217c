"""A second terminal simulator started on a database another groupbot serves says why it
cannot start, and nothing else: it printed the simulator's whole usage first, as if it
had started, and the error came after it."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from test_terminal import _deployment, _run

from bot.terminal import HELP


def test_a_second_simulator_on_a_database_in_use_prints_only_the_error(
        tmp_path: Path) -> None:
    config = _deployment(tmp_path)
    assert _run(config, "/wait 1s").returncode == 0  # the simulator's database, made
    lock = os.open(tmp_path / "data" / "groupbot.db.lock", os.O_RDONLY | os.O_CREAT)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a groupbot serving it
        second = _run(config, "hello")
    finally:
        os.close(lock)
    assert second.returncode == 2
    assert "groupbot run: another groupbot" in second.stderr
    assert HELP.splitlines()[0] not in second.stdout and second.stdout.strip() == ""
