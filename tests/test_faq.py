from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest
import yaml
from harness import BOT_YAML, ROOT, SHIPPED, TZ, Harness, groupbot, read_yaml, write_config

from bot import config, retrieval, smalltalk
from bot.actions import TEXT_LIMIT
from handlers import REGISTRY, faq
from handlers.faq import Config, Faq

pytestmark = pytest.mark.usefixtures("backend")  # on SQLite, then on PostgreSQL

EVALUATION = Path(__file__).parent / "faq" / "evaluation.yaml"
GROUPS = {"c1": "Customer 01 客户群"}
RECRUITMENT = {"r1": "Listener Recruitment 01 倾听者招募群"}
MONDAY = datetime(2026, 11, 23, 14, 0, tzinfo=TZ)

# ---------------------------------------------------------------- the retrieval evaluation


def _shipped_faq() -> Faq:
    deployment = config.load(SHIPPED, REGISTRY)
    [faq] = [h.config for h in deployment.types["customer"].handlers if h.name == "faq"]
    assert isinstance(faq, Config)
    return Faq(faq)


async def test_the_shipped_faq_answers_paraphrases_and_no_off_topic_chat() -> None:
    """Precision and recall of the shipped FAQ over tests/faq/evaluation.yaml, at the shipped
    threshold; no lower threshold answers more paraphrases with 95% of its answers right."""
    faq = _shipped_faq()
    index = await faq.index()
    paths = [entry.file.path for entry in faq.config.entries]
    evaluation = read_yaml(EVALUATION)
    asked = [(q, path) for path, questions in evaluation["questions"].items() for q in questions]
    off_topic = evaluation["off_topic"]
    assert len(asked) >= 50 and len(off_topic) >= 50
    assert not {q for q, _ in asked} & {q for e in faq.config.entries for q in e.questions}

    def score(text: str) -> tuple[str, float]:
        hit = index.best(text)
        return (paths[hit.entry], hit.score) if hit else ("", 0.0)

    found = [(path, *score(q)) for q, path in asked]
    chat = [score(line)[1] for line in off_topic]
    threshold = faq.config.threshold

    def figures(at: float) -> tuple[float, float, int]:
        answered = [(want, got) for want, got, s in found if s >= at]
        right = sum(1 for want, got in answered if want == got)
        wrong = len(answered) - right + sum(1 for s in chat if s >= at)
        return right / len(asked), right / max(1, right + wrong), sum(s >= at for s in chat)

    recall, precision, chatted = figures(threshold)
    print(f"\nFAQ retrieval at threshold {threshold}: precision {precision:.3f}, "
          f"recall {recall:.3f} ({len(asked)} paraphrases, {len(off_topic)} off-topic lines, "
          f"highest off-topic score {max(chat):.3f})")
    for at in (0.5, 1.0, 1.5, 2.0, 3.0):
        print("  threshold {:.1f}: recall {:.3f}, precision {:.3f}, off-topic answered {}"
              .format(at, *figures(at)))
    assert chatted == 0  # the shipped config answers no off-topic line
    # nor with the example questions matched as written (a chat line holding one)
    assert [await faq.entry_for(line) for line in off_topic] == [None] * len(off_topic)
    assert recall >= 0.6 and precision >= 0.95  # measured: 0.615 and 0.970
    # no lower threshold answers more without wrong answers: each is under 0.95 precise
    assert [at for at in {s for _, _, s in found if s < threshold}
            if figures(at)[1] >= 0.95 and figures(at)[0] > recall] == []


def _docs_example(root: Path) -> Path:
    """faq.md's example, as written, as the customer type of a deployment with the shipped
    content (its faq/price.md and faq/signup.md)."""
    doc = (ROOT / "docs" / "handlers" / "faq.md").read_text(encoding="utf-8")
    start = doc.index("    handlers:\n      - faq:\n")
    block = doc[start:doc.index("\n\n", start)]
    types = {"customer": "\n".join(line[4:] for line in block.splitlines()) + "\n",
             "private": "handlers:\n  - faq:\n"}
    root = write_config(root, ROTA, types)
    (root / "content").rmdir()
    (root / "content").symlink_to(SHIPPED.parent / "content")
    return root


