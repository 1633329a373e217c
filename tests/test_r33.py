"""Hostile review (r33) of this round's fixes: quiz answers in a sentence (f26) and the
outbox's stored retry time (f24)."""

from __future__ import annotations

import pytest

from handlers.quiz import Kind, Question


def _question(kind: Kind, answer: str) -> Question:
    return Question(kind=kind, text="?", options=["w", "x", "y", "z"], answer=answer)


# ------------------------------------------------------------ f26: the article "a"

@pytest.mark.parametrize("reply", ["A BC", "a bc", "A CD B"])
def test_a_before_a_run_of_option_letters_is_the_letter(reply: str) -> None:
    """「A BC」 answers A, B and C: "bc" is option letters, no word the article goes with.
    f26 read the "a" as the article and graded the right answer wrong (main: right)."""
    assert _question(Kind.MULTIPLE, "ABC" if "d" not in reply.lower() else "ABCD"
                     ).judge(reply) is True


@pytest.mark.parametrize("reply", ["A then C", "A plus C", "A also C", "A with C"])
def test_a_joined_to_another_letter_by_a_word_is_the_letter(reply: str) -> None:
    """「A then C」 names A and C, as 「A and C」 does: no article comes before "then", "plus",
    "also" or "with". f26 graded it wrong (C alone); main graded it right."""
    assert _question(Kind.MULTIPLE, "AC").judge(reply) is True


@pytest.mark.parametrize("reply", ["A maybe", "A ok", "A okay", "A probably", "A perhaps",
                                   "A please", "A thanks"])
def test_a_followed_by_a_hedge_or_thanks_answers_a(reply: str) -> None:
    """「A maybe」 and 「A thanks」 answer A: the article goes with no such word. f26 read them
    as no answer, so the question waited on a candidate who had answered and timed out
    (0 points; main: A)."""
    assert _question(Kind.SINGLE, "A").judge(reply) is True


@pytest.mark.parametrize("reply", ["I have a question", "B. a bit unsure", "B, a good guess",
                                   "a lot of thought: B", "A question: is it B?"])
def test_the_article_still_names_no_option(reply: str) -> None:
    """What f26 fixed holds: the article before a word is no A."""
    assert _question(Kind.SINGLE, "B").judge(reply) in (None, True)
