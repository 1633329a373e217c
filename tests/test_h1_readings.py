"""s48 h1: misreadings of the invite reader's that r100-r106 kept as strict xfails, closed, and
what must still read as before beside each fix (`InviteHandler.reading`, words 报名 and join)."""

from __future__ import annotations

import pytest
from test_h50b_signup_questions import _reading

from handlers.invite import Reading

# ---------------------------------------------------------------- r102-7: an English no

@pytest.mark.parametrize("text", [
    "i don't want to join", "i don't really want to join", "i won't be able to join",
    "i'm not going to join", "i don't think i'll join", "i'm not sure i want to join",
    "never too late to join", "i don't [Facepalm] want to join",
    # a phone's apostrophe
    "i don’t join", "i don’t want to join", "i can’t join today"])
def test_an_english_no_a_few_words_before_join_says_no(text: str) -> None:
    """A verb's no (not don't won't can't cannot couldn't never) reaches four words on."""
    assert _reading(text) is Reading.NOTHING


@pytest.mark.parametrize("text", [
    "I want to join", "i'd love to join", "please let me join", "join, no experience though",
    "not sure if i can, but i want to join", "not sure but i'll join",
    "not much time though i'll join", "not sure so i'll just join",
    "i can't wait to join", "i cannot wait to join", "i can’t wait to join",
    "never mind i'll join", "i don't mind to join", "no problem i'll join",
    "i have no experience and want to join", "no experience i want to join",
    "i'm not a native speaker i would like to join"])
def test_an_english_sign_up_beside_a_no_still_signs_up(text: str) -> None:
    """Not past but, though, although, however or so; not "can't wait" or "never mind"; and
    no (a noun's: "no experience") or cancel reaches one word on as before."""
    assert _reading(text) is Reading.SIGN_UP


@pytest.mark.parametrize("text", ["can I join? I'm not sure how", "i don't know how to join",
                                  "i don't know if i can join"])
def test_an_english_question_beside_a_no_is_still_a_question(text: str) -> None:
    assert _reading(text) is Reading.QUESTION


# ---------------------------------------------------------------- r102-8: 要不是 … 就报名了

@pytest.mark.parametrize("text", [
    "要不是太忙我就报名了", "要不是下雨我就报名了", "要不是最近太忙，我早就报名了",
    "要不是下雨了，我早报名了", "要不是太忙我都报名了", "要不是太忙我也就报名了",
    "要不是太忙我就去报名了", "要不是太忙 我就报名了"])
def test_had_it_not_been_for_is_no_sign_up(text: str) -> None:
    assert _reading(text) is Reading.NOTHING


@pytest.mark.parametrize("text", [
    "只要不是骗子我就报名了", "主要不是钱的问题，我就报名了", "要不是你提醒我都忘了，现在就报名了",
    "要不是你推荐我就错过报名了", "要不是太忙我就报名了，现在我要报名",
    "要不是太忙我就报名了。现在我要报名", "我早就报名了", "要不就报名吧"])
def test_a_sign_up_beside_yaobushi_or_a_look_alike_still_signs_up(text: str) -> None:
    """Not 只要不是 (as long as it is not) nor 主要不是; not past a consequence of its own
    (我都忘了) nor before 就 and another verb (就错过报名了); a clause asking for it."""
    assert _reading(text) is Reading.SIGN_UP


# ---------------------------------------------------------------- r106-4: 要不就 … 晚了吧

@pytest.mark.parametrize("text", [
    "赶紧的，要不就报名晚了吧", "抓紧，要不就报名晚了吧", "要不报名晚了吧", "要不报名来不及了吧",
    "要不就报名迟了呗"])
def test_or_else_too_late_with_a_ba_signs_nobody_up(text: str) -> None:
    assert _reading(text) is Reading.NOTHING


@pytest.mark.parametrize("text", [
    "要不就报名吧", "要不就报名了吧", "要不早点报名吧，晚了就没了", "要不就报名吧，晚了就满了",
    "要不报名吧 晚了就没名额了"])
def test_how_about_signing_up_before_it_is_late_signs_up(text: str) -> None:
    """Late or full said after the 吧 does not stop the look for it."""
    assert _reading(text) is Reading.SIGN_UP


# ---------------------------------------------------------------- r105-5: 我要不[捂脸]报名了

@pytest.mark.parametrize("text", [
    "我要不[捂脸]报名了", "我要不[捂脸][捂脸]报名了", "我要不[捂脸]报名", "我要不[捂脸]去报名了",
    "我要不[捂脸]报名，试试吧"])
def test_i_will_not_with_a_face_reads_as_without_it(text: str) -> None:
    """As 「我要不报名了」 (will not): the face after 我要不 is dropped, as after any no."""
    assert _reading(text) is Reading.NOTHING


@pytest.mark.parametrize("text", [
    "我要不[捂脸]报名吧", "我要不[捂脸]报名试试", "我要不[捂脸]报名了吧", "我要不[捂脸]我报名了"])
def test_how_about_with_a_face_after_woyaobu_still_signs_up(text: str) -> None:
    """吧 呗 试试 after the word (how about), or the writer beginning again, keep the face a
    break."""
    assert _reading(text) is Reading.SIGN_UP


# ---------------------------------------------------------------- r104-6, r100-7: 【捂脸】

@pytest.mark.parametrize("text", [
    "我不【捂脸】报名了", "不想【捂脸】报名", "不想【旺柴】【捂脸】报名了",
    "我不[捂脸]【捂脸】报名了", "我要不【捂脸】报名了"])
def test_a_no_before_a_face_in_full_width_brackets_says_no(text: str) -> None:
    assert _reading(text) is Reading.NOTHING


@pytest.mark.parametrize("text", [
    "别【错过】报名哦", "不要【错过】报名", "我不【捂脸】我要报名", "我要不【捂脸】报名吧"])
def test_full_width_brackets_around_no_face_keep_the_no_apart(text: str) -> None:
    """Only a face's name in 【】 is a face; the writer beginning again, or how about, as
    with [ ]."""
    assert _reading(text) is Reading.SIGN_UP
