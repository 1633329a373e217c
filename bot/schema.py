"""Every component's migrations in one map: the core's come with the store backend, then
the roster's index (bot/roster.py), moderation's (bot/moderation.py), the outbox's, the
send governor's (bot/governor.py), the activity history's (bot/activity.py), the web
console's secret (bot/web/links.py), the broadcasts' and moves' (bot/bulk.py), the
accounts' leases and handed commands (bot/leases.py, bot/commands.py), who is whose friend
and the invitations waiting for a join (bot/friendships.py, bot/invitations.py), which
platform the database serves (bot/platforms.py), which processes serve it
(bot/instance.py) and each registered handler's own tables. A store opened with it has
every table, so no module asks whether another's table exists."""

from __future__ import annotations

from collections.abc import Sequence

from bot import (
    activity,
    bindings,
    bulk,
    commands,
    friendships,
    governor,
    instance,
    invitations,
    leases,
    moderation,
    outbox,
    platforms,
    receipts,
    roster,
)
from bot.handler import Registry
from bot.web import links


def migrations(registry: Registry) -> dict[str, Sequence[str]]:
    found: dict[str, Sequence[str]] = {"roster": roster.MIGRATIONS,
                                       "moderation": moderation.MIGRATIONS,
                                       "outbox": outbox.MIGRATIONS,
                                       "receipts": receipts.MIGRATIONS,
                                       "governor": governor.MIGRATIONS,
                                       "bindings": bindings.MIGRATIONS,
                                       "activity": activity.MIGRATIONS, "web": links.MIGRATIONS,
                                       "bulk": bulk.MIGRATIONS, "leases": leases.MIGRATIONS,
                                       "commands": commands.MIGRATIONS,
                                       "friendships": friendships.MIGRATIONS,
                                       "invitations": invitations.MIGRATIONS,
                                       "platforms": platforms.MIGRATIONS,
                                       "instances": instance.MIGRATIONS}
    found |= {name: cls.migrations for name, cls in registry.items() if cls.migrations}
    return found
