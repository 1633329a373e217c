"""The one place member-supplied text (names, group names, words quoted back) is made safe to
put in a bot message: one line, no control or invisible formatting characters (right-to-left
overrides and the like), at most NAME_LIMIT characters.

Template.render cleans every value it fills in unless it is `Safe`: text the operator wrote
or the bot composed from values already cleaned; a group's name (`{group}`) also loses a
link or contact detail it carries (`group_name`). So a name like "bob\\n⚠️ 警告 (2/2)" stays
on the line where the template put it and cannot forge a line of the bot's own reply.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from bot.contacts import find_contacts, find_links

NAME_LIMIT = 40
"""Longest member-supplied value shown (WeChat names and group names are shorter)."""

_KEEP = {"\u200d"}  # the zero-width joiner holds emoji sequences (👨‍👩‍👧) together
_DROP = {"Cc", "Cf", "Cs"}  # control, format (bidi overrides, zero-width), lone surrogates
_BREAKS = {"Zl", "Zp"}  # line and paragraph separators


class Safe(str):
    """Text that goes into a template as it is: written by the operator, or composed by the
    bot from values that were cleaned already (a rendered line, a list of cleaned names)."""


def clean(value: object, limit: int = NAME_LIMIT) -> str:
    """`value` as one safe line of at most `limit` characters (Safe text is kept as it is)."""
    if isinstance(value, Safe):
        return value
    text = str(value)
    kept: list[str] = []
    for char in text:
        category = unicodedata.category(char)
        if char.isspace() or category in _BREAKS:
            kept.append(" ")
        elif category not in _DROP or char in _KEEP:
            kept.append(char)
    line = " ".join("".join(kept).split())
    return line if len(line) <= limit else line[:limit - 1].rstrip() + "…"


GROUP_FALLBACK = "本群"
"""What `{group}` shows for a group name that carries a link or a contact detail."""


def group_name(topic: object) -> Safe:
    """A group's name as members see it in a bot message (`{group}` in every template).
    Any member can rename a WeChat group, so the name is member text: cleaned like a name,
    and a name carrying a link or a contact detail ("福利群 加V abc888", "evil.com 交流群")
    is not repeated at all, "本群" stands for it, so the bot never posts an ad for someone."""
    if isinstance(topic, Safe):
        return topic
    if find_links(str(topic)) or find_contacts(str(topic)):
        return Safe(GROUP_FALLBACK)
    return Safe(clean(topic))


def names(values: Iterable[str], separator: str = "、") -> Safe:
    """Several member names, each cleaned, joined for one placeholder."""
    return Safe(separator.join(clean(value) for value in values))
