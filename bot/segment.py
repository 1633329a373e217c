"""Chinese word segmentation: jieba's dictionary and jieba's own algorithm without its HMM
(the words of the dictionary that start at each character, then the most probable route
through them), kept in 8 MB instead of jieba's 80.

jieba keeps its 349,000 words and every prefix of them in a dict of Python strings (about
60 MB, plus 20 MB to import it). Here each word and prefix (498,000 of them) is only a
63-bit number computed from its UTF-8 bytes (the same in every process, unlike Python's
string hashes) in one sorted array, with its frequency in another (prefixes 0), looked up by
bisection within a bucket of about 8; the result is the same segmentation as
`jieba.cut(text, HMM=False)` (tests/test_segment.py compares them), unless a string looked
up shares its number with a word (about one chance in 10^13 per look-up). The dictionary
file is jieba's, read without importing jieba (a few seconds of CPU); the arrays are kept
in a cache file ($XDG_CACHE_HOME or ~/.cache, groupbot/segment.arrays, 8 MB), which every
later process loads as they are, without hashing a string or importing numpy, in a few
hundredths of a second of CPU (0.7 s when each process hashed every string anew).

Used by the banned-word matcher (bot/banned.py: is a hit a whole word?) and the FAQ
retrieval (bot/retrieval.py).
"""

from __future__ import annotations

import bisect
import contextlib
import hashlib
import importlib.util
import os
import re
import sys
import tempfile
import threading
from array import array
from collections.abc import Iterator
from functools import lru_cache
from itertools import compress
from math import inf, log
from pathlib import Path

# jieba's: the runs segmented with the dictionary, what separates them, what is glued
_HAN = re.compile(r"([\u4E00-\u9FD5a-zA-Z0-9+#&\._%\-]+)")
_SKIP = re.compile(r"(\r\n|\s)")
_ENG = re.compile(r"[a-zA-Z0-9]")


# _key's modulus, the largest prime below 2**63 (a key fits a signed 64-bit integer), and
# multiplier, about the modulus / the golden ratio (short strings are small numbers: their
# multiples are spread evenly below the modulus)
_PRIME = 2**63 - 25
_MULTIPLIER = 0x4F1BBCDCBFA53E11
# The keys' buckets: by their top 16 bits
_BITS = 16
_SHIFT = 63 - _BITS


def _key(text: str) -> int:
    """The 63-bit number a string is kept as, the same in every process (Python's own string
    hashes change with each): its UTF-8 bytes as one big number, times a constant, plus its
    length (so "\\0中" is not 中), modulo a prime."""
    return (int.from_bytes(text.encode("utf-8", "surrogatepass"), "big") * _MULTIPLIER
            + len(text)) % _PRIME


class Dictionary:
    """jieba's dictionary as two arrays: the keys (`_key`) of the words and of their prefixes,
    sorted, and the frequency of each (0 for a prefix that is no word); and where in them
    each bucket of keys starts (the keys are spread evenly below 2**63: those whose top 16
    bits are b are keys[starts[b]:starts[b + 1]], about 8)."""

    def __init__(self, keys: array[int], freqs: array[int], starts: array[int],
                 total: int) -> None:
        """From the sorted keys of every word and prefix (each once), the frequency of each
        (0 for a prefix that is no word), the buckets' starts and the sum of the file's
        frequencies (jieba's total: a word listed twice counted twice)."""
        self.total = total
        self._keys = keys
        self._freqs = freqs
        self._starts = starts

    @classmethod
    def of(cls, entries: dict[str, int], total: int) -> Dictionary:
        """From every word and prefix and its frequency. Two texts with one key (about one
        chance in 10^8 for the whole dictionary) are kept as one: a word rather than a
        prefix."""
        keys = list(map(_key, entries))
        freqs = entries.values()
        pairs = dict(zip(keys, freqs, strict=True))
        pairs.update(compress(zip(keys, freqs, strict=True), freqs))  # the words win
        order = sorted(pairs)
        starts = [bisect.bisect_left(order, bucket << _SHIFT) for bucket in range(1 << _BITS)]
        return cls(array("q", order), array("q", map(pairs.__getitem__, order)),
                   array("q", [*starts, len(order)]), total)

    def freq(self, text: str) -> int | None:
        """A word's frequency, 0 for a prefix of words that is no word, None otherwise."""
        key = _key(text)
        bucket = key >> _SHIFT
        end = self._starts[bucket + 1]
        i = bisect.bisect_left(self._keys, key, self._starts[bucket], end)
        return self._freqs[i] if i < end and self._keys[i] == key else None

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


