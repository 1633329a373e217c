"""Which questions about signing up get the hint (s42 h73): a rule asked for others is the
organisers' (r63 finding 5), whether a third person did it is chat even asked whether
anyone knows (r63 finding 4), a comma after the word reads as a space, and English asks
how one joins with a generic you."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_h50b_signup_questions import HINT, _reading
from test_h73_signup_talk import carol_says

from handlers.invite import Reading


@pytest.mark.parametrize("text", ["别人报名要交钱吗", "大家报名需要什么材料", "他们报名在哪报",
                                  "宝妈们 报名要交钱吗"])
def test_a_rule_asked_for_others_is_the_organisers(text: str) -> None:
    assert _reading(text) is Reading.QUESTION


@pytest.mark.parametrize("text", ["你报名要交钱吗", "有人报名需要帮忙吗", "她报名得早吗",
                                  "他报名了没", "他报名怎么样了",
                                  "有人知道她报名了吗", "你知道他报名没",
                                  "大家都报名了吗"])
def test_whether_someone_did_it_or_a_rule_put_to_you_is_chat(text: str) -> None:
    """你 asks a member; whether a third person did it is theirs to tell, even asked
    whether anyone knows."""
    assert _reading(text) is Reading.NOTHING


@pytest.mark.parametrize("text", ["how do you join?", "can anyone join?", "How can you join",
                                  "how does one join?"])
def test_english_asking_how_one_joins_is_a_question(text: str) -> None:
    assert _reading(text) is Reading.QUESTION


@pytest.mark.parametrize("text", ["when did you join?", "can you join the meeting?",
                                  "do you want to join us for dinner?", "does anyone join?"])
def test_english_asking_a_member_stays_chat(text: str) -> None:
    assert _reading(text) is Reading.NOTHING


@pytest.mark.parametrize("text", ["报名，时间自由吗", "报名 时间自由吗", "报名，收入？",
                                  "报名,时间自由吗"])
def test_a_comma_after_the_word_reads_as_a_space(text: str) -> None:
    """The noun after it, with a question in its sentence, names a thing of signing up
    either way."""
    assert _reading(text) is Reading.QUESTION


@pytest.mark.parametrize("text", ["报名，时间很自由", "报名，我符合条件", "我要报名，时间自由吗"])
def test_a_sign_up_beside_a_noun_that_asks_nothing_still_signs_up(text: str) -> None:
    assert _reading(text) is Reading.SIGN_UP


@pytest.mark.parametrize("text", ["他报名需要什么材料", "报名，时间自由吗", "how do you join?"])
async def test_such_a_question_gets_the_hint_and_no_invitation(tmp_path: Path,
                                                              text: str) -> None:
    invited, [reply] = await carol_says(tmp_path, text)
    assert invited == []
    assert reply["text"] == HINT and reply["mentions"] == ["carol"], reply
