"""Several accounts (docs/scale.md) and the rule for binding by name (bot/admission.py): a
group one of the deployment's accounts owns is the deployment's own, and a group another
account's process bound is bound for this one too."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from bot import bindings, config
from bot.adapters.simulator import Simulator
from bot.app import Bot
from bot.clock import VirtualClock
from bot.events import Member, MemberJoined
from bot.inbound import GroupInvitation
from handlers import REGISTRY

TZ = ZoneInfo("Asia/Shanghai")


def _config(root: Path) -> config.Deployment:
    (root / "types").mkdir(parents=True)
    (root / "content").mkdir()
    settings = {
        "bot": {"id": "wxid_a", "name": "Helper"}, "admins": ["op_lin"], "storage": "bot.db",
        "content": "content", "groups": [{"match": {"topic": "Recruitment"},
                                          "type": "recruitment"}],
        "accounts": [{"name": n, "token_env": f"TOKEN_{n.upper()}"} for n in "ab"],
        "leases": {"takeover": "30s"}, "backstop": {"every": None},
        "governor": {"enabled": False}}
    (root / "bot.yaml").write_text(yaml.safe_dump(settings))
    (root / "types" / "recruitment.yaml").write_text(yaml.safe_dump({"handlers": []}))
    return config.load(root, REGISTRY)


class Two:
    """Accounts a and b on one database."""

    def __init__(self, root: Path) -> None:
        self.deployment = _config(root)
        self.clock = VirtualClock(TZ, datetime(2026, 11, 23, 9, 0, tzinfo=TZ))
        self.bots: dict[str, Bot] = {}
        self.worlds: dict[str, Simulator] = {
            name: Simulator(self.clock, Member(f"wxid_{name}", name)) for name in "ab"}

    def add_r1(self, owner: str) -> None:
        """r1, a group both accounts are in."""
        for world in self.worlds.values():
            world.add_group("r1", "Recruitment 01", ["alice", "wxid_a", "wxid_b"], owner=owner)

    async def start(self, name: str) -> Bot:
        bot = self.bots[name] = Bot(self.deployment, self.worlds[name], self.clock, REGISTRY,
                                    seed=0, account=name)
        await bot.start()
        return bot

    async def advance(self, seconds: int) -> None:
        end = self.clock.now() + timedelta(seconds=seconds)
        while self.clock.now() < end:
            step = self.clock.now() + timedelta(seconds=1)
            for bot in self.bots.values():
                await bot.advance(step)
                await bot.store.flush()
            self.clock.set(step)

    async def stop(self) -> None:
        for bot in self.bots.values():
            await bot.stop()


async def test_a_group_another_account_owns_is_bound_by_its_name(tmp_path: Path) -> None:
    two = Two(tmp_path / "config")
    try:
        await two.start("b")
        await two.advance(2)  # b's lease renewal records its WeChat id
        two.add_r1(owner="wxid_b")  # a group b made, with a in it; a looks first
        a = await two.start("a")
        assert a.groups.kept("r1") is not None
        assert [r for r in two.worlds["a"].sent if r["action"] == "dm"] == []
        # and b may invite a into a group, as an admin may
        assert await a.group_invitation(GroupInvitation("inv1", "wxid_b", "Recruitment 09",
                                                        two.clock.now()))
    finally:
        await two.stop()


async def test_a_group_another_accounts_process_bound_is_bound_here_too(
        tmp_path: Path) -> None:
    """b keeps r1 bound (say, an admin brought b in, or an earlier version bound it) while a
    runs; a, not told whom it was brought in by, takes b's binding at its next look."""
    two = Two(tmp_path / "config")
    try:
        two.add_r1(owner="carol")
        a = await two.start("a")
        assert a.groups.kept("r1") is None
        b = await two.start("b")
        await bindings.bind(b.store, "r1", "recruitment", "Recruitment 01", two.clock.now())
        await b.store.flush()
        await a.refresh_groups()  # (a login, a reload)
        assert a.groups.kept("r1") is not None
    finally:
        await two.stop()


async def test_an_admin_bringing_an_account_into_a_group_lets_its_name_bind_it(
        tmp_path: Path) -> None:
    """The account's own join is kept in standby (it serves nothing there yet), not handled:
    who brought it in is kept all the same."""
    two = Two(tmp_path / "config")
    try:
        a = await two.start("a")
        two.worlds["a"].add_group("r1", "Recruitment 01", ["alice", "carol"], owner="carol")
        await a.feed(MemberJoined(two.clock.now(), "r1", (Member("wxid_a", "a"),), "op_lin"))
        assert a.groups.kept("r1") is not None
        assert [r for r in two.worlds["a"].sent if r["action"] == "dm"] == []
    finally:
        await two.stop()
