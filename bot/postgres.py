"""The store seam's PostgreSQL backend (asyncpg), for deployments whose processes share one
database: `storage: postgresql://host/db` in bot.yaml. bot/store.py opens it; owners never see
the difference.

The owners' SQL is the same on both backends: `?` parameters become `$1, $2, ...` here (not
inside quoted text), and the migrations' column types are mapped to what SQLite means by
them (`TEXT` compares bytewise, so `COLLATE "C"`; `REAL` is eight bytes, so `DOUBLE
PRECISION`; `INTEGER PRIMARY KEY` is an identity column, and `execute` returns the id an
insert made into such a table). A migration step written for SQLite alone carries
this backend's version along (`store.sqlite_only`).

`PgStore` keeps the SQLite backend's promises: one transaction per event, each handler in a
savepoint opened only when it writes, events handled back to back committed together, and
nothing sent before `flush()` has committed what decided it. The transaction commands
(BEGIN, SAVEPOINT, RELEASE, ROLLBACK TO) wait and go to the server with the next statement
that needs them, so an event that only reads costs no round trip for them. `PgReader` has a
pool of read-only connections of its own for long reads.

Credentials never come from bot.yaml: the URL names host and database (and may name the
user); the password comes from the environment, PGPASSWORD or ~/.pgpass as for psql, or a
`${NAME}` in the URL that is read from the environment when connecting.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import re
import reprlib
import socket
import ssl
import time
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import UTC
from typing import TYPE_CHECKING, Any
from urllib.parse import SplitResult, quote, unquote, urlsplit

from bot.connect import Connect
from bot.savepoint import Journal, Journaled

if TYPE_CHECKING:  # imported when a PostgreSQL store opens: SQLite deployments never load it
    import asyncpg

log = logging.getLogger(__name__)
Row = tuple[Any, ...]
BATCH = 200  # events at most in one commit
COMMIT_WAIT = 10.0  # seconds a stop waits for a COMMIT under way (docs/scale.md)
SCHEMES = ("postgresql://", "postgres://")
MIGRATION_LOCK = 0x67726F7570626F74  # "groupbot": one process migrates at a time
MIGRATION_WAIT = 300.0  # seconds a process waits for another's migrations (docs/scale.md)
MIGRATION_TELL = 10.0  # seconds of waiting before it logs who migrates


class PostgresError(Exception):
    """A statement, a connection or a login failed (the driver's error, in one line)."""


class Unavailable(PostgresError):
    """The database cannot be used for now, by no fault of the configuration: the server
    cannot be reached (not started yet, restarting, failing over), it ended the connection,
    or it refuses writes (a failover onto a standby while the bot ran, a full disk).
    `groupbot` exits 1, for its service manager to start it again (docs/deploy.md); a wrong
    password, a database that is not there, a host name that does not resolve, a server
    certificate that fails verification, a standby or a database set read-only at start
    (`_read_only`), or another application's database stay PostgresError (exit 2: the
    operator fixes them; the line names `storage`)."""


class Stalled(Unavailable):
    """This process said nothing to the server past its stall limit (`PgStore.limit_stalls`:
    it stood still), and the server ended its session: said as what happened, not as the
    driver's words about a closed connection."""


def is_url(location: object) -> bool:
    return isinstance(location, str) and location.startswith(SCHEMES)


# what an operator writes meaning a URL: a scheme and ://, or postgres... and a colon (a file
# `postgres.db` stays a file)
_URL_LIKE = re.compile(r"[^/]*://|postgres[a-z]*:", re.I)


NO_SCHEMA = ("the schema the URL's search_path names does not exist; make it first (CREATE "
             "SCHEMA NAME AUTHORIZATION USER: docs/configuration.md)")


def looks_like_url(text: str) -> bool:
    """Whether `text` was meant as a URL, valid or mistyped (`postgresq://`, `postgresql:/`):
    such a text is never taken for an SQLite file's path, which would quietly give the bot
    a database of its own (review s41 r51 finding 11)."""
    return _URL_LIKE.match(text) is not None


def _scheme_problem(url: str) -> str | None:
    """What is wrong with the way a URL-like text begins, or None for postgresql:// and
    postgres://."""
    if is_url(url):
        return None
    scheme = url.partition(":")[0]
    if scheme.lower() not in ("postgresql", "postgres"):
        wrong = f"its scheme {scheme}: is not postgresql: or postgres:"
    elif not url.startswith(f"{scheme}://"):
        wrong = f"two slashes follow {scheme}:"
    else:
        wrong = f"its scheme is written {scheme.lower()}: in lower case"
    return (f"{shown(url)} is not a PostgreSQL URL: {wrong} (write postgresql://USER@HOST:"
            "PORT/DB; an SQLite file is a path without a scheme)")


_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_USER_INFO = re.compile(r"^([^:]+://[^:@/]*):[^@/]*@")  # user:password@ of a URL


def expand(url: str, environ: Mapping[str, str] | None = None) -> str:
    """The URL with each `${NAME}` read from the environment (a missing one is an error). In
    the user info and the query a value is percent-encoded (the driver decodes it there), so
    that a password is read whole, whatever it holds: `@ / # ? [ ] % &` and the rest would
    have split the URL in the wrong places, and the driver's errors showed what it took for
    a port, a host or a query (pieces of the password)."""
    env = os.environ if environ is None else environ

    def filled(part: str, encoded: bool) -> str:
        def value(match: re.Match[str]) -> str:
            if match[1] not in env:
                raise PostgresError(f"storage: the environment variable {match[1]} is not set")
            return quote(env[match[1]], safe="") if encoded else env[match[1]]

        return _VARIABLE.sub(value, part)

    if wrong := variable_problems(url, env):
        raise PostgresError(f"storage: {wrong[0]}")
    parts = _PARTS.fullmatch(url)
    assert parts is not None  # (each part may be empty)
    scheme, user_info, place, query = parts.groups("")
    return scheme + filled(user_info, True) + filled(place, False) + filled(query, True)


def variable_problems(url: str, environ: Mapping[str, str] | None = None) -> list[str]:
    """What a `${NAME}` of the URL holds that its place cannot: a user name with a ':' in it
    (`user:password` in one variable) would be sent whole as the user name, and the
    server's refusal quotes it, password and all, in the log (review s37 r23 R23-2)."""
    env = os.environ if environ is None else environ
    parts = _PARTS.fullmatch(url) if is_url(url) else None
    user = (parts[2] or "").partition(":")[0] if parts is not None else ""
    return [f"the environment variable {name} holds a ':' where the URL has its user name: "
            "one ${NAME} holds one value, so give the user and the password each their own "
            "(postgresql://${GROUPBOT_DB_USER}:${GROUPBOT_DB_PASSWORD}@host/db)"
            for name in _VARIABLE.findall(user) if ":" in env.get(name, "")]


# a URL as bot.yaml gives it: scheme, user info (up to its @), host and path, query (from its ?)
_PARTS = re.compile(r"([^:/?#]*://)?([^/?#@]*@)?([^?]*)(\?.*)?", re.S)


def unset_variables(url: str) -> list[str]:
    """The `${NAME}`s in a storage URL that the environment does not give."""
    if not is_url(url):
        return []
    return [name for name in _VARIABLE.findall(url) if name not in os.environ]


def url_problem(url: str) -> str | None:
    """What is wrong with a storage URL as bot.yaml gives it, or None. A password written in
    it is refused: it would sit in the config, in backups and in version control."""
    if (wrong := _scheme_problem(url)) is not None:
        return wrong
    try:
        parts = urlsplit(url)
        if _raw_password(parts):  # (before the port: what it reads as one is the password's)
            return ("a password is written in the storage URL (with a / ? or # in it, where "
                    "the host seems to end); give it in the environment instead: PGPASSWORD, "
                    "~/.pgpass, or ${NAME} in its place "
                    "(postgresql://user:${GROUPBOT_DB_PASSWORD}@host/db); an @ in a "
                    "database's name is written %40")
        parts.port  # noqa: B018  (a port that is not a number raises here)
    except ValueError as exc:
        return f"{shown(url)} is not a valid URL: {exc}"
    # every pair (the driver decodes the keys, ssl%70assword, and takes the last of a key
    # as written, which may be another than the last that folds to it)
    pairs = _pairs(parts.query)
    written = [parts.password or ""] + [value for key, value in pairs if key == "password"]
    if any(p and _VARIABLE.fullmatch(p) is None for p in written):
        return ("a password is written in the storage URL; give it in the environment "
                "instead: PGPASSWORD, ~/.pgpass, or ${NAME} in its place "
                "(postgresql://user:${GROUPBOT_DB_PASSWORD}@host/db)")
    if any(value and _VARIABLE.fullmatch(value) is None
           for key, value in pairs if key == "sslpassword"):
        return ("the client key's passphrase is written in the storage URL; give it as "
                "${NAME} in its place (?sslpassword=${GROUPBOT_KEY_PASSPHRASE}): "
                "PGPASSWORD and ~/.pgpass hold the server's password, not this")
    return None


def shown(url: str) -> str:
    """The URL as logs and messages show it: without a password, even a `${NAME}`."""
    try:
        parts = urlsplit(url)
    except ValueError:  # (a broken URL: "Invalid IPv6 URL") what may be a password goes
        return _masked_in(_USER_INFO.sub(r"\1:***@", url))
    if _raw_password(parts):  # all up to its @ may be the password's
        user = parts.netloc.partition(":")[0]
        return f"{parts.scheme}://{user}:***@{_masked_in(url.rpartition('@')[2])}"
    query = _masked(parts.query)
    if parts.password is None and query == parts.query:
        return url
    netloc = parts.netloc if parts.password is None else \
        parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc, query=query).geturl()


