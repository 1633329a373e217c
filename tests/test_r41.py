"""Review r41 (session s40): a hostile member, a careless operator and a flaky gateway against
the handlers nobody else changed this session. Each finding is a test marked xfail(strict)
that passes once it is fixed; the report (/work/helpers/reports/r41.md) says where the cause
is and how it could be fixed."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from harness import BOT_YAML, ROOT, SHIPPED, Harness, groupbot, write_config

from bot import config, retrieval
from bot.events import Kind
from bot.yamlfile import InputError
from handlers import REGISTRY

GROUPS = {"r1": "Listener Recruitment 01", "i1": "Listener Internship 01"}


async def test_r41_1_a_sign_up_with_a_question_in_another_clause_is_invited(
        tmp_path: Path) -> None:
    """invite's own reading signs these up ("what the rest says does not matter", its doc),
    but the shipped recruitment type runs keywords first: 「收入」, the requirements regex
    and 「找客服」 answer and STOP, and invite never sees the message. The member asked to
    sign up, got an FAQ text, and no invitation (nor a word that there is none)."""
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        h.world.friends.update({"carol", "dave", "erin"})
        await h.advance("1s")
        for member, text in (("carol", "我要报名，收入怎么算？"),
                             ("dave", "我要报名，有什么要求吗"),
                             ("erin", "报名，找客服")):
            await h.say("r1", member, text)
            await h.advance("1m")
        assert [r["member"] for r in h.actions("invite")] == ["carol", "dave", "erin"]


async def test_r41_2_the_faq_lookup_of_a_long_mention_runs_off_the_loop(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every other jieba call of the faq handler runs in a worker thread (small talk, whole
    words, an example inside a message), but `entry_for` calls `Index.best` on the loop: a
    mention of 4,500 Chinese characters holds the loop ~0.2 s, 20,000 ~1.2 s, 60,000 Latin
    letters ~3 s (this machine), each time a member sends one."""
    on_loop: list[bool] = []
    best = retrieval.Index.best

    def watched(self: retrieval.Index, question: str) -> retrieval.Hit | None:
        on_loop.append(threading.current_thread() is threading.main_thread())
        return best(self, question)

    monkeypatch.setattr(retrieval.Index, "best", watched)
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        await h.say("r1", "alice", "今天天气真不错我们去公园散步吧" * 300, mentions=("bot",))
        await h.advance("1m")
    assert on_loop == [False]


async def test_r41_3_status_does_not_repeat_a_group_name_that_carries_an_ad(
        tmp_path: Path) -> None:
    """Any member can rename a WeChat group; bot/sanitize.py promises the bot never posts a
    group name carrying a link or a contact detail for someone (「本群」 stands for it). The
    admin's /status, said in the group, prints `clean(ctx.group.topic)`."""
    async with Harness(SHIPPED, tmp_path, groups={"c1": "Customer 01 福利 evil.com"}) as h:
        await h.say("c1", "op_lin", "/status")
        await h.advance("1m")
        [status] = h.texts("c1")
        assert status.startswith("📊") and "evil.com" not in status


async def test_r41_4_checkin_mention_applies_to_my_data(tmp_path: Path) -> None:
    """docs/handlers/checkin.md: `mention` "mention the member in the answers"; the check-in
    and `already` answers do, 我的数据 (addressed to the member by name) does not."""
    types = {"recruitment": "handlers:\n  - checkin:\n      mention: true\n"}
    async with Harness(write_config(tmp_path / "config", BOT_YAML, types), tmp_path) as h:
        await h.say("r1", "alice", "签到")
        await h.advance("1m")
        await h.say("r1", "alice", "我的数据")
        await h.advance("1m")
        assert [r["mentions"] for r in h.actions("say", group="r1")] == [["alice"], ["alice"]]


