from __future__ import annotations

from pathlib import Path

import pytest
from harness import BOT_YAML, SHIPPED, Harness, write_config
from pydantic import ValidationError

from handlers.keywords import Config, Keywords

RULES = """\
handlers:
  - keywords:
      cooldown: 1m
      member_limit: null          # (one member asks every rule in turn here)
      rules:
        - {id: exact, match: exact, patterns: ["签到说明"], reply: "exact"}
        - {id: prefix, match: prefix, patterns: ["!help", "帮助"], reply: "prefix"}
        - {id: contains, patterns: ["报名", "sign up"], reply: "contains {member}"}
        - {id: regex, match: regex, patterns: ["\\\\d+\\\\s*元"], reply: "regex"}
        - {id: mentioned, match: exact, patterns: ["hi"], reply: "hello", only_when_mentioned: true}
        - {id: file, patterns: ["faq"], file: faq.md, mention: true}
        - {id: random, patterns: ["骰子"], replies: ["一", "二"]}
"""


def _keywords(tmp_path: Path) -> Path:
    return write_config(tmp_path / "config", BOT_YAML, {"recruitment": RULES},
                        {"faq.md": "常见问题\n"})


async def _replies(tmp_path: Path, *texts: str, mentions: tuple[str, ...] = ()) -> list[str]:
    async with Harness(_keywords(tmp_path), tmp_path) as h:
        for text in texts:
            await h.say("r1", "alice", text, mentions=mentions)
            await h.advance("2m")
        return h.texts()


async def test_each_match_kind_answers(tmp_path: Path) -> None:
    assert await _replies(tmp_path, "签到说明", "!help me", "我想报名", "100元一小时",
                          "随便聊聊") == ["exact", "prefix", "contains alice", "regex"]


async def test_a_member_gets_at_most_member_limit_answers_of_all_rules(tmp_path: Path) -> None:
    """Review s33a Q3: one member asking every rule in turn got every answer, each once per
    its cooldown, without end (the send budget is the account's). Another member is
    answered meanwhile, and she again once her answers are older than `within`."""
    rules = RULES.replace("member_limit: null ", "member_limit: {answers: 2, within: 10m}")
    root = write_config(tmp_path / "config", BOT_YAML, {"recruitment": rules},
                        {"faq.md": "常见问题\n"})
    async with Harness(root, tmp_path) as h:
        for text in ("签到说明", "!help me", "我想报名", "100元一小时", "faq"):
            await h.say("r1", "alice", text)
            await h.advance("1m")
        await h.say("r1", "bob", "签到说明")
        await h.advance("9m")
        await h.say("r1", "alice", "掷骰子")  # 10 minutes after her first answer
        await h.advance("5s")
        assert h.texts("r1")[:3] == ["exact", "prefix", "exact"]
        assert len(h.texts("r1")) == 4 and h.texts("r1")[3] in ("一", "二")


async def test_the_way_to_a_person_is_answered_past_the_member_limit(tmp_path: Path) -> None:
    """Review s33d D6: after 3 answers in a few minutes, 「人工客服」, the one message meant to
    reach a person, got nothing: the shipped `contact-op` rule is `limited: false`."""
    async with Harness(SHIPPED, tmp_path, groups={"c1": "Customer 01"}) as h:
        for text in ("怎么签到", "价格是多少", "怎么收费", "多少钱", "人工客服"):
            await h.say("c1", "alice", text)
            await h.advance("1m")
        answers = h.texts("c1")
        assert len(answers) >= 4 and answers[-1].startswith("运营同学的微信"), answers


async def test_exact_and_prefix_do_not_answer_inside_a_sentence(tmp_path: Path) -> None:
    assert await _replies(tmp_path, "什么是签到说明", "请 !help") == []


async def test_exact_is_the_whole_message_whatever_marks_are_around_it(tmp_path: Path) -> None:
    """Review s35 r5 R5-2: the shipped `hello-bot` rule answered 「@小助手 你好」 but not
    「@小助手 你好！」 or 「在吗？」: marks around the word are no other message."""
    assert await _replies(tmp_path, "签到说明！", "【签到说明】", "签到说明？？", "签到说明👍",
                          "签到说明吗") == ["exact"] * 4
    assert await _replies(tmp_path / "2", "@Helper hi!", mentions=("bot",)) == ["hello"]


