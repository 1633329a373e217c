"""Who may use the console: the operator token, browser sessions with their CSRF tokens, the
login rate limit, and the security headers every response carries.

Sessions live in memory (a restart logs everyone out). Tokens are compared in constant
time and never written to a log.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass

SESSION_COOKIE = "groupbot_session"
LOGIN_COOKIE = "groupbot_login"  # the login form's CSRF token, before there is a session
SESSION_LIFETIME = 12 * 3600.0
LOGIN_ATTEMPTS = 5  # failed logins allowed per client ...
LOGIN_WINDOW = 60.0  # ... within this many seconds
LOGIN_CLIENTS = 10_000  # addresses remembered at most (those that failed longest ago go first)

HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # a member link must not leak to another site
    "Cache-Control": "no-store",
}


def same(given: str, expected: str) -> bool:
    """Constant-time equality of two tokens. A header's bytes that are not UTF-8 reach here
    as lone surrogates (aiohttp's reading of them): such a token is just a wrong one."""
    return hmac.compare_digest(given.encode(errors="surrogateescape"),
                               expected.encode(errors="surrogateescape"))


def new_token() -> str:
    return secrets.token_urlsafe(32)


@dataclass(slots=True)
class Session:
    csrf: str
    expires: float


class Sessions:
    """The logged-in sessions, in memory (a restart logs everybody out). A session expires
    SESSION_LIFETIME after its login; expired ones are forgotten when looked up, and all of
    them at each login (else those never used again stayed for the process's life)."""

    def __init__(self, now: Callable[[], float] = time.monotonic) -> None:
        self._now = now
        self._by_id: dict[str, Session] = {}

    def __len__(self) -> int:
        """How many sessions it remembers."""
        return len(self._by_id)

    def open(self) -> tuple[str, Session]:
        now = self._now()
        self._by_id = {key: kept for key, kept in self._by_id.items() if kept.expires > now}
        session_id = new_token()
        session = self._by_id[session_id] = Session(new_token(), now + SESSION_LIFETIME)
        return session_id, session

    def login(self, session_id: str | None) -> tuple[str, Session]:
        """A login's session: the browser's own, when it still holds a valid one, with its
        lifetime begun again and its CSRF token kept; else a new one. A new session on each
        login left the pages open in the browser's other tabs with the old session's token:
        every form in them failed with 403 (review s34 r1 W6). Keeping it gives nobody more:
        the cookie is HttpOnly and SameSite=Strict, and the session was already logged in."""
        session = self.get(session_id)
        if session is None:
            return self.open()
        session.expires = self._now() + SESSION_LIFETIME
        assert session_id is not None
        return session_id, session

    def get(self, session_id: str | None) -> Session | None:
        if not session_id:
            return None
        session = self._by_id.get(session_id)
        if session is None or session.expires <= self._now():
            self._by_id.pop(session_id, None)
            return None
        return session

    def close(self, session_id: str | None) -> None:
        if session_id:
            self._by_id.pop(session_id, None)


class LoginLimit:
    """At most LOGIN_ATTEMPTS failed logins per client within LOGIN_WINDOW seconds. A right
    token does not wipe the failures: behind a proxy (or beside a metrics scraper on the same
    host) a guesser and the operator share the address, and each of the operator's requests
    would give the guesser LOGIN_ATTEMPTS more tries.

    Its memory is bounded: a client is forgotten once its last failure is LOGIN_WINDOW old
    (it could not be refused any more), at most the last LOGIN_ATTEMPTS failures of each are
    kept, and at most `clients` addresses, the ones that failed longest ago forgotten first.
    """

    def __init__(self, now: Callable[[], float] = time.monotonic,
                 clients: int = LOGIN_CLIENTS) -> None:
        self._now = now
        self._clients = clients
        # by the time of the last failure, oldest first (a failure moves its client last)
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()

    def __len__(self) -> int:
        """How many addresses it remembers."""
        return len(self._failures)

    def wait(self, client: str) -> int:
        """Seconds until `client` may try again; 0 when it may now."""
        failures = self._failures.get(client)
        if not failures:
            return 0
        edge = self._now() - LOGIN_WINDOW
        while failures and failures[0] <= edge:
            failures.popleft()
        if len(failures) < LOGIN_ATTEMPTS:
            return 0
        return max(1, round(failures[0] - edge))

    def failed(self, client: str) -> None:
        now = self._now()
        failures = self._failures.pop(client, None) or deque(maxlen=LOGIN_ATTEMPTS)
        failures.append(now)
        self._failures[client] = failures
        edge = now - LOGIN_WINDOW
        while self._failures:
            oldest = next(iter(self._failures.values()))
            if oldest[-1] > edge and len(self._failures) <= self._clients:
                break
            self._failures.popitem(last=False)