def test_r41_5_a_handler_listed_twice_is_named_at_its_second_line(tmp_path: Path) -> None:
    types = {"recruitment": "handlers:\n  - rules:\n      text: rules.md\n"
                            "  - checkin:\n  - checkin:\n"}
    root = write_config(tmp_path / "config", BOT_YAML, types, {"rules.md": "rules"})
    with pytest.raises(InputError) as caught:
        config.load(root, REGISTRY)
    [problem] = [str(p).replace(str(root) + "/", "") for p in caught.value.problems]
    assert problem.startswith("types/recruitment.yaml:5: handlers[2]") and "checkin" in problem


REASON = ("在群里多次发布与本群无关的兼职招聘信息并私聊多位成员索要联系方式，经核实属实，"
          "按群规第二条处理，请大家引以为戒不要效仿")  # 59 characters


async def test_r41_6_an_admins_reason_is_shown_as_kept(tmp_path: Path) -> None:
    """docs/handlers/admin.md: "A reason is kept as one line of at most 100 characters: it
    is what the warning, the removal's announcement, `/warns` and the audit log show." The
    templates clean `{reason}` to NAME_LIMIT (40) and /warns uses clean() likewise: a
    59-character reason ends "经核实属实，…" in all three."""
    async with Harness(SHIPPED, tmp_path, groups={"c1": "Customer 01"}) as h:
        await h.say("c1", "alice", "hello")
        for command in (f"/warn @alice {REASON}", "/warns @alice", f"/kick @alice {REASON}"):
            await h.say("c1", "op_lin", command, mentions=("alice",))
            await h.advance("1m")
        texts = h.texts("c1")
        assert len(texts) == 3 and all(REASON in text for text in texts), texts


FAQ_NO_REMINDERS = """\
handlers:
  - faq:
      handoff:
        operators: [op]
        remind_after: 30m
        max_reminders: 0
"""


async def test_r41_7_max_reminders_zero_sends_no_reminder(tmp_path: Path) -> None:
    """docs/handlers/faq.md: `max_reminders` "reminders per case at most", a number ≥ 0; with
    0 the operators still get 「⏰ 案件 … 已等待 30 分钟」: `_tell` arms the reminder
    whatever the maximum, and `_remind` sends before it counts."""
    root = write_config(tmp_path / "config", BOT_YAML, {"recruitment": FAQ_NO_REMINDERS})
    async with Harness(root, tmp_path) as h:
        await h.say("r1", "alice", "请问今天几点开会？", mentions=("bot",))
        await h.advance("3h")
        to_op = [r["text"] for r in h.actions("dm", to="op")]
        assert len(to_op) == 1 and to_op[0].startswith("[转人工]"), to_op


ONLY_WHEN_MENTIONED_FIRST = """\
handlers:
  - keywords:
      rules:
        - {id: hello, match: exact, patterns: ["你好"], only_when_mentioned: true, reply: "hello"}
        - {id: anyone, patterns: ["你好"], reply: "anyone"}
"""


async def test_r41_8_a_rule_for_mentions_does_not_hide_a_later_rule(tmp_path: Path) -> None:
    """`_match` picks the first rule by the text alone and `wants` then drops the message
    for want of a mention: 「你好」 said plainly gets nothing, though the second rule answers
    it (`only_when_mentioned`: "answer only when the message mentions the bot", not "and
    answer nothing else")."""
    types = {"recruitment": ONLY_WHEN_MENTIONED_FIRST}
    async with Harness(write_config(tmp_path / "config", BOT_YAML, types), tmp_path) as h:
        await h.say("r1", "alice", "你好")
        await h.advance("2m")
        await h.say("r1", "bob", "你好", mentions=("bot",))
        await h.advance("2m")
        assert h.texts("r1") == ["anyone", "hello"]