async def test_full_width_and_case_are_folded(tmp_path: Path) -> None:
    assert await _replies(tmp_path, "ＳＩＧＮ ＵＰ please") == ["contains alice"]


async def test_a_rule_can_require_the_bot_to_be_mentioned(tmp_path: Path) -> None:
    assert await _replies(tmp_path, "hi") == []
    assert await _replies(tmp_path / "2", "@Helper\u2005hi", mentions=("bot",)) == ["hello"]


async def test_a_file_reply_mentions_the_asker(tmp_path: Path) -> None:
    async with Harness(_keywords(tmp_path), tmp_path) as h:
        await h.say("r1", "bob", "faq please")
        await h.advance("5s")
        [reply] = h.actions("say")
        assert (reply["text"], reply["mentions"]) == ("常见问题", ["bob"])


async def test_random_replies_pick_from_the_list(tmp_path: Path) -> None:
    [reply] = await _replies(tmp_path, "掷骰子")
    assert reply in ("一", "二")


@pytest.mark.usefixtures("backend")
async def test_the_cooldown_is_per_member(tmp_path: Path) -> None:
    async with Harness(_keywords(tmp_path), tmp_path) as h:
        await h.say("r1", "alice", "报名")
        await h.advance("30s")
        await h.say("r1", "bob", "报名")  # within alice's minute: bob is answered too
        await h.advance("20s")
        await h.say("r1", "alice", "报名")  # alice again within her minute: nothing
        await h.advance("41s")
        await h.say("r1", "bob", "报名")  # bob again after his minute: answered
        await h.advance("5s")
        assert h.texts() == ["contains alice", "contains bob", "contains bob"]


@pytest.mark.usefixtures("backend")
async def test_the_group_flood_guard_answers_a_burst_once(tmp_path: Path) -> None:
    async with Harness(_keywords(tmp_path), tmp_path) as h:
        for member in ("alice", "bob", "carol"):
            await h.say("r1", member, "报名")
            await h.advance("1s")
        await h.advance("5s")
        await h.say("r1", "carol", "报名")
        await h.advance("5s")
        assert h.texts() == ["contains alice", "contains carol"]


async def test_a_default_reply_answers_mentions_nothing_matches(tmp_path: Path) -> None:
    rules = RULES.replace("cooldown: 1m\n", "cooldown: 1m\n      default: \"{member} 我没听懂\"\n")
    root = write_config(tmp_path / "config", BOT_YAML, {"recruitment": rules},
                        {"faq.md": "常见问题\n"})
    async with Harness(root, tmp_path) as h:
        await h.say("r1", "alice", "@Helper\u2005随便聊聊", mentions=("bot",))
        await h.say("r1", "alice", "随便聊聊")  # no mention: nothing
        await h.say("r1", "bob", "@Helper\u2005我想报名", mentions=("bot",))  # a rule matches
        await h.advance("1m")
        assert h.texts() == ["alice 我没听懂", "contains bob"]
    assert await _replies(tmp_path / "off", "@Helper\u2005随便聊聊", mentions=("bot",)) == []


async def test_the_default_leaves_a_mention_to_the_handlers_after_it_that_act_on_it(
        tmp_path: Path) -> None:
    """「@小助手 签到」 checks in and 「@小助手 群规」 gets the rules: the default answers only
    a mention no handler after keywords took."""
    types = {"recruitment": "handlers:\n  - keywords:\n      default: \"{member} 我没听懂\"\n"
                            "      rules: [{patterns: [价格], reply: 按月收费}]\n"
                            "  - checkin: {reply: \"{member} 签到成功\"}\n"
                            "  - rules: {text: rules.md}\n"}
    root = write_config(tmp_path / "config", BOT_YAML, types, {"rules.md": "群规：友善\n"})
    async with Harness(root, tmp_path) as h:
        for text in ("签到", "群规", "价格", "随便聊聊"):
            await h.say("r1", "alice", f"@Helper\u2005{text}", mentions=("bot",))
            await h.advance("10s")
        assert h.texts() == ["alice 签到成功", "群规：友善", "按月收费", "alice 我没听懂"]