def _read(path: Path) -> Dictionary:
    """Every word of jieba's dictionary file and every prefix of one, each once, with its
    frequency (a word listed twice keeps its last, as jieba does; a prefix that is no word
    0), and the sum of the file's frequencies."""
    words: list[str] = []
    freqs: list[int] = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            word, freq = line.strip().split(" ")[:2]
            words.append(word)
            freqs.append(int(freq))
    entries: dict[str, int] = {}
    longest = sorted(words, key=len, reverse=True)
    longer = len(longest)  # longest[:longer] are the words longer than n
    for n in range(1, len(longest[0])):
        while len(longest[longer - 1]) <= n:
            longer -= 1
        entries.update(dict.fromkeys([word[:n] for word in longest[:longer]], 0))
    entries.update(zip(words, freqs, strict=True))
    return Dictionary.of(entries, sum(freqs))


# The cache of `_read`'s result: this header, the hash of the dictionary file it was read
# from, the hash of the payload, the payload: the total (8 bytes), then the arrays of keys,
# frequencies and bucket starts (their lengths known from the keys': 8 bytes each), as they
# are in memory (so the header names the byte order). Loading it hashes no string. (Older
# versions kept the strings in segment.marshal: a file of another name, so that two
# versions sharing a cache directory do not replace each other's.)
_HEADER = (f"groupbot segment 2 python {sys.version} {sys.byteorder} "
           f"buckets {_BITS}\n").encode()
_DIGEST = 32
_STARTS = ((1 << _BITS) + 1) * 8


def _digest(data: bytes | memoryview) -> bytes:
    return hashlib.blake2b(data, digest_size=_DIGEST).digest()


def _payload(words: Dictionary) -> bytes:
    return b"".join((words.total.to_bytes(8, sys.byteorder), words._keys.tobytes(),
                     words._freqs.tobytes(), words._starts.tobytes()))


def _loaded_from(payload: memoryview) -> Dictionary:
    """The dictionary `_payload` wrote (ValueError if the payload is no such thing)."""
    size = (len(payload) - 8 - _STARTS) // 2
    if size < 0 or size % 8 or len(payload) != 8 + 2 * size + _STARTS:
        raise ValueError("not a dictionary's payload")
    keys, freqs, starts = array("q"), array("q"), array("q")
    keys.frombytes(payload[8:8 + size])
    freqs.frombytes(payload[8 + size:8 + 2 * size])
    starts.frombytes(payload[8 + 2 * size:])
    return Dictionary(keys, freqs, starts, int.from_bytes(payload[:8], sys.byteorder))


def load(path: Path, cache: Path) -> Dictionary:
    """The dictionary in file `path`, from `cache` when that holds it (a few hundredths of
    a second of CPU, against seconds to read the file); otherwise read, and written to `cache`
    for the next process. A cache file of another dictionary file, version or Python, or
    damaged, is read again and replaced; one that cannot be written is left (the dictionary
    is still returned)."""
    source = _digest(path.read_bytes())
    start = len(_HEADER) + 2 * _DIGEST
    try:
        data = memoryview(cache.read_bytes())
        if data[:start - _DIGEST] == _HEADER + source and _digest(
                data[start:]) == data[start - _DIGEST:start]:
            return _loaded_from(data[start:])
    except (OSError, ValueError):
        pass
    read = _read(path)
    payload = _payload(read)
    with contextlib.suppress(OSError):
        write_whole(cache, _HEADER + source + _digest(payload) + payload)
    return read


def write_whole(cache: Path, data: bytes) -> None:
    """Write `data` to `cache` whole or not at all (other processes may be reading or
    writing it at the same time)."""
    cache.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=cache.parent, prefix=cache.name)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, cache)
    except BaseException:
        os.unlink(temporary)
        raise


