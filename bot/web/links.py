"""Members' private links to their data centre: `/me/<token>`, where the token is the member
id and an expiry signed with HMAC-SHA256 under a secret kept in the database (owner of the
`web_secrets` table). A token cannot be forged without the secret, nor used after it
expires; every process on the same database signs and checks with the same secret.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.store import Reader, Store

MIGRATIONS = (
    "CREATE TABLE web_secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL);",
)
_NAME = "member_links"


class BadLink(ValueError):
    """A token that was tampered with, is malformed, or has expired."""


@dataclass(frozen=True, slots=True)
class MemberLink:
    member: str
    expires: datetime


async def key(store: Reader) -> bytes | None:
    """The signing secret; None until the bot made one (`groupbot web` only reads)."""
    row = await store.one("SELECT value FROM web_secrets WHERE name=?", (_NAME,))
    return bytes.fromhex(row[0]) if row else None


async def make_key(store: Store) -> bytes:
    """The signing secret, made on first use."""
    await store.execute("INSERT INTO web_secrets VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
                        (_NAME, secrets.token_hex(32)))
    found = await key(store)
    assert found is not None
    return found


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: bytes, member: str, expires: int) -> bytes:
    return hmac.new(key, f"member-link\n{member}\n{expires}".encode(), hashlib.sha256).digest()


def sign(key: bytes, member: str, expires: datetime) -> str:
    at = int(expires.timestamp())
    return f"{_b64(member.encode())}.{at}.{_b64(_mac(key, member, at))}"


def verify(key: bytes, token: str, now: datetime) -> MemberLink:
    """The member a token was made for; BadLink when it is forged, malformed or expired."""
    try:
        encoded, at_text, mac = token.split(".")
        member = _unb64(encoded).decode()
        at = int(at_text)
        given = _unb64(mac)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise BadLink("malformed") from None
    if not hmac.compare_digest(given, _mac(key, member, at)):
        raise BadLink("bad signature")
    expires = datetime.fromtimestamp(at, UTC)
    if token != sign(key, member, expires):  # "+1796617853", "0179...", "179_6617853"
        raise BadLink("not written as it was made")  # one link, one string
    if expires <= now:
        raise BadLink("expired")
    return MemberLink(member, expires.astimezone(now.tzinfo))
