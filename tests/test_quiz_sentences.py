"""How the quiz reads a candidate who answers in a sentence. A letter in an ordinary
English or Chinese sentence is that option (「I think it's B」 waited until the question
timed out: the "s" of "it's" was read as a letter beyond the options), while the words of
one letter ("I", the article "a") and the letters of a contraction name none."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import SHIPPED, Harness
from test_quiz import GROUPS, RIGHT, _take_quiz, _told

# RIGHT: the shipped quiz's answers, C (options A-D), A (A-C), BCD (A-D), BC (A-C), a text


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

