"""A handler's `wants` and `triggers` only let the pipeline skip events the handler would not
act on: the same events through the shipped config (a recruitment group, a customer group),
once as shipped and once with every handler's `wants` answering True and no triggers (each
handler called for every event of its kinds), end with the same sends and the same
database."""

from __future__ import annotations

import asyncio
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any, cast

import pytest
from harness import BOT_YAML, SHIPPED, Harness, write_config
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.context import Context, Group
from bot.events import Member, MemberJoined, Message
from bot.handler import Handler, Registry
from bot.store import open_reader
from bot.text import normalize, strip_mentions
from handlers import REGISTRY
from handlers.admin import Admin


def _always(cls: type[Handler[Any]]) -> type[Handler[Any]]:
    class Always(cls):  # type: ignore[valid-type,misc]
        def wants(self, event: Any, ctx: Context) -> bool:
            return True

        def triggers(self) -> frozenset[str] | None:
            return None

    return Always


CALLED_ALWAYS: Registry = {name: _always(cls) for name, cls in REGISTRY.items()}

# What the shipped recruitment type's handlers react to, and what they must not.
PIECES = ["群规", "rules", "ＲＵＬＥＳ", "prules", "报名", "join", "join us", "rejoin", "怎么报名",
          "收入", "怎么提现", "要求是什么", "有什么条件吗", "requirements", "hi", "hello", "你好",
          "在吗", "联系运营", "人工", "转人工", "客服", "人工智能", "/status", "/warns", "/kick",
          "／status", "/nothing", "@所有人 ", "@小助手\u2005", "谢谢小助手", "今天天气不错",
          "\u200b报名", "收入怎么算", "一个月能赚多少钱", "", " ", "哈哈哈", "ok"]
# ... and what the shipped customer type's check-in, name card and fission handlers react to
CUSTOMER = ["签到", "打卡", "check in", "签到排行", "排行榜", "leaderboard", "我的数据", "my data",
            "/名片", "/names", "邀请排行", "今天签到了吗", "「签到」", "签到！", "价格", "群规",
            "你好"]
MEMBERS = ["alice", "bob", "carol", "dave", "op_lin"]
GROUPS = {"r1": "Listener Recruitment 01", "c1": "Customer 01 客户群"}

say = st.tuples(st.just("say"), st.sampled_from(MEMBERS),
                st.lists(st.sampled_from(PIECES), min_size=1, max_size=3).map("".join),
                st.booleans())
step = (say | say | say
        | st.tuples(st.just("join"), st.sampled_from(MEMBERS[2:4]), st.just(""), st.just(False))
        | st.tuples(st.just("leave"), st.sampled_from(MEMBERS[:4]), st.just(""), st.just(False))
        | st.tuples(st.just("private"), st.sampled_from(MEMBERS), st.sampled_from(
            ["/answer Q1 好的", "/answer", "你好", "/status", "报名"]), st.just(False))
        | st.tuples(st.just("wait"), st.sampled_from(["5s", "20s", "2m"]), st.just(""),
                    st.just(False)))


async def _play(registry: Registry, steps: list[tuple[str, str, str, bool]],
                root: Path, group: str) -> tuple[list[Any], dict[str, list[Any]]]:
    h = Harness(SHIPPED, root, registry=registry, db=root / "bot.db",
                groups={group: GROUPS[group]})
    async with h:
        for kind, who, text, mention in steps:
            if kind == "say":
                await h.say(group, who, text, mentions=("bot",) if mention else ())
            elif kind == "private":
                await h.say(None, who, text)
            elif kind == "join":
                await h.join(group, who)
            elif kind == "leave" and who in h.world.group(group).members:
                await h.leave(group, who)
            elif kind == "wait":
                await h.advance(who)
        await h.advance("1h")
        await h.drain()
        sent = list(h.sent)
    reader = open_reader(root / "bot.db")
    try:
        tables = [str(name) for (name,) in await reader.all(
            "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        dump = {table: sorted(map(repr, await reader.all(f"SELECT * FROM {table}")))
                for table in tables}
    finally:
        await reader.close()
    return sent, dump


def _compare(steps: list[tuple[str, str, str, bool]], group: str = "r1") -> None:
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "a").mkdir()
        (Path(tmp) / "b").mkdir()
        skipping = asyncio.run(_play(REGISTRY, steps, Path(tmp) / "a", group))
        calling = asyncio.run(_play(CALLED_ALWAYS, steps, Path(tmp) / "b", group))
    assert skipping[0] == calling[0]
    assert skipping[1] == calling[1]


# A day in each group: what its handlers answer, and what they must not.
DAYS: dict[str, list[tuple[str, str, str, bool]]] = {
    "r1": [
        ("join", "carol", "", False), ("say", "alice", "大家好", False),
        ("say", "carol", "你好", True), ("say", "bob", "群规", False),
        ("say", "bob", "怎么报名", False), ("say", "alice", "报名", False),
        ("say", "op_lin", "/status", False), ("say", "bob", "/status", False),
        ("say", "alice", "转人工", False), ("say", "bob", "收入怎么算", True),
        ("join", "dave", "", False), ("wait", "20s", "", False),
        ("say", "dave", "要求是什么", False), ("private", "op_lin", "/answer", False),
        ("say", "bob", "人工", False), ("say", "alice", "ＲＵＬＥＳ", False),
        ("say", "carol", "hello", True), ("private", "op_lin", "/ANSWER Q1 好", False),
    ],
    "c1": [
        ("join", "carol", "", False), ("say", "alice", "签到", False),
        ("say", "bob", "今天签到了吗", False), ("say", "bob", "「打卡」", False),
        ("say", "alice", "我的数据", False), ("say", "carol", "排行榜", True),
        ("say", "op_lin", "/名片", False), ("say", "bob", "/names", False),
        ("say", "op_lin", "邀请排行", False), ("say", "carol", "check in", False),
        ("wait", "2m", "", False), ("say", "alice", "价格", False),
    ],
}


