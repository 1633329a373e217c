"""What a bot without `accounts:` queued privately (a DM to an admin, a friend request to
accept: account '', in no group) is sent once the deployment is served by account processes,
as docs/scale.md's move does it (review s32e Y2: no account ever took those rows): by the
first account to start, once. On both backends, and through `groupbot storage copy`."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import yaml
from harness import groupbot
from pg import Postgres
from test_accounts import PUSH, Accounts, write_config

from bot import config
from bot.actions import AcceptFriend, Dm, Say
from bot.adapters.simulator import Simulator
from bot.app import Bot
from bot.events import Member
from handlers import REGISTRY


async def _queued_by_one_account(root: Path) -> Path:
    """A bot without `accounts:` queues two private actions and a group one, and stops before
    the outbox sends them; its storage."""
    settings = yaml.safe_load((root / "bot.yaml").read_text())
    del settings["accounts"]
    (root / "bot.yaml").write_text(yaml.safe_dump(settings, allow_unicode=True))
    a = Accounts(root)
    world = Simulator(a.clock, Member("wxid_a", "a"))
    world.add_group("r1", "Recruitment r1", ["alice", "bob"])
    bot = Bot(config.load(root, REGISTRY), world, a.clock, REGISTRY, seed=0, account=None)
    await bot.start()
    await bot.outbox.put(Dm(to="op_lin", text="案件 #3 等待处理"))
    await bot.outbox.put(AcceptFriend(contact="newbie", request="newbie"))
    await bot.outbox.put(Say(group="r1", text="欢迎"))
    await bot.store.flush()
    await bot.stop()
    return a.deployment.storage_path


async def _served_by_accounts(root: Path) -> list[tuple[str, str, str]]:
    """Accounts a and b start on the deployment at `root` and run 3 minutes: who sent what
    (but the pushes)."""
    a = Accounts(root)
    try:
        await a.start("a")
        await a.start("b")
        await a.advance(timedelta(minutes=3))
    finally:
        await a.stop()
    return sorted((name, str(r["action"]), str(r.get("to") or r.get("contact")
                                               or r.get("group")))
                  for name, world in a.worlds.items() for r in world.sent
                  if r.get("text") != PUSH)


SENT = [("a", "accept_friend", "newbie"), ("a", "dm", "op_lin"), ("a", "say", "r1")]


async def test_a_private_queue_is_sent_once_when_accounts_are_added(
        tmp_path: Path, storage: Path | str) -> None:
    """`accounts:` added to a deployment: its queue goes on (the first account takes it)."""
    await _queued_by_one_account(write_config(tmp_path / "one", storage))
    assert await _served_by_accounts(write_config(tmp_path / "many", storage)) == SENT


async def test_a_private_queue_copied_from_sqlite_is_sent_by_the_accounts(
        tmp_path: Path, postgres: Postgres) -> None:
    db = await _queued_by_one_account(write_config(tmp_path / "old", tmp_path / "bot.db"))
    url = postgres.database()
    ran = groupbot("storage", "copy", "--db", str(db), "--to", url)
    assert ran.returncode == 0, ran.stderr
    assert await _served_by_accounts(write_config(tmp_path / "new", url)) == SENT
