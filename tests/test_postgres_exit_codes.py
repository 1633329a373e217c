"""Which failures to reach PostgreSQL `groupbot run` exits 1 for (the systemd unit starts it
again: they pass) and which 2 (not restarted: only the operator can mend them), review s36
r18 R18-3. A certificate that fails verification, a host name that does not resolve, a
server without SSL where the URL requires it, a login refused (behind PgBouncer too): exit
2, in one line that names `storage` and what is wrong. A server that refuses connections
(down, starting, too many connections) or a transaction in the way of a start-up migration:
exit 1. On real servers, where this machine can make the failure.

And (brief s38 f18) what passes a restart though its class says "for now": a server read-only
at start because `storage` names a standby, or the bot's own database, role or URL is set
read-only (exit 2; a primary read-only as a whole stays exit 1), a database dropped under a
standby's session (57P04), a limit of the server's settings (53400)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from harness import groupbot
from pg import USER, Postgres, require_postgres
from test_postgres_outage import _config, _env

from bot.postgres import (
    PgReader,
    PgStore,
    PostgresError,
    Unavailable,
    _cannot_connect,
    connect,
    shown,
)


def _exit(tmp_path: Path, url: str, command: str = "run") -> tuple[int, str]:
    """`groupbot run` (or `report`: its reader's connections) on `url`: its exit code and
    its last line. Its home directory is `tmp_path` (no ~/.postgresql/root.crt)."""
    more = ["--simulator"] if command == "run" else []
    ran = groupbot(command, *more, "--config", str(_config(tmp_path, url)), stdin="/quit\n",
                   env=_env(HOME=str(tmp_path)))
    return ran.returncode, ran.stderr.strip().splitlines()[-1]


def _said(url: str, what: str, command: str = "run") -> str:
    return f"groupbot {command}: the database cannot be used: cannot connect to " \
           f"{shown(url)}: storage: {what}"


def _certificate(where: Path, name: str) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, and its key."""
    crt, key = where / f"{name}.crt", where / f"{name}.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", f"/CN={name}", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(crt)],
                   check=True, capture_output=True, timeout=60)
    return crt, key


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[Postgres, Path]]:
    """A server of the test's own with SSL on and a self-signed certificate: the server and
    its certificate."""
    server = Postgres(require_postgres())
    try:
        server.start()
        crt, key = _certificate(tmp_path, "server")
        for made in (crt, key):  # (the server's files: its user's, the key for it alone)
            copy = Path(shutil.copy(made, server.data))
            copy.chmod(0o600)
            if os.geteuid() == 0:  # (the server runs as USER: pg.py)
                shutil.chown(copy, USER)
        server.sql("ALTER SYSTEM SET ssl = on")
        server.sql("SELECT pg_reload_conf()")
        yield server, crt
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            server.stop()


def test_a_server_certificate_that_fails_verification_is_exit_2_naming_storage(
        tmp_path: Path, tls_server: tuple[Postgres, Path]) -> None:
    """It was exit 1: restarted every 10 s for ever, though no restart mends a certificate."""
    server, crt = tls_server
    other, _ = _certificate(tmp_path, "other")  # a CA that did not sign the server's
    base = f"postgresql://postgres@{server.host}:{server.port}/postgres?sslmode=verify-full"

    async def trusted() -> None:  # (the server's SSL works: with its certificate trusted)
        db = await connect(f"{base}&sslrootcert={crt}")
        await db.close()

    asyncio.run(trusted())
    url = f"{base}&sslrootcert={other}"
    for command in ("run", "report"):
        code, said = _exit(tmp_path / command, url, command)
        assert code == 2, said
        assert said == _said(url, "the server's certificate failed verification (self-signed "
                                  "certificate): give the CA that signed it (?sslrootcert=...),"
                                  " or mend the certificate", command)


def test_a_host_name_that_does_not_resolve_is_exit_2_naming_storage(tmp_path: Path) -> None:
    """A mistyped host name was exit 1, restarted for ever. (A resolver that cannot answer
    for now is exit 1: this machine's, if it has none that answers.)"""
    url = "postgresql://bot@db.invalid:5432/live"
    try:
        socket.getaddrinfo("db.invalid", 5432)
    except socket.gaierror as exc:
        answers = exc.errno != socket.EAI_AGAIN
    else:
        pytest.skip("this machine's resolver gives an address for a .invalid name")
    code, said = _exit(tmp_path, url)
    if not answers:
        assert code == 1, said
        return
    assert code == 2, said
    assert said == _said(url, "the host name does not resolve (Name or service not known)")


