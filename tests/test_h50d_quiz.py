"""Quiz replies the funnel doc listed as misread (h50d).

A word spelled with option letters and written in capitals was read as letters even when
the candidate went on to answer with a letter standing alone ("BAD QUESTION, C" named A, B,
C and D; "ACE, F" A, C, E and F): the letter alone last is the answer, the word a word. And
"i.e." or "e.g." before the answer were read as the letters I and E ("i.e. C" to A-D was no
answer at all, E being no option; to A-J it named C, E and I)."""

from __future__ import annotations

import pytest

from handlers.quiz import Question, QuestionKind

FOUR = ["w", "x", "y", "z"]
TEN = list("0123456789")


def _question(options: list[str], answer: str,
              kind: QuestionKind = QuestionKind.SINGLE) -> Question:
    return Question(kind=kind, text="?", options=options, answer=answer)


@pytest.mark.parametrize(("reply", "options", "answer"), [
    ("BAD QUESTION, C", FOUR, "C"), ("BAD, C", FOUR, "C"), ("ACE, F", TEN, "F"),
    ("ace, f", TEN, "F"), ("FACE... D", TEN, "D")])
def test_a_word_in_capitals_before_a_letter_alone_is_a_word(
        reply: str, options: list[str], answer: str) -> None:
    assert _question(options, answer).judge(reply) is True


@pytest.mark.parametrize(("reply", "answer"), [("ACE", "ACE"), ("C, ACE", "ACE"),
                                               ("I'd say ACE", "ACE"), ("BAD, I think", "ABD")])
def test_a_word_in_capitals_with_no_letter_alone_after_it_is_still_letters(
        reply: str, answer: str) -> None:
    assert _question(TEN, answer, QuestionKind.MULTIPLE).judge(reply) is True


@pytest.mark.parametrize("reply", ["i.e. C", "I.E. C", "C, i.e. the third", "e.g. C",
                                   "C e.g.", "p.s. C", "C (a.k.a. the third one)"])
@pytest.mark.parametrize("options", [FOUR, TEN])
def test_a_dotted_abbreviation_names_no_option(reply: str, options: list[str]) -> None:
    assert _question(options, "C").judge(reply) is True


@pytest.mark.parametrize(("reply", "answer"), [("A. C", "AC"), ("A.C", "AC"), ("b.e", "BE")])
def test_letters_parted_by_dots_that_are_no_abbreviation_are_still_letters(
        reply: str, answer: str) -> None:
    assert _question(TEN, answer, QuestionKind.MULTIPLE).judge(reply) is True