def _pairs(query: str) -> list[tuple[str, str]]:
    """A URL query's pairs, every one in order, each key as the driver reads it (percent-
    decoded: ssl%70assword too; it takes a pair other than the last that folds to a key),
    each value as written."""
    return [(unquote(key).strip().lower(), value)
            for key, _, value in (pair.partition("=") for pair in query.split("&"))]


def _raw_password(parts: SplitResult) -> bool:
    """Whether the URL holds a password written out with a / ? or # in it (`user:123#SECRET@
    host`): the URL's parser ends the host at that character, reads no user info (what
    follows the colon is a port, if it is a number) and leaves the @ to the path, a query's
    key or the fragment, where no well-formed URL has one (an @ in a query's value is an
    option's: `?application_name=a@b`)."""
    if ":" not in parts.netloc:  # (an @ in it too: `u:p@ss/w@host`, the rest of one)
        return False
    keys = (pair.partition("=")[0] for pair in parts.query.split("&"))
    return "@" in parts.path or "@" in parts.fragment or any("@" in key for key in keys)


_SECRETS = ("password", "sslpassword")  # ?password=, and the client key's passphrase


def _masked_in(text: str) -> str:
    """`text` with the secrets of the query after its first ? masked (`_masked`)."""
    head, mark, rest = text.partition("?")
    query, hash_mark, fragment = rest.partition("#")
    return head + mark + _masked(query) + hash_mark + fragment


def _masked(query: str) -> str:
    """The URL's query with the values of `_SECRETS` as ***, their keys read as the driver
    reads them (percent-decoded: ssl%70assword too)."""
    return "&".join(f"{key}=***" if sep and unquote(key).strip().lower() in _SECRETS else pair
                    for pair in query.split("&") for key, sep, _ in [pair.partition("=")])


def written(url: str) -> str:
    """The URL as bot.yaml's `storage` takes it, to tell an operator what to write there: a
    `${NAME}` password kept (it is no secret: the bot reads it from the environment), only
    a password written out shown as *** (`shown`)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return shown(url)
    password = parts.password
    if (password is None and not _raw_password(parts)) or (
            password is not None and _VARIABLE.fullmatch(password) is not None):
        return url
    return shown(url)


# ------------------------------------------------------------------ one dialect of SQL

_QUOTED = re.compile(r"'(?:[^']|'')*'|\"[^\"]*\"|--[^\n]*|\$\$.*?\$\$|\?", re.S)


def placeholders(sql: str) -> str:
    """`?` parameters as PostgreSQL's `$1, $2, ...`; a `?` inside quotes stays."""
    count = 0

    def number(match: re.Match[str]) -> str:
        nonlocal count
        if match[0] != "?":
            return match[0]
        count += 1
        return f"${count}"

    return _QUOTED.sub(number, sql)


