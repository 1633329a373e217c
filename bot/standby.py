"""One event seen by several accounts, and what an account does in a group another account
serves (docs/scale.md, "Dedupe and takeover").

Two accounts in one group each receive every message there, under message ids of their own.
The cross-account key names the event whatever account saw it: its kind, group, who and what
(the sender and a hash of the text, the members who joined...), the platform's time to the
10-second bucket (WeChat stamps a message once, on its server), and which occurrence of that
within the bucket it is, counted per account in the order received (the same member posting
the same text twice in a few seconds is two events, for every account alike). The serving
account records the key among the seen events (bot/seen.py) when it handles the event, so the
event is handled once across accounts.

A standby account (in the group, not serving it) handles nothing there: it keeps what it sees
for `window` (1.5 x the takeover time). When it takes the group over, it hands what it kept
to the pipeline in order; the keys the old holder recorded drop what that one handled.
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Collection
from datetime import datetime, timedelta

from bot.events import Event, GroupRenamed, MemberJoined, MemberLeft, MemberRenamed, Message

BUCKET = 10  # seconds of platform time that make one bucket of the key


def _what(event: Event) -> tuple[object, ...] | None:
    match event:
        case Message():
            return ("message", event.sender.id, event.kind.value, event.text, event.url or "")
        case MemberJoined():
            return ("joined", *sorted(m.id for m in event.members))
        case MemberLeft():
            return ("left", *sorted(m.id for m in event.members))
        case MemberRenamed():
            return ("renamed", event.member.id, event.member.name)
        case GroupRenamed():
            return ("topic", event.topic)
    return None


class Standby:
    def __init__(self, window: timedelta) -> None:
        self.window = window
        # base key -> its occurrences, in the order received: the platform's id of each, or
        # for an event without one (a join, a leave, a rename) the event itself
        self._seen: dict[str, list[str | Event]] = {}
        self._order: deque[tuple[int, str]] = deque()  # (bucket, base key), to forget
        self._kept: deque[tuple[datetime, str | None, Event]] = deque()

    def key(self, event: Event) -> str | None:
        """The cross-account key of a group event; None for anything else. The same for an
        event fed again (the adapter feeds it again after a platform failure): by its
        platform id, or, without one, as the same object (kept for the bucket's life, so that
        no later event is taken for it)."""
        what = _what(event)
        if event.group is None or what is None:
            return None
        bucket = int(event.at.timestamp()) // BUCKET
        base = hashlib.sha256("\x1f".join(map(str, (event.group, bucket, *what))).encode()
                              ).hexdigest()[:32]
        self._forget(bucket)
        occurrences = self._seen.get(base)
        if occurrences is None:
            occurrences = self._seen[base] = []
            self._order.append((bucket, base))
        own: str | Event = getattr(event, "id", "") or event
        for n, occurrence in enumerate(occurrences):  # delivered or fed again: the same one
            if occurrence is own or (isinstance(own, str) and occurrence == own):
                return f"x:{base}:{n}"
        occurrences.append(own)
        return f"x:{base}:{len(occurrences) - 1}"

    def _forget(self, bucket: int) -> None:
        oldest = bucket - int(self.window.total_seconds()) // BUCKET - 2
        while self._order and self._order[0][0] < oldest:
            self._seen.pop(self._order.popleft()[1], None)

    def keep(self, key: str | None, event: Event, now: datetime) -> None:
        """An event of a group another account serves: kept for `window`."""
        self._kept.append((now, key, event))
        while self._kept and self._kept[0][0] < now - self.window:
            self._kept.popleft()

    def take(self, groups: Collection[str], now: datetime) -> list[tuple[str | None, Event]]:
        """What was kept of `groups` (taken over now), oldest first; forgotten here."""
        found, rest = [], deque[tuple[datetime, str | None, Event]]()
        for at, key, event in self._kept:
            if at < now - self.window:
                continue
            if event.group in groups:
                found.append((key, event))
            else:
                rest.append((at, key, event))
        self._kept = rest
        return found