def test_ssl_required_of_a_server_without_it_is_exit_2_naming_storage(
        tmp_path: Path, postgres: Postgres) -> None:
    url = f"{postgres.url()}?sslmode=require"
    code, said = _exit(tmp_path, url)
    assert code == 2, said
    assert said == _said(url, "the server does not take SSL, and the URL's sslmode requires it")


@pytest.mark.parametrize("key, mode", [("sslrootcert", "verify-ca"), ("sslcert", "require")])
def test_a_certificate_file_that_is_not_there_is_exit_2_naming_storage(
        tmp_path: Path, postgres: Postgres, key: str, mode: str) -> None:
    """It was exit 1 (the driver's FileNotFoundError, as a server's missing socket is)."""
    url = f"{postgres.url()}?sslmode={mode}&{key}={tmp_path}/none.crt"
    code, said = _exit(tmp_path, url)
    assert code == 2, said
    assert said == _said(url, f"the file ?{key}= names cannot be read ([Errno 2] No such "
                              "file or directory)")


def test_a_server_socket_that_is_not_there_yet_is_exit_1(
        tmp_path: Path, postgres: Postgres) -> None:
    """(Not a missing file the URL names: a server not started yet.)"""
    url = f"postgresql:///postgres?host={tmp_path}/none"
    code, said = _exit(tmp_path, url)
    assert code == 1, said


def test_verify_full_without_a_ca_certificate_says_where_the_driver_looked(
        tmp_path: Path, postgres: Postgres) -> None:
    """It said the driver could not read the URL."""
    url = f"{postgres.url()}?sslmode=verify-full"
    code, said = _exit(tmp_path, url)
    assert code == 2, said
    assert said == _said(url, f'root certificate file "{tmp_path}/.postgresql/root.crt" does '
                              "not exist or cannot be accessed: name the CA's certificate "
                              "with ?sslrootcert=FILE")


def test_a_database_that_is_not_there_is_exit_2_naming_storage(
        tmp_path: Path, postgres: Postgres) -> None:
    url = postgres.url("nosuchdb")
    code, said = _exit(tmp_path, url)
    assert code == 2, said
    assert said == _said(url, 'database "nosuchdb" does not exist')


def test_too_many_connections_is_exit_1(tmp_path: Path, postgres: Postgres) -> None:
    """53300: the server's or the role's limit reached, for now."""
    role = f"full_{uuid.uuid4().hex[:8]}"
    postgres.sql(f"CREATE ROLE {role} LOGIN CONNECTION LIMIT 0")
    try:
        url = postgres.url().replace("postgres@", f"{role}@")
        code, said = _exit(tmp_path, url)
    finally:
        postgres.sql(f"DROP ROLE {role}")
    assert code == 1, said
    assert said == f"groupbot run: the database is unavailable: cannot connect to {url}: " \
                   f'too many connections for role "{role}"'


async def test_a_migration_a_lock_held_it_up_is_unavailable_for_now(
        postgres: Postgres) -> None:
    """55P03 (the database's lock_timeout) as another session holds the table a migration
    reads: exit 2 before, never restarted; now exit 1 (Unavailable), and the next start,
    once the lock is gone, migrates."""
    url = postgres.database()
    await (await PgStore.open(url, {})).close()  # (schema_version made)
    postgres.sql(f"ALTER DATABASE {url.rsplit('/', 1)[1]} SET lock_timeout = '200ms'")
    holder = await connect(url)
    try:
        async with holder.transaction():
            await holder.execute("LOCK TABLE schema_version IN ACCESS EXCLUSIVE MODE")
            with pytest.raises(Unavailable, match="canceling statement due to lock timeout"):
                await PgStore.open(url, {})
    finally:
        await holder.close()
    await (await PgStore.open(url, {})).close()


class ProtocolViolation(Exception):
    """The driver's error for SQLSTATE 08P01 as it reads (only bot/postgres.py imports the
    driver: tests/test_architecture.py)."""

    sqlstate = "08P01"


