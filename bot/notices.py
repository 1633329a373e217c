"""Capped notices to the admins: what others' actions cause them to be told (a member's
rename, a stranger's invitation, a group not served) goes out at most once per window under
a key, the ones in between counted and named in the next. A member or a stranger repeating
the action cannot so spend the private-message budget that new friends' greetings and
private quizzes wait for (bot/renames.py, bot/admission.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot import state
from bot.store import Store
from bot.times import instant, later, stamp

SHOWN = 10  # names kept for the next notice (renamers, inviters, groups)


@dataclass(frozen=True, slots=True)
class Skipped:
    """The notices held back since the last one that went out."""

    count: int
    names: tuple[str, ...]  # up to SHOWN of them, in text order

    @property
    def shown(self) -> str:
        """The names, with '……' when some were left out."""
        return "、".join(self.names) + ("……" if self.count > len(self.names) else "")


async def due(store: Store, key: state.Key, now: datetime, every: timedelta, name: str,
              must: bool = False) -> Skipped | None:
    """None if a notice went out under `key` in the last `every` (this one is counted, and
    `name` kept for the next), unless it `must` go; else the notices held back before this
    one, which is counted as sent now."""
    last = await state.get(store, key) or {}
    if not must and "at" in last and instant(last["at"]) > later(now, -every):
        last["skipped"] = last.get("skipped", 0) + 1
        last["by"] = sorted({*last.get("by", ()), name})[:SHOWN]
        await state.put(store, key, last)
        return None
    await state.put(store, key, {"at": stamp(now)})
    return Skipped(last.get("skipped", 0), tuple(last.get("by", ())))
