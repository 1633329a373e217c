"""f76: r74's findings on h73's invite reading mended, and the talk beside each fix kept
talk (the r74 cases themselves are in tests/test_r74.py)."""

from __future__ import annotations

import pytest
from test_h50b_signup_questions import _reading

from handlers.invite import Reading


@pytest.mark.parametrize("text", ["报名请尽快拉我", "报名请安排一下", "报名麻烦通过下"])
def test_a_request_after_the_word_is_the_writers_sign_up(text: str) -> None:
    assert _reading(text) is Reading.SIGN_UP


@pytest.mark.parametrize("text", ["报名请私聊", "报名请联系小王", "报名请发送「报名」",
                                  "报名请添加老师微信", "报名很麻烦", "报名太麻烦了"])
def test_an_instruction_to_members_after_the_word_is_talk(text: str) -> None:
    assert _reading(text) is Reading.NOTHING


@pytest.mark.parametrize("text", ["你们好 报名", "姐妹们早上好 报名", "hello大家 报名",
                                  "hi everyone 报名", "hey everybody i want to join"])
def test_a_greeting_names_nobody_doing_it(text: str) -> None:
    assert _reading(text) is Reading.SIGN_UP


@pytest.mark.parametrize("text", ["大家好 他报名了吗", "大家好好报名", "宝妈们都报名了吗"])
def test_someone_named_besides_a_greeting_is_still_talk(text: str) -> None:
    assert _reading(text) is Reading.NOTHING


def test_a_rule_asked_after_a_greeting_is_the_organisers() -> None:
    assert _reading("大家好 报名要交钱吗") is Reading.QUESTION


@pytest.mark.parametrize("text", ["报名，收入多少", "好的报名，时间自由吗", "报名，时间上行吗"])
def test_after_a_comma_only_the_word_alone_asking_names_a_thing_of_it(text: str) -> None:
    """The question beside the sign-up goes on to keywords (`_asks_more`)."""
    assert _reading(text) is Reading.SIGN_UP


@pytest.mark.parametrize("text", ["报名，条件呢", "报名，收入高吗"])
def test_the_word_alone_with_a_noun_asked_after_a_comma_is_a_question(text: str) -> None:
    assert _reading(text) is Reading.QUESTION


@pytest.mark.parametrize("text", ["她报名有啥用", "同学们报名要我们一起去吗",
                                  "他报名需要我签字吗"])
def test_members_chatting_of_anothers_sign_up_get_no_hint(text: str) -> None:
    assert _reading(text) is Reading.NOTHING


@pytest.mark.parametrize("text", ["她报名有什么要求", "他们报名需要带什么",
                                  "我和她报名要一起交钱吗"])
def test_a_rule_asked_for_others_is_still_the_organisers(text: str) -> None:
    assert _reading(text) is Reading.QUESTION


@pytest.mark.parametrize("text", ["how do you join the group?", "how can you join this group",
                                  "how do you join us?", "How do you join 😅"])
def test_asking_how_one_joins_the_group_is_a_question(text: str) -> None:
    assert _reading(text) is Reading.QUESTION


@pytest.mark.parametrize("text", ["how do you join the meeting?", "how do you join two tables"])
def test_asking_how_one_joins_something_else_is_chat(text: str) -> None:
    assert _reading(text) is Reading.NOTHING


@pytest.mark.parametrize("text", ["报名也很简单", "报名那么火爆", "报名网页打不开", "报名满了"])
def test_something_said_of_the_word_is_talk_with_an_adverb_between(text: str) -> None:
    assert _reading(text) is Reading.NOTHING


@pytest.mark.parametrize("text", ["报名审核一下", "报名还请通过", "报名，审核我一下"])
def test_asking_to_be_reviewed_still_signs_up(text: str) -> None:
    assert _reading(text) is Reading.SIGN_UP