_TYPES = (
    (re.compile(r"\bINTEGER PRIMARY KEY( AUTOINCREMENT)?\b"),
     "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"),
    (re.compile(r"\bREAL\b"), "DOUBLE PRECISION"),
    (re.compile(r"\bTEXT\b"), 'TEXT COLLATE "C"'),
)


def ddl(step: str) -> str:
    """A migration step for this backend (its own version, when it has one), with SQLite's
    column types (written in capitals) as PostgreSQL spells them."""
    step = str(getattr(step, "postgresql", step))
    for pattern, replacement in _TYPES:
        step = pattern.sub(replacement, step)
    return step


_INSERT = re.compile(r"\s*INSERT\s+INTO\s+(\w+)", re.I)


def _driver_errors() -> tuple[type[BaseException], ...]:
    import asyncpg

    # InternalClientError: a statement sent while the driver reads the server's closing of
    # the connection (the session ended by the server: bot/instance.py's limit_stalls)
    return (asyncpg.PostgresError, asyncpg.InterfaceError, asyncpg.InternalClientError, OSError)


def _broken(exc: BaseException) -> bool:
    """Whether the driver says the connection itself is gone (or unusable), not a statement."""
    import asyncpg

    return isinstance(exc, (asyncpg.ConnectionDoesNotExistError, asyncpg.InternalClientError))


# SQLSTATEs (and classes of them) of a server that cannot serve for now: a connection
# exception; a read-only transaction (a failover while the bot runs, a managed server whose
# storage filled; at start `_read_only` tells a standby); insufficient resources (disk full,
# out of memory, too many connections); operator intervention (a shutdown, a crash, "the
# database system is starting up"); but what `_MEND` lists
_FOR_NOW = ("08", "25006", "53", "57P")
# a login refused behind PgBouncer, which says 08P01 (protocol violation) for every refusal
# (its source: "PgBouncer used to report SQLSTATE 08P01 for all cases"), in its own words
# or the server's behind it ("server login failed: ...")
_REFUSED = ("authentication failed", "login rejected", "no such user", "no such database",
            "does not exist", "bouncer config error")
# at start, another transaction in the way of a migration (a serialization failure, a
# deadlock, the role's lock_timeout): starting again passes (PgStore.open)
_IN_THE_WAY = ("40001", "40P01", "55P03")
# errors of _FOR_NOW's classes that no restart mends, and what the operator changes
_MEND = {
    # a standby's session, as the primary dropped its database (a database dropped on the
    # primary under the bot ends its session as a shutdown would: exit 1, and the next
    # start finds the database gone, exit 2)
    "57P04": "the database was dropped: create it again (or restore it), or point storage "
             "at another",
    # configuration_limit_exceeded: a statement past a limit of the server's settings
    # (temp_file_limit), which it would pass again after every restart
    "53400": "a limit of the server's settings: raise it for storage's database or role "
             "(ALTER DATABASE/ROLE ... SET ...) or in postgresql.conf",
}


def _codes(exc: BaseException) -> tuple[object, object]:
    """The SQLSTATE of `exc`, and of the error it was raised from: the server's error that
    ended a connection (the driver says 08003, "connection was closed in the middle of
    operation", raised from it), the driver's under an `Unavailable`."""
    return getattr(exc, "sqlstate", None), getattr(exc.__cause__, "sqlstate", None)


def _mend(exc: BaseException) -> str | None:
    """What the operator changes, for an error `_MEND` lists."""
    return next((_MEND[code] for code in _codes(exc) if code in _MEND), None)


def _unavailable(exc: BaseException) -> bool:
    """Whether `exc` says the database cannot be used for now (`Unavailable`): the server not
    reached, the connection gone, or an error of `_FOR_NOW`; not a statement's own mistake,
    a login refused, a database that is not there, what `_MEND` lists, or what
    `_misconfigured` finds."""
    if _mend(exc) is not None:
        return False
    code = getattr(exc, "sqlstate", None)
    if isinstance(code, str):
        return code.startswith(_FOR_NOW) and not (
            code == "08P01" and any(words in str(exc) for words in _REFUSED))
    return (isinstance(exc, OSError) or _broken(exc)) and _misconfigured(exc) is None


def _misconfigured(exc: BaseException) -> str | None:
    """What is wrong, when a connection failed for a reason only the operator can mend,
    though the driver raises it as it raises a server that is down (an OSError)."""
    if isinstance(exc, ssl.SSLCertVerificationError):  # (a wrong name in it too)
        return (f"the server's certificate failed verification ({exc.verify_message}): give "
                "the CA that signed it (?sslrootcert=...), or mend the certificate")
    if isinstance(exc, socket.gaierror) and exc.errno in (socket.EAI_NONAME, socket.EAI_NODATA):
        return f"the host name does not resolve ({exc.strerror})"  # (EAI_AGAIN: for now)
    if isinstance(exc, ConnectionError) and "rejected SSL upgrade" in str(exc):
        return "the server does not take SSL, and the URL's sslmode requires it"
    return None


def _failed(exc: BaseException, said: str) -> PostgresError:
    if (mend := _mend(exc)) is not None:
        return PostgresError(f"{said}: storage: {mend}")
    return Unavailable(said) if _unavailable(exc) else PostgresError(said)


def _cannot_connect(url: str, exc: BaseException) -> PostgresError:
    """A connect that failed: `Unavailable` if it may pass; else what only the operator can
    mend (a login refused, a database not there, a host name that does not resolve, a
    certificate that fails verification, a certificate or key file the URL names that cannot
    be read), in one line that names `storage`."""
    if isinstance(exc, FileNotFoundError | PermissionError | IsADirectoryError) and (
            key := _unreadable(url)) is not None:  # (not a missing socket: read before it)
        return PostgresError(f"cannot connect to {shown(url)}: storage: the file ?{key}= "
                             f"names cannot be read ({_said(exc)})")
    if _unavailable(exc):
        return Unavailable(f"cannot connect to {shown(url)}: {_said(exc)}")
    return PostgresError(f"cannot connect to {shown(url)}: storage: "
                         f"{_misconfigured(exc) or _said(exc)}")


