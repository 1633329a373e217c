"""How the quiz reads a candidate who answers in a sentence, and a message that voids an
attempt. A letter in an ordinary English or Chinese sentence is that option (「I think it's
B」 waited until the question timed out: the "s" of "it's" was read as a letter beyond the
options), while the words of one letter ("I", the article "a") and the letters of a
contraction name none. A message that finds its attempt void (the quiz file changed under
it) answers nothing, so it is not kept from the handlers after the quiz: a 「签到」 there
checks in."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import BOT_YAML, SHIPPED, Harness, shipped_config, write_config
from test_quiz import GROUPS, RIGHT, _take_quiz, _told

# RIGHT: the shipped quiz's answers, C (options A-D), A (A-C), BCD (A-D), BC (A-C), a text
VOIDED = "题目已更新，本次作答作废，不计考试次数。请发送「开始考试」重新开始。"


@pytest.mark.parametrize("answers", [
    ["I think it's C", "it's a", "I'm sure it's BCD", "it's b and c", RIGHT[4]],
    ["I'd say C", "my answer is A", "it’s B, C and D", "I don't know, maybe B and C",
     RIGHT[4]],
    ["That's C", "A because it's the rule", "It's B C D, isn't it", "B and C I'd say",
     RIGHT[4]],
    ["应该是C吧", "选A", "我觉得是BCD", "答案应该是B和C吧", RIGHT[4]],
])
async def test_a_sentence_around_the_letters_answers_with_them(
        tmp_path: Path, answers: list[str]) -> None:
    """「I think it's B」 and 「it's b」 were no answer (the "s" a letter beyond the options),
    and 「I'd say C」 named C and D (the "d" of "I'd" an option): the letters glued to an
    apostrophe are an English word's."""
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        h.world.friends.add("dave")
        await _take_quiz(h, "dave", answers)
        assert _told(h, "dave")[-1].startswith("🎉 恭喜以 100 分通过考核！")


@pytest.mark.parametrize("aside", ["I have a question", "A question: when do we get results?",
                                   "wait a minute", "it's a hard one", "I don't know"])
async def test_a_word_of_one_letter_is_no_option(tmp_path: Path, aside: str) -> None:
    """「I have a question」 to question 2 (options A-C, answer A) was the answer A: the
    article "a", before the word it goes with, is no letter. The question waits for its
    answer."""
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        h.world.friends.add("dave")
        await h.say("i1", "dave", "开始考试")
        await h.advance("20s")
        await h.say("i1", "dave", RIGHT[0])
        await h.advance("20s")
        told = _told(h, "dave")
        assert told[-1].startswith("第 2/5 题")
        await h.say("i1", "dave", aside)
        await h.advance("20s")
        assert _told(h, "dave") == told                     # no answer: the question waits
        for answer in ["B", *RIGHT[2:]]:                    # a wrong answer to it, then right
            await h.say("i1", "dave", answer)
            await h.advance("20s")
        await h.advance("1m")
        assert _told(h, "dave")[-1].startswith("🎉 恭喜以 80 分通过考核！")


def _change_quiz(quiz: Path) -> None:
    """The operator rewrites a question while attempts are under way."""
    text = quiz.read_text(encoding="utf-8")
    quiz.write_text(text.replace("text: ", "text: （新）", 1), encoding="utf-8")


@pytest.mark.parametrize("order", ["checkin, quiz", "quiz, checkin"])
async def test_a_checkin_that_finds_the_attempt_void_checks_in(
        tmp_path: Path, order: str) -> None:
    """With quiz listed before checkin, a 「签到」 that found its attempt void (the quiz file
    changed under it) was kept by the quiz, which had nothing left for it to answer: no
    check-in. The void is told once, and the 签到 checks in, whichever handler comes first
    (the shipped internship type lists checkin first)."""
    handlers = {"quiz": "  - quiz:\n      file: quiz/two.yaml\n      promote_to: recruitment\n",
                "checkin": "  - checkin:\n"}
    root = write_config(tmp_path / "config", BOT_YAML, {"recruitment": "handlers:\n" + "".join(
        handlers[name] for name in order.split(", "))}, {"quiz/two.yaml": (
            "title: two\nquestions:\n"
            "  - {kind: single, text: '1?', options: [x, y, z], answer: A}\n"
            "  - {kind: single, text: '2?', options: [x, y, z], answer: B}\n")})
    async with Harness(root, tmp_path) as h:
        await h.say("r1", "dave", "开始考试")
        await h.advance("20s")
        await h.say("r1", "dave", "A")
        await h.advance("20s")
        _change_quiz(root / "content" / "quiz" / "two.yaml")
        assert await h.bot.reload_config() == (None, [])
        await h.say("r1", "dave", "签到")
        await h.advance("10m")                              # the deadline's tick too
        texts = h.texts("r1")
        assert texts.count(VOIDED) == 1
        assert [t for t in texts if "签到成功" in t] == [
            "✅ dave 签到成功！连续签到 1 天，今日 +10 分，累计 10 分，今天第 1 个签到。"]


async def test_the_shipped_order_checks_in_and_tells_the_void_once(tmp_path: Path) -> None:
    """In the shipped internship type checkin comes first: a 「签到」 checks in before the
    quiz sees it, and the void is told at the candidate's next message (or the question's
    deadline), once."""
    root = shipped_config(tmp_path)
    async with Harness(root, tmp_path, groups=GROUPS) as h:
        await h.say("i1", "dave", "开始考试")
        await h.advance("20s")
        await h.say("i1", "dave", RIGHT[0])
        await h.advance("20s")
        _change_quiz(tmp_path / "content" / "quiz" / "listener.yaml")
        assert await h.bot.reload_config() == (None, [])
        await h.say("i1", "dave", "签到")
        await h.advance("5s")
        assert h.texts("i1")[-1].startswith("✅ dave 签到成功！")
        await h.say("i1", "dave", "A")
        await h.advance("10m")
        assert _told(h, "dave").count(VOIDED) == 1
        await h.say("i1", "dave", "开始考试")               # the new quiz
        await h.advance("5s")
        assert _told(h, "dave")[-1].startswith("📝 开始「倾听者资格考试」")


async def test_a_start_that_finds_the_attempt_void_starts_the_new_quiz(tmp_path: Path) -> None:
    """The 「开始考试」 that found the attempt void was kept for nothing: the candidate was told
    to send 「开始考试」 to start again, which they had just done. It starts the new quiz."""
    root = shipped_config(tmp_path)
    async with Harness(root, tmp_path, groups=GROUPS) as h:
        await h.say("i1", "dave", "开始考试")
        await h.advance("20s")
        _change_quiz(tmp_path / "content" / "quiz" / "listener.yaml")
        assert await h.bot.reload_config() == (None, [])
        await h.say("i1", "dave", "开始考试")
        await h.advance("1m")                               # (two texts: paced)
        assert [t.split("：")[0] for t in _told(h, "dave")] == [
            "📝 开始「倾听者资格考试」", VOIDED, "📝 开始「倾听者资格考试」"]
        assert "第 1/5 题（单选）：（新）" in _told(h, "dave")[-1]
