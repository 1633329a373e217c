"""Every component's migrations in one map: the core's come with the store backend, then
moderation's (bot/moderation.py), the outbox's and each registered handler's own tables. A
store opened with it has every table, so no module asks whether another's table exists."""

from __future__ import annotations

from collections.abc import Sequence

from bot import bindings, moderation, outbox
from bot.handler import Registry


def migrations(registry: Registry) -> dict[str, Sequence[str]]:
    found: dict[str, Sequence[str]] = {"moderation": moderation.MIGRATIONS,
                                       "outbox": outbox.MIGRATIONS,
                                       "bindings": bindings.MIGRATIONS}
    found |= {name: cls.migrations for name, cls in registry.items() if cls.migrations}
    return found
