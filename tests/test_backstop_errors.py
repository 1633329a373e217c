"""The join backstop runs every few minutes inside the bot's loop (`run_due`, in `serve` as in
`advance`): a comparison that raises on one group's data is logged, naming the group, and the
other groups are compared as ever; nothing propagates to stop the bot (review6 P1: a
nickname PostgreSQL could not store stopped `groupbot run`, again after every restart)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from harness import SHIPPED, Harness

from bot import backstop

pytestmark = pytest.mark.usefixtures("backend")


async def _members(h: Harness, group: str) -> set[str]:
    rows = await h.bot.store.all("SELECT member FROM roster WHERE grp=? AND left_at IS NULL",
                                 (group,))
    return {row[0] for row in rows}


async def test_one_group_s_failed_comparison_stops_neither_the_others_nor_the_bot(
        tmp_path: Path, storage: Path | str, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, logger="bot.app")
    async with Harness(SHIPPED, tmp_path, groups={"c1": "Customer 01 客户群",
                                                  "i1": "Listener Internship 01"}) as h:
        h.world.group("c1").members["zoe"] = "Zoe"  # both joined unreported
        h.world.group("i1").members["yan"] = "Yan"
        real = backstop.missed

        async def broken_on_c1(store: Any, group: str, *args: Any) -> Any:
            if group == "c1":
                raise RuntimeError("a row c1's data broke")
            return await real(store, group, *args)

        monkeypatch.setattr(backstop, "missed", broken_on_c1)
        await h.advance("10m")  # two comparisons of each group: neither raises out of here
        assert "yan" in await _members(h, "i1")
        assert "zoe" not in await _members(h, "c1")
        failed = [r for r in caplog.records if "join backstop" in r.getMessage()]
        assert failed and all("c1" in r.getMessage() and r.exc_info for r in failed)
        assert "a row c1's data broke" in caplog.text

        monkeypatch.undo()  # the data mended: c1 is compared again, at its next turn
        await h.advance("10m")
        assert "zoe" in await _members(h, "c1")