async def test_the_default_does_not_answer_small_talk(tmp_path: Path) -> None:
    """faq leaves a thank-you or a greeting to the bot alone on purpose; the default, run
    after it, answered each 「…这个问题我还不会…」 in public (review s32d X3)."""
    types = {"recruitment": "handlers:\n  - keywords:\n      default: \"{member} 我没听懂\"\n"
                            "  - faq:\n      handoff: {operators: [op_lin]}\n"}
    root = write_config(tmp_path / "config", BOT_YAML, types)
    async with Harness(root, tmp_path) as h:
        for text in ("谢谢你", "早上好", "好的收到", "哈哈哈 👍", "今天天气不错"):
            await h.say("r1", "alice", f"@Helper\u2005{text}", mentions=("bot",))
            await h.advance("2m")
        assert h.texts() == ["alice 我没听懂"]  # only the mention that is not small talk
        assert h.actions("dm") == []


def test_the_first_rule_in_yaml_order_wins() -> None:
    config = Config.model_validate({"rules": [
        {"id": "a", "patterns": ["费用"], "reply": "a"},
        {"id": "b", "patterns": ["报名费用"], "reply": "b"},
        {"id": "c", "match": "regex", "patterns": ["报名"], "reply": "c"},
    ]})
    keywords = Keywords(config)
    assert keywords.match("报名费用多少").id == "a"  # type: ignore[union-attr]
    assert keywords.match("报名吧").id == "c"  # type: ignore[union-attr]
    assert keywords.match("hello") is None


def test_a_regex_rule_wins_over_a_literal_match_of_a_later_rule() -> None:
    """Regexes are looked for only while a regex rule may come before the literal matches;
    one that does wins, wherever the literal rules matched."""
    keywords = Keywords(Config.model_validate({"rules": [
        {"id": "a", "patterns": ["价格"], "reply": "a"},
        {"id": "r", "match": "regex", "patterns": ["报名.{0,2}费"], "reply": "r"},
        {"id": "b", "patterns": ["报名"], "reply": "b"},
    ]}))
    assert [getattr(keywords.match(text), "id", None) for text in (
        "报名费多少", "报名吧", "价格和报名费", "报名的价格")] == ["r", "b", "a", "a"]


def test_each_text_gets_its_own_rule_whatever_was_asked_before() -> None:
    """The matcher keeps its last answer for the text asked again (wants, then handle): a
    different text, the empty one included, is never given the kept answer."""
    keywords = Keywords(Config.model_validate({"rules": [
        {"id": "a", "patterns": ["报名"], "reply": "a"},
        {"id": "empty", "match": "regex", "patterns": ["^$"], "reply": "e"},
    ]}))
    answers = [getattr(keywords.match(text), "id", None)
               for text in ("", "报名吧", "报名吧", "hello", "", "报名吧", "hello")]
    assert answers == ["empty", "a", "a", None, "empty", "a", None]


def test_ten_thousand_rules_still_find_the_right_one() -> None:
    rules = [{"id": f"r{i}", "patterns": [f"关键词{i}号"], "reply": str(i)} for i in range(10_000)]
    keywords = Keywords(Config.model_validate({"rules": rules}))
    assert keywords.match("请问关键词9876号是什么").id == "r9876"  # type: ignore[union-attr]


async def test_shipped_config_answers_a_keyword_inside_a_chinese_sentence(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path) as h:
        await h.say("r1", "alice", "请问做这个收入大概怎么样？")
        await h.advance("5s")
        [reply] = h.actions("say")
        assert "按通话时长结算" in reply["text"] and reply["mentions"] == ["alice"]


@pytest.mark.usefixtures("backend")
async def test_private_chats_each_have_their_own_cooldown(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path) as h:
        await h.say(None, "dave", "你好")
        await h.advance("10s")
        await h.say(None, "erin", "help")
        await h.advance("10s")
        await h.say(None, "erin", "help")
        await h.advance("10s")
        assert [r["to"] for r in h.actions("dm")] == ["dave", "erin"]


async def _answers(tmp_path: Path, rules: str, *texts: str) -> list[str]:
    root = write_config(tmp_path / "config", BOT_YAML, {"recruitment": rules})
    async with Harness(root, tmp_path) as h:
        for text in texts:
            await h.say("r1", "alice", text)
            await h.advance("2m")
        return h.texts()


