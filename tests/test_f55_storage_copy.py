"""f55: `storage copy` of the terminal simulator's database says to start the simulator on
the copy, not the bot, which refuses it on WeChat (review s41 r51 finding 6)."""

from __future__ import annotations

import shutil
from pathlib import Path

from harness import groupbot
from pg import Postgres

ROOT = Path(__file__).resolve().parent.parent


def test_the_simulator_s_copy_is_for_the_simulator(tmp_path: Path, postgres: Postgres) -> None:
    shutil.copytree(ROOT / "config", tmp_path / "config")
    shutil.copytree(ROOT / "content", tmp_path / "content")
    config = str(tmp_path / "config")
    assert groupbot("run", "--simulator", "--config", config, stdin="/quit\n").returncode == 0
    url = postgres.database()
    ran = groupbot("storage", "copy", "--config", config, "--to", url)
    assert (ran.returncode, ran.stderr) == (0, "")
    assert ran.stdout.splitlines()[-1].endswith(
        f"set `storage: {url}` in bot.yaml and start the terminal simulator (`groupbot run "
        "--simulator`): this is its database, with its simulated groups, which WeChat does "
        "not run on")