async def connect(url: str, **options: Any) -> asyncpg.Connection:
    import asyncpg

    try:
        return await asyncpg.connect(expand(url), **options)
    except ssl.SSLCertVerificationError as exc:  # (a ValueError too: not the next one's)
        raise _cannot_connect(url, exc) from exc
    except (ValueError, OverflowError) as exc:  # (before the driver's own errors: some of
        # them are ValueErrors too; a port past 65535 from a ${NAME} is an OverflowError)
        raise PostgresError(_unread(url, exc)) from None
    except _driver_errors() as exc:
        raise _cannot_connect(url, exc) from exc


_FILES = ("sslrootcert", "sslcert", "sslkey", "sslcrl")  # the URL's keys that name files


def _unreadable(url: str) -> str | None:
    """The first of the URL's keys in _FILES whose file cannot be read (the pairs read as
    url_problem reads them)."""
    try:
        query = urlsplit(expand(url)).query
    except (ValueError, PostgresError):
        return None
    return next((key for key, file in _pairs(query) if key in _FILES
                 and not os.access(os.path.expanduser(unquote(file)), os.R_OK)), None)


def _unread(url: str, exc: BaseException) -> str:
    """The driver could not read the URL once its `${NAME}`s were filled in (a port that is
    no number, say). Not the driver's words: they quote the URL, the values read included;
    but for a certificate the URL does not name, where the driver looked by default."""
    if "root certificate file" in str(exc):  # (sslmode=verify-ca or verify-full)
        return (f"cannot connect to {shown(url)}: storage: {_said(exc)}: name the CA's "
                "certificate with ?sslrootcert=FILE")
    return (f"storage: the PostgreSQL driver cannot read {shown(url)} with the values of its "
            "${NAME}s filled in (docs/configuration.md)")