@pytest.mark.parametrize("group", DAYS)
def test_a_day_in_a_group_is_the_same_with_every_handler_called(group: str) -> None:
    _compare(DAYS[group], group)


customer_say = st.tuples(st.just("say"), st.sampled_from(MEMBERS),
                         st.lists(st.sampled_from(CUSTOMER), min_size=1, max_size=2).map("".join),
                         st.booleans())


@settings(max_examples=10, deadline=None)
@given(st.lists(customer_say | customer_say | step, min_size=1, max_size=10))
def test_skipping_never_changes_what_a_customer_groups_handlers_do(
        steps: list[tuple[str, str, str, bool]]) -> None:
    _compare(steps, "c1")


@settings(max_examples=25, deadline=None)
@given(st.lists(step, min_size=1, max_size=12))
def test_skipping_never_changes_what_the_handlers_do(
        steps: list[tuple[str, str, str, bool]]) -> None:
    _compare(steps)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from([*PIECES, "\u3000", "\u2005", "@", "a@b.com", "@Bob"]),
                max_size=5).map("".join))
def test_the_text_every_handler_reads_is_the_message_without_mentions(text: str) -> None:
    event = Message(datetime(2026, 11, 23, 9, 0), "r1", Member("alice", "Alice"), text)
    ctx = Context(cast(Any, None), event, None)
    assert ctx.text == strip_mentions(text)
    assert ctx.normalized == normalize(strip_mentions(text))


async def test_a_type_with_many_triggers_is_not_gated_and_answers_the_same(
        tmp_path: Path) -> None:
    """Past FEW triggers no union is built on the loop (each handler looks for its own)."""
    rules = "".join(f"      - {{id: r{i}, patterns: ['关键词{i}号'], reply: '回复{i}'}}\n"
                    for i in range(100))
    root = write_config(tmp_path / "config", BOT_YAML, {"recruitment": (
        "handlers:\n  - rules: {triggers: [群规], text: rules.md}\n"
        f"  - keywords:\n      rules:\n{rules}")}, {"rules.md": "群规如下"})
    async with Harness(root, tmp_path) as h:
        await h.say("r1", "alice", "请问关键词99号是什么")
        await h.say("r1", "bob", "大家好")
        await h.say("r1", "bob", "群规")
        await h.advance("2m")
        assert h.texts() == ["回复99", "群规如下"]
        assert h.bot._pipeline.plan(h.deployment, "recruitment", Message).triggers is None


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(["/", "!", "#", "i", "查", "／", "\u200b/"]),
       st.lists(st.sampled_from(["/", "／", "a", "I", "i", "e", "\u0301", "\u0307", "\u0338",
                                 "\u200b", "查", "你", "!", "！", "#", "＃", "=", " ", "K",
                                 "status"]), max_size=5).map("".join))
def test_admins_quick_look_for_a_command_agrees_with_the_normalized_text(
        prefix: str, text: str) -> None:
    admin = Admin(Admin.Config.model_validate({"prefix": prefix}))
    text = text.strip()
    assert admin._prefixed(text) == normalize(text[:len(prefix) + 1]).startswith(
        normalize(prefix))


async def test_plain_chat_in_a_customer_group_reaches_only_the_handlers_that_read_all_of_it(
        tmp_path: Path) -> None:
    """Check-ins, the name card list and the invitation leaderboard answer commands: a message
    holding none of theirs is no business of theirs (nor of rules, keywords, admin, faq)."""
    async with Harness(SHIPPED, tmp_path, groups={"c1": GROUPS["c1"]}) as h:
        plan = h.bot._pipeline.plan(h.deployment, "customer", Message)
        assert plan.triggers is not None and not plan.triggers.any_in(normalize("今天天气不错"))
        assert [handler.name for handler in plan.untriggered] == ["antispam", "welcome"]


async def test_a_join_nobody_invited_into_a_customer_group_skips_fission_and_the_funnel(
        tmp_path: Path) -> None:
    """Fission counts the invitations of members (not the bot's), and the funnel's stages are
    other group types: a join into a customer group is theirs only when a member invited."""
    async with Harness(SHIPPED, tmp_path, groups={"c1": GROUPS["c1"]}) as h:
        plan = h.bot._pipeline.plan(h.deployment, "customer", MemberJoined)
        group = Group("c1", GROUPS["c1"], "customer")
        wanting = {}
        for inviter in (None, h.bot.self_id, "alice"):
            event = MemberJoined(datetime(2026, 11, 23, 9, 0), "c1",
                                 (Member("dave", "Dave"),), inviter)
            ctx = Context(h.bot, event, group)
            wanting[inviter] = [handler.name for handler in plan.handlers
                                if handler.wants(event, ctx)]
        assert wanting == {None: ["antispam", "welcome", "namecard", "lifecycle"],
                           h.bot.self_id: ["antispam", "welcome", "namecard", "lifecycle"],
                           "alice": ["antispam", "welcome", "namecard", "fission", "lifecycle"]}
