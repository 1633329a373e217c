"""Operator regular expressions (keyword rules, name-card patterns, group-topic bindings) on
RE2, whose matching time grows linearly with the text whatever the pattern: no pattern an
operator writes can stall the bot on a member's message.

RE2 has no backreferences and no lookarounds; a pattern that needs them is refused when the
config is loaded. Its `\\w`, `\\d` and `\\s` are ASCII-only, so they are rewritten to the
Unicode classes Python's `re` means by them (Chinese characters are word characters);
`\\b` and `\\B` cannot be rewritten: in a pattern about Chinese text (non-ASCII letters,
`\\w` or `\\p{...}`) they draw a warning from `groupbot check`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Protocol

import re2

from bot.text import simplified

WORD = r"\p{L}\p{N}_"
SPACE = r"\s\p{Z}"
_OUTSIDE = {"d": r"\p{Nd}", "D": r"\P{Nd}", "w": f"[{WORD}]", "W": f"[^{WORD}]",
            "s": f"[{SPACE}]", "S": f"[^{SPACE}]", "Z": r"\z"}
_INSIDE = {"d": r"\p{Nd}", "D": r"\P{Nd}", "w": WORD, "s": SPACE}
_ASCII_ONLY = {
    "b": "\\b is ASCII-only in RE2: next to a Chinese character it finds a word boundary "
         "that Python's re would not (match Chinese by plain text instead)",
    "B": "\\B is ASCII-only in RE2: between Chinese characters it never matches",
    "W": "\\W inside [...] is ASCII-only in RE2: it matches every Chinese character",
    "S": "\\S inside [...] is ASCII-only in RE2: it matches full-width spaces",
}


class Match(Protocol):
    def start(self) -> int: ...

    def group(self) -> str: ...


class Compiled(Protocol):
    def search(self, text: str) -> Match | None: ...

    def fullmatch(self, text: str) -> Match | None: ...


def _options() -> Any:
    options = re2.Options()
    options.case_sensitive = False  # operators' patterns ignore case, as the texts do
    options.log_errors = False
    return options


def _engine(source: str) -> Compiled:
    """Compile RE2 syntax; ValueError with the reason in an operator's words."""
    try:
        compiled: Compiled = re2.compile(source, _options())
    except re2.error as exc:
        raise ValueError(_reason(exc)) from None
    return compiled


def _reason(exc: Exception) -> str:
    raw = exc.args[0] if exc.args else exc
    reason = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    if reason.startswith("invalid escape sequence: \\") and reason[-1:].isdigit():
        return f"backreferences ({reason.rsplit(' ', 1)[-1]}) are not supported: " \
               "they cannot run in linear time"
    if reason == "invalid perl operator: (?P":
        return "named backreferences ((?P=name)) are not supported: they cannot run in " \
               "linear time"
    if reason.startswith("invalid perl operator: (?=") or reason.startswith(
            "invalid perl operator: (?!") or reason.startswith("invalid perl operator: (?<"):
        return f"lookarounds ({reason.rsplit(' ', 1)[-1]}...) are not supported: " \
               "they cannot run in linear time"
    return reason


def translate(source: str) -> tuple[str, tuple[str, ...]]:
    """The pattern in RE2 syntax with Python's Unicode meaning of \\w, \\d, \\s (and \\Z),
    and a warning for each construct whose meaning still differs."""
    out: list[str] = []
    warnings: list[str] = []
    in_class = False
    i = 0
    while i < len(source):
        char = source[i]
        if char == "\\" and i + 1 < len(source):
            escaped = source[i + 1]
            if escaped in ("WS" if in_class else "bB"):
                warnings.append(_ASCII_ONLY[escaped])
            table = _INSIDE if in_class else _OUTSIDE
            out.append(table.get(escaped, source[i:i + 2]))
            i += 2
            continue
        if in_class and source.startswith("[:", i):  # a POSIX class like [:alpha:]
            end = source.find(":]", i + 2)
            end = len(source) if end < 0 else end + 2
            out.append(source[i:end])
            i = end
            continue
        if char == "[" and not in_class:
            in_class = True
            start = i + 1
            if source.startswith("^", start):
                start += 1
            if source.startswith("]", start):  # a leading ] is a literal
                start += 1
            out.append(source[i:start])
            i = start
            continue
        if char == "]" and in_class:
            in_class = False
        out.append(char)
        i += 1
    if source.isascii() and not any(c in source for c in ("\\w", "\\p", "\\W", "\\P")):
        # an ASCII pattern's \b works on the ASCII words it names, as in Python's re
        warnings = [w for w in warnings if w not in (_ASCII_ONLY["b"], _ASCII_ONLY["B"])]
    return "".join(out), tuple(dict.fromkeys(warnings))