async def test_every_listed_question_is_answered_by_its_own_entry(tmp_path: Path) -> None:
    """Word for word, with a mention and a question mark, or inside a longer question: the
    shipped FAQ's 24 and faq.md's example's 5 (short ones like 怎么收费 score under 1.5)."""
    for root in (SHIPPED, _docs_example(tmp_path / "doc")):
        [faq] = [h for h in config.load(root, REGISTRY).types["customer"].handlers
                 if isinstance(h, Faq)]
        listed = [(q, i) for i, entry in enumerate(faq.config.entries) for q in entry.questions]
        assert len(listed) == (24 if root == SHIPPED else 5)
        for question, entry in listed:
            for asked in (question, f"@小助手\u2005{question}？", f"请问{question}呀"):
                assert await faq.entry_for(asked) == entry, (root, asked)


async def test_the_docs_example_answers_its_own_questions_in_the_group(tmp_path: Path) -> None:
    async with Harness(_docs_example(tmp_path / "config"), tmp_path, groups=GROUPS,
                       start=MONDAY) as h:
        for member, text in (("alice", "价格是多少"), ("bob", "怎么报名")):
            await h.say("c1", member, f"@小助手\u2005{text}", mentions=("bot",))
        await h.advance("31s")  # (the group's cooldown of the entry)
        await h.say("c1", "carol", "你们怎么收费？")  # no mention: the `questions` pattern
        await h.advance("1m")
        signup = (SHIPPED.parent / "content" / "faq" / "signup.md").read_text(encoding="utf-8")
        assert [(r["text"][:4], r["mentions"]) for r in h.sent] == [
            ("价格说明", ["alice"]), (signup[:4], ["bob"]), ("价格说明", ["carol"])]
        assert h.actions("dm") == []  # nobody handed off


@pytest.mark.parametrize("text", ["请问你们怎么收费呢", "小助手，请问一下怎么报名呀？谢谢",
                                  "那个，怎么收费啊", "你好，想问下怎么加入呢", "在吗？怎么提现"])
async def test_an_example_question_with_filler_around_it_is_answered(text: str) -> None:
    faq = _shipped_faq()
    paths = [entry.file.path for entry in faq.config.entries]
    found = await faq.entry_for(text)
    assert found is not None and paths[found] in (
        "faq/price.md", "faq/signup.md", "faq/income.md"), text


# Longer questions that hold a short example question but ask something else (review s32d
# X5): the example's entry answered them (the price text for an invoice, the sign-up steps
# for a meeting id) and nobody was told of the real question.
HOLDING = ["我不是问怎么收费，我是问发票怎么开？", "腾讯会议不知道怎么加入，会议号是多少？",
           "我想注销账号，怎么购买的会员能退吗？"]


@pytest.mark.parametrize("text", HOLDING)
async def test_a_question_that_merely_holds_an_example_question_is_handed_off(
        tmp_path: Path, text: str) -> None:
    assert await _shipped_faq().entry_for(text) is None
    # a recruitment group: the customer type's keyword rule 收费 answers the price itself
    async with Harness(SHIPPED, tmp_path, groups={"r1": "Listener Recruitment 01 倾听者招募群"},
                       start=MONDAY) as h:
        await h.say("r1", "alice", f"@小助手\u2005{text}", mentions=("bot",))
        await h.advance("10s")
        [dm] = h.actions("dm", to="op_lin")
        assert text in dm["text"]
        assert h.texts("r1") and h.texts("r1")[0].startswith("已转给运营同学（案件 ")


