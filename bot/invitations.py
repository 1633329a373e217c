"""Which account invites a member into a group, and what the member gets when that account
cannot (WeChat invites only friends). Owner of the `invitations` and `group_qr_codes`
tables. Operator view: docs/handlers/invite.md, "Several accounts"; docs/scale.md.

The rule, for a member M and a group G that a funnel step (a sign-up word, the quiz's
promotion) sends M to:
- The account that serves G (its lease, bot/leases.py; with one account, that one) invites
  M, if M is its friend (bot/friendships.py; for this process's own account the platform is
  asked too).
- Else M gets, from this account (the one that saw the step), a short text and, as bot.yaml
  `invitations.not_friend` says, either G's QR code (an image: the account serving G obtains
  the code, `want_qr`/`fetch_wanted`, and it is kept 6 days of WeChat's 7) or the serving
  account's contact card. Privately when M is this account's friend, else in the group where
  the step happened, mentioning M.
- A gated step (the quiz's promotion: M earned G) never posts G's QR code in a group, where
  everyone could scan it: there M gets the serving account's card (adding that account gets
  an invitation only to whom the card was sent for), or, while that card is not known,
  nothing, and the admins add M by hand.
- Either way the invitation waits for M's join (the funnel records the stage only then,
  handlers/funnel.py). With the card, M asks the serving account for friendship; that
  account accepts the request and then invites M (handlers/friends.py, `waiting_for`).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot import bindings, friendships, leases, roster
from bot.adapters.base import Gateway, GatewayError, GroupInfo, Refused
from bot.store import Reader, Store
from bot.times import stamp, unstamp

QR_KEPT = timedelta(days=6)  # a group QR code is valid 7 days on WeChat: fetch a new one before

MIGRATIONS: Sequence[str] = (
    """
    CREATE TABLE invitations (
        member TEXT NOT NULL, grp TEXT NOT NULL, account TEXT NOT NULL, how TEXT NOT NULL,
        at TEXT NOT NULL, PRIMARY KEY (member, grp));
    CREATE INDEX invitations_account ON invitations (account, member);
    CREATE TABLE group_qr_codes (
        grp TEXT PRIMARY KEY, account TEXT NOT NULL, code TEXT NOT NULL, wanted_at TEXT,
        fetched_at TEXT);
    """,
)


class How(StrEnum):
    INVITE = "invite"  # the serving account invites its friend
    QR = "qr"  # the member scans the group's QR code
    CARD = "card"  # the member adds the serving account, which then invites them
    ADMINS = "admins"  # nothing sent: the admins add the member by hand (a gated step)


@dataclass(frozen=True, slots=True)
class Plan:
    how: How
    account: str  # the account serving the group ('' with one account)
    card: str = ""  # with How.CARD: the serving account's WeChat id
    name: str = ""  # ... and its name, for the text
    privately: bool = True  # the QR code or card goes to the member, else to the group


async def serving(store: Reader, group: str, me: str | None) -> str:
    """The account serving `group`: its lease holder, or this one ('' with one account)."""
    if me is None:
        return ""
    lease = (await leases.leases(store)).get(group)
    return lease.account if lease is not None else me


async def served_elsewhere(store: Reader, type_name: str, me: str,
                          mine: Collection[str]) -> list[GroupInfo]:
    """The groups of `type_name` that other accounts serve and this one is not in (a funnel
    step may send a member there), with their members as the roster has them."""
    held = await leases.leases(store)
    found = []
    for group, kind, topic in await bindings.kept(store):
        lease = held.get(group)
        if kind != type_name or group in mine or lease is None or lease.account == me:
            continue
        found.append(GroupInfo(group, topic, None, len(await roster.present_names(store,
                                                                                group))))
    return found


async def already_in(store: Reader, member: str,
                     groups: Sequence[GroupInfo]) -> GroupInfo | None:
    """The group among `groups` (a funnel step's target type) the roster shows `member` in:
    nothing to send them then."""
    by_id = {info.id: info for info in groups}
    found = await roster.group_of(store, member, sorted(by_id))
    return by_id[found] if found else None


async def plan(store: Reader, group: str, member: str, *, me: str | None, my_friend: bool,
               privately: bool, card: bool, own: tuple[str, str], gated: bool = False) -> Plan:
    """How `member` gets into `group`; `my_friend`: whether they are this account's friend;
    `privately`: whether a QR code or card would go to them (else to the group where the
    step happened); `card`: a card rather than the QR code for someone who is not the
    serving account's (the QR code too when that account's id is not known yet); `own`:
    this account's WeChat id and name; `gated`: they earned it, so the QR code is never
    posted in a group (the card then, else How.ADMINS)."""
    account = await serving(store, group, me)
    if account == (me or ""):
        friend = my_friend
    else:
        friend = await friendships.is_friend(store, account, member)
    if friend:
        return Plan(How.INVITE, account)
    no_qr = gated and not privately
    if card or no_qr:
        found = own if account == (me or "") else await friendships.identity(store, account)
        if found is not None:
            return Plan(How.CARD, account, *found, privately=privately)
    return Plan(How.ADMINS if no_qr else How.QR, account, privately=privately)


async def record(store: Store, member: str, group: str, plan: Plan, now: datetime) -> None:
    """The member was invited into `group` (or sent its QR code or a card): waiting for the
    join."""
    await store.execute(
        "INSERT INTO invitations (member, grp, account, how, at) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (member, grp) DO UPDATE SET account = excluded.account,"
        " how = excluded.how, at = excluded.at",
        (member, group, plan.account, plan.how.value, stamp(now)))


async def joined(store: Store, group: str, members: Sequence[str]) -> None:
    """They joined: their invitations into `group` are settled."""
    await store.executemany("DELETE FROM invitations WHERE member = ? AND grp = ?",
                            [(m, group) for m in members])


async def waiting_for(store: Reader, account: str, member: str) -> list[str]:
    """The groups `member` was sent `account`'s card for and has not joined yet."""
    return [row[0] for row in await store.all(
        "SELECT grp FROM invitations WHERE account = ? AND member = ? AND how = ? ORDER BY at",
        (account, member, How.CARD.value))]


