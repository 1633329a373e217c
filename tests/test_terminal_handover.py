"""From the terminal simulator to WeChat: the refusal of the simulator's database (the
README's first command makes it) tells the operator what clears the way."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from harness import BOT_YAML, groupbot, write_config

SIMULATED = BOT_YAML + """\
simulator:
  groups:
    - {id: r1, topic: "Recruitment 01", members: [alice]}
"""


def _env(**extra: str) -> dict[str, str]:
    return {**{k: v for k, v in os.environ.items()
               if not k.startswith(("WECHATY_", "GROUPBOT_"))}, **extra}


def test_the_refusal_of_the_simulators_database_says_to_delete_it_not_to_reset(
        tmp_path: Path) -> None:
    """`/reset` removes the database and at once makes a new simulator one: advised, it
    sent the operator round in a loop (r7 R7-2). The refusal names the files to delete."""
    root = write_config(tmp_path / "config", SIMULATED, {"recruitment": "handlers: []\n"})
    db = root / "bot.db"
    simulated = groupbot("run", "--simulator", "--config", str(root), stdin="/reset\n/quit\n",
                         env=_env())
    assert simulated.returncode == 0, simulated.stderr
    assert db.exists()  # /reset made a new simulator database
    # a process of its own: were it let through, it would try the gateway until stopped
    refused = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run", "--config", str(root)], capture_output=True,
        text=True, timeout=30, stdin=subprocess.DEVNULL, env=_env(
            WECHATY_PUPPET_SERVICE_TOKEN="insecure_test",
            WECHATY_PUPPET_SERVICE_ENDPOINT="127.0.0.1:1"))
    assert refused.returncode == 2, refused.stderr
    said = refused.stderr.strip().splitlines()[-1]
    assert f"{db} is the terminal simulator's database" in said
    assert "Delete it, with its bot.db-wal and bot.db-shm if there, or give `storage` " \
           "another place before the first start on WeChat" in said
    assert "/reset" not in said
