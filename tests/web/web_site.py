"""What the web console's tests share: a real bot on the simulator (tests/harness.py) with
the console's real aiohttp application in front of it (`Site`), a logged-in session, a
copy of the shipped config. (Not in conftest.py: tests/wechaty has one too, and both were
imported as `conftest`, so a run that collected both directories failed to import.)"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from aiohttp.test_utils import TestClient
from harness import ROOT, SHIPPED, Harness

from bot.web.base import Console

TOKEN = "operator-token-for-tests"
HOSTILE = '<img src=x onerror="alert(1)">=HYPERLINK("x")'
GROUPS = {"r1": "Listener Recruitment 01", "i1": "Listener Internship 01",
          "o1": "Listener Official 01"}


@dataclass
class Site:
    h: Harness
    console: Console
    client: TestClient

    async def login(self) -> str:
        """Log in through the form like a browser; return the session's CSRF token."""
        page = await self.client.get("/login")
        form = re.search(r'name="csrf" value="([^"]+)"', await page.text())
        assert form is not None
        done = await self.client.post("/login", data={"csrf": form[1], "token": TOKEN,
                                                      "next": "/"}, allow_redirects=False)
        assert done.status == 303, await done.text()
        return await self.csrf()

    async def csrf(self) -> str:
        """The session's CSRF token, from the logout form every page has (the lightest
        page: /config renders the whole effective config, about 30 ms)."""
        page = await self.client.get("/exports")
        found = re.search(r'name="csrf" value="([^"]+)"', await page.text())
        assert found is not None
        return found[1]


def deployment(tmp_path: Path) -> Path:
    """A copy of the shipped config and content, for tests that break it."""
    shutil.copytree(SHIPPED, tmp_path / "config")
    shutil.copytree(ROOT / "content", tmp_path / "content")
    return tmp_path / "config"


async def populate(h: Harness) -> None:
    """A small history: joins, messages, check-ins, a warning, a removal, the quiz."""
    await h.join("r1", "dave", "erin", "mallory", inviter="alice")
    await h.rename("r1", "mallory", HOSTILE)
    await h.say("r1", "dave", "大家好")
    await h.say("r1", "dave", "请问怎么报名")
    await h.say("r1", "erin", "加我微信 abc12345 有优惠")  # a newcomer's ad: removed
    await h.say("r1", "bob", "加我微信 bob12345 有优惠")  # a member's ad: a warning
    await h.join("i1", "dave")
    await h.say("i1", "dave", "签到")
    await h.say("i1", "fay", "签到")
    await h.advance("5m")  # every reply sent: a new account's replies go 10 s apart or more
