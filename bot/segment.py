"""Chinese word segmentation: jieba's dictionary and jieba's own algorithm without its HMM
(the words of the dictionary that start at each character, then the most probable route
through them), kept in 8 MB instead of jieba's 80.

jieba keeps its 349,000 words and every prefix of them in a dict of Python strings (about
60 MB, plus 20 MB to import it). Here each word and prefix is only its 64-bit hash in one
sorted array with its frequency in another (prefixes 0), looked up by bisection; the result
is the same segmentation as `jieba.cut(text, HMM=False)` (tests/test_segment.py compares
them), unless a string looked up shares its 64-bit hash with a word (about one chance in
10^13 per look-up). The dictionary file is
jieba's, read without importing jieba.

Used by the banned-word matcher (bot/banned.py: is a hit a whole word?) and the FAQ
retrieval (bot/retrieval.py).
"""

from __future__ import annotations

import bisect
import importlib.util
import re
import threading
from array import array
from collections.abc import Iterator
from math import log
from pathlib import Path

import numpy as np

# jieba's: the runs segmented with the dictionary, what separates them, what is glued
_HAN = re.compile(r"([\u4E00-\u9FD5a-zA-Z0-9+#&\._%\-]+)")
_SKIP = re.compile(r"(\r\n|\s)")
_ENG = re.compile(r"[a-zA-Z0-9]")


def _key(text: str) -> int:
    """The 64-bit hash a string is kept as. With its length: Python hashes a string's
    internal bytes, so "ph" (two 1-byte characters) hashes as 桰 (one 2-byte character)."""
    return hash((len(text), text))


class Dictionary:
    """jieba's dictionary as two sorted arrays: the hashes of the words and of their
    prefixes, and the frequency of each (0 for a prefix that is no word)."""

    def __init__(self, path: Path) -> None:
        words, freqs, prefixes = array("q"), array("q"), array("q")
        with path.open(encoding="utf-8") as lines:
            for line in lines:
                word, freq = line.strip().split(" ")[:2]
                words.append(_key(word))
                freqs.append(int(freq))
                prefixes.extend(_key(word[:n]) for n in range(1, len(word)))
        self.total = sum(freqs)
        # a word listed twice keeps its last frequency, as jieba does
        last = np.frombuffer(words, dtype=np.int64)[::-1]
        keys, first = np.unique(last, return_index=True)
        values = np.frombuffer(freqs, dtype=np.int64)[::-1][first]
        others = np.setdiff1d(np.frombuffer(prefixes, dtype=np.int64), keys)
        keys = np.concatenate([keys, others])
        values = np.concatenate([values, np.zeros(len(others), dtype=np.int64)])
        order = np.argsort(keys, kind="stable")
        self._keys = array("q", keys[order].tobytes())
        self._freqs = array("q", values[order].tobytes())

    def freq(self, text: str) -> int | None:
        """A word's frequency, 0 for a prefix of words that is no word, None otherwise."""
        key = _key(text)
        i = bisect.bisect_left(self._keys, key)
        return self._freqs[i] if i < len(self._keys) and self._keys[i] == key else None

    def dag(self, block: str) -> list[list[int]]:
        """The words of the dictionary starting at each character of `block` (jieba's
        get_DAG): dag[k] lists where they end (their last character; [k] when none is)."""
        n = len(block)
        dag: list[list[int]] = []
        for k in range(n):
            ends, i, frag = [], k, block[k]
            while i < n and (freq := self.freq(frag)) is not None:
                if freq:
                    ends.append(i)
                i += 1
                frag = block[k:i + 1]
            dag.append(ends or [k])
        return dag

    def _route(self, block: str) -> list[int]:
        """Where each word of the most probable segmentation of `block` ends (jieba's
        get_DAG and calc): route[i] is the last character of the word starting at i."""
        n = len(block)
        dag = self.dag(block)
        best: list[tuple[float, int]] = [(0.0, 0)] * (n + 1)
        logtotal = log(self.total)
        for k in range(n - 1, -1, -1):
            best[k] = max((log(self.freq(block[k:x + 1]) or 1) - logtotal + best[x + 1][0], x)
                          for x in dag[k])
        return [end for _, end in best[:n]]

    def _cut_block(self, block: str) -> Iterator[str]:
        route, x, glued = self._route(block), 0, ""
        while x < len(block):
            y = route[x] + 1
            word = block[x:y]
            if len(word) == 1 and _ENG.match(word):  # single letters and digits run together
                glued += word
            else:
                if glued:
                    yield glued
                    glued = ""
                yield word
            x = y
        if glued:
            yield glued

    def cut(self, text: str) -> Iterator[str]:
        """The words of `text`, as `jieba.cut(text, HMM=False)` gives them."""
        for block in _HAN.split(text):
            if not block:
                continue
            if _HAN.match(block):
                yield from self._cut_block(block)
                continue
            for piece in _SKIP.split(block):
                if _SKIP.match(piece):
                    yield piece
                else:
                    yield from piece

    def cut_for_search(self, text: str) -> Iterator[str]:
        """`cut`, and the dictionary's 2- and 3-character words inside longer words, as
        `jieba.cut_for_search(text, HMM=False)` gives them."""
        for word in self.cut(text):
            for size in (2, 3):
                if len(word) > size:
                    for i in range(len(word) - size + 1):
                        if self.freq(gram := word[i:i + size]):
                            yield gram
            yield word


_lock = threading.Lock()
_loaded: list[Dictionary] = []


def dictionary() -> Dictionary:
    """The process's one dictionary, read on first use (FAQ indexes are built in worker
    threads: one of them reads it)."""
    with _lock:
        if not _loaded:
            spec = importlib.util.find_spec("jieba")
            assert spec is not None and spec.submodule_search_locations, "jieba is installed"
            _loaded.append(Dictionary(Path(spec.submodule_search_locations[0]) / "dict.txt"))
        return _loaded[0]