def _said(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


# ------------------------------------------------------------------ the store


class PgStore(Journaled):
    """One connection for the bot's own reads and writes. `await PgStore.open(url, ...)`,
    then always `close()`."""

    def __init__(self, db: asyncpg.Connection, url: str, identities: set[str]) -> None:
        self._db = db
        self.path = url
        self._identities = identities  # tables whose `id` the database numbers
        self._sql: dict[str, tuple[str, bool]] = {}  # each statement as sent, returns an id
        self._use = asyncio.Lock()  # the connection runs one statement at a time
        self._control: list[str] = []  # transaction commands not sent yet
        self._undone = False  # _control rolls something back: a read must send it first
        self._begun = False  # BEGIN reached the server
        self._depth = 0
        self._lazy: str | None = None  # a savepoint to open before the next write
        self._journal = Journal()  # deferred writes and undos of the open transaction
        self._batch = False  # a transaction open across events (group commit)
        self._pending = 0  # events in it
        self._commit_after = False
        self._flush: asyncio.Handle | None = None
        self._committing: asyncio.Task[None] | None = None
        self._in_flight: asyncio.Future[None] | None = None  # a COMMIT under way, whoever's
        self._failed: PostgresError | None = None  # a commit off the event path that failed
        # the connection ended under this store (the server ended the session: a stall, a
        # restart), or the database refuses writes (a standby after a failover, a full
        # disk): nothing more can be done on it; the bot stops (Bot.serve)
        self.lost: Unavailable | None = None
        self.when_lost: Callable[[], object] | None = None  # (Store.when_lost)
        self._stall_limit: float | None = None  # seconds (limit_stalls)
        self._heard = time.monotonic()  # when the server last answered a statement
        self._loop = asyncio.get_running_loop()  # its connection's (settle_from_any_loop)
        _OPEN.add(self)

    @classmethod
    async def open(cls, url: str, migrations: Mapping[str, Sequence[str]],
                   before: Callable[[PgStore], Awaitable[None]] | None = None) -> PgStore:
        """`before`: bot/store.py open_store's."""
        db = await connect(url, statement_cache_size=1024,
                           server_settings={"application_name": "groupbot"})
        store = cls(db, url, set())
        try:
            if before is not None:
                await before(store)
            await _migrate(db, migrations, url)
            # (from the catalog: information_schema.columns is a view that costs a few ms)
            store._identities = {row[0] for row in await db.fetch(
                "SELECT c.relname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
                " WHERE a.attname = 'id' AND a.attidentity <> '' AND NOT a.attisdropped"
                " AND c.relnamespace = current_schema()::regnamespace")}
        except BaseException as exc:
            _OPEN.discard(store)
            why = await _read_only(db) if "25006" in _codes(exc) else None
            await db.close()
            if why is not None:
                raise PostgresError(f"{shown(url)}: storage: {why}") from exc
            if isinstance(exc, _driver_errors()):
                said = f"{shown(url)}: {_said(exc)}"
                if getattr(exc, "sqlstate", None) == "3F000":  # (the server names none)
                    said += f": {NO_SCHEMA}"
                raise (Unavailable(said) if getattr(exc, "sqlstate", None) in _IN_THE_WAY
                       else _failed(exc, said)) from exc
            raise
        return store

    async def close(self) -> None:
        """Commit what is left and close the connection, waiting COMMIT_WAIT at most for
        the commits under way, whoever began them (the loop coming round after an event,
        or a task a second stop cancelled while `_to_its_end` waited): without a bound, a
        server that never answered one held the stop for good."""
        _OPEN.discard(self)
        if self.lost is not None:  # nothing more can be committed: what was not is lost
            self._db.terminate()
            return
        flushing = asyncio.ensure_future(self.flush())
        try:
            await asyncio.wait([flushing], timeout=COMMIT_WAIT)
        finally:
            unanswered = not flushing.done()
            if unanswered:
                self._unanswered()
                await asyncio.gather(flushing, return_exceptions=True)  # ends with it
        if unanswered:
            return  # (said: the store is lost)
        try:
            flushing.result()
        finally:
            await self._db.close()

    def abandon(self) -> None:
        """The connection closed at once, without waiting for the server (which rolls back
        what was not committed): a clean-up that did not end in time."""
        _OPEN.discard(self)
        self._db.terminate()

    async def settle(self) -> None:
        """Commit what the events handled so far wrote, unless one is under way: a reader of
        this process is about to read (it sees what the bot did before it asked, as on
        SQLite, where the commit needs no round trip and so is always done first)."""
        if self._depth or self._failed is not None:
            return
        # shielded: a reader given up meanwhile (/healthz's wait on a slow server) would
        # otherwise cancel the COMMIT, and _commit rolls a cancelled batch back: the bot's
        # events gone without a word (review s39 r34 F1)
        await asyncio.shield(self._settle())

    async def _settle(self) -> None:
        try:
            await self._commit()
            await self._committed()
        except PostgresError as exc:  # said at the bot's next flush, before anything is sent
            self._failed = exc

    async def settle_from_any_loop(self) -> None:
        """settle() for a reader on any thread's event loop: on the store's own loop (its
        asyncpg connection belongs to the loop it was opened on; driven from another, a CSV
        download right after the bot wrote failed with "attached to a different loop",
        review s39 r31 F5); nothing once that loop no longer runs, and no waiting past
        SETTLE_WAIT for one that stops meanwhile (a bot stopping as a download begins: the
        read then shows what was committed)."""
        if asyncio.get_running_loop() is self._loop:
            await self.settle()
        elif self._loop.is_running():
            try:
                settled = asyncio.run_coroutine_threadsafe(self.settle(), self._loop)
            except RuntimeError:  # closed meanwhile
                return
            try:
                await asyncio.wait_for(asyncio.wrap_future(settled), SETTLE_WAIT)
            except TimeoutError:
                settled.cancel()

    # -------------------------------------------------------------- transactions

    async def flush(self) -> None:
        await self._commit()
        await self._committed()
        if self._committing is not None:  # what it raised, if not a PostgresError
            await asyncio.shield(self._committing)
        if self._failed is not None:
            failed, self._failed = self._failed, None
            raise failed

    async def _commit(self) -> None:
        """Commit the open batch of events, unless an event is under way (then it commits
        when that event ends)."""
        if self._flush is not None:
            self._flush.cancel()
            self._flush = None
        if self._depth:
            self._commit_after = True
            return
        if not self._batch:
            return
        self._batch, self._pending, self._commit_after = False, 0, False
        control, self._control, self._undone = self._control, [], False
        journal = self._journal.take()
        writes = journal.writes()
        if not self._begun and not writes:
            return  # nothing was written: nothing to commit
        self._begun = False
        self._in_flight = flight = asyncio.get_running_loop().create_future()
        sending = asyncio.ensure_future(self._send_batch(control, writes, journal))
        sending.add_done_callback(lambda _: self._landed(flight))
        await self._to_its_end(sending)

    async def _send_batch(self, control: list[str], writes: list[tuple[str, list[Sequence[Any]]]],
                          journal: Journal) -> None:
        """The batch's deferred writes and its COMMIT, nothing between."""
        async with self._use:
            try:
                if writes:
                    if control:
                        await self._run(self._db.execute, "; ".join(control))
                        control = []
                    for sql, rows in writes:
                        await self._run(self._db.executemany, self._statement(sql)[0],
                                        [tuple(row) for row in rows])
                await self._run(self._db.execute, "; ".join([*control, "COMMIT"]))
            except BaseException as exc:  # the batch is lost, and so is what it changed
                journal.rollback()  # in memory
                with contextlib.suppress(*_driver_errors()):
                    await self._db.execute("ROLLBACK")
                if isinstance(exc, PostgresError):
                    self._lose(Unavailable(f"a commit failed, and the events in it are "
                                           f"lost: {exc}"))
                raise

    def _landed(self, flight: asyncio.Future[None]) -> None:
        flight.set_result(None)
        if self._in_flight is flight:
            self._in_flight = None

    async def _to_its_end(self, sending: asyncio.Future[None]) -> None:
        """A batch's commit awaited to its end, even by a task cancelled meanwhile: a stop
        (SIGTERM cancels the bot's tasks) cancelled the COMMIT, and the batch was rolled back:
        events the bot had handled were lost (SQLite's commit is synchronous: nothing cancels
        it). The cancel goes on once the COMMIT is done; a server that has not answered it
        within COMMIT_WAIT holds the stop no longer: the connection is ended, and the store
        is lost."""
        try:
            await asyncio.shield(sending)
        except asyncio.CancelledError:
            if not sending.done():
                await asyncio.wait([sending], timeout=COMMIT_WAIT)
            if not sending.done():
                self._unanswered()
                await asyncio.wait([sending])
            raise

    def _unanswered(self) -> None:
        """A stop waited COMMIT_WAIT for a COMMIT the server has not answered: the store is
        lost, and the connection ended (the server rolls back what it had not committed,
        if it had not: which of the two is not known here)."""
        self._lose(Unavailable(
            f"{shown(self.path)}: the server did not answer a COMMIT within "
            f"{COMMIT_WAIT:g} s of the stop: the connection is ended, and whether "
            "the events in it were kept is not known"))
        self._db.terminate()

    async def _committed(self) -> None:
        """Wait for the commits under way, whoever began them (an event's end, a flush, the
        loop coming round): an event begins only once the batch before is committed or
        rolled back (if it fails, its undos run before this event changes anything they
        restore: the journal's order), and a flush returns only once all is committed."""
        if self._committing is not None and not self._committing.done():
            await asyncio.shield(self._committing)
        while (flight := self._in_flight) is not None:
            await asyncio.shield(flight)

    def _commit_soon(self) -> None:
        """The loop came round after an event. Here every statement waits for the server,
        so the loop comes round in the middle of the next event too: then that event's end
        tries again (back to back events share a commit, as on SQLite)."""
        self._flush = None
        if self._depth:
            return

        async def commit() -> None:
            try:
                await self._commit()
            except PostgresError as exc:  # said at the next flush, before anything is sent
                self._failed = exc

        self._committing = asyncio.get_running_loop().create_task(commit())

    async def _send(self, commands: list[str]) -> None:
        async with self._use:
            await self._run(self._db.execute, "; ".join(commands))

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """One event's writes, all or nothing (or a savepoint inside the open one); rolled back
        on error. Events handled back to back share one commit, as on SQLite."""
        if self._depth == 0:
            await self._committed()  # the batch before first
        if self._failed is not None:
            await self.flush()  # raises what failed
        if self._depth == 0 and not self._batch:
            self._control.append("BEGIN")
            self._batch = True
        name = f"sp{self._depth}"
        self._control.append(f"SAVEPOINT {name}")
        self._depth += 1
        mark = len(self._journal.entries)
        try:
            yield
        except BaseException:
            self._depth -= 1
            self._journal.rollback(mark)
            self._undo(name)
            if self._depth == 0:
                await self._end_of_event()
            raise
        self._depth -= 1
        self._release(name)
        if self._depth == 0:
            await self._end_of_event()

    async def _end_of_event(self) -> None:
        self._pending += 1
        if self._pending >= BATCH or self._commit_after:
            await self._commit()
        elif self._flush is None:
            self._flush = asyncio.get_running_loop().call_soon(self._commit_soon)

    def _release(self, name: str) -> None:
        if self._control and self._control[-1] == f"SAVEPOINT {name}":
            self._control.pop()  # never sent: nothing to release
        else:
            self._control.append(f"RELEASE {name}")

    def _undo(self, name: str) -> None:
        if self._control and self._control[-1] == f"SAVEPOINT {name}":
            self._control.pop()
        else:
            self._control += [f"ROLLBACK TO {name}", f"RELEASE {name}"]
            self._undone = True

    async def _before_write(self) -> None:
        if self._depth == 0 and self._batch:
            await self._commit()  # a write outside any event commits on its own
        if self._lazy is not None:
            self._control.append(f"SAVEPOINT {self._lazy}")
            self._lazy = None

    def _control_due(self, writing: bool) -> str | None:
        """The waiting transaction commands to send before the next statement: all of them
        before a write; before a read only what it must not see (a rollback)."""
        if not self._control or not (writing or self._undone):
            return None
        if self._control[0] == "BEGIN":
            self._begun = True
        control, self._control, self._undone = self._control, [], False
        return "; ".join(control)

    # -------------------------------------------------------------- statements

    def _statement(self, sql: str) -> tuple[str, bool]:
        found = self._sql.get(sql)
        if found is None:
            insert = _INSERT.match(sql)
            returns = insert is not None and insert[1] in self._identities \
                and "RETURNING" not in sql.upper()
            found = self._sql[sql] = (placeholders(sql) + (" RETURNING id" if returns else ""),
                                      returns)
        return found

    async def limit_stalls(self, seconds: float) -> None:
        """The server ends this session when it keeps a transaction open and says nothing for
        `seconds` (bot/instance.py's Held.limit_stalls); the failure that follows says so."""
        await self.execute(
            f"SET idle_in_transaction_session_timeout = {max(1, round(seconds * 1000))}")
        self._stall_limit = seconds

    async def _run(self, call: Any, *args: Any) -> Any:
        asked = time.monotonic()
        try:
            done = await call(*args)
        except _driver_errors() as exc:
            if not self._db.is_closed() and not _unavailable(exc):
                raise PostgresError(_said(exc)) from exc  # this statement's own failure
            # the connection is gone, or the database refuses every write (read-only, full):
            # the bot stops at once, rather than take events it can only drop one by one
            failed = self._stalled(asked - self._heard) or Unavailable(
                f"{shown(self.path)}: {_said(exc)}")
            self._lose(failed)
            raise failed from exc
        self._heard = time.monotonic()
        return done

    def _stalled(self, silent: float) -> Stalled | None:
        """The connection was found gone after `silent` seconds without a word to the server,
        past the stall limit: the process stood still (one that runs renews its leases every
        third of `takeover`), or waited on the gateway in a transaction (docs/scale.md)."""
        if self._stall_limit is None or silent < self._stall_limit:
            return None
        return Stalled(f"{shown(self.path)}: this process said nothing to the server for "
                       f"{silent:.0f} s (it was stopped: SIGSTOP, a frozen VM, a machine "
                       "asleep; or a gateway call that long in a transaction), past twice "
                       f"leases.takeover ({self._stall_limit:g} s): the server ended its "
                       "session, undoing what it had not committed, and its leases ran out")

    def _lose(self, failed: Unavailable) -> None:
        if self.lost is None:
            log.error("%s; the bot stops", failed)
            self.lost = failed
            if self.when_lost is not None:
                self.when_lost()

    async def _write(self, method: str, sql: str, *args: Any) -> Any:
        await self._before_write()
        async with self._use:
            if (control := self._control_due(writing=True)) is not None:
                await self._run(self._db.execute, control)
            return await self._run(getattr(self._db, method), sql, *args)

    async def _read(self, method: str, sql: str, params: Sequence[Any]) -> Any:
        async with self._use:
            if (control := self._control_due(writing=False)) is not None:
                await self._run(self._db.execute, control)
            return await self._run(getattr(self._db, method), self._statement(sql)[0],
                                   *params)

    async def execute(self, sql: str, params: Sequence[Any] = (), *,
                      durable: bool = False) -> int:  # (every commit is: synchronous_commit)
        statement, returns = self._statement(sql)
        if returns:
            return int(await self._write("fetchval", statement, *params) or 0)
        await self._write("execute", statement, *params)
        return 0

    async def changes(self, sql: str, params: Sequence[Any] = ()) -> int:
        status = await self._write("execute", self._statement(sql)[0], *params)
        count = str(status).rpartition(" ")[2]
        return int(count) if count.isdigit() else 0

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        rows = [tuple(row) for row in rows]
        if rows:
            await self._write("executemany", self._statement(sql)[0], rows)

    async def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        row = await self._read("fetchrow", sql, params)
        return tuple(row) if row is not None else None

    async def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return [tuple(row) for row in await self._read("fetch", sql, params)]


async def _read_only(db: asyncpg.Connection) -> str | None:
    """Why the server refused the bot's first write at start, when it stays so until the
    operator changes something (exit 2, not 1): it is a standby, which a failover does not
    turn into the primary behind `storage` (it promotes another server, or moves the
    primary's name to it once promoted: a standby at start is one `storage` names, the old
    primary rejoined as one, say); or the bot's own database, role or URL is set read-only.
    None for a primary read-only as a whole (postgresql.conf, ALTER SYSTEM: a switchover
    fencing it, a managed server whose storage filled), which is lifted without the bot."""
    try:
        standby, source, database, role = await db.fetchrow(
            "SELECT pg_is_in_recovery(), source, quote_ident(current_database()),"
            " quote_ident(current_user) FROM pg_settings"
            " WHERE name = 'default_transaction_read_only'")
    except _driver_errors():
        return None  # (said as it failed)
    if standby:
        return ("the server is a standby, which takes no writes: point storage at the "
                "primary (or name every server, with ?target_session_attrs=read-write)")
    if source == "client":
        return "the URL sets default_transaction_read_only: take it out of storage"
    made = {"database": f"ALTER DATABASE {database}", "user": f"ALTER ROLE {role}",
            "database user": f"ALTER ROLE {role} IN DATABASE {database}"}.get(source)
    return None if made is None else (
        f"the database is read-only to the bot ({made} SET default_transaction_read_only = "
        f"on): {made} RESET default_transaction_read_only")


def versions(rows: Iterable[Sequence[Any]]) -> dict[str, int]:
    """schema_version's rows, (component, version), as each component's version, either
    backend's. ValueError naming a version that is no number: another application's table
    of that name (or a row edited by hand), which migrating or comparing would trip on."""
    found: dict[str, int] = {}
    for component, version in rows:
        if type(version) is not int:  # (text, NULL, a fraction, bytes)
            raise ValueError(f"its schema_version holds {reprlib.repr(version)} as the "
                             f"version of {reprlib.repr(component)}, not a number")
        found[component] = version
    return found


NEVER = "groupbot never writes into another application's database"


def foreign(found: Mapping[str, int] | None, tables: bool) -> str | None:
    """Why a database (a PostgreSQL schema, an SQLite file) is another application's, which
    migrating would fill with the bot's tables, or None: groupbot's, or a new one. `found`:
    its schema_version's versions (None: it has no such table); `tables`: it holds tables
    (or views...) besides schema_version. A groupbot database's schema_version always holds
    the core's row (the core's migrations run first, each step in one transaction with its
    row): one with rows but not that one is another tool's table of that name. An empty one
    is what a first start stopped after making it leaves: the next start migrates it."""
    if found is None:
        return "it has tables, and no schema_version" if tables else None
    if "core" in found or not found:
        return None
    names = sorted(found, key=str)
    listed = ", ".join(reprlib.repr(name) for name in names[:3])
    more = f" and {len(names) - 3} more" if len(names) > 3 else ""
    return f"its schema_version has no row of groupbot's core, only {listed}{more}"


def not_ours(where: str, why: str) -> str:
    """The refusal of another application's database (`foreign`'s reason), one line."""
    return f"{where} is not a groupbot database ({why}): {NEVER}"


async def _migrate(db: asyncpg.Connection, migrations: Mapping[str, Sequence[str]],
                   url: str) -> None:
    """Every component's steps not applied yet, each in its own transaction; processes that
    start together take turns (an advisory lock), so each step runs once. Another
    application's schema is refused first (`foreign`), before anything is written to it."""
    await _take_turn(db)
    try:
        tables = {name for name, in await db.fetch(TABLES)}
        try:
            found = versions(await db.fetch("SELECT component, version FROM schema_version")) \
                if "schema_version" in tables else None
        except ValueError as exc:
            raise PostgresError(f"{shown(url)} is not a groupbot database ({exc})") from None
        if (why := foreign(found, bool(tables - {"schema_version"}))) is not None:
            raise PostgresError(not_ours(shown(url), why))
        await db.execute(
            "CREATE TABLE IF NOT EXISTS schema_version (component TEXT PRIMARY KEY,"
            " version INTEGER NOT NULL)")
        done_in = found or {}
        for component, steps in migrations.items():
            done = done_in.get(component, 0)
            for version, step in enumerate(steps[done:], start=done + 1):
                async with db.transaction():
                    if sql := ddl(step).strip():
                        await db.execute(sql)
                    await db.execute(
                        "INSERT INTO schema_version VALUES ($1, $2) ON CONFLICT (component)"
                        " DO UPDATE SET version = excluded.version", component, version)
    finally:
        await db.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK)


