"""Quote-replies (WeChat's 引用) through the real python-wechaty gRPC client and the
puppet-service gateway: PadLocal hands one over as a text, 「name：quoted text」, a rule, the
reply; the member's own words are the reply (review s33a Q1, Q2)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

from grpc_server import FakeGateway
from puppet import World
from wechaty_support import Session, dump, until

from bot.adapters.wechaty import WechatyGateway
from bot.events import Message, Quote

RunBot = Callable[..., AbstractAsyncContextManager[Session]]

AD = "兼职日结300，手机就能做，加V abc12345"
QUIZ = {"title": "小测", "questions": [
    {"kind": "single", "text": "1 + 1 = ?", "options": ["1", "2", "3"], "answer": "B"},
    {"kind": "single", "text": "2 + 2 = ?", "options": ["4", "5", "6"], "answer": "A"}]}
HANDLERS: list[dict[str, Any]] = [
    {"antispam": {"warn_limit": 2}},
    {"checkin": {"triggers": ["签到"]}},
    {"quiz": {"file": "quiz.yaml", "promote_to": "recruitment"}},
]


def quoting(name: str, quoted: str, reply: str) -> str:
    return f"「{name}：{quoted}」\n- - - - - - - - - - - - - - -\n{reply}"


async def test_quote_replies_are_the_members_own_words(
        make_config: Callable[..., Path], run_bot: RunBot, grpc_gateway: WechatyGateway,
        fake_gateway: FakeGateway, world: World) -> None:
    root = make_config(HANDLERS)
    dump(root / "content" / "quiz.yaml", QUIZ)
    async with run_bot(grpc_gateway, root) as s:
        # a check-in by quoting the bot's push
        fake_gateway.say("r1", "alice", quoting("Helper", "发送「签到」打卡", "签到"))
        await until(lambda: world.texts("r1"), "the check-in")
        [message] = s.of_type(Message)
        assert (message.text, message.quoted) == ("签到", Quote("Helper", "发送「签到」打卡"))
        assert world.texts("r1")[0].startswith("✅ Alice 签到成功")
        # quiz answers by quoting the questions
        fake_gateway.say("r1", "alice", "开始考试")
        await until(lambda: len(world.texts("r1")) == 2, "the first question")
        fake_gateway.say("r1", "alice", quoting("Helper", world.texts("r1")[-1], "B"))
        await until(lambda: len(world.texts("r1")) == 3, "the second question")
        fake_gateway.say("r1", "alice", quoting("Helper", world.texts("r1")[-1], "A"))
        await until(lambda: len(world.texts("r1")) == 4, "the result")
        assert "100 分" in world.texts("r1")[-1]
        # an ad in a quote the group never saw: the sender's own
        fake_gateway.say("r1", "bob", quoting("Carol", AD, "有需要的看这里"))
        await until(lambda: len(world.texts("r1")) == 5, "the warning")
        assert world.actions("say")[-1]["mentions"] == ["bob"]
        assert "⚠️ 警告 (1/2)：发布联系方式" in world.texts("r1")[-1]