async def pending(store: Reader) -> list[tuple[str, str, str, str, datetime | None]]:
    """Every invitation not joined yet: (member, group, account, how, at), oldest first."""
    return [(r[0], r[1], r[2], r[3], unstamp(r[4])) for r in await store.all(
        "SELECT member, grp, account, how, at FROM invitations ORDER BY at, member")]


# ---------------------------------------------------------------- group QR codes


async def want_qr(store: Store, group: str, account: str, now: datetime) -> None:
    """Ask the account serving `group` for its QR code (it fetches it at its next lease
    renewal, `fetch_wanted`), unless a fresh one is kept."""
    await store.execute(
        "INSERT INTO group_qr_codes (grp, account, code, wanted_at) VALUES (?, ?, '', ?)"
        " ON CONFLICT (grp) DO UPDATE SET wanted_at = excluded.wanted_at",
        (group, account, stamp(now)))


async def kept_qr(store: Reader, group: str, now: datetime) -> str | None:
    """The group's QR code if one fetched within QR_KEPT is kept."""
    row = await store.one("SELECT code, fetched_at FROM group_qr_codes WHERE grp = ?", (group,))
    if row is None or not row[0] or (at := unstamp(row[1])) is None or now - at >= QR_KEPT:
        return None
    return str(row[0])


async def fetch_qr(store: Store, gateway: Gateway, group: str, account: str,
                   now: datetime) -> str:
    """Get the group's QR code from the platform (this account must be in the group) and
    keep it for the other accounts."""
    code = await gateway.group_qr(group)
    await store.execute(
        "INSERT INTO group_qr_codes (grp, account, code, fetched_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (grp) DO UPDATE SET account = excluded.account, code = excluded.code,"
        " fetched_at = excluded.fetched_at", (group, account, code, stamp(now)))
    return code


async def qr_for(store: Store, gateway: Gateway, group: str, account: str,
                 now: datetime) -> str:
    """The QR code to send for `group`: the one kept, else this account's own (if it is in
    the group); GatewayError (try again later) while the serving account has not fetched
    it yet."""
    if (code := await kept_qr(store, group, now)) is not None:
        return code
    try:
        return await fetch_qr(store, gateway, group, account, now)
    except Refused:
        raise GatewayError(f"the QR code of {group} is not there yet: the account serving "
                           "it fetches it at its next lease renewal") from None


async def fetch_wanted(store: Store, gateway: Gateway, account: str, held: Sequence[str],
                       now: datetime) -> list[str]:
    """Fetch the QR codes other accounts asked for, of the groups this account serves; the
    groups done (a failure is logged by the caller and tried at the next renewal)."""
    rows = await store.all("SELECT grp, code, fetched_at FROM group_qr_codes"
                           " WHERE wanted_at IS NOT NULL", ())
    done = []
    for group, code, fetched in rows:
        at = unstamp(fetched)
        if group not in held or (code and at is not None and now - at < QR_KEPT):
            continue
        await fetch_qr(store, gateway, group, account, now)
        done.append(group)
    return done
