"""r59's findings 3, 4 and 5 in invite's hint (s41 f62): who is the one signing up, and
which quote puts a question to another member. The findings themselves are in
tests/test_r59.py; these are the edges each fix must keep."""

from __future__ import annotations

import pytest
from test_h50b_signup_questions import _reading

from handlers.invite import Reading


@pytest.mark.parametrize(("text", "reading"), [
    # finding 4: someone else only right before the word, with at most 都/也/已经/还/没/不
    ("你已经报名了吗", Reading.NOTHING),
    ("你还没报名吗", Reading.NOTHING),
    ("你 报名了吗", Reading.NOTHING),
    ("有人知道报名入口吗", Reading.QUESTION),
    ("大家的报名入口在哪", Reading.QUESTION),
    ("他们报名的入口在哪", Reading.QUESTION),  # the entrance, not who signed up
    # finding 3: 他/她/X们 are others; 请问 speaks to the organisers only with 你们
    ("她报名了没", Reading.NOTHING),
    ("宝妈们都报名了吗", Reading.NOTHING),
    ("请问你们报名要交钱吗", Reading.QUESTION),
    ("我们报名要交钱吗", Reading.QUESTION),  # the writer among them
    ("你好报名入口在哪", Reading.QUESTION),
])
def test_who_signs_up_is_read_from_right_before_the_word(text: str, reading: Reading) -> None:
    assert _reading(text) is reading