async def test_members_asking_each_other_are_not_answered_for_an_example_inside(
        tmp_path: Path) -> None:
    """With faq.md's `questions: ["[?？]$"]`, unmentioned questions between members that
    hold 怎么收费 / 怎么报名 got the entry's answer in public (review s32d X5b)."""
    async with Harness(_docs_example(tmp_path / "config"), tmp_path, groups=GROUPS,
                       start=MONDAY) as h:
        await h.say("c1", "alice", "@Bob 你妈妈问怎么收费的那个事，后来怎么说的？")
        await h.say("c1", "bob", "我也不知道怎么报名，你会吗？")
        await h.say("c1", "carol", "请问怎么收费呀？")  # the example with filler: answered
        await h.advance("1m")
        assert [(r["text"][:4], r["mentions"]) for r in h.sent] == [("价格说明", ["carol"])]
        assert h.actions("dm") == []


# ---------------------------------------------------------------- answers in a group


async def test_a_mention_gets_the_faq_entry_a_plain_chat_line_gets_nothing(
        tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=GROUPS, start=MONDAY) as h:
        await h.say("c1", "alice", "@小助手\u2005想了解一下企业版怎么计费", mentions=("bot",))
        await h.say("c1", "bob", "@小助手\u2005发票抬头写错了", mentions=("bot",))
        await h.say("c1", "bob", "企业版怎么计费")  # no mention, no question rule: left alone
        await h.say("c1", "alice", "@所有人\u2005企业版计费方式调整", mentions=("bot",))
        await h.advance("10s")
        [answer] = h.actions("say", group="c1", mentions=["alice"])
        assert answer["text"].startswith("价格说明")
        assert len(h.actions("dm", to="op_lin")) == 1  # bob's problem went to a person


async def test_the_same_member_gets_an_entry_once_per_cooldown(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=GROUPS, start=MONDAY) as h:
        for member in ("alice", "alice", "bob"):  # bob: past the group's 30 s for the entry
            await h.say("c1", member, "@小助手\u2005企业版怎么计费", mentions=("bot",))
            await h.advance("31s")
        assert [r["mentions"] for r in h.actions("say", group="c1")] == [["alice"], ["bob"]]


async def test_the_group_gets_an_entry_once_per_group_cooldown(tmp_path: Path) -> None:
    """A second member asking the same within `group_cooldown` (30 s) gets nothing (the
    answer is right above); one asking later, or asking another entry, is answered."""
    async with Harness(SHIPPED, tmp_path, groups=GROUPS, start=MONDAY) as h:
        for member, text, wait in (("alice", "企业版怎么计费", "10s"),
                                   ("bob", "费用怎么计算", "1s"), ("bob", "多久到账", "25s"),
                                   ("bob", "费用怎么计算", "1s")):
            await h.say("c1", member, f"@小助手\u2005{text}", mentions=("bot",))
            await h.advance(wait)
        said = [(r["mentions"], r["text"][:4]) for r in h.actions("say", group="c1")]
        assert said == [(["alice"], "价格说明"), (["bob"], "收入说明"), (["bob"], "价格说明")]


async def test_a_member_gets_at_most_three_answers_in_ten_minutes(tmp_path: Path) -> None:
    """Review s33a Q3: one member asking the FAQ's examples in turn, one every 15 s (under
    every antispam limit), got an answer each minute for each: two such members spent the
    account's send budget, and every group's welcomes and pushes waited. Now 3 answers per
    10 minutes (`member_limit`, keyword rules and FAQ entries each: in a recruitment group
    most of these are keyword rules). Others are answered meanwhile, and the member's
    hand-off still works."""
    questions = ["价格是多少", "怎么报名", "收入怎么算", "报名有什么要求", "有年龄限制吗",
                 "怎样成为倾听者"]
    async with Harness(SHIPPED, tmp_path, groups=RECRUITMENT, start=MONDAY) as h:
        for i in range(40):
            await h.say("r1", "mallory", f"@小助手\u2005{questions[i % 6]}", mentions=("bot",))
            await h.advance("15s")
        assert len(h.actions("say", group="r1", mentions=["mallory"])) == 6  # 3 + 3
        await h.say("r1", "bob", "@小助手\u2005价格是多少", mentions=("bot",))
        await h.say("r1", "mallory", "@小助手\u2005发票抬头写错了", mentions=("bot",))
        await h.advance("10s")
        assert len(h.actions("say", group="r1", mentions=["bob"])) == 1
        assert len(h.actions("dm", to="op_lin")) == 1  # mallory's problem: to a person
        await h.advance("10m")
        await h.say("r1", "mallory", "@小助手\u2005价格是多少", mentions=("bot",))
        await h.advance("10s")
        assert len(h.actions("say", group="r1", mentions=["mallory"])) == 8  # + case, + now