async def test_r41_9_cases_are_listed_in_messages_of_at_most_2000_characters(
        tmp_path: Path) -> None:
    """faq's hand-off lists are cut into messages of at most TEXT_LIMIT (2,000) characters
    ("in as many messages of at most 2,000 characters as the list needs", faq.md); /cases
    lists the same cases, up to 30 lines of ~120 characters, in one."""
    topic = "Customer 01 上海声动科技企业客户服务群第一期"
    async with Harness(SHIPPED, tmp_path, groups={"c1": topic}) as h:
        for i in range(30):
            h.world.contacts[f"m{i:02d}"] = f"上海-声动科技有限公司-市场部-客户经理-林晓{i:02d}号"
            await h.say("c1", f"m{i:02d}", "请问我们公司上个月的发票为什么还没有开出来，财务一直"
                        f"在催，麻烦尽快处理一下可以吗{i}？", mentions=("bot",))
            await h.advance("10s")
        await h.advance("5m")
        told = len(h.actions("dm", to="op_lin"))
        await h.say(None, "op_lin", "/cases")
        await h.advance("5m")
        listed = [r["text"] for r in h.actions("dm", to="op_lin")][told:]
        assert sum(text.count("\n· ") for text in listed) == 30
        assert max(map(len, listed)) <= 2000, [len(text) for text in listed]


async def test_r41_10_a_shared_file_is_no_question(tmp_path: Path) -> None:
    """checkin and invite take only texts (`event.kind is Kind.TEXT`); keywords and rules
    read any kind's text, which for a file is its name (bot/adapters/wechaty.py hands
    `msg.text` over for every kind). A member forwarding a price sheet is answered, with a
    mention, as if they had asked for the price."""
    async with Harness(SHIPPED, tmp_path, groups={"c1": "Customer 01"}) as h:
        await h.say("c1", "alice", "2026年价格表.xlsx", kind=Kind.FILE)
        await h.advance("10m")
        await h.say("c1", "bob", "本群群规（新版）.pdf", kind=Kind.FILE)
        await h.advance("10m")
        assert h.texts("c1") == []


def test_r41_11_the_simulator_refuses_a_mention_two_members_answer_to() -> None:
    """Anyone can rename themselves 「林运营」. `bot.terminal.mentioned` maps names to ids in a
    dict, so the last member listed under the name wins: typed as the operator, 「/kick
    @林运营」 acts on whichever that is (in a trial, bob after `/rename bob 林运营` was
    removed and announced as 「林运营 因违反群规已被移出群聊」). `_find` (/as, /join) takes
    the first instead. Either way nothing says the name was ambiguous."""
    from bot.terminal import mentioned
    with pytest.raises(ValueError, match="op_lin"):
        mentioned("/kick @林运营", {"op_lin": "林运营", "bob": "林运营"})


async def test_r41_12_the_bots_own_join_is_no_newcomer_in_the_daily_report(
        tmp_path: Path) -> None:
    """The bot removed from a customer group and brought back by an admin: that day's report
    says 「入群 1 · 退群 0」: the leave is not counted (the group was unbound), the join is
    (bot/pipeline.py `_track` keeps it in the roster, and `roster.counts` counts it)."""
    async with Harness(SHIPPED, tmp_path, groups={"c1": "Customer 01"}) as h:
        await h.say("c1", "op_lin", "hello")
        await h.advance("1m")
        await h.leave("c1", "bot")
        await h.advance("1m")
        await h.join("c1", "bot", inviter="op_lin")
        await h.advance("15h")  # past 23:30, the customer type's report
        [report] = [r["text"] for r in h.actions("dm", to="op_lin") if "群日报" in r["text"]]
        assert "入群 0" in report, report


def _deployment(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "config", tmp_path / "config")
    shutil.copytree(ROOT / "content", tmp_path / "content")
    return tmp_path / "config"


def test_r41_13_a_text_with_an_apostrophe_is_said_in_the_simulator(tmp_path: Path) -> None:
    """bot/terminal.py splits every command's rest with shlex before it knows the command,
    so `/dm it's me` (whose text is taken verbatim) prints 「! No closing quotation」 and
    nothing is said; an operator trying an English greeting, a name like O'Brien or a lone
    「"」 cannot."""
    lines = ["/dm it's me, can I join?", "/friend I'm a listener", "/rename alice O'Brien"]
    result = groupbot("run", "--simulator", "--config", str(_deployment(tmp_path)),
                      stdin="\n".join(lines) + "\n",
                      env={k: v for k, v in os.environ.items()
                           if not k.startswith(("WECHATY_", "GROUPBOT_"))})
    assert "No closing quotation" not in result.stdout, result.stdout