# the marks an operator's pattern is shown between: the first pair it can stand between
_QUOTES = (("'", "'"), ('"', '"'), ("`", "`"), ("「", "」"))


def as_written(source: str) -> str:
    """An operator's pattern quoted as they wrote it: `'(a)\\1'`, where Python's quoting
    doubles each backslash (`'(a)\\\\1'`) and the pattern reads as another. None of its
    characters is escaped, so that `it\\'s "ok"` (both quotes, one after a backslash) is
    not shown as `'it\\\\'s "ok"'`: it stands between marks it does not hold (`_fits`). What
    cannot be shown on one line alone (a newline, a control or format character) is
    escaped."""
    opening, closing = next((pair for pair in _QUOTES if _fits(pair, source)), _QUOTES[-1])
    return opening + "".join(c if c.isprintable() else repr(c)[1:-1] for c in source) \
        + closing


def _fits(marks: tuple[str, str], source: str) -> bool:
    """Whether a pattern between these marks reads back as it is: it holds neither, nor
    ends in a backslash before a quote that one would take for an escaped one (`'a\\'`)."""
    opening, closing = marks
    return opening not in source and closing not in source and not (
        closing.isascii() and source.endswith("\\"))


class Pattern(str):
    """A checked operator pattern: the text as written, matched by RE2 (ignoring case).

    `warnings` says where RE2 would read the pattern differently from Python's re.
    """

    compiled: Compiled
    engine_source: str
    warnings: tuple[str, ...]

    def __new__(cls, source: str) -> Pattern:
        self = super().__new__(cls, source)
        self.engine_source, self.warnings = translate(source)
        try:
            self.compiled = _engine(self.engine_source)
        except ValueError as exc:
            try:
                re.compile(source)
            except re.error as python_error:
                raise ValueError(f"invalid regular expression {as_written(source)}: "
                                 f"{python_error}") from None
            raise ValueError(f"regular expression {as_written(source)} cannot run on RE2 "
                             f"(the linear-time engine): {exc}") from None
        return self

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return Pattern, (str(self),)

    @property
    def pattern(self) -> str:
        return str(self)

    def search(self, text: str) -> Match | None:
        return self.compiled.search(text)

    def fullmatch(self, text: str) -> Match | None:
        return self.compiled.fullmatch(text)


def as_normalized(pattern: Pattern) -> Pattern:
    """`pattern` as it reads a normalized text (bot/text.py normalize, which makes traditional
    Chinese characters simplified): its own made simplified too, so that 「簽到|打卡」 written
    by an operator still matches 「簽到」 a member writes (it is 「签到」 by then). Most patterns
    hold none and are returned as they are."""
    source = simplified(pattern)
    return pattern if source == pattern else Pattern(source)


SET_MEMORY = 64 << 20
"""RE2's memory for one set of patterns (a keywords handler's regex rules): room for a few
thousand patterns."""


class PatternSet:
    """Which of many patterns occur in a text, found in one pass (RE2's Set): the cost of a
    message hardly grows with the number of patterns."""

    def __init__(self, patterns: Sequence[Pattern]) -> None:
        options = _options()
        options.max_mem = SET_MEMORY
        self._set = re2.Set.SearchSet(options)
        try:
            for pattern in patterns:
                self._set.Add(pattern.engine_source)
            self._set.Compile()
        except re2.error:
            raise ValueError(f"{len(patterns)} regular expressions are too many for one "
                             "handler: merge or drop some") from None

    def matching(self, text: str) -> list[int]:
        """The positions (in the list given) of the patterns found in `text`."""
        found: list[int] = self._set.Match(text) or []
        return found