def _regex_rules(*patterns: str) -> str:
    return "handlers:\n  - keywords:\n      rules:\n" + "".join(
        f"        - {{match: regex, patterns: ['{p}'], reply: 'rule {i}'}}\n"
        for i, p in enumerate(patterns))


async def test_word_and_digit_classes_keep_their_unicode_meaning(tmp_path: Path) -> None:
    rules = _regex_rules("^\\w{2}老师$", "^第\\d+期$", "^[\\w-]+$")
    assert await _answers(tmp_path, rules, "张三老师", "第٣期", "北京-张三") == [
        "rule 0", "rule 1", "rule 2"]


async def test_the_first_regex_rule_in_yaml_order_wins_wherever_it_matches(
        tmp_path: Path) -> None:
    rules = _regex_rules("课程.{0,4}价格", "报名.{0,4}课程", "在哪")
    assert await _answers(tmp_path, rules, "报名这个课程价格多少，在哪交") == ["rule 0"]


async def test_a_thousand_regex_rules_load_and_answer(tmp_path: Path) -> None:
    rules = _regex_rules(*(f"第{i}期.{{0,6}}(安排|时间)" for i in range(1000)))
    assert await _answers(tmp_path, rules, "第998期的时间？", "第1000期的时间？") == [
        "rule 998"]


async def test_inline_flags_work_inside_the_combined_expression(tmp_path: Path) -> None:
    assert await _answers(tmp_path, _regex_rules("报名", "(?i)abc"), "xABCx") == ["rule 1"]


def test_a_pattern_re2_cannot_run_is_a_config_error() -> None:
    with pytest.raises(ValidationError, match=r"backreferences \(\\1\) are not supported"):
        Config.model_validate({"rules": [
            {"match": "regex", "patterns": ["(a)\\1"], "reply": "x"}]})


# ---------------------------------------------------------------- whom the cooldown counts for

def _per(tmp_path: Path, per: str) -> Path:
    rules = RULES.replace("cooldown: 1m\n", f"cooldown: 1m\n      cooldown_per: {per}\n").replace(
        '{id: mentioned, match: exact, patterns: ["hi"], reply: "hello", '
        'only_when_mentioned: true}',
        '{id: mentioned, match: exact, patterns: ["hi"], reply: "hello {member}", '
        "only_when_mentioned: true, cooldown_per: member}")
    return write_config(tmp_path / "config", BOT_YAML, {"recruitment": rules},
                        {"faq.md": "常见问题\n"})


@pytest.mark.usefixtures("backend")
@pytest.mark.parametrize("per, answers", [("group", 1), ("member", 10)])
async def test_ten_members_asking_within_the_cooldown_get_one_answer_per_group(
        tmp_path: Path, per: str, answers: int) -> None:
    """Ten members ask the same question 6 s apart, within one minute: with `cooldown_per:
    group` the group gets one answer; per member (the default) each asker gets one."""
    async with Harness(_per(tmp_path, per), tmp_path) as h:
        for n in range(10):
            await h.say("r1", f"m{n}", "请问怎么报名")
            await h.advance("6s")
        await h.advance("1s")  # 61 s after the first answer: the group's cooldown is over
        await h.say("r1", "m0", "报名")
        await h.advance("1m")
        assert h.texts("r1") == [f"contains m{n}" for n in range(answers)] + [
            "contains m0"] * (per == "group")


async def test_a_rule_keeps_a_per_member_cooldown_under_a_per_group_default(
        tmp_path: Path) -> None:
    async with Harness(_per(tmp_path, "group"), tmp_path) as h:
        for member in ("alice", "bob"):
            await h.say("r1", member, "@Helper\u2005hi", mentions=("bot",))
            await h.advance("10s")
        assert h.texts("r1") == ["hello alice", "hello bob"]


async def test_the_default_reply_answers_each_asker_under_a_per_group_handler(
        tmp_path: Path) -> None:
    """`default` answers the asker by name: per member even when the handler counts per
    group (a review found bob and carol left unanswered within alice's minute)."""
    config = _per(tmp_path, "group")
    types = config / "types" / "recruitment.yaml"
    types.write_text(types.read_text(encoding="utf-8").replace(
        "      cooldown_per: group\n",
        "      cooldown_per: group\n      default: \"{member} 请发送「联系运营」\"\n"),
        encoding="utf-8")
    async with Harness(config, tmp_path) as h:
        for member in ("alice", "bob", "carol"):
            await h.say("r1", member, "@Helper\u2005随便问问", mentions=("bot",))
            await h.advance("10s")
        assert h.texts("r1") == [f"{m} 请发送「联系运营」" for m in ("alice", "bob", "carol")]