async def test_hand_off_words_go_to_a_person_as_whole_words(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=GROUPS, start=MONDAY) as h:
        await h.say("c1", "alice", "@小助手\u2005人工智能能帮我算收入吗", mentions=("bot",))
        await h.advance("10s")
        assert h.texts("c1")[0].startswith("收入说明")  # 人工智能 is not 人工: the FAQ answers
        await h.say("c1", "bob", "@小助手\u2005客服，收入怎么算", mentions=("bot",))
        await h.say("c1", "carol", "人工")
        await h.say("c1", "carol", "我们公司的客服系统该换了")  # no mention: chat
        await h.advance("1m")
        assert [r["to"] for r in h.actions("dm")] == ["op_lin", "op_lin"]
        assert "提问人：carol" in h.actions("dm")[1]["text"]
        # (carol's, moments after bob's, is not announced in the group again: `together`)
        assert [r["mentions"] for r in h.actions("say")[1:]] == [["bob"]]


@pytest.mark.parametrize("text", ["你好", "谢谢小助手！", "早上好～", "在吗？", "哈哈哈哈 👍",
                                  "好的，收到", "thank you", "👏👏"])
async def test_small_talk_that_mentions_the_bot_is_not_answered_nor_handed_off(tmp_path: Path,
                                                                  text: str) -> None:
    async with Harness(SHIPPED, tmp_path, groups=GROUPS, start=MONDAY) as h:
        await h.say("c1", "alice", f"@小助手\u2005{text}", mentions=("bot",))
        await h.advance("10s")
        assert h.actions("dm") == [] and h.actions("say") == []


