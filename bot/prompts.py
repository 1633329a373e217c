"""What members may be asked to repeat in a group: the texts the bot queues there (a welcome's
「看完群规的请回复：已阅读并同意遵守群规」, a push, a keyword reply; bot/outbox.py records
them) and what admins and exempt members say there (handlers/antispam.py records those).
A text that is part of one of them said within the last hour is an answer, not a raid.

Kept in memory, one record per store (so per running bot, whichever handler or group type
asks, and across reloads), each text compared as the raid rule compares messages
(normalized, without spaces). A restart forgets them, as it forgets the flood and repeat
windows' pending messages: keeping them would cost a write for every text the bot sends, for
the few minutes after a restart in which members could still be answering a prompt made
before it.
"""

from __future__ import annotations

import weakref
from collections import deque
from datetime import datetime, timedelta

from bot.store import Store
from bot.text import normalize

KEPT = timedelta(hours=1)
PER_GROUP = 50  # the last texts kept per group (a busy group's bot says more in an hour)


def compact(text: str) -> str:
    """A text as the raid rule compares it: normalized, without any spaces."""
    return "".join(normalize(text).split())


class _Said:
    """A text said at `at`, compacted when first compared (most never are: the bot says far
    more than members raid, and normalizing a reply cost a third of queuing it)."""

    __slots__ = ("at", "compacted", "text")

    def __init__(self, at: datetime, text: str, compacted: str | None) -> None:
        self.at, self.text, self.compacted = at, text, compacted

    def holds(self, compacted: str) -> bool:
        if self.compacted is None:
            self.compacted = compact(self.text)
        return compacted in self.compacted


class Prompts:
    def __init__(self) -> None:
        self._said: dict[str, deque[_Said]] = {}

    def add(self, group: str, at: datetime, text: str, compacted: str | None = None) -> None:
        """`text` was said in `group` at `at` (`compacted`: as `compact` makes it, when the
        caller has it already)."""
        said = self._said.get(group)
        if said is None:
            said = self._said[group] = deque(maxlen=PER_GROUP)
        since = at - KEPT
        while said and said[0].at <= since:
            said.popleft()
        said.append(_Said(at, text, compacted))

    def asked_for(self, group: str, at: datetime, compacted: str) -> bool:
        """`compacted` (said at `at`) is part of a text said in `group` in the hour before
        (or since: the platform's clock may be a little behind the bot's)."""
        since = at - KEPT
        return any(said.at > since and said.holds(compacted)
                   for said in self._said.get(group, ()))


_PROMPTS: weakref.WeakKeyDictionary[Store, Prompts] = weakref.WeakKeyDictionary()


def of(store: Store) -> Prompts:
    """The store's record: one per store."""
    prompts = _PROMPTS.get(store)
    if prompts is None:
        prompts = _PROMPTS[store] = Prompts()
    return prompts


def bot_said(store: Store, group: str, at: datetime, text: str) -> None:
    """The bot queued `text` to `group` at `at`."""
    of(store).add(group, at, text)
