"""Who is whose friend: which account may write to, and invite, which member (WeChat lets an
account do either only with its friends). Owner of the `friendships` and `account_ids`
tables. Operator view: docs/handlers/invite.md, "Several accounts".

Each process records what its own account learns, for the others to read when they decide
which account invites a member (bot/invitations.py):
- its contact list's friends, at each login (`replace`);
- a friend request it accepted, once WeChat took the acceptance (`add`);
- a private message it received (strangers cannot write privately), and a yes from the
  platform when asked (`add`).
A single account (no `accounts:` in bot.yaml) is recorded under the name ''.
`account_ids` keeps each account's own WeChat id and name: its contact card, and how texts
name it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from bot.store import Reader, Store
from bot.times import stamp

MIGRATIONS: Sequence[str] = (
    """
    CREATE TABLE friendships (account TEXT NOT NULL, contact TEXT NOT NULL, since TEXT NOT NULL,
                              PRIMARY KEY (account, contact));
    CREATE INDEX friendships_contact ON friendships (contact);
    CREATE TABLE account_ids (account TEXT PRIMARY KEY, contact TEXT NOT NULL,
                              name TEXT NOT NULL, at TEXT NOT NULL);
    """,
)


async def add(store: Store, account: str, contact: str, now: datetime) -> None:
    """`contact` is a friend of `account` (kept since the first time it was known)."""
    await store.execute("INSERT INTO friendships (account, contact, since) VALUES (?, ?, ?)"
                        " ON CONFLICT (account, contact) DO NOTHING",
                        (account, contact, stamp(now)))


async def replace(store: Store, account: str, contacts: Iterable[str], now: datetime,
                  unread: Iterable[str] = ()) -> None:
    """The account's friends are exactly `contacts` (its contact list, as WeChat gave it),
    but those `unread` (their details failed to load), which stay as recorded."""
    wanted = set(contacts)
    known = {row[0] for row in await store.all(
        "SELECT contact FROM friendships WHERE account = ?", (account,))}
    await store.executemany("DELETE FROM friendships WHERE account = ? AND contact = ?",
                            [(account, c) for c in sorted(known - wanted - set(unread))])
    await store.executemany("INSERT INTO friendships (account, contact, since) VALUES (?, ?, ?)",
                            [(account, c, stamp(now)) for c in sorted(wanted - known)])


async def is_friend(store: Reader, account: str, contact: str) -> bool:
    return await store.one("SELECT 1 FROM friendships WHERE account = ? AND contact = ?",
                           (account, contact)) is not None


async def accounts_of(store: Reader, contact: str) -> list[str]:
    """The accounts `contact` is known to be a friend of, by name."""
    return [row[0] for row in await store.all(
        "SELECT account FROM friendships WHERE contact = ? ORDER BY account", (contact,))]


async def logged_in(store: Store, account: str, contact: str, name: str,
                    now: datetime) -> None:
    """The account is logged in as WeChat user `contact` (`name`)."""
    await store.execute(
        "INSERT INTO account_ids (account, contact, name, at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (account) DO UPDATE SET contact = excluded.contact,"
        " name = excluded.name, at = excluded.at", (account, contact, name, stamp(now)))


async def identity(store: Reader, account: str) -> tuple[str, str] | None:
    """The account's WeChat id and name, as its process last logged in; None if never."""
    row = await store.one("SELECT contact, name FROM account_ids WHERE account = ?", (account,))
    return (str(row[0]), str(row[1])) if row else None


async def contacts(store: Reader, accounts: Iterable[str]) -> frozenset[str]:
    """The WeChat ids of these accounts, as their processes last logged in (those that
    never did are not known yet)."""
    names = set(accounts)
    return frozenset(str(row[1]) for row in await store.all(
        "SELECT account, contact FROM account_ids") if row[0] in names)
