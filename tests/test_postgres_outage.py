"""PostgreSQL unavailable for a while: a restart, a failover, a start before the server is up
(docs/deploy.md, docs/scale.md). That is no mistake of the configuration: `groupbot run`
exits 1, which the shipped systemd unit restarts, with one line naming the database (its
password masked). A database that refuses writes (a standby after a failover, a full disk)
stops the bot the same way, rather than every event being dropped one by one. Exit 2 stays
for what the operator must fix: a wrong password. Each test has a server of its own: it
stops it, or changes its settings."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from harness import BOT_YAML, groupbot, write_config
from pg import USER, Postgres, require_postgres

from bot.postgres import PgReader, PostgresError, connect, expand, shown

SIMULATED = BOT_YAML + """\
web: {enabled: false}
simulator:
  contacts: {alice: Alice}
  groups:
    - {id: r1, topic: "Recruitment 01", members: [alice]}
"""
SECRET = "s3cr@t/pa#ss?[x]%41"  # (the URL's special characters: read whole, never shown)
WAIT = 120.0  # a fresh interpreter on a loaded machine


@pytest.fixture
def server() -> Iterator[Postgres]:
    """A server of the test's own, which asks every user but the superuser for a password."""
    server = Postgres(require_postgres())
    try:
        server.start()
        hba = server.data / "pg_hba.conf"
        hba.write_text(f"local all {USER} trust\nhost all {USER} {server.host}/32 trust\n"
                       f"host all all {server.host}/32 scram-sha-256\n", encoding="utf-8")
        server.sql("SELECT pg_reload_conf()")
        server.sql(f"CREATE ROLE bot LOGIN PASSWORD '{SECRET}'")
        server.sql("CREATE DATABASE live OWNER bot")
        yield server
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):  # (a test stopped it)
            server.stop()


def _config(tmp_path: Path, url: str) -> Path:
    return write_config(tmp_path / "config", SIMULATED.replace("storage: bot.db",
                                                               f"storage: {url}"),
                        {"recruitment": "handlers: []\n"})


def _env(**extra: str) -> dict[str, str]:
    return {**{k: v for k, v in os.environ.items()
               if not k.startswith(("WECHATY_", "GROUPBOT_", "PG"))}, **extra}


URL = "postgresql://bot:${GROUPBOT_DB_PASSWORD}@{host}:{port}/live"


def _url(server: Postgres) -> str:
    return URL.replace("{host}", server.host).replace("{port}", str(server.port))


def _serving(server: Postgres, process: subprocess.Popen[str]) -> None:
    """Wait until `process` serves the database (it has recorded its platform)."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        try:
            if server.sql("SELECT name FROM platform", "live").strip() == "simulator":
                return
        except subprocess.CalledProcessError:  # not migrated yet
            pass
        time.sleep(0.1)
    raise AssertionError("the bot never started")


def _stopped(process: subprocess.Popen[str]) -> tuple[int, list[str]]:
    """Its exit code and its lines, once it stops by itself (its input left open: at its end
    the simulator stops), or the test's bound."""
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        raise AssertionError(f"the bot served on:\n{process.communicate()[1][-3000:]}") from None
    return process.returncode, process.communicate()[1].strip().splitlines()


def _run(root: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "bot.cli", "run", "--simulator", "--config",
                             str(root)], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True,
                            env=_env(GROUPBOT_DB_PASSWORD=SECRET))


def _say(process: subprocess.Popen[str], text: str) -> None:
    assert process.stdin is not None
    with contextlib.suppress(BrokenPipeError):  # (it stopped already: a timer's write)
        process.stdin.write(text + "\n")
        process.stdin.flush()


def test_a_database_stopped_under_the_bot_stops_it_with_exit_1_naming_it(
        tmp_path: Path, server: Postgres) -> None:
    """A PostgreSQL restart (a minor upgrade, a failover): every process exited 2, which the
    unit never restarts (RestartPreventExitStatus=2), and the bots stayed down."""
    url = _url(server)
    process = _run(_config(tmp_path, url))
    try:
        _serving(server, process)
        server._run(str(server.bin / "pg_ctl"), "-D", str(server.data), "-m", "fast", "-w",
                    "stop")
        _say(process, "hello")  # the next event finds the connection gone
        code, lines = _stopped(process)
    finally:
        process.kill()
    assert code == 1, lines
    where = shown(url)
    assert where == f"postgresql://bot:***@{server.host}:{server.port}/live"
    assert any(line.endswith("; the bot stops") and f"ERROR bot.postgres: {where}: " in line
               for line in lines), lines
    assert lines[-1].startswith(f"groupbot run: the database is unavailable: {where}: "), lines
    assert not any(part in "\n".join(lines) for part in ("s3cr", "pa#ss", "%41")), lines


def test_a_database_not_up_yet_at_start_is_exit_1_and_a_wrong_password_exit_2(
        tmp_path: Path, server: Postgres) -> None:
    """A start before PostgreSQL accepts connections (at boot: the unit does not wait for a
    database elsewhere) is tried again by the service manager; a password that is wrong
    would be refused again and again, so it is the operator's (exit 2)."""
    root = _config(tmp_path, _url(server))
    wrong = groupbot("run", "--simulator", "--config", str(root), stdin="/quit\n",
                     env=_env(GROUPBOT_DB_PASSWORD=SECRET + "x"))
    assert wrong.returncode == 2, wrong.stderr
    assert 'password authentication failed for user "bot"' in wrong.stderr
    server._run(str(server.bin / "pg_ctl"), "-D", str(server.data), "-m", "fast", "-w", "stop")
    down = groupbot("run", "--simulator", "--config", str(root), stdin="/quit\n",
                    env=_env(GROUPBOT_DB_PASSWORD=SECRET))
    assert down.returncode == 1, down.stderr
    [said] = [line for line in down.stderr.splitlines() if line.startswith("groupbot run:")]
    assert said.startswith("groupbot run: the database is unavailable: cannot connect to "
                           f"{shown(_url(server))}: "), said
    for ran in (wrong, down):
        assert "s3cr" not in ran.stderr and "pa#ss" not in ran.stderr, ran.stderr