async def _take_turn(db: asyncpg.Connection) -> None:
    """The migration lock, waited for at most MIGRATION_WAIT: a process stalled while it
    migrates (SIGSTOP, a frozen VM) holds it, and the others would wait for ever. After
    MIGRATION_TELL the log says who holds it; at the end PostgresError says it too."""
    start = time.monotonic()
    told = False
    while not await db.fetchval("SELECT pg_try_advisory_lock($1)", MIGRATION_LOCK):
        waited = time.monotonic() - start
        if waited >= MIGRATION_WAIT:
            raise PostgresError(f"{await _migrator(db)} has been migrating the database for "
                                f"{waited:.0f} s: if it is stalled, stop it (docs/scale.md,"
                                " Upgrading)")
        if waited >= MIGRATION_TELL and not told:
            log.warning("waiting for %s to finish migrating the database (at most %.0f s)",
                        await _migrator(db), MIGRATION_WAIT)
            told = True
        await asyncio.sleep(0.1)


async def _migrator(db: asyncpg.Connection) -> str:
    """Who holds the migration lock, as the server knows it."""
    row = await db.fetchrow(
        "SELECT a.pid, a.client_addr, a.backend_start FROM pg_locks l"
        " JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory'"
        " AND l.granted AND l.objsubid = 1 AND l.classid::bigint = $1"
        " AND l.objid::bigint = $2", MIGRATION_LOCK >> 32, MIGRATION_LOCK & 0xFFFFFFFF)
    if row is None:
        return "another groupbot"
    source = f"from {row['client_addr']}" if row["client_addr"] else "on the server's host"
    return (f"another groupbot (server process {row['pid']}, connected {source} since "
            f"{row['backend_start'].astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC)")


