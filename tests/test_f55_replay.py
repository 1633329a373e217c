"""f55: `groupbot replay`'s refusals name what is wrong (review s41 r51 findings 1, 1b, 2, 9
and 12)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from harness import groupbot
from test_r51 import _as_wechat_s

ROOT = Path(__file__).resolve().parent.parent
PACING = ROOT / "tests" / "scenarios" / "pacing.yaml"


def test_a_replay_s_own_database_is_replayed_on_again(tmp_path: Path) -> None:
    db = tmp_path / "replay.db"
    for _ in range(2):  # the second run continues where the first ended: not WeChat's
        ran = groupbot("replay", str(PACING), "--db", str(db))
        assert ran.returncode == 0, ran.stderr


def test_wechat_s_database_is_refused_in_replay_s_name(tmp_path: Path) -> None:
    db = tmp_path / "groupbot.db"
    asyncio.run(_as_wechat_s(db))
    ran = groupbot("replay", str(PACING), "--db", str(db))
    assert ran.returncode == 2 and ran.stdout == ""
    assert ran.stderr.startswith(f"groupbot replay: --db {db} is a database WeChat has run on")
