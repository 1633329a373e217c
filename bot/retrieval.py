"""Find the FAQ entry a question is about: BM25 over Chinese segmented into words.

Each entry is one document (its answer and the example questions the operator gave); a
question is segmented the same way and scored against every document with BM25 (Okapi,
rank-bm25). The best score is the confidence the faq handler compares with its threshold.
The example questions are also matched as they are (`Examples`): a message that is one of
them is that entry's whatever it scores, since a short question of common words ("怎么收费")
may score under any useful threshold.

Segmentation is jieba's, on the normalized text (bot/text.py): full-width folded, lower
case. Search-mode segmentation also yields the shorter words inside long ones ("报名流程"
gives 报名, 流程, 报名流程), so a paraphrase that uses only part of a compound still
matches. Punctuation, digits alone and a short list of function words are dropped: they say
nothing about which entry a question is about. The segmenter's dictionary (a tenth of a
second of CPU to load from its cache) is the one bot/banned.py loads; `Index.build` is meant
to run in a worker thread.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from bot.segment import dictionary
from bot.text import normalize, strip_mentions

# Words in almost every question or chat line: kept out of the scores.
STOPWORDS = frozenset(" ".join((
    "的 了 吗 呢 吧 啊 呀 哦 嘛 么 是 在 有 我 你 他 她 我们 你们",
    "大家 这 那 这个 那个 请问 请 问 一下 想 要 会 能 可以 可 什么",
    "怎么 怎么样 怎样 如何 多少 哪些 哪 谁 和 与 或 就 都 也 还 又 再",
    "很 太 好 没 没有 不 不是 一个 个 些 给 让 被 把 到 从 对 上 下",
    "里 中 多 少 大 做 者 该 干 啦 哈 哈哈 嗯 ok the a an",
    "is are do i you how what",
)).split())
_WORDLIKE = re.compile(r"[a-z]+|[\u3400-\u9fff\uf900-\ufaff]+")
_NOT_WORD = re.compile(r"[\W_]+")
INSIDE = 3  # characters an example question needs to be found inside a longer message
# One word in common with the best entry is thin evidence: it answers only a question of at
# most this many words, and never if it is a single character. "怎么退出这个群" shares only
# 群 with the sign-up entry (which says 群 three times), "公司下周有消防培训" only 培训:
# group chat says 群 about anything; "提现要等几天" and "培训几天" are still the FAQ's.
LONE_WORD_OF = 3
# Characters of a question that are segmented and scored: a question is a line or two, and
# jieba over a pasted wall of text (20,000 characters: over a second) gains BM25 nothing.
QUESTION_LIMIT = 500


@lru_cache(maxsize=4096)
def words(text: str) -> tuple[str, ...]:
    """The words of `text` that count for retrieval, in order (repeats kept)."""
    kept = []
    for token in dictionary().cut_for_search(normalize(strip_mentions(text))):
        if _WORDLIKE.fullmatch(token) and token not in STOPWORDS:
            kept.append(token)
    return tuple(kept)


def whole_words(text: str) -> frozenset[str]:
    """The words jieba sees in `text`, without the shorter ones inside them: "人工智能" is
    one word, so a hand-off word "人工" does not match it."""
    return frozenset(dictionary().cut(normalize(strip_mentions(text))))


@dataclass(frozen=True, slots=True)
class Hit:
    entry: int  # the index of the best document
    score: float


@cache
def _okapi() -> type[Any]:
    """Okapi BM25 with Lucene's IDF, ln(1 + (N - n + 0.5) / (n + 0.5)): never negative or
    zero, so a word in half of a handful of entries still counts a little (rank-bm25's own
    IDF is 0 there, and negative above half, floored to a constant). rank-bm25 is imported
    here, with the first index: it imports numpy, which only a process with an FAQ needs."""
    from rank_bm25 import BM25Okapi

    class LuceneBM25(BM25Okapi):  # type: ignore[misc]
        def _calc_idf(self, nd: dict[str, int]) -> None:
            for word, freq in nd.items():
                self.idf[word] = math.log(1 + (self.corpus_size - freq + 0.5) / (freq + 0.5))

    return LuceneBM25


class Index:
    """BM25 over a fixed list of documents; built in a worker thread (it segments them)."""

    def __init__(self, documents: Sequence[str]) -> None:
        segmented = [list(words(doc)) or [""] for doc in documents]
        self._bm25 = _okapi()(segmented)
        self._words = [frozenset(doc) for doc in segmented]
        self.size = len(documents)

    def best(self, question: str) -> Hit | None:
        """The best-scoring document for `question`; None if no word of it is indexed, or if
        the best shares a single word with it that cannot answer alone (LONE_WORD_OF).
        Only the first QUESTION_LIMIT characters are read."""
        query = words(question[:QUESTION_LIMIT])
        if not query or not self.size:
            return None
        scores = self._bm25.get_scores(list(query))
        entry = max(range(self.size), key=lambda i: (scores[i], -i))
        shared = self._words[entry].intersection(query)
        if len(shared) == 1 and (len(set(query)) > LONE_WORD_OF or len(min(shared)) < 2):
            return None
        return Hit(entry, float(scores[entry]))


def as_asked(text: str) -> str:
    """A question as compared with the example questions: normalized, without its mentions,
    spaces, punctuation or emoji ("@小助手 怎么收费？" -> "怎么收费")."""
    return _NOT_WORD.sub("", normalize(strip_mentions(text)))


class Examples:
    """The entries' example questions, matched as written (`as_asked`): a message that is one
    is its entry's (the first entry's, if two list it); a message that holds one of INSIDE
    characters or more with nothing else but filler around it ("请问你们怎么收费呢") is the
    entry of the longest such one. A longer question that holds one but asks something else
    ("我不是问怎么收费，我是问发票怎么开") is no entry's."""

    def __init__(self, questions: Sequence[Sequence[str]]) -> None:
        self._exact: dict[str, int] = {}
        for entry, listed in enumerate(questions):
            for question in listed:
                if key := as_asked(question):
                    self._exact.setdefault(key, entry)
        self._inside = sorted(((key, entry) for key, entry in self._exact.items()
                               if len(key) >= INSIDE), key=lambda item: -len(item[0]))

    def exact(self, text: str) -> int | None:
        """The entry that lists `text` as an example question."""
        return self._exact.get(as_asked(text))

    def inside(self, text: str, filler: Callable[[str], bool]) -> int | None:
        """The entry of the longest example question `text` holds where what is left around
        it (spaces in its place) is `filler` ("请问 呢"). `filler` may segment with jieba:
        call this from a worker thread."""
        asked = as_asked(text)
        return next((entry for key, entry in self._inside
                     if key in asked and filler(" ".join(asked.split(key)))), None)