async def test_private_chats_are_each_their_own_group(tmp_path: Path) -> None:
    config = _per(tmp_path, "group")
    (config / "bot.yaml").write_text(BOT_YAML + "direct: recruitment\n", encoding="utf-8")
    async with Harness(config, tmp_path) as h:
        for member in ("dave", "erin", "dave"):
            await h.say(None, member, "报名")
            await h.advance("10s")
        assert [(r["to"], r["text"]) for r in h.actions("dm")] == [
            ("dave", "contains dave"), ("erin", "contains erin")]


@pytest.mark.usefixtures("backend")
async def test_a_member_asking_again_keeps_nobody_else_from_an_answer(tmp_path: Path) -> None:
    """alice repeats the question every 4 s, within her own cooldown: that is no answer, so
    the group's flood guard does not start again, and bob, asking once, is answered."""
    async with Harness(_keywords(tmp_path), tmp_path) as h:
        for n in range(10):
            await h.say("r1", "alice", "报名")
            if n == 7:
                await h.say("r1", "bob", "报名")
            await h.advance("4s")
        await h.advance("1m")
        assert h.texts("r1") == ["contains alice", "contains bob"]


@pytest.mark.usefixtures("backend")
async def test_a_member_held_back_by_the_flood_guard_is_answered_when_asking_again(
        tmp_path: Path) -> None:
    """bob asked during the burst's guard and got no answer of his own: his cooldown has not
    begun, so asking again after the guard he is answered."""
    async with Harness(_keywords(tmp_path), tmp_path) as h:
        await h.say("r1", "alice", "报名")
        await h.advance("2s")
        await h.say("r1", "bob", "报名")  # within the guard: nothing
        await h.advance("10s")
        await h.say("r1", "bob", "报名")
        await h.advance("10s")
        assert h.texts("r1") == ["contains alice", "contains bob"]


async def test_the_shipped_recruitment_answers_how_to_sign_up_and_invites_nobody(
        tmp_path: Path) -> None:
    """invite runs before keywords there (r41 finding 1): a question about signing up is no
    sign-up for invite and still gets the keyword answer."""
    signup = (SHIPPED.parent / "content" / "faq" / "signup.md").read_text().strip()
    async with Harness(SHIPPED, tmp_path, groups={"r1": "Listener Recruitment 01"}) as h:
        await h.say("r1", "alice", "怎么报名")
        await h.advance("1m")
        assert h.texts("r1") == [signup] and h.actions("invite") == []


EXACT_TWICE = """\
handlers:
  - keywords:
      rules:
        - {id: mentioned, match: exact, patterns: ["在吗"], only_when_mentioned: true,
           reply: "mentioned"}
        - {id: plain, match: exact, patterns: ["在吗"], reply: "plain"}
"""


async def test_an_exact_pattern_for_mentions_leaves_the_same_pattern_to_a_later_rule(
        tmp_path: Path) -> None:
    """Two rules with one exact pattern: the first for mentions, the next for the rest."""
    root = write_config(tmp_path / "config", BOT_YAML, {"recruitment": EXACT_TWICE})
    async with Harness(root, tmp_path) as h:
        await h.say("r1", "alice", "在吗？")
        await h.advance("2m")
        await h.say("r1", "bob", "在吗", mentions=("bot",))
        await h.advance("2m")
        assert h.texts("r1") == ["plain", "mentioned"]


def test_a_match_without_a_mention_skips_the_rules_for_mentions() -> None:
    keywords = Keywords(Config.model_validate({"rules": [
        {"id": "hello", "match": "exact", "patterns": ["你好"], "only_when_mentioned": True,
         "reply": "a"},
        {"id": "regex", "match": "regex", "patterns": ["你.?好"], "reply": "b"}]}))
    assert keywords.match("你好").id == "hello"  # type: ignore[union-attr]
    assert keywords.match("你好", mentioned=False).id == "regex"  # type: ignore[union-attr]
