"""bot/segment.py segments exactly as jieba does without its HMM (the banned-word boundaries
and the FAQ retrieval depend on it), from jieba's own dictionary, in a fraction of the
memory."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from harness import read_yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.banned import skeleton
from bot.segment import dictionary
from bot.text import normalize

if TYPE_CHECKING:  # imported where used: 0.25 s of CPU a worker that runs none of these
    import jieba

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def tokenizer() -> jieba.Tokenizer:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    found = jieba.Tokenizer()
    found.initialize()
    return found


def _texts() -> list[str]:
    """The moderation corpora, as written and as the matchers see them, and the FAQ's and
    the other shipped content's lines and questions."""
    texts = []
    for corpus in ("moderation", "heldout"):
        cases = read_yaml(ROOT / "tests" / "corpus" / f"{corpus}.yaml")["cases"]
        texts += [form for text in _strings(cases)
                  for form in (text, skeleton(text)[0], normalize(text))]
    texts += [line for path in sorted((ROOT / "content").rglob("*")) if path.is_file()
              for line in path.read_text(encoding="utf-8").splitlines()]
    evaluation = read_yaml(ROOT / "tests" / "faq" / "evaluation.yaml")
    texts += [str(item) for item in _strings(evaluation)]
    return texts


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def test_every_shipped_and_corpus_text_is_cut_as_jieba_cuts_it(
        tokenizer: jieba.Tokenizer) -> None:
    words = dictionary()
    texts = _texts()
    assert len(texts) > 1000
    for text in dict.fromkeys(texts):  # each once: most are their own skeleton and normal form
        assert list(words.cut(text)) == tokenizer.lcut(text, HMM=False), text
        assert list(words.cut_for_search(text)) == list(
            tokenizer.cut_for_search(text, HMM=False)), text


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("台独平家援交流支中国科学院日本京都大学色情片"
                                             "一下小明 abc123.#-\n")), max_size=30))
def test_any_mix_of_words_letters_and_spaces_is_cut_as_jieba_cuts_it(
        tokenizer: jieba.Tokenizer, text: str) -> None:
    assert list(dictionary().cut(text)) == tokenizer.lcut(text, HMM=False)
