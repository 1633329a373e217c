"""One time representation (bot/times.py): a database made before, with epoch seconds in the
moderation and antispam tables and the bot's offset in handler state, fission and push, is
migrated in place, and what it held still counts."""
# SQLite alone: PostgreSQL databases are younger than this migration (bot/times.py: nothing
# to rewrite there).

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path

from harness import BOT_YAML, TZ, Harness, write_config

from bot import moderation, schema
from bot.store import CORE_MIGRATIONS, SqliteStore
from handlers import REGISTRY

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=TZ)
STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$")
TYPE = """\
handlers:
  - antispam:
      warn_limit: 2
      flood: {messages: 3, within: 60s}
  - welcome:
      template: "欢迎 {members}"
      again_after: 1d
  - fission:
      min_stay: 1h
      rewards: [{invitations: 1, points: 5, text: "{member} 邀请了 {count} 人"}]
"""
# what each migrated component had before this change: its first steps only
BEFORE = {"core": 3, "moderation": 1, "antispam": 2, "fission": 1, "push": 1}


async def _old_database(path: Path) -> None:
    """A store as the schema before made it, holding times as it stored them."""
    steps = {name: list(migrations)[:BEFORE.get(name, len(migrations))]
             for name, migrations in {"core": CORE_MIGRATIONS,
                                      **schema.migrations(REGISTRY)}.items()}
    store = await SqliteStore.open(path, steps)
    epoch = (NOW - timedelta(hours=1)).timestamp()  # 08:00 in Shanghai
    local = (NOW - timedelta(hours=1)).isoformat()  # "2026-11-23T08:00:00+08:00"
    for sql, params in [
        ("INSERT INTO warnings (grp, member, at, detector, reason) VALUES"
         " ('r1', 'eve', ?, 'links', '发布链接')", (epoch,)),
        ("INSERT INTO blocklist VALUES ('mallory', ?, 'r1', '发布链接')", (epoch,)),
        ("INSERT INTO cases VALUES ('K3F2', 'question', 'r1', 'carol', 'Carol', '在吗', '',"
         " '', 'answered', ?, 'bot', ?, 'op')", (epoch, epoch + 90)),
        *[("INSERT INTO antispam_recent (grp, member, message, at, digest)"
           " VALUES ('r1', 'fred', ?, ?, ?)", (f"old{n}", NOW.timestamp() - 30 + n, f"d{n}"))
          for n in range(3)],
        ("INSERT INTO state VALUES ('r1', 'dave', 'welcome', 'welcomed', ?)",
         (json.dumps(local),)),
        ("INSERT INTO fission_invites (grp, invitee, inviter, at) VALUES"
         " ('r1', 'gina', 'alice', ?)", (local,)),
        ("INSERT INTO push_log VALUES ('r1', 'tips', ?, 'sent', ?, 1)", (local, local)),
    ]:
        await store.execute(sql, params)
    await store.close()


async def test_a_database_made_before_keeps_its_times_as_utc_text_and_they_still_count(
        tmp_path: Path) -> None:
    root = write_config(tmp_path / "config", BOT_YAML, {"recruitment": TYPE})
    await _old_database(tmp_path / "bot.db")
    async with Harness(root, tmp_path, start=NOW) as h:
        store = h.bot.store
        tables = {"warnings": "at", "blocklist": "at", "cases": "opened_at, closed_at",
                  "antispam_recent": "at", "fission_invites": "at", "push_log": "fire_time, at"}
        for table, columns in tables.items():
            for row in await store.all(f"SELECT {columns} FROM {table}"):
                assert all(STAMP.match(value) for value in row), (table, row)
        assert await store.all("SELECT value FROM state WHERE key='welcomed'") == [
            ('"2026-11-23T00:00:00.000000+00:00"',)]
        assert [w.at for w in await moderation.warnings_in_force(
            store, "r1", NOW - timedelta(days=30), NOW)] == [NOW - timedelta(hours=1)]
        assert await moderation.response_times(
            store, "question", NOW - timedelta(days=1), NOW) == (1, [90.0])
        assert [b.at for b in await moderation.blocked(store, TZ)] == [
            NOW - timedelta(hours=1)]

        await h.say("r1", "eve", "www.cheap-shop.com")  # her second warning: removed
        await h.join("r1", "mallory", inviter="bob")  # blocked before: removed again
        await h.say("r1", "fred", "又来了")  # three messages before, this is the fourth
        await h.join("r1", "dave")  # welcomed an hour ago: not again within a day
        await h.leave("r1", "gina")  # invited an hour ago, stayed the hour: it counts
        await h.drain()
        assert sorted(k["member"] for k in h.actions("kick")) == ["eve", "mallory"]
        assert any("刷屏" in text for text in h.texts("r1"))
        assert not any(text.startswith("欢迎") for text in h.texts("r1"))
        assert await store.all("SELECT counts FROM fission_invites WHERE invitee='gina'") == [
            (1,)]
