"""r86: a short hostile pass over ee1055f (r85's findings fixed: the corpus's null text,
invite's `_WRITERS_OWN`, the hints of `other_digits` and of a fraction), against its parent
3749ae7 and 4d2612a. Each finding is a strict xfail (/work/helpers/reports/r86.md); the
plain tests pin what was checked and holds."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_h50b_signup_questions import _reading
from test_r84 import _max_mentions, _problem
from test_r85 import _case, _faq

from bot import corpus
from bot.yamlfile import InputError
from handlers.invite import Reading

# ---------------------------------------------------------------- findings: invite

@pytest.mark.parametrize("text", [
    "我们报名免费的", "我们俩报名免费的", "我们一起报名免费的", "我们也报名免费的吧",
    "我们两个人报名免费的", "我们俩都报名免费的", "咱们一起报名免费的"])
def test_r86_1_we_sign_up_for_the_free_one(text: str) -> None:
    assert _reading(text) is Reading.SIGN_UP


@pytest.mark.parametrize("text", ["我刚好报名免费的", "我刚刚报名免费的"])
def test_r86_2_i_just_sign_up_for_the_free_one(text: str) -> None:
    assert _reading(text) is Reading.SIGN_UP


@pytest.mark.parametrize("text", [
    "那就是报名还没开始", "那就说明报名还没开始", "那就是说报名还没开始咯", "太麻烦了报名还没开始",
    "麻烦死了报名还没开始", "有点麻烦报名暂停了", "好麻烦啊报名还没截止", "按要求报名免费的",
    "有需求报名免费的", "求职群报名还没开始", "日本人报名免费的", "听说申请报名还没开始",
    "马上就报名还没开始了", "立即报名还没开放"])
def test_r86_3_the_state_talked_of_signs_nobody_up(text: str) -> None:
    assert _reading(text) is not Reading.SIGN_UP


# ---------------------------------------------------------------- findings: hints

@pytest.mark.parametrize(("written", "told"), [
    ("'-010'", "write -10"), ("-010", "write -10"), ("'.nan'", "write .nan"),
    ("'-.inf'", "write -.inf")])
def test_r86_4_a_threshold_is_not_told_to_write_what_is_refused(tmp_path: Path, written: str,
                                                                told: str) -> None:
    assert told not in _problem(tmp_path, _faq("threshold", written))


@pytest.mark.parametrize("written", ["'５.５'", "'٥.٥'"])
def test_r86_5_a_whole_number_is_not_told_to_write_a_fraction(tmp_path: Path,
                                                              written: str) -> None:
    assert "write 5.5" not in _problem(tmp_path, _max_mentions(written))


# ---------------------------------------------------------------- what holds

@pytest.mark.parametrize("text", [
    "我报名免费的", "俺报名免费的", "咱报名免费的", "本人报名免费的", "咱俩报名免费的",
    "求报名免费的", "麻烦报名免费的", "马上报名免费的", "立即报名免费的", "那就报名免费的吧",
    "申请报名免费的", "我要报名免费的", "我们报名", "我们一起报名", "我刚报名",
    "我知道报名免费的，我报名", "me too 报名免费的"])
def test_r86_the_writers_own_sign_up_holds(text: str) -> None:
    assert _reading(text) is Reading.SIGN_UP


@pytest.mark.parametrize("text", [
    "我觉得报名还没开始", "我听说报名还没开始", "本人觉得报名还没开始", "本人听说报名还没开始",
    "我看报名免费的", "我们群报名还没开始", "i think 报名还没开始", "i thought 报名还没开始",
    "i heard that 报名还没开始", "他说马上报名还没开始", "没要求报名免费的",
    "i dont think 报名还没开始"])
def test_r86_a_thought_of_the_state_signs_nobody_up(text: str) -> None:
    assert _reading(text) is not Reading.SIGN_UP


@pytest.mark.parametrize("case", ["text: ", "text: null", "messages: [加我, ~]", "messages: [~]",
                                  "text: [加我]", "messages: [[加我]]", "text: {a: 1}",
                                  "messages: 加我"])
def test_r86_a_case_without_a_text_is_refused(tmp_path: Path, case: str) -> None:
    with pytest.raises(InputError, match=r"give `text` or a list of `messages`|`text` is one "
                                         r"message: give several as a list of `messages`"):
        corpus.read_corpus(_case(tmp_path, case))


@pytest.mark.parametrize("case", ["text: 2026-12-02", "messages: [加我, 2026-12-02]",
                                  "text: .nan", "text: 13800138000", "messages: [加我, true]"])
def test_r86_a_case_whose_text_is_a_value_says_put_it_in_quotes(tmp_path: Path,
                                                                case: str) -> None:
    with pytest.raises(InputError, match="is no text: put it in quotes"):
        corpus.read_corpus(_case(tmp_path, case))


@pytest.mark.parametrize(("written", "hint"), [
    ("-010", "(write e.g. 15s"), ("-00.5", "(write e.g. 15s"), ("-01", "(write e.g. 15s"),
    ("+010", "write 10s, or 10 for seconds"), ("010", "write 10s, or 10 for seconds")])
def test_r86_a_durations_hint(tmp_path: Path, written: str, hint: str) -> None:
    assert hint in _problem(tmp_path, _faq("cooldown", written))


@pytest.mark.parametrize(("written", "hint"), [
    ("'1.5'", "write 1.5 without them"), ("'+1.5'", "write +1.5 without them"),
    ("01.5", "leading zero makes it a text: write 1.5"), ("'true'", "(write e.g. 1.5)"),
    ("'1e3'", "(write e.g. 1.5)"), ("'1_5'", "(write e.g. 1.5)"), ("'null'", "(write e.g. 1.5)"),
    ("'１.５'", "(write e.g. 1.5)")])
def test_r86_a_fractions_hint(tmp_path: Path, written: str, hint: str) -> None:
    assert hint in _problem(tmp_path, _faq("threshold", written))


@pytest.mark.parametrize(("written", "hint"), [
    ("'５'", "write 5)"), ("'１０'", "write 10)"), ("'٥'", "write 5)"), ("-５", "write -5)"),
    ("'⑩'", "write 10)")])
def test_r86_other_digits_hint(tmp_path: Path, written: str, hint: str) -> None:
    assert hint in _problem(tmp_path, _max_mentions(written))