@pytest.mark.parametrize("said, passes", [
    ("password authentication failed", False),  # PgBouncer's own refusals
    ('server login failed: FATAL password authentication failed for user "bot"', False),
    ("no such database: live", False),
    ("no such user", False),
    ("no more connections allowed (max_client_conn)", True),  # for now
    ("pgbouncer cannot connect to server", True),
])
def test_behind_pgbouncer_a_refused_login_is_the_operators(said: str, passes: bool) -> None:
    """PgBouncer says 08P01 (protocol violation) for every refusal, a wrong password too
    (no PgBouncer on this machine: its error as the driver raises it)."""
    failed = _cannot_connect("postgresql://bot@pooler/live", ProtocolViolation(said))
    assert isinstance(failed, Unavailable) is passes
    assert isinstance(failed, PostgresError)
    assert ("storage: " in str(failed)) is not passes


@pytest.fixture
def standby() -> Iterator[tuple[Postgres, Postgres]]:
    """A primary of the test's own and a hot standby of it (pg_basebackup -R, streaming)."""
    primary, replica = Postgres(require_postgres()), Postgres(require_postgres())
    try:
        primary.start()
        primary.sql("CREATE DATABASE live")
        replica._run(str(replica.bin / "pg_basebackup"), "-D", str(replica.data), "-R",
                     "-X", "stream", "-c", "fast", "-d", primary.url())
        replica._run(str(replica.bin / "pg_ctl"), "-D", str(replica.data), "-o",
                     f"-p {replica.port} -k {replica.root} -c listen_addresses={replica.host}"
                     " -c max_connections=200", "-l", str(replica.root / "server.log"), "-w",
                     "start")
        yield primary, replica
    finally:
        for server in (replica, primary):
            with contextlib.suppress(subprocess.CalledProcessError):
                server.stop()


def _refused(url: str, what: str, command: str = "run") -> str:
    return f"groupbot {command}: the database cannot be used: {shown(url)}: storage: {what}"


def test_a_standby_at_start_is_exit_2_naming_storage(
        tmp_path: Path, standby: tuple[Postgres, Postgres]) -> None:
    """`storage` names a standby (the old primary rejoined as one after a failover, say): it
    was exit 1, restarted every 10 s for ever, though a standby stays one until the operator
    fails back or points `storage` at the primary."""
    _, replica = standby
    url = replica.url("live")
    code, said = _exit(tmp_path, url)
    assert code == 2, said
    assert said == _refused(url, "the server is a standby, which takes no writes: point "
                                 "storage at the primary (or name every server, with "
                                 "?target_session_attrs=read-write)")


def test_a_database_set_read_only_is_exit_2_saying_what_to_reset(
        tmp_path: Path, postgres: Postgres) -> None:
    url = postgres.database()
    name = url.rsplit("/", 1)[1]
    postgres.sql(f"ALTER DATABASE {name} SET default_transaction_read_only = on")
    code, said = _exit(tmp_path, url)
    assert code == 2, said
    assert said == _refused(url, f"the database is read-only to the bot (ALTER DATABASE "
                                 f"{name} SET default_transaction_read_only = on): ALTER "
                                 f"DATABASE {name} RESET default_transaction_read_only")


@pytest.mark.parametrize("where", ["role", "role in database", "URL"])
async def test_a_role_or_url_set_read_only_is_the_operators(
        postgres: Postgres, where: str) -> None:
    url = postgres.database()
    name, role = url.rsplit("/", 1)[1], f"ro_{uuid.uuid4().hex[:8]}"
    postgres.sql(f"CREATE ROLE {role} LOGIN; GRANT ALL ON DATABASE {name} TO {role}", name)
    postgres.sql(f"GRANT ALL ON SCHEMA public TO {role}", name)
    made = {"role": f"ALTER ROLE {role}",
            "role in database": f"ALTER ROLE {role} IN DATABASE {name}"}.get(where)
    if made is not None:
        postgres.sql(f"{made} SET default_transaction_read_only = on")
    url = url.replace("postgres@", f"{role}@")
    if made is None:
        url += "?default_transaction_read_only=on"
    try:
        with pytest.raises(PostgresError) as raised:
            await PgStore.open(url, {})
    finally:
        postgres.sql(f"DROP OWNED BY {role}", name)
        postgres.sql(f"DROP ROLE {role}")
    assert not isinstance(raised.value, Unavailable)
    assert str(raised.value) == f"{shown(url)}: storage: " + (
        "the URL sets default_transaction_read_only: take it out of storage" if made is None
        else f"the database is read-only to the bot ({made} SET default_transaction_read_only"
             f" = on): {made} RESET default_transaction_read_only")