# ------------------------------------------------------------------ copying into it
# (`groupbot storage copy`, bot/storage_copy.py: an SQLite deployment's rows moved here)

# the tables (and views...) of the schema the connection uses
TABLES = ("SELECT c.relname FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace"
          " AND c.relkind IN ('r', 'p', 'v', 'm', 'f') ORDER BY c.relname")
INTEGERS = ("smallint", "integer", "bigint")
# an identity (or serial) column's sequence set so that the next value is past the highest
# copied: table, column, value
SET_SEQUENCE = "SELECT setval(pg_get_serial_sequence(?, ?), ?)"
# each table's columns that take their values from a sequence (identity or serial), from the
# catalog: `id`, and `rowid` where PostgreSQL stands in for SQLite's implicit rowid
SEQUENCED = ("SELECT c.relname, a.attname FROM pg_attribute a JOIN pg_class c"
             " ON c.oid = a.attrelid WHERE c.relkind = 'r' AND a.attnum > 0"
             " AND NOT a.attisdropped AND c.relnamespace = current_schema()::regnamespace"
             " AND pg_get_serial_sequence(format('%I.%I', current_schema(), c.relname),"
             " a.attname) IS NOT NULL ORDER BY c.relname, a.attnum")


_TABLE_DDL = re.compile(r"\bCREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)"
                        r"|\bDROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?(\w+)"
                        r"|\bALTER\s+TABLE\s+(\w+)\s+RENAME\s+TO\s+(\w+)", re.I)


