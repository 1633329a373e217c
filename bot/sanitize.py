"""The one place member-supplied text (names, group names, words quoted back) is made safe to
put in a bot message: one line, no control or invisible formatting characters (right-to-left
overrides and the like), at most NAME_LIMIT characters.

Template.render cleans every value it fills in unless it is `Safe`: text the operator wrote
or the bot composed from values already cleaned. So a name like "bob\\n⚠️ 警告 (2/2)" stays
on the line where the template put it and cannot forge a line of the bot's own reply. Names
anyone can set are not repeated when they carry a link, a contact detail or a banned word of
the shipped lists (content/words: politics, vulgar, illegal; not the -review lists): a
group's (`{group}`, `group_name`) and a member's (`{member}`, `{members}` and every name
joined by `names`, `member_name`), so the bot never posts an ad, or a word a member would be
warned or removed for, for someone. Texts to the operators (reports, the console, a case)
show the real name, cleaned: they need to see it.

Before any of that, `storable` makes member-supplied text something both stores can keep and
the pattern engine can read: the events (bot/events.py), what the platform lists (members,
groups) and invitations apply it when made, so every adapter's text passes through it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

from bot.banned import BannedWords, Listed, Severity, list_lines
from bot.contacts import find_contacts, find_links
from bot.prefilter import Prefilter

NAME_LIMIT = 40
"""Longest member-supplied value shown (WeChat names and group names are shorter)."""

_KEEP = {"\u200d"}  # the zero-width joiner holds emoji sequences (👨‍👩‍👧) together
_DROP = {"Cc", "Cf", "Cs"}  # control, format (bidi overrides, zero-width), lone surrogates
_BREAKS = {"Zl", "Zp"}  # line and paragraph separators


UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
"""What neither store keeps: U+0000 (PostgreSQL's text refuses it) and UTF-16 surrogates
(what JSON's "\\ud83d" gives, half an emoji: not UTF-8, so SQLite and RE2 refuse it too)."""
unstorable = UNSTORABLE.search
"""Where in a text the first character `storable` changes is (a Match), or None."""


def storable(text: str) -> str:
    """`text` as the bot keeps member-supplied text: NUL characters dropped, a surrogate pair
    joined into its character and a lone surrogate replaced by U+FFFD (the replacement
    character, as a decoder shows what it could not read). Text with neither (nearly all)
    is returned as it is, after one regex search."""
    if unstorable(text) is None:
        return text
    return text.replace("\x00", "").encode("utf-16-le", "surrogatepass") \
        .decode("utf-16-le", "replace")


def make_storable(record: object, *fields: str) -> None:
    """`storable` on these text fields (str, None, or a tuple of str) of a frozen dataclass,
    in place, from its __post_init__: the events and what an adapter lists (a search of each
    text: every message pays it)."""
    for name in fields:
        value = getattr(record, name)
        if isinstance(value, str):
            if unstorable(value) is not None:
                object.__setattr__(record, name, storable(value))
        elif value and any(unstorable(item) is not None for item in value):
            object.__setattr__(record, name, tuple(storable(item) for item in value))


class Safe(str):
    """Text that goes into a template as it is: written by the operator, or composed by the
    bot from values that were cleaned already (a rendered line, a list of cleaned names)."""


def clean(value: object, limit: int = NAME_LIMIT) -> str:
    """`value` as one safe line of at most `limit` characters (Safe text is kept as it is)."""
    if isinstance(value, Safe):
        return value
    text = str(value)
    if text.isprintable():  # (most values) no character to drop, nor a space but " "
        line = " ".join(text.split())
        return line if len(line) <= limit else line[:limit - 1].rstrip() + "…"
    kept: list[str] = []
    for char in text:
        category = unicodedata.category(char)
        if char.isspace() or category in _BREAKS:
            kept.append(" ")
        elif category not in _DROP or char in _KEEP:
            kept.append(char)
    line = " ".join("".join(kept).split())
    return line if len(line) <= limit else line[:limit - 1].rstrip() + "…"


def visible(text: str) -> str:
    """`text` without what a screen acts on instead of showing (control characters but line
    breaks and tabs, bidi overrides, zero-width characters), its lines kept: member text on
    a console page, where an override would turn "\u202egnp.exe" into "exe.png"."""
    if text.isprintable():
        return text
    return "".join(char for char in text if char in "\n\t" or char in _KEEP
                   or unicodedata.category(char) not in _DROP)


def escaped(text: str, lines: bool = True) -> str:
    """`text` as a terminal or a log shows it without acting on it: each character a
    terminal would act on (control characters, bidi overrides, zero-width and other format
    characters, line and paragraph separators) written as its escape (`\\x1b`, `\\u202e`),
    the rest (spaces of every width included) as it is, however long. With `lines`, line
    breaks are kept (a refused reload lists one problem a line, a traceback is lines); without,
    `\\n` is written too, so the text stays on its one log line and cannot forge another."""
    if text.isprintable():  # (most texts) nothing to write otherwise
        return text
    return "".join(char if char.isprintable() or (lines and char == "\n")
                   or unicodedata.category(char) == "Zs" else repr(char)[1:-1]
                   for char in text)


GROUP_FALLBACK = "本群"
"""What `{group}` shows for a group name that carries a link, a contact detail or a banned
word."""
MEMBER_FALLBACK = "这位成员"
"""What a member name that carries a link, a contact detail or a banned word shows as in a
bot message."""

SHIPPED_WORDS = Path(__file__).resolve().parent.parent / "content" / "words"
"""The source tree's word lists (content/words: config/types/base.yaml's antispam `words`)."""
NAME_LISTS = ("politics.txt", "vulgar.txt", "illegal.txt")
"""The lists whose words a name is not repeated with: those a member is warned or removed
for (the -review lists hold words innocent chat uses too); allow.txt's phrases do not count."""

_texts: tuple[str, ...] | None = None  # NAME_LISTS' and allow.txt's (None: not yet read)


NameLists = tuple[str, ...]
"""The texts of NAME_LISTS and of allow.txt, as a load read them (Deployment.name_lists)."""


def name_lists(content_dir: Path) -> NameLists:
    """The word lists names are read with: the deployment's content directory's
    (words/NAME_LISTS and words/allow.txt): an installed bot has no source tree beside it.
    Where the directory holds none of them (a small deployment of a test or a trial), the
    source tree's, if there. Only reads: a config checked (`groupbot check`, the console's
    check, 校验配置) changes nothing until a bot starts or reloads with it."""
    for directory in (content_dir / "words", SHIPPED_WORDS):
        texts = _lists_in(directory)
        if any(texts[:-1]):
            break
    return texts


def any_names(lists: NameLists) -> bool:
    """False when there are no listed words at all: a name holding a banned word is then
    shown as written."""
    return any(lists[:-1])


def screen_names_with(lists: NameLists | None) -> None:
    """Names are read with `lists` from now on: as a bot starts or reloads with a config,
    and as a tool that shows names (the console, a report) starts with one. None (a
    deployment a test made, not loaded) changes nothing."""
    global _texts
    if lists is not None and lists != _texts:  # (a reload of the same lists changes nothing)
        _texts = lists
        _shown_as.cache_clear()


def _lists_in(directory: Path) -> tuple[str, ...]:
    def read(name: str) -> str:
        try:
            return (directory / name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):  # (the antispam config names what is wrong)
            return ""

    return tuple(read(name) for name in (*NAME_LISTS, "allow.txt"))


def _name_words() -> BannedWords:
    global _texts
    if _texts is None:  # (no config loaded: a tool or a test of its own)
        _texts = _lists_in(SHIPPED_WORDS)
    return _words_of(_texts)


@lru_cache(maxsize=2)
def _words_of(texts: tuple[str, ...]) -> BannedWords:
    """The words of NAME_LISTS, matched as antispam matches them (disguises, traditional
    characters), made when a name is first shown after the lists changed."""
    *lists, allow = texts
    return BannedWords((Listed(word, name, Severity.WARN, index)
                        for index, (name, text) in enumerate(zip(NAME_LISTS, lists,
                                                                 strict=True))
                        for word in list_lines(text)),
                       list_lines(allow))


def warm() -> None:
    """Make what reading a name needs (its listed words and their prefilter: some 50 to 130
    ms), as the bot starts: not on the loop when the first reply names a member."""
    Prefilter.of(_name_words())


def _banned(text: str) -> bool:
    """Whether a name holds a listed word (not merely its pinyin: "Tai Du" is a name)."""
    return any(not hit.pinyin for hit in _name_words().find(text))


def _shows_nothing(text: str) -> bool:
    """Whether a name holds no link, contact detail nor listed word: a few scans in C tell
    most Chinese names (bot/prefilter.py), the detectors read the others."""
    return Prefilter.of(_name_words()).clean(text) or not (
        find_links(text) or find_contacts(text) or _banned(text))


def _without_ads(value: object, fallback: str) -> Safe:
    """`value` cleaned, or `fallback` when it carries a link, a contact detail or a banned
    word."""
    return _shown_as(str(value), fallback)


@lru_cache(maxsize=4096)
def _shown_as(text: str, fallback: str) -> Safe:
    """_without_ads of a text, looked through once: the same names come back in reply
    after reply (a check-in's, a keyword's, a welcome's). A name that shows nothing once
    cleaned (only zero-width or control characters) is the fallback too."""
    shown = clean(text)
    visible = any(unicodedata.category(char)[0] not in "CZM" and char not in _BLANK
                  for char in shown)
    return Safe(shown if visible and _shows_nothing(text) else fallback)


# letters and symbols that draw nothing: WeChat's 「空白昵称」 are made of them (with spaces,
# zero-width characters and marks on their own, which their categories tell)
_BLANK = frozenset("ㅤ⠀ﾠᅟᅠ឴឵")


def group_name(topic: object) -> Safe:
    """A group's name as members see it in a bot message (`{group}` in every template).
    Any member can rename a WeChat group, so the name is member text: cleaned like a name,
    and a name carrying a link, a contact detail ("福利群 加V abc888", "evil.com 交流群") or
    a banned word is not repeated at all, "本群" stands for it, so the bot never posts an ad
    for someone."""
    return topic if isinstance(topic, Safe) else _without_ads(topic, GROUP_FALLBACK)


def other_group(topic: object, title: str) -> Safe:
    """Another group's name for `{group}` (where an invitation, a promotion, a move leads):
    as group_name shows it, but where that would not repeat the name, its type's `title`
    ("实习群"), not 本群, which names the group the message is read in."""
    return topic if isinstance(topic, Safe) else _without_ads(topic, clean(title) or
                                                              GROUP_FALLBACK)


def member_name(name: object) -> Safe:
    """A member's name as members see it in a bot message (`{member}`, `{members}`): cleaned,
    and a name carrying a link, a contact detail ("加V abc888 领福利", "evil.com 免费领") or
    a banned word of the shipped lists ("援交小妹") is not repeated, "这位成员" stands for it
    (the message still mentions the member)."""
    if isinstance(name, Names):
        return Safe(name.separator.join(member_name(part) for part in name.parts))
    return name if isinstance(name, Safe) else _without_ads(name, MEMBER_FALLBACK)


class Names(Safe):
    """Several member names joined for one placeholder, each cleaned. Shown as they are in
    a text to the operators; a template (a message to members) shows each by member_name."""

    parts: tuple[str, ...]
    separator: str


T = TypeVar("T")


def first_of(items: Sequence[T], shown: int, unit: str, show: Callable[[T], str]) -> str:
    """A long list on one line of a text: the first `shown` items (each as `show` writes it)
    joined with 、, then how many there are in all ("a、b 等 45 人")."""
    listed = "、".join(show(item) for item in items[:shown])
    return listed + (f" 等 {len(items)} {unit}" if len(items) > shown else "")


def more_than(count: int, shown: int, unit: str) -> list[str]:
    """The line after the first `shown` lines of a list of `count`: how many more there are
    (none when that is all of them)."""
    return [f"……另有 {count - shown} {unit}"] if count > shown else []


def names(values: Iterable[str], separator: str = "、") -> Names:
    """Several member names, each cleaned, joined for one placeholder."""
    parts = tuple(clean(value) for value in values)
    joined = Names(separator.join(parts))
    joined.parts, joined.separator = parts, separator
    return joined