def test_a_database_turned_read_only_stops_the_bot_rather_than_drop_each_event(
        tmp_path: Path, server: Postgres) -> None:
    """A failover onto a hot standby behind the same name, a managed server whose storage
    filled: each event's write failed, the event was dropped, and the bot served on."""
    process = _run(_config(tmp_path, _url(server)))
    try:
        _serving(server, process)
        server.sql("ALTER SYSTEM SET default_transaction_read_only = on")
        server.sql("SELECT pg_reload_conf()")
        time.sleep(0.5)  # (the bot's session reads the setting at its next command)
        _say(process, "hello")
        code, lines = _stopped(process)
    finally:
        process.kill()
    assert code == 1, lines
    assert lines[-1].startswith(
        f"groupbot run: the database is unavailable: {shown(_url(server))}: cannot execute "), lines
    assert lines[-1].endswith(" in a read-only transaction"), lines


# every character of the review's s_password.py's 16 passwords (each URL-special one, and a
# few more), in four: a plain one, and %40 apart, which must not be read as @
PASSWORDS = ["plain123", "p@s:s/w#o?r%d", "pa%40ss", "pa ss&x=1$'\"\\]s[密码"]


def test_a_password_given_as_name_in_the_url_is_read_whole_whatever_it_holds(
        tmp_path: Path, server: Postgres) -> None:
    """`postgresql://user:${NAME}@host/db` (docs/configuration.md): a password with `@ / # ?
    [ ]` broke the URL, one with `%40` was decoded into another, and the errors showed
    pieces of it. Each user here may log in to its database only with its password."""
    for i, password in enumerate(PASSWORDS):
        quoted = password.replace("'", "''")
        server.sql(f"CREATE ROLE u{i} LOGIN PASSWORD '{quoted}'")
        server.sql(f"CREATE DATABASE d{i} OWNER u{i}")
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text('start: "2026-11-23 09:00"\ngroups: [{id: r9, topic: Real 09}]\n'
                        "steps:\n  - join: {group: r9, members: [dave]}\n", encoding="utf-8")
    for i, password in enumerate(PASSWORDS):
        url = f"postgresql://u{i}:${{GROUPBOT_DB_PASSWORD}}@{server.host}:{server.port}/d{i}"
        root = _config(tmp_path / f"c{i}", url)
        # the bot's store (replay: migrations and all), then a reader's pool (report)
        replay = groupbot("replay", str(scenario), "--config", str(root), "--db", url,
                          env=_env(GROUPBOT_DB_PASSWORD=password))
        assert replay.returncode == 0, (password, replay.stderr)
        assert server.sql("SELECT member FROM roster", f"d{i}").split() == ["dave"], password
        report = groupbot("report", "--config", str(root), env=_env(GROUPBOT_DB_PASSWORD=password))
        assert report.returncode == 0, (password, report.stderr)
        wrong = groupbot("report", "--config", str(root),
                         env=_env(GROUPBOT_DB_PASSWORD=password + "x"))
        assert wrong.returncode == 2, (password, wrong.stderr)
        assert wrong.stderr.strip() == (
            f"groupbot report: the database cannot be used: cannot connect to {shown(url)}: "
            f'storage: password authentication failed for user "u{i}"'), password


@pytest.mark.parametrize("port", ["54x32", "99999"])  # (a port past 65535: review s36 r18
async def test_a_value_the_driver_cannot_read_is_said_without_it_naming_storage(  # R18-6)
        monkeypatch: pytest.MonkeyPatch, port: str) -> None:
    """The driver's own words quoted the URL with the values filled in; a port past 65535
    was a traceback (OverflowError) and exit 1, so `run` was restarted for ever."""
    monkeypatch.setenv("GROUPBOT_DB_PORT", port)
    monkeypatch.setenv("GROUPBOT_DB_PASSWORD", "pa:ss]")
    url = "postgresql://u:${GROUPBOT_DB_PASSWORD}@127.0.0.1:${GROUPBOT_DB_PORT}/db"
    for opening in (connect(url), PgReader(url).one("SELECT 1")):
        with pytest.raises(PostgresError) as raised:
            await opening
        assert str(raised.value) == (
            "storage: the PostgreSQL driver cannot read postgresql://u:***@127.0.0.1:"
            "${GROUPBOT_DB_PORT}/db with the values of its ${NAME}s filled in "
            "(docs/configuration.md)")


@pytest.mark.parametrize("url, expanded", [
    ("postgresql://u:${P}@db:5432/groupbot",
     "postgresql://u:a%40b%2F%23%3F%5B%5D%25%20%26%3D@db:5432/groupbot"),
    ("postgresql://db/groupbot?sslmode=require&password=${P}",
     "postgresql://db/groupbot?sslmode=require&password=a%40b%2F%23%3F%5B%5D%25%20%26%3D"),
    ("postgresql://${U}@${HOST}/${DB}", "postgresql://me@db.internal:5432/bot"),
])
def test_a_value_is_percent_encoded_where_the_url_needs_it(url: str, expanded: str) -> None:
    """In the user info and the query, which the driver decodes; the host and the database
    as given (a `${NAME}` may stand for `host:port`)."""
    env = {"P": "a@b/#?[]% &=", "U": "me", "HOST": "db.internal:5432", "DB": "bot"}
    assert expand(url, env) == expanded