async def test_a_mention_longer_than_small_talk_is_not_segmented_to_see_if_it_is(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A mention of thousands of characters is not cut into words to see whether all of it
    is small talk (jieba holds the interpreter's lock: every group's events would wait); a
    short one is."""
    read: list[int] = []

    def small_talk_only(text: str, phrases: object = ()) -> bool:
        read.append(len(text))
        return True

    monkeypatch.setattr(faq, "small_talk_only", small_talk_only)
    async with Harness(SHIPPED, tmp_path, groups=GROUPS, start=MONDAY) as h:
        await h.say("c1", "alice", "@小助手\u2005" + "哈" * (smalltalk.LONGEST + 1),
                    mentions=("bot",))
        await h.say("c1", "bob", "@小助手\u2005你好", mentions=("bot",))
        await h.advance("10s")
    assert read == [2]


@pytest.mark.parametrize("text", ["谢谢你的解答，我明白了", "你真聪明", "今天天气不错", "签到了",
                                  "刚才的回答很有帮助", "明白了，谢谢提醒", "我先去吃饭了"])
async def test_a_mention_that_asks_nothing_is_not_handed_off(tmp_path: Path, text: str) -> None:
    """Thanks and chit-chat beyond the small-talk words opened a case each: "已转给运营同学"
    in the group, a private message and 3 reminders to the operators (review s31 S16: 33
    private messages for 15 such lines)."""
    async with Harness(SHIPPED, tmp_path, groups=GROUPS, start=MONDAY) as h:
        await h.say("c1", "alice", f"@小助手\u2005{text}", mentions=("bot",))
        await h.advance("3h")
        assert h.actions("dm") == [] and h.actions("say") == []


@pytest.mark.parametrize("text", ["你好，能开发票吗", "谢谢，合同寄到哪里", "在吗？合同怎么签",
                                  "发票抬头写错了", "把合同模板发我一份", "你是机器人吗"])
async def test_a_question_around_small_talk_is_still_handed_off(tmp_path: Path,
                                                                text: str) -> None:
    await _is_handed_off(tmp_path, text)


async def _is_handed_off(tmp_path: Path, text: str) -> None:
    """A mention of the bot with `text` goes to the operator, and the group is told."""
    async with Harness(SHIPPED, tmp_path, groups=GROUPS, start=MONDAY) as h:
        await h.say("c1", "alice", f"@小助手\u2005{text}", mentions=("bot",))
        await h.advance("10s")
        [dm] = h.actions("dm", to="op_lin")
        assert text in dm["text"]
        assert h.texts("c1")[0].startswith("已转给运营同学（案件 ")


@pytest.mark.parametrize("text", ["怎么退出这个群", "怎么修改群昵称？", "群公告在哪里看",
                                  "公司下周有消防培训吗"])
async def test_a_question_sharing_one_common_word_with_an_entry_goes_to_a_person(
        tmp_path: Path, text: str) -> None:
    """Review r5 R5-13: 群 alone (the sign-up entry says it three times) scored 1.93 and
    the asker got the sign-up steps, the operators never saw the question."""
    await _is_handed_off(tmp_path, text)


# ---------------------------------------------------------------- hand-off and answers


def _case_id(h: Harness) -> str:
    text = h.actions("dm", to="op_lin")[0]["text"]
    return str(text.split("案件 ")[1][:4])


async def test_an_operator_answers_privately_and_the_group_sees_it_once(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=GROUPS, start=MONDAY) as h:
        await h.say("c1", "alice", "@小助手\u2005能开发票吗", mentions=("bot",))
        await h.advance("10s")
        case = _case_id(h)
        assert "能开发票吗" in h.actions("dm", to="op_lin")[0]["text"]
        await h.say(None, "bob", f"/answer {case} 不能")  # not an operator: nothing
        await h.say(None, "op_lin", f"/answer {case}   可以开，请私信抬头。")
        await h.say(None, "op_lin", f"/答复 {case.lower()} 再说一次")
        await h.advance("1h")
        assert h.actions("say", group="c1", text="可以开，请私信抬头。") == [
            {"t": h.actions("say", group="c1")[-1]["t"], "action": "say", "group": "c1",
             "text": "可以开，请私信抬头。", "mentions": ["alice"]}]
        replies = [r["text"] for r in h.actions("dm", to="op_lin")[1:]
                   if not r["text"].startswith("📊")]
        assert replies[0] == f"案件 {case}：已在群里答复 alice。"
        assert replies[1].startswith(f"案件 {case} 已于 11-23 14:00 由 op_lin 结案")
        assert len(replies) == 2  # answered: no reminder
        assert h.actions("dm", to="bob") == []


async def test_a_question_case_is_not_a_warning_and_can_be_dismissed(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=GROUPS, start=MONDAY) as h:
        await h.say("c1", "alice", "@小助手\u2005能开发票吗", mentions=("bot",))
        await h.advance("10s")
        case = _case_id(h)
        await h.say(None, "op_lin", f"/warn {case}")  # op_lin is an admin too
        await h.say(None, "op_lin", f"/dismiss {case}")
        await h.say(None, "op_lin", f"/answer {case} 晚了")
        await h.advance("1h")
        replies = [r["text"] for r in h.actions("dm", to="op_lin")[1:]]
        assert replies[0] == f"案件 {case} 是成员的提问：用 /answer {case} 答复内容 回答，" \
                             f"或 /dismiss {case} 结案。"
        assert replies[1] == f"案件 {case}：不处理，已结案。"
        assert replies[2].startswith(f"案件 {case} 已于")
        assert len(replies) == 3  # closed: no reminders
        assert len(h.actions("say", group="c1")) == 1  # only the hand-off notice


async def test_a_member_has_one_open_hand_off_per_group(tmp_path: Path) -> None:
    """60 requests 12 s apart opened 40 cases, each announced in the group and sent to the
    operator with up to 3 reminders (/tmp/review-4/handoff.yaml): now one case, and a
    short note naming it once per `pending_cooldown`."""
    async with Harness(SHIPPED, tmp_path, groups=GROUPS, start=MONDAY) as h:
        for i in range(20):
            await h.say("c1", "eve", f"@小助手\u2005我要人工 {i}", mentions=("bot",))
            await h.advance("12s")
        await h.say("c1", "bob", "@小助手\u2005转人工", mentions=("bot",))  # another member
        await h.advance("10s")
        cases = [r["text"] for r in h.actions("dm", to="op_lin") if "[转人工]" in r["text"]]
        assert len(cases) == 2 and "提问人：bob" in cases[1]
        case = _case_id(h)
        told = [(r["text"], r["mentions"]) for r in h.actions("say", group="c1")]
        assert told[:2] == [(f"已转给运营同学（案件 {case}），答复会发在群里，请稍等。", ["eve"]),
                            (f"你的问题已在处理中（案件 {case}），答复会发在群里，请稍等。",
                             ["eve"])]
        assert [mentions for _, mentions in told[2:]] == [["bob"]]
        await h.say(None, "op_lin", f"/answer {case} 好的")
        await h.advance("10s")
        await h.say("c1", "eve", "@小助手\u2005我要人工", mentions=("bot",))  # a new case
        await h.advance("1m")
        assert sum("[转人工]" in r["text"] for r in h.actions("dm", to="op_lin")) == 3


async def test_a_crowd_asking_for_a_person_is_told_once_a_minute_and_the_operator_together(
        tmp_path: Path) -> None:
    """Review r5 R5-6: ten members saying 人工 10 s apart got ten "已转给运营同学" in the
    group, and the operator 10 private messages and 30 reminders, one per case. Now the
    group is told once a minute, and the operator gets the cases opened within a minute of
    the last message together, reminded together: 3 messages and 9 reminders."""
    async with Harness(SHIPPED, tmp_path, groups=GROUPS, start=MONDAY) as h:
        askers = [f"n{i}" for i in range(10)]
        for member in askers:
            await h.say("c1", member, "人工")
            await h.advance("10s")
        await h.advance("1m")
        [first, crowd, last] = [r["text"] for r in h.actions("dm", to="op_lin")]
        assert [sum(f"（{m}）" in text for text in (first, crowd, last)) for m in askers] \
            == [1] * 10  # every case in one message
        assert crowd.startswith("[转人工] 「Customer 01 客户群」的 6 个提问：\n案件 ")
        answered = crowd.split("案件 ")[1][:4]
        await h.say(None, "op_lin", f"/answer {answered} 好的")
        await h.advance("3h")
        assert sum(text.startswith("已转给运营同学") for text in h.texts("c1")) == 2
        reminders = [r["text"] for r in h.actions("dm", to="op_lin") if r["text"][0] == "⏰"]
        assert len(reminders) == 9
        assert [text.split("\n")[0] for text in reminders[:3]] == [
            reminders[0].split("\n")[0], "⏰ 5 个案件还没有人答复：", "⏰ 3 个案件还没有人答复："]
        assert not any(answered in text for text in reminders)


async def test_a_wave_of_long_questions_reaches_the_operator_in_messages_of_a_sendable_length(
        tmp_path: Path) -> None:
    """Review s35 r8: the cases of a minute went in one message however many there were;
    about eight long questions passed 2,000 characters. They are split over messages of at
    most TEXT_LIMIT characters now, every case in one of them (and so would the reminders
    be)."""
    async with Harness(SHIPPED, tmp_path, groups=GROUPS, start=MONDAY) as h:
        askers = [f"n{i}" for i in range(12)]
        await h.say("c1", "first", "人工")  # the operator is told of it at once: a window
        topics = ["证书", "课程", "考试", "补考", "发票", "退款",
                  "合同", "排班", "工资", "保险", "请假", "转正"]
        for member, topic in zip(askers, topics, strict=True):  # (not one text: a raid)
            question = f"人工，{topic}" + f"的事情我想问问{topic}怎么办" * 20
            await h.say("c1", member, f"@小助手\u2005{question}", mentions=("bot",))
            await h.advance("2s")
        await h.advance("1m")
        told = [r["text"] for r in h.actions("dm", to="op_lin")][1:]
        await h.advance("30m")
        reminded = [r["text"] for r in h.actions("dm", to="op_lin")
                    if r["text"].startswith("⏰ 12 个案件还没有人答复：")]
    assert [text.split("\n")[0] for text in told] == [  # (s36 r16 R16-7: which part)
        f"[转人工] 「Customer 01 客户群」的 12 个提问（{i}/{len(told)}）："
        for i in range(1, len(told) + 1)]
    assert [sum(f"（{m}）" in text for text in told) for m in askers] == [1] * 12
    cases = re.findall(r"案件 (\S+) · 提问人", "".join(told))
    assert len(set(cases)) == 12
    assert [sum(f"案件 {case}（" in text for text in reminded) for case in cases] == [1] * 12
    assert len(told) > 1  # (each reminder quotes less of a question: they fit in one)
    for texts in (told, reminded):
        assert all(len(text) <= TEXT_LIMIT and text.count("\n") > 2  # a list, head to foot
                   for text in texts)


async def test_unanswered_cases_are_reminded_but_not_in_quiet_hours(tmp_path: Path) -> None:
    evening = datetime(2026, 11, 23, 21, 45, tzinfo=TZ)
    async with Harness(SHIPPED, tmp_path, groups=GROUPS, start=evening) as h:
        await h.say("c1", "alice", "@小助手\u2005能开发票吗", mentions=("bot",))
        await h.advance("12h")
        times = [r["t"][11:16] for r in h.actions("dm", to="op_lin")
                 if r["text"].startswith("⏰")]
        # opened 21:45, first reminder due 22:15 (quiet until 08:00), then every 30 min, 3 in all
        assert times == ["08:00", "08:30", "09:00"]


ROTA = """\
bot: {id: bot, name: 小助手}
timezone: Asia/Shanghai
admins: [admin]
storage: bot.db
content: content
groups:
  - match: {topic: "Customer"}
    type: customer
direct: private
"""


TYPES = {
    "customer": """\
handlers:
  - faq:
      threshold: 0.2              # one entry: every word is in all documents, scores are low
      questions: ["[?？]$"]
      entries: [{file: faq.md, questions: [怎么收费, 费用多少]}]
      handoff:
        operators: [op_lin]
        rota: {sat: [op_wang, op_zhao]}
        small_talk: [冲鸭]
""",
    "private": "handlers:\n  - faq:\n",
}


def _small(tmp_path: Path) -> Path:
    return write_config(tmp_path / "config", ROTA, TYPES, {"faq.md": "按月收费。\n"})


async def test_questions_are_looked_up_without_a_mention_but_never_handed_off(
        tmp_path: Path) -> None:
    async with Harness(_small(tmp_path), tmp_path, groups=GROUPS, start=MONDAY) as h:
        await h.say("c1", "alice", "请问怎么收费？")
        await h.say("c1", "bob", "明天会下雨吗？")
        await h.say("c1", "bob", "收费")  # not a question, no mention
        await h.advance("10s")
        assert [(r["text"], r["mentions"]) for r in h.sent] == [("按月收费。", ["alice"])]


async def test_the_groups_own_small_talk_is_not_handed_off(tmp_path: Path) -> None:
    async with Harness(_small(tmp_path), tmp_path, groups=GROUPS, start=MONDAY) as h:
        await h.say("c1", "alice", "@小助手\u2005冲鸭！谢谢", mentions=("bot",))
        await h.say("c1", "bob", "@小助手\u2005冲鸭 合同寄到哪里", mentions=("bot",))
        await h.advance("10s")
        [dm] = h.actions("dm")
        assert "合同寄到哪里" in dm["text"]


async def test_the_weekly_rota_picks_who_gets_a_case(tmp_path: Path) -> None:
    root = _small(tmp_path)
    saturday = datetime(2026, 11, 28, 10, 0, tzinfo=TZ)
    async with Harness(root, tmp_path, groups=GROUPS, start=saturday) as h:
        await h.say("c1", "alice", "@小助手\u2005能开发票吗", mentions=("bot",))
        await h.advance("1m")
        assert sorted(r["to"] for r in h.actions("dm")) == ["op_wang", "op_zhao"]
        case = h.actions("dm")[0]["text"].split("案件 ")[1][:4]
        await h.say(None, "op_lin", f"/answer {case} 可以")  # on the list, off duty: may answer
        await h.advance("10s")
        assert h.actions("say", text="可以") != []


async def test_answer_from_anyone_but_an_operator_gets_nothing(tmp_path: Path) -> None:
    """Review r5 R5-5: a member who is no operator got the usage, or "没有待答复的问题",
    for every /answer, each reply paid from the private lane's budget."""
    async with Harness(_small(tmp_path), tmp_path, groups=GROUPS, start=MONDAY) as h:
        for text in ("/answer", "/answer ZZZZ 你好", "/答复 ZZZZ 你好"):
            await h.say(None, "mallory", text)
            await h.say(None, "op_wang", text)  # on the rota only (no admin): still told
        await h.advance("1m")
        assert h.actions("dm", to="mallory") == []
        assert [r["text"] for r in h.actions("dm", to="op_wang")] == [
            "用法：/answer 案件号 答复内容", "没有待答复的问题 ZZZZ。", "没有待答复的问题 ZZZZ。"]


@pytest.mark.no_store
@pytest.mark.parametrize(("body", "error"), [
    ("handoff: {words: [人工]}", "needs `operators`"),
    ("handoff: {operators: [a], rota: {monday: [b]}}", "rota day 'monday'"),
    ("threshold: 0", "greater than 0"),
])
def test_bad_config_is_refused(body: str, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        Config.model_validate(yaml.safe_load(body))


# ---------------------------------------------------------------- the report


def test_the_report_shows_first_response_times(tmp_path: Path) -> None:
    db = tmp_path / "played.db"
    scenario = Path(__file__).parent / "scenarios" / "faq_handoff.yaml"
    cli = groupbot  # in this process
    assert cli("replay", str(scenario), "--db", str(db)).returncode == 0
    result = cli("report", "--config", str(SHIPPED), "--db", str(db),
                 "--since", "2026-11-24", "--until", "2026-11-25")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == (
        "Hand-offs: 1 opened, 1 answered; first response median 10 s, slowest 10 s")


def test_a_long_question_is_segmented_only_to_its_first_characters(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A pasted wall of text costs the BM25 lookup no more than a long question: jieba over
    20,000 characters took 1.2 s (r41 finding 2)."""
    index = retrieval.Index(["收入 提现 结算", "价格 收费 套餐"])
    segmented: list[int] = []
    cut = retrieval.dictionary().cut_for_search

    class Watched:
        def cut_for_search(self, text: str) -> list[str]:
            segmented.append(len(text))
            return list(cut(text))

    monkeypatch.setattr(retrieval, "dictionary", Watched)
    retrieval.words.cache_clear()  # (segmented once already: in the other backend's run)
    index.best("提现多久到账？" + "今天天气真不错我们去公园散步吧" * 1500)
    assert segmented and max(segmented) <= retrieval.QUESTION_LIMIT


HANDOFF_REMINDED = """\
handlers:
  - faq:
      handoff:
        operators: [op]
        remind_after: 30m
        max_reminders: {}
"""


async def test_a_reload_that_lowers_max_reminders_ends_the_reminders_due(
        tmp_path: Path) -> None:
    """A reminder armed under `max_reminders: 3` is not sent once a reload made it 0."""
    root = tmp_path / "config"
    write_config(root, BOT_YAML, {"recruitment": HANDOFF_REMINDED.format(3)})
    async with Harness(root, tmp_path) as h:
        await h.say("r1", "alice", "请问今天几点开会？", mentions=("bot",))
        await h.advance("1m")
        write_config(root, BOT_YAML, {"recruitment": HANDOFF_REMINDED.format(0)})
        await h.bot.reload()
        await h.advance("3h")
        to_op = [r["text"] for r in h.actions("dm", to="op")]
        assert len(to_op) == 1 and to_op[0].startswith("[转人工]"), to_op