def tables_made(migrations: Mapping[str, Sequence[str]]) -> set[str]:
    """The tables the migrations leave on an empty schema (their CREATE TABLE, DROP TABLE
    and RENAME TO read in order), schema_version with them."""
    made = {"schema_version"}
    for steps in migrations.values():
        for step in steps:
            for created, dropped, old, new in _TABLE_DDL.findall(ddl(step)):
                if created:
                    made.add(created.lower())
                elif dropped:
                    made.discard(dropped.lower())
                else:
                    made.discard(old.lower())
                    made.add(new.lower())
    return made


def abandon(store: Any) -> None:
    """A PostgreSQL store's connection closed at once (PgStore.abandon)."""
    if isinstance(store, PgStore):
        store.abandon()


async def columns(store: Any) -> dict[str, list[tuple[str, str]]]:
    """Each table of the schema the store uses: its columns in order, each with its type as
    PostgreSQL names it (text, integer, bigint, double precision)."""
    found: dict[str, list[tuple[str, str]]] = {}
    for table, column, kind in await store.all(
            "SELECT c.relname, a.attname, format_type(a.atttypid, NULL) FROM pg_attribute a"
            " JOIN pg_class c ON c.oid = a.attrelid WHERE c.relkind = 'r' AND a.attnum > 0"
            " AND NOT a.attisdropped AND c.relnamespace = current_schema()::regnamespace"
            " ORDER BY c.relname, a.attnum"):
        found.setdefault(table, []).append((column, kind))
    return found


def stored(value: Any, kind: str) -> Any:
    """An SQLite value as a column of PostgreSQL type `kind` keeps it; ValueError saying
    why it cannot be. SQLite keeps any value in any column; the bot writes each column's
    own kind (times as UTC ISO text, flags as 0 or 1), and that is what passes here."""
    if value is None:
        return None
    if kind in INTEGERS:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int):
            raise ValueError(f"{reprlib.repr(value)} is not a whole number ({kind})")
        return value
    if kind == "double precision":
        if not isinstance(value, int | float):
            raise ValueError(f"{reprlib.repr(value)} is not a number ({kind})")
        return float(value)
    if kind == "text":
        if isinstance(value, bytes):
            try:
                value = value.decode()
            except UnicodeDecodeError:
                raise ValueError(f"{reprlib.repr(value)} is bytes, not UTF-8 text") from None
        if not isinstance(value, str):
            value = str(value)
        if "\0" in value:  # (PostgreSQL's text cannot hold it)
            raise ValueError(f"{reprlib.repr(value)} holds a NUL character, which "
                             "PostgreSQL's text cannot")
        return value
    raise ValueError(f"a column of type {kind}, which groupbot does not make")


@asynccontextmanager
async def scratch(url: str) -> AsyncIterator[str]:
    """A schema of its own in the database at `url`, dropped afterwards: the URL whose
    connections use it (`groupbot bench --storage`: each run starts empty)."""
    name = f"groupbot_scratch_{os.getpid()}_{next(_SCRATCH)}"
    db = await connect(url)
    try:
        await db.execute(f"CREATE SCHEMA {name}")
        try:
            yield f"{url}{'&' if '?' in url else '?'}search_path={name}"
        finally:
            await db.execute(f"DROP SCHEMA {name} CASCADE")
    finally:
        await db.close()


_SCRATCH = itertools.count(1)
SETTLE_WAIT = 2.0  # seconds a reader on another loop waits for the store to commit
_OPEN: weakref.WeakSet[PgStore] = weakref.WeakSet()  # this process's stores (PgReader.settle)


# ------------------------------------------------------------------ the reader


def _reader_attrs(url: str) -> dict[str, str]:
    """The server the URL asks for, as the reader can ask for it: its own sessions are
    read-only, so a `?target_session_attrs=read-write` (libpq's way to stay on the primary
    over a failover) never matched one and every process exited 1 for ever (review s37 r23
    R23-4): the reader asks for the primary it means."""
    try:
        pairs = _pairs(urlsplit(url).query)
    except ValueError:  # (the driver says what is wrong with it)
        return {}
    wanted = [unquote(value) for key, value in pairs if key == "target_session_attrs"]
    return {"target_session_attrs": "primary"} if "read-write" in wanted else {}


class PgReader:
    """Read-only connections of its own (a small pool) for long reads: reports and the
    console's series never wait for the bot's connection, nor it for them. It connects on
    the first read (and on the next, when that connect failed)."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._connections = Connect(self._open)

    async def _open(self) -> asyncpg.Pool:
        import asyncpg

        try:
            pool = await asyncpg.create_pool(
                expand(self._url), min_size=1, max_size=4, **_reader_attrs(self._url),
                server_settings={"application_name": "groupbot-reader",
                                 "default_transaction_read_only": "on"})
        except ssl.SSLCertVerificationError as exc:  # (as connect)
            raise _cannot_connect(self._url, exc) from exc
        except (ValueError, OverflowError) as exc:
            raise PostgresError(_unread(self._url, exc)) from None
        except _driver_errors() as exc:
            raise _cannot_connect(self._url, exc) from exc
        assert pool is not None
        return pool

    async def _fetch(self, sql: str, params: Sequence[Any]) -> list[Row]:
        for store in [s for s in _OPEN if s.path == self._url]:
            await store.settle_from_any_loop()
        pool = await self._connections()
        try:
            return [tuple(row) for row in await pool.fetch(placeholders(sql), *params)]
        except _driver_errors() as exc:
            raise _failed(exc, _said(exc)) from exc

    async def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        return next(iter(await self._fetch(sql, params)), None)

    async def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return await self._fetch(sql, params)

    async def close(self) -> None:
        if self._connections.started is None:
            return
        try:
            pool = await self._connections.started
        except PostgresError:
            return  # it never opened: nothing to close
        await pool.close()
