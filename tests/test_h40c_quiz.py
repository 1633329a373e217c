"""How the quiz reads English words spelled only with option letters, the pronoun among nine
options or more, and an option's letter followed by its text (h40c).

"bad question, it's C" named B, A, D and C (graded wrong) to a question with options A-D:
"bad" was read as letters. An English word of the reply is a word, unless it is the whole
reply ("ace" alone) or written in capitals ("I'd say ACE"): then it is the letters the
candidate typed. With options A-I or more, the pronoun ("I think it's C") was option I;
「A final answer」, option A's letter then its text, was the article "a" before a word, and
the question waited."""

from __future__ import annotations

import pytest

from handlers.quiz import Question, QuestionKind

FOUR = ["w", "x", "y", "z"]
TEN = list("0123456789")


def _question(options: list[str], answer: str | list[str],
              kind: QuestionKind = QuestionKind.SINGLE) -> Question:
    return Question(kind=kind, text="?", options=options, answer=answer)


@pytest.mark.parametrize("reply", ["bad question, it's C", "C, my bad", "dad says C",
                                   "add C", "C, by cab", "Bad question. C", "a bad guess: C",
                                   "it should be C"])
def test_a_word_spelled_with_option_letters_is_a_word(reply: str) -> None:
    """"bad", "dad", "add" and "cab" to A-D (and "be" to A-E) are English, no options."""
    options = [*FOUR, "v"] if "be" in reply.split() else FOUR
    assert _question(options, "C").judge(reply) is True


@pytest.mark.parametrize("reply", ["good idea, C", "C, face it", "head says C",
                                   "no idea, C I guess", "haha C", "hi, C"])
def test_a_word_spelled_with_the_letters_of_ten_options_is_a_word(reply: str) -> None:
    assert _question(TEN, "C").judge(reply) is True


@pytest.mark.parametrize(("reply", "answer"), [("bad", "ABD"), ("ace", "ACE"), ("ACE", "ACE"),
                                               ("I'd say ACE", "ACE"), ("选ace", "ACE"),
                                               ("BAD, I think", "ABD"), ("FACE", "ACEF"),
                                               ("C, ACE", "ACE")])
def test_a_word_alone_or_in_capitals_is_the_letters_typed(reply: str, answer: str) -> None:
    """A multiple-choice answer that spells a word ("ACE", "BAD") reads as its letters when
    it is the whole reply or written in capitals."""
    assert _question(TEN, answer, QuestionKind.MULTIPLE).judge(reply) is True


@pytest.mark.parametrize("reply", ["I think it's C", "C, I think", "I guess C",
                                   "I also think C", "I'd say C", "c i guess"])
def test_the_pronoun_is_no_option_among_ten(reply: str) -> None:
    assert _question(TEN, "C").judge(reply) is True


@pytest.mark.parametrize(("reply", "answer"), [("I", "I"), ("i", "I"), ("the answer is I", "I"),
                                               ("I and C", "CI"), ("C, I", "CI"),
                                               ("I is right", "I"), ("I C", "CI"),
                                               ("I because it's kind", "I")])
def test_the_letter_i_among_ten_is_option_i(reply: str, answer: str) -> None:
    """The letter I is option I where no word follows it that the pronoun goes with."""
    kind = QuestionKind.SINGLE if len(answer) == 1 else QuestionKind.MULTIPLE
    assert _question(TEN, answer, kind).judge(reply) is True


@pytest.mark.parametrize("reply", ["A final answer", "a final answer", "A Final answer.",
                                   "A. final answer", "A: final answer, I think"])
def test_a_letter_followed_by_its_options_text_is_that_option(reply: str) -> None:
    question = _question(["final answer", "first guess", "plan b"], "A")
    assert question.judge(reply) is True


@pytest.mark.parametrize("reply", ["C plan b", "C. plan b"])
def test_the_options_text_after_its_letter_names_no_other_option(reply: str) -> None:
    """「C plan b」 (option C's text is "plan b") names C alone, not B too."""
    assert _question(["final answer", "first guess", "plan b"], "C").judge(reply) is True


@pytest.mark.parametrize("reply", ["I have a question", "a final decision? not sure",
                                   "a first guess", "a final"])
def test_the_article_before_another_text_still_names_no_option(reply: str) -> None:
    """An "a" before what is not option A's text (all of it) is the article: no answer."""
    assert _question(["final answer", "first guess", "plan b"], "A").judge(reply) is None