def test_a_primary_read_only_as_a_whole_at_start_is_exit_1(tmp_path: Path) -> None:
    """postgresql.conf or ALTER SYSTEM: a switchover fencing the old primary, a managed
    server whose storage filled; lifted without the bot, which a restart then finds."""
    server = Postgres(require_postgres())
    try:
        server.start()
        server.sql("ALTER SYSTEM SET default_transaction_read_only = on")
        server.sql("SELECT pg_reload_conf()")
        code, said = _exit(tmp_path, server.url())
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            server.stop()
    assert code == 1, said
    assert said == f"groupbot run: the database is unavailable: {shown(server.url())}: " \
                   "cannot execute CREATE TABLE in a read-only transaction"


async def test_a_database_dropped_under_a_standbys_session_is_the_operators(
        standby: tuple[Postgres, Postgres]) -> None:
    """57P04: the primary dropped the database a reader on its standby reads (`groupbot
    report`, `web` alone): it was Unavailable, exit 1, and restarted for ever."""
    primary, replica = standby
    url = replica.url("live")
    reader = PgReader(url)
    try:
        await reader.one("SELECT 1")  # (connected)
        reading = asyncio.ensure_future(reader.one("SELECT pg_sleep(60)"))
        async with asyncio.timeout(30):  # (the query under way on the standby, then the drop)
            while "pg_sleep" not in await asyncio.to_thread(
                    replica.sql, "SELECT query FROM pg_stat_activity WHERE state = 'active'"
                    " AND pid <> pg_backend_pid()"):
                await asyncio.sleep(0.05)
        await asyncio.to_thread(primary.sql, "DROP DATABASE live")
        with pytest.raises(PostgresError) as raised:
            await asyncio.wait_for(reading, 50)
    finally:
        await reader.close()
    assert not isinstance(raised.value, Unavailable)
    assert str(raised.value).endswith(
        "terminating connection due to conflict with recovery: storage: the database was "
        "dropped: create it again (or restore it), or point storage at another")


async def test_a_statement_past_a_limit_of_the_servers_settings_is_the_operators(
        postgres: Postgres) -> None:
    """53400 (temp_file_limit): at start, a migration past it was exit 1 and ran into it
    again after every restart; at run time the bot stopped (exit 1) rather than drop the
    event that ran into it."""
    url = postgres.database()
    name = url.rsplit("/", 1)[1]
    postgres.sql(f"ALTER DATABASE {name} SET temp_file_limit = '64kB'")
    postgres.sql(f"ALTER DATABASE {name} SET work_mem = '64kB'")
    spills = "SELECT g FROM generate_series(1, 100000) g ORDER BY md5(g::text)"
    with pytest.raises(PostgresError) as raised:
        await PgStore.open(url, {"big": [f"CREATE TABLE big AS {spills}"]})
    assert not isinstance(raised.value, Unavailable)
    assert str(raised.value) == (
        f"{shown(url)}: temporary file size exceeds temp_file_limit (64kB): storage: a limit "
        "of the server's settings: raise it for storage's database or role (ALTER "
        "DATABASE/ROLE ... SET ...) or in postgresql.conf")
    store = await PgStore.open(url, {})
    try:
        with pytest.raises(PostgresError, match="exceeds temp_file_limit") as raised:
            await store.all(spills)
        assert not isinstance(raised.value, Unavailable)
        assert store.lost is None
        assert await store.one("SELECT 1") == (1,)
    finally:
        await store.close()


async def test_a_database_dropped_under_the_bot_is_exit_1_then_exit_2_at_the_next_start(
        postgres: Postgres) -> None:
    """On the primary, DROP DATABASE ... WITH (FORCE) ends the bot's session as a shutdown
    or pg_terminate_backend does (57P01, which the driver may not even pass on): exit 1; the
    start after finds the database gone and names `storage`, exit 2."""
    url = postgres.database()
    store = await PgStore.open(url, {})
    try:
        await asyncio.to_thread(postgres.sql, f"DROP DATABASE {url.rsplit('/', 1)[1]} WITH "
                                              "(FORCE)")
        with pytest.raises(Unavailable):
            await store.all("SELECT 1")
    finally:
        await store.close()
    with pytest.raises(PostgresError) as raised:
        await PgStore.open(url, {})
    assert not isinstance(raised.value, Unavailable)
    assert str(raised.value) == _said(url, f'database "{url.rsplit("/", 1)[1]}" does not '
                                           "exist").partition("cannot be used: ")[2]
