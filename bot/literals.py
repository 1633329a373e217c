"""Cheap first looks for matchers: the literal text a match cannot do without.

Most messages match no keyword rule, no trigger word and no sign-up word. `Literals` says in
one pass in C (Aho-Corasick) whether a normalized text holds any of some strings; a matcher
whose every pattern needs one of them skips its real work when none is there.

`needed(source)` works out such strings for a regular expression (as bot/regex.py's RE2 runs
it on normalized text, ignoring case): for `(要求|条件).{0,6}吗` one of 要求, 条件 (or 吗),
for `require(ment)?s?` "require". Only characters that case cannot change into others are
used (ASCII, looked for in lower case, and characters without case, such as Chinese), so
what it says is needed always is; a pattern it cannot read (RE2-only syntax) or that needs
no literal text (`.*`, `\\d+`) gives None: no first look, the engine always runs.
"""

from __future__ import annotations

import re
import sre_constants as c
import sre_parse
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

import ahocorasick

FEW = 64  # up to this many strings, one regex alternation of them scans faster


class Literals:
    """Whether a text contains any of some strings: a few through one alternation (Python's
    re finds where one may start by a scan for their first characters), many through one
    Aho-Corasick automaton."""

    def __init__(self, strings: Iterable[str]) -> None:
        words = set(strings) - {""}
        self._search: Callable[[str], object] | None = None
        if len(words) > FEW:
            automaton = ahocorasick.Automaton()
            for word in words:
                automaton.add_word(word, word)
            automaton.make_automaton()
            self._search = lambda text: next(automaton.iter(text), None)
        elif words:  # sorted: the same alternation whatever the order of the set
            ordered = sorted(words, key=lambda word: (-len(word), word))
            self._search = re.compile("|".join(map(re.escape, ordered))).search

    def any_in(self, text: str) -> bool:
        return self._search is not None and self._search(text) is not None


@lru_cache(maxsize=4096)  # a config's patterns are read again at each load of it
def needed(source: str) -> frozenset[str] | None:
    """Strings (lower case) one of which every match of the pattern contains; None if
    none is known."""
    if "[:" in source:
        return None  # RE2's [[:alpha:]] is a class; Python's re reads "[:" as characters
    try:
        parsed = sre_parse.parse(source)
    except (c.error, ValueError, RecursionError, OverflowError):
        return None
    return _sequence(parsed)


def _plain(char: str) -> bool:
    """A character that matching ignoring case finds only as itself (ASCII: as itself in
    lower case; normalized text has no Kelvin sign or long s to stand for k or s)."""
    return char.isascii() or char.lower() == char.upper() == char.casefold()


def _better(best: frozenset[str] | None, other: frozenset[str] | None) -> frozenset[str] | None:
    """The more telling of two alternatives: the one whose shortest string is longer."""
    if other is None or not other or "" in other:
        return best
    if best is None or min(map(len, other)) > min(map(len, best)):
        return other
    return best


def _sequence(items: Any) -> frozenset[str] | None:
    """What a concatenation needs: its best run of literal characters, or of a part it
    always contains (a group, an alternation whose every branch needs something, a
    repetition at least once, a small class of characters)."""
    best: frozenset[str] | None = None
    run: list[str] = []
    for op, arg in items:
        if op is c.LITERAL and isinstance(arg, int) and _plain(chr(arg)):
            run.append(chr(arg).lower())
            continue
        if run:
            best, run = _better(best, frozenset(["".join(run)])), []
        best = _better(best, _part(op, arg))
    if run:
        best = _better(best, frozenset(["".join(run)]))
    return best


def _part(op: Any, arg: Any) -> frozenset[str] | None:
    if op is c.SUBPATTERN and isinstance(arg, tuple):
        return _sequence(arg[-1])
    if op is c.BRANCH and isinstance(arg, tuple):
        found: set[str] = set()
        for branch in arg[1]:
            needs = _sequence(branch)
            if needs is None:
                return None  # this branch needs nothing: neither does the alternation
            found |= needs
        return frozenset(found)
    if op in (c.MAX_REPEAT, c.MIN_REPEAT) and isinstance(arg, tuple) and arg[0] >= 1:
        return _sequence(arg[2])
    if op is c.IN and isinstance(arg, list) and len(arg) <= 16 and all(
            kind is c.LITERAL and _plain(chr(code)) for kind, code in arg):
        return frozenset(chr(code).lower() for _, code in arg)
    return None