def cache_path(name: str = "segment.arrays") -> Path:
    """Where a cache file for the next process is kept: groupbot/NAME in $XDG_CACHE_HOME,
    by default ~/.cache (the dictionary's; bot/banned.py's pinyin.json)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "groupbot" / name


_lock = threading.Lock()
_loaded: list[Dictionary] = []


def dictionary() -> Dictionary:
    """The process's one dictionary, read on first use (FAQ indexes are built in worker
    threads: one of them reads it)."""
    with _lock:
        if not _loaded:
            spec = importlib.util.find_spec("jieba")
            assert spec is not None and spec.submodule_search_locations, "jieba is installed"
            _loaded.append(load(Path(spec.submodule_search_locations[0]) / "dict.txt",
                                cache_path()))
        return _loaded[0]


# ---------------------------------------------------------------- is a hit a word?

_WINDOW = 8  # characters of context either side of a Chinese hit for segmentation

# How much likelier (a factor) the best segmentation that keeps a hit whole must be than the
# best one with a word across an end of it. Chosen on tests/corpus/moderation.yaml, where
# the innocent sentences' hits are at most about as likely whole as crossed (景色|情调:
# 1.04x) and the real ones at least 50x.
_CONFIDENCE = log(10)


@lru_cache(maxsize=4096)
def _margin(window: str, start: int, end: int, exact: bool = False) -> float:
    """log(P(best segmentation keeping window[start:end] whole) / P(best with a word across
    start or end)), by jieba's dictionary and its word probabilities (cached: spam repeats
    itself). Keeping it whole: no word crosses either end, or one word holds all of it
    (色情片 holds 色情; not when `exact`: 不要脸 crosses 不要). Infinite when no dictionary
    word can cross an end."""
    words_of = dictionary()
    log_total = log(words_of.total)
    n = len(window)
    words = [(i, j + 1, log(words_of.freq(window[i:j + 1]) or 1) - log_total)
             for i, ends in enumerate(words_of.dag(window)) for j in ends]

    def crosses(i: int, j: int) -> bool:
        return (i < start < j or i < end < j) and (exact or not (i <= start and end <= j))

    def best_to(allowed: list[tuple[int, int, float]]) -> list[float]:
        best = [0.0] + [-inf] * n  # best[k]: the likeliest segmentation of window[:k]
        for i, j, weight in allowed:  # ordered by start, so best[i] is final here
            best[j] = max(best[j], best[i] + weight)
        return best

    forward = best_to(words)
    backward = [-inf] * n + [0.0]  # backward[k]: the likeliest segmentation of window[k:]
    for i, j, weight in reversed(words):  # by start, last first: backward[j] is final here
        backward[i] = max(backward[i], weight + backward[j])
    crossed = max((forward[i] + weight + backward[j] for i, j, weight in words if crosses(i, j)),
                  default=-inf)
    whole = best_to([word for word in words if not crosses(word[0], word[1])])[n]
    return whole - crossed


def whole_word(form: str, start: int, end: int, exact: bool = False,
               starts: list[int] | None = None) -> bool:
    """Word segmentation of the text around form[start:end] keeps it whole, and confidently:
    a reading with a word across an end of it is far less likely (平台|独家 crosses 台独;
    风景|色情|调 barely beats 风|景色|情调). `exact`: a word of its own, not inside a longer
    one. Only `_WINDOW` characters either side are segmented, and with `starts` (where each
    run of the text's kept characters starts), of a word inside one run, not past that run:
    a space or a comma the form dropped ends a word written whole (援交 加我, 援交，加微信:
    not 援|交加); one written in pieces (本 平 台 独 家) is read across them."""
    lo, hi = max(0, start - _WINDOW), min(len(form), end + _WINDOW)
    if starts and (run := bisect.bisect_right(starts, start)) == \
            bisect.bisect_right(starts, end - 1):  # (a word spelled out in pieces, 色 情,
        lo = max(lo, starts[run - 1])  # is read with what is around it, as before)
        hi = min(hi, starts[run] if run < len(starts) else len(form))
    return _margin(form[lo:hi], start - lo, end - lo, exact) > _CONFIDENCE
