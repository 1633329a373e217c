"""Wrong arguments to the `groupbot` commands end in one line on stderr and exit 2, never a
traceback; `audit` reads the database `--db` names, like `report` and `export`; what
`export --out` writes to (a regular file, through a symbolic link too, or `-`)."""

from __future__ import annotations

import contextlib
import ctypes
import errno
import json
import os
import re
import resource
import select
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

import pytest
from harness import (
    BOT_YAML,
    Ran,
    another_applications_database,
    groupbot,
    sqlite_file,
    write_config,
)

from bot import postgres
from bot.cli import main

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = str(ROOT / "config")
SCENARIOS = ROOT / "tests" / "scenarios"

COMMANDS = {
    "report": ["report", "--config", SHIPPED],
    "export": ["export", "--what", "members", "--out", "members.csv", "--config", SHIPPED],
    "audit": ["audit", "--config", SHIPPED],
    "replay": ["replay", str(SCENARIOS / "pacing.yaml")],
}


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _one_line(err: str) -> str:
    [line] = err.strip().splitlines()
    return line


@pytest.fixture(scope="module")
def played(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database the bot has run on: the moderation scenario leaves audit records."""
    db = tmp_path_factory.mktemp("played") / "bot.db"
    assert main(["replay", str(SCENARIOS / "moderation_ads.yaml"), "--db", str(db)]) == 0
    return db


# SQLite alone, the next two: a --db path that is a directory or another file
@pytest.mark.parametrize("command", COMMANDS)
def test_db_pointing_at_a_directory_exits_2(capsys: pytest.CaptureFixture[str],
                                            tmp_path: Path, command: str) -> None:
    code, _, err = _run(capsys, *COMMANDS[command], "--db", str(tmp_path))
    assert code == 2
    assert _one_line(err) == f"groupbot {command}: --db {tmp_path} is a directory, not a " \
                             "database file"


@pytest.mark.parametrize("command", COMMANDS)
def test_db_pointing_at_a_named_pipe_exits_2_without_reading_it(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, command: str) -> None:
    """(Reading a pipe nobody writes to would wait for ever.)"""
    pipe = tmp_path / "p.db"
    os.mkfifo(pipe)
    code, _, err = _run(capsys, *COMMANDS[command], "--db", str(pipe))
    assert code == 2
    assert _one_line(err) == f"groupbot {command}: --db {pipe} is not a regular file (a " \
                             "pipe, a device or a socket)"


@pytest.mark.parametrize("command", ["report", "audit"])
def test_a_db_path_with_url_characters_is_read_as_that_file(
        capsys: pytest.CaptureFixture[str], played: Path, tmp_path: Path,
        command: str) -> None:
    """The read-only connection opens the file by a URI: '#', '?' and '%' in its path are
    quoted, not taken for the URI's own parts (a stray file named up to '#' was made)."""
    odd = tmp_path / "bot #1 ?50%20.db"
    shutil.copy(played, odd)
    code, out, err = _run(capsys, *COMMANDS[command], "--db", str(odd))
    assert code == 0, err
    assert "eve" in out or "warn" in out
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(odd.name)) == []


@pytest.mark.parametrize("command", COMMANDS)
def test_db_pointing_at_a_file_that_is_no_database_exits_2(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, command: str) -> None:
    notes = tmp_path / "notes.db"
    notes.write_text("shopping list\n", encoding="utf-8")
    code, _, err = _run(capsys, *COMMANDS[command], "--db", str(notes))
    assert code == 2
    assert _one_line(err) == f"groupbot {command}: --db {notes} is not an SQLite database"
    assert notes.read_text(encoding="utf-8") == "shopping list\n"  # left as it was


def _left_alone(db: Path, before: bytes) -> None:
    """Not a byte of it changed, and no side file was left next to it."""
    assert db.read_bytes() == before
    assert [p.name for p in db.parent.iterdir() if p.name.startswith(db.name)] == [db.name]


NOT_OURS = "is not a groupbot database (it has tables, and no schema_version): groupbot " \
           "never writes into another application's database"


@pytest.mark.parametrize("command, said", [
    ("report", "groupbot report: the database cannot be used: {db} " + NOT_OURS),
    ("export", "groupbot export: the database cannot be used: {db} " + NOT_OURS),
    ("replay", "groupbot replay: the database cannot be used: {db} " + NOT_OURS),
])
def test_db_of_another_application_exits_2_and_is_left_alone(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, command: str, said: str) -> None:
    other = another_applications_database(tmp_path / "other.db")
    before = other.read_bytes()
    code, _, err = _run(capsys, *COMMANDS[command], "--db", str(other))
    assert code == 2
    assert _one_line(err) == said.format(db=other)
    _left_alone(other, before)


def test_the_simulator_refuses_another_applications_database_before_writing_to_it(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    root = write_config(tmp_path / "config", BOT_YAML, {"recruitment": "handlers: []\n"})
    other = another_applications_database(root / "bot.db")
    before = other.read_bytes()
    code, _, err = _run(capsys, "run", "--simulator", "--config", str(root))
    assert code == 2
    assert _one_line(err) == f"groupbot run: the database cannot be used: {other} {NOT_OURS}"
    _left_alone(other, before)


def _text_versions(db: Path) -> Path:
    """An SQLite file with another tool's schema_version: its version a text."""
    return sqlite_file(db, "CREATE TABLE schema_version (component TEXT, version TEXT);"
                           " INSERT INTO schema_version VALUES ('core', 'x')")


@pytest.mark.parametrize("command", [*COMMANDS, "web", "run", "check"])
def test_a_schema_version_that_is_no_number_is_not_a_groupbot_database(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, command: str) -> None:
    root = write_config(tmp_path / "config", BOT_YAML, {"recruitment": "handlers: []\n"})
    db = _text_versions(root / "bot.db")
    before = db.read_bytes()
    args = {"web": ["web", "--config", str(root), "--port", "0"],
            "run": ["run", "--simulator", "--config", str(root)],
            "check": ["check", "--config", str(root)]}.get(command)
    code, _, err = _run(capsys, *(args or [*COMMANDS[command], "--db", str(db)]))
    assert code == 2
    assert (f"{db} is not a groupbot database (its schema_version holds 'x' as the version of "
            "'core', not a number)") in (err if command == "check" else _one_line(err))
    if command == "check":  # (its read-only look at a file in WAL mode leaves the side files)
        assert db.read_bytes() == before
    else:
        _left_alone(db, before)


@pytest.mark.parametrize("args, message", [
    (("report", "--since", "100000000d"), "--since '100000000d' is not between 1970-01-02 and"),
    (("report", "--until", "0001-01-01"), "--until '0001-01-01' is not between 1970-01-02 and"),
    (("report", "--since", "9999-12-31"), "--since '9999-12-31' is not between 1970-01-02 and"),
    (("audit", "--since", "100000000d"), "--since '100000000d' is not between 1970-01-02 and"),
])
def test_times_out_of_range_exit_2(capsys: pytest.CaptureFixture[str], played: Path,
                                   args: tuple[str, ...], message: str) -> None:
    code, _, err = _run(capsys, *args, "--config", SHIPPED, "--db", str(played))
    assert code == 2
    assert _one_line(err).startswith(f"groupbot {args[0]}: {message}")


def test_report_of_an_account_when_bot_yaml_lists_none_says_so(
        capsys: pytest.CaptureFixture[str], played: Path) -> None:
    """It said "no account 'sales-1' in bot.yaml's accounts (known: )"."""
    code, _, err = _run(capsys, "report", "--account", "sales-1", "--config", SHIPPED, "--db",
                        str(played))
    assert code == 2
    assert _one_line(err) == "groupbot report: no account 'sales-1': bot.yaml lists no " \
                             "`accounts` (one process serves every group: docs/scale.md)"


@pytest.mark.parametrize("command", ["replay", "report"])
def test_a_postgresql_url_that_does_not_parse_is_one_line_and_hides_its_password(
        capsys: pytest.CaptureFixture[str], command: str) -> None:
    """An unclosed IPv6 bracket was a traceback: showing the URL without its password parsed
    it again."""
    code, _, err = _run(capsys, *COMMANDS[command], "--db", "postgresql://bot:s3cret@[::1/bot")
    assert code == 2
    assert _one_line(err) == f"groupbot {command}: --db postgresql://bot:***@[::1/bot is not a " \
                             "valid URL: Invalid IPv6 URL"


@pytest.mark.parametrize(("url", "seen"), [
    ("postgresql://bot:${PW}@db/bot", "postgresql://bot:***@db/bot"),
    ("postgresql://bot@db/bot?sslmode=require&password=${PW}",
     "postgresql://bot@db/bot?sslmode=require&password=***"),
    ("postgresql://bot@db/bot?Password=${PW}&x=1", "postgresql://bot@db/bot?Password=***&x=1"),
    ("postgresql://bot@db/bot?passwords=1", "postgresql://bot@db/bot?passwords=1"),
    # the client key's passphrase (review s36 r18 R18-7)
    ("postgresql://bot@db/bot?sslkey=k.pem&sslpassword=open-sesame",
     "postgresql://bot@db/bot?sslkey=k.pem&sslpassword=***"),
    # a key the driver decodes (s36 r20 R20-7)
    ("postgresql://bot@db/bot?ssl%70assword=open-sesame&pass%77ord=x",
     "postgresql://bot@db/bot?ssl%70assword=***&pass%77ord=***"),
    # an @ in the query or the fragment is no user info's (s36 r22 R22-1)
    ("postgresql://h/db?application_name=a@b", "postgresql://h/db?application_name=a@b"),
    ("postgresql://h:5432/db?application_name=a@b&password=S",
     "postgresql://h:5432/db?application_name=a@b&password=***"),
    # a URL that cannot be parsed shows neither (s36 r19 R19-6)
    ("postgresql://u:pw@[::1/db?sslpassword=S&password=P#x",
     "postgresql://u:***@[::1/db?sslpassword=***&password=***#x")])
def test_a_url_is_shown_without_its_password_in_either_place(url: str, seen: str) -> None:
    """`?password=` is a libpq way to give one too; it was shown as written."""
    assert postgres.shown(url) == seen


def test_export_to_a_directory_exits_2(capsys: pytest.CaptureFixture[str], played: Path,
                                       tmp_path: Path) -> None:
    code, _, err = _run(capsys, "export", "--what", "members", "--out", str(tmp_path),
                        "--config", SHIPPED, "--db", str(played))
    assert code == 2
    assert _one_line(err) == f"groupbot export: {tmp_path}: Is a directory"


def _export_to(capsys: pytest.CaptureFixture[str], played: Path, out: Path | str,
               ) -> tuple[int, str, str]:
    return _run(capsys, "export", "--what", "members", "--out", str(out),
                "--config", SHIPPED, "--db", str(played))


def _special(path: Path, kind: str) -> None:
    """Make a FIFO, a socket or a character device (/dev/null's numbers) at `path`."""
    if kind == "FIFO":
        os.mkfifo(path)
    elif kind == "socket":
        with socket.socket(socket.AF_UNIX) as listener:
            listener.bind(str(path))  # the socket file stays when it closes
    else:
        try:
            os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))
        except PermissionError:
            pytest.skip("making a device node needs root")


@pytest.mark.parametrize("kind, shown", [("FIFO", "a FIFO (named pipe)"),
                                         ("socket", "a socket"),
                                         ("device", "a character device")])
@pytest.mark.parametrize("linked", [False, True])
def test_export_refuses_what_is_not_a_regular_file_and_leaves_it_be(
        capsys: pytest.CaptureFixture[str], played: Path, tmp_path: Path, kind: str,
        shown: str, linked: bool) -> None:
    node = tmp_path / "node"
    _special(node, kind)
    out = tmp_path / "out.csv" if linked else node
    if linked:
        out.symlink_to(node)
    code, said, err = _export_to(capsys, played, out)
    assert code == 2 and said == ""
    assert _one_line(err) == f"groupbot export: {out} is {shown}, not a regular file: an " \
                             "export only writes a file (`--out -` writes to standard output)"
    assert stat.S_IFMT(node.lstat().st_mode) != stat.S_IFREG  # still what it was
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted({node.name, out.name})


def test_export_through_a_symbolic_link_replaces_the_file_it_leads_to(
        capsys: pytest.CaptureFixture[str], played: Path, tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "members.csv").write_text("last week\n")
    (shared / "members.csv").chmod(0o640)
    link = tmp_path / "members.csv"
    link.symlink_to(shared / "members.csv")
    (tmp_path / "new.csv").symlink_to("shared/new.csv")  # leads to no file yet
    for out in (link, tmp_path / "new.csv"):
        code, said, err = _export_to(capsys, played, out)
        assert (code, said) == (0, f"wrote 3 members row(s) to {out}\n"), err
        assert out.is_symlink()
        assert out.read_text(encoding="utf-8-sig").startswith('"group","member"')
    assert stat.S_IMODE((shared / "members.csv").stat().st_mode) == 0o640
    assert sorted(p.name for p in shared.iterdir()) == ["members.csv", "new.csv"]  # no .part


def test_export_to_a_symbolic_link_loop_exits_2(
        capsys: pytest.CaptureFixture[str], played: Path, tmp_path: Path) -> None:
    loop = tmp_path / "loop.csv"
    loop.symlink_to("loop.csv")
    code, _, err = _export_to(capsys, played, loop)
    assert code == 2
    assert _one_line(err) == f"groupbot export: {loop}: {os.strerror(errno.ELOOP)}"
    assert [p.name for p in tmp_path.iterdir()] == ["loop.csv"] and loop.is_symlink()


def test_export_to_dash_writes_the_csv_to_standard_output(
        capsysbinary: pytest.CaptureFixture[bytes], played: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["export", "--what", "members", "--out", "./-", "--config", SHIPPED,
                 "--db", str(played)]) == 0  # a file named `-`
    capsysbinary.readouterr()
    assert main(["export", "--what", "members", "--out", "-", "--config", SHIPPED,
                 "--db", str(played)]) == 0
    out, err = capsysbinary.readouterr()
    assert out == (tmp_path / "-").read_bytes()  # the same bytes, BOM first
    assert out.startswith(b'\xef\xbb\xbf"group","member"')
    assert err == b"wrote 3 members row(s) to standard output\n"
    assert [p.name for p in tmp_path.iterdir()] == ["-"]


def test_export_to_dev_stdout_in_a_pipe_writes_the_csv_to_standard_output(
        capsysbinary: pytest.CaptureFixture[bytes], played: Path) -> None:
    """/dev/stdout leads to `pipe:[N]` there, no file: it is taken as `--out -`."""
    done = subprocess.run([sys.executable, "-m", "bot.cli", "export", "--what", "members",
                           "--out", "/dev/stdout", "--config", SHIPPED, "--db", str(played)],
                          capture_output=True, cwd=ROOT, timeout=120)
    assert (done.returncode, done.stderr) == (0, b"wrote 3 members row(s) to standard output\n")
    assert main(["export", "--what", "members", "--out", "-", "--config", SHIPPED,
                 "--db", str(played)]) == 0
    assert done.stdout == capsysbinary.readouterr().out


def test_export_to_an_empty_out_says_what_to_give(capsys: pytest.CaptureFixture[str],
                                                  played: Path) -> None:
    code, said, err = _export_to(capsys, played, "")
    assert code == 2 and said == ""
    assert _one_line(err) == "groupbot export: --out '' names no file: give a file name, or - " \
                             "for standard output"


def test_audit_reads_the_database_given_by_db(capsys: pytest.CaptureFixture[str],
                                              played: Path) -> None:
    code, out, err = _run(capsys, "audit", "--config", SHIPPED, "--db", str(played))
    assert code == 0, err
    assert "Eve (eve)  kick    antispam" in out


def _scenario(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text("start: 2026-11-23 08:55\n" + text, encoding="utf-8")
    return path


def test_replay_refuses_two_groups_with_the_same_id(capsys: pytest.CaptureFixture[str],
                                                    tmp_path: Path) -> None:
    scenario = _scenario(tmp_path, "groups:\n  - {id: r1, topic: Listener Recruitment 01}\n"
                                   "  - {id: r1, topic: Listener Recruitment 02}\n"
                                   "steps: []\n")
    code, out, err = _run(capsys, "replay", str(scenario), "--config", SHIPPED)
    assert code == 2 and out == ""
    assert _one_line(err) == f"{scenario}:4: groups[1].id: group 'r1' is already declared " \
                             "as groups[0]"


UNREPORTED_JOIN = """\
groups:
  - {id: r1, topic: "Listener Recruitment 01", members: [alice]}
steps:
  - join: {group: r1, members: [carol], reported: false}
  - restart: %s
  - say: {group: r1, from: alice, text: hello}
"""


@pytest.mark.parametrize("restart, welcomed", [("true", ["carol"]), ("false", [])])
def test_replay_restarts_only_on_restart_true(capsys: pytest.CaptureFixture[str],
                                              tmp_path: Path, restart: str,
                                              welcomed: list[str]) -> None:
    """A restart compares member lists at start (the join backstop), so the unreported
    newcomer is welcomed after a restart, and only then."""
    scenario = _scenario(tmp_path, UNREPORTED_JOIN % restart)
    code, out, err = _run(capsys, "replay", str(scenario), "--config", SHIPPED)
    assert code == 0, err
    actions = [json.loads(line) for line in out.splitlines()]
    assert [m for a in actions for m in a.get("mentions", [])] == welcomed


def test_replay_refuses_a_restart_that_is_not_true_or_false(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    scenario = _scenario(tmp_path, UNREPORTED_JOIN % "later")
    code, _, err = _run(capsys, "replay", str(scenario), "--config", SHIPPED)
    assert code == 2
    assert _one_line(err) == f"{scenario}:6: steps[1].restart: write `restart: true` (or " \
                             "`false` to skip the restart)"


@pytest.mark.parametrize("steps, line, key", [
    ("  - wait: 99999999d\n", 5, "steps[0].wait"),
    ("  - wait: 200d\n  - say: {group: r1, from: alice, text: hi}\n    after: 200d\n", 7,
     "steps[1].after")])
def test_replay_refuses_a_scenario_longer_than_a_year(capsys: pytest.CaptureFixture[str],
                                                      tmp_path: Path, steps: str, line: int,
                                                      key: str) -> None:
    """A clock run far ahead overflowed the date (a traceback) or ran schedules for ages."""
    scenario = _scenario(tmp_path, "groups:\n  - {id: r1, topic: Listener Recruitment 01}\n"
                                   "steps:\n" + steps)
    code, out, err = _run(capsys, "replay", str(scenario), "--config", SHIPPED)
    assert code == 2 and out == ""
    assert _one_line(err) == f"{scenario}:{line}: {key}: a scenario spans at most 366d " \
                             "from its start"


def test_db_in_a_directory_that_cannot_be_made_exits_2(
        capsys: pytest.CaptureFixture[str]) -> None:
    """/proc takes no new directories, even from root: the database cannot be created."""
    code, _, err = _run(capsys, *COMMANDS["replay"], "--db", "/proc/groupbot-nowhere/bot.db")
    assert code == 2
    assert _one_line(err).startswith("groupbot replay: the database cannot be used: "
                                     "cannot make /proc/groupbot-nowhere")


# `groupbot ARGS` for each JSON line on stdin, as tests/harness.py `groupbot` runs it (its
# log lines on its stderr as in a process of its own): [exit code, stdout, stderr] a line on
# the file descriptor its argument names.
_COMMANDS_SERVED = """
import contextlib, io, json, logging, os, sys
from bot import cli
replies = os.fdopen(int(sys.argv[1]), "w", encoding="utf-8")
root = logging.getLogger()
for line in sys.stdin:
    out, err = io.StringIO(), io.StringIO()
    logged = logging.StreamHandler(err)
    logged.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.handlers[:] = [logged]
    root.setLevel(logging.INFO)
    for name in ("bot", "handlers"):
        logging.getLogger(name).setLevel(logging.NOTSET)
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli.main(json.loads(line))
        except SystemExit as exit:
            code = exit.code if isinstance(exit.code, int) else 1
    replies.write(json.dumps([code, out.getvalue(), err.getvalue()]) + "\\n")
    replies.flush()
"""


class _Unprivileged:
    """A process to which file permissions apply: as root (the test machine), without the
    capabilities that override them (dropped from its bounding set before it starts). It
    runs the commands it is given one after the other, each through the entry point (as
    tests/harness.py `groupbot` does in this process): one interpreter's start and warm-up
    for all of them (a second of CPU each), not one a command."""

    def __init__(self, errors: TextIO) -> None:
        def without_override() -> None:
            libc = ctypes.CDLL(None, use_errno=True)
            for capability in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
                if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
                    raise OSError(ctypes.get_errno(), "cannot drop a capability")

        self.errors = errors  # its own stderr, for when it fails
        read, write = os.pipe()
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-c", _COMMANDS_SERVED, str(write)], stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL, stderr=self.errors, text=True, cwd=ROOT,
                pass_fds=(write,), preexec_fn=without_override if os.geteuid() == 0 else None)
        except subprocess.SubprocessError as exc:
            os.close(read)
            pytest.skip(f"root's file permission override cannot be dropped here: {exc}")
        finally:
            os.close(write)
        self.replies = os.fdopen(read, encoding="utf-8")

    def run(self, *args: str) -> Ran:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(list(args)) + "\n")
        self.process.stdin.flush()
        ready, _, _ = select.select([self.replies], [], [], 60)
        line = self.replies.readline() if ready else ""
        if not line:
            self.process.kill()
            self.process.wait()
            self.errors.seek(0)
            pytest.fail(f"groupbot {' '.join(args)} gave no answer: {self.errors.read()}")
        code, out, err = json.loads(line)
        return Ran(code, out, err)

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(60)
        self.replies.close()


@pytest.fixture(scope="module")
def unprivileged() -> Iterator[_Unprivileged]:
    with tempfile.TemporaryFile("w+", encoding="utf-8") as errors:
        commands = _Unprivileged(errors)
        try:
            yield commands
        finally:
            commands.close()


def test_a_new_database_in_a_directory_without_write_permission_is_named(
        tmp_path: Path, unprivileged: _Unprivileged) -> None:
    """SQLite says "unable to open database file", naming neither the file nor why."""
    closed = tmp_path / "closed"
    closed.mkdir(mode=0o555)
    db = closed / "bot.db"
    done = unprivileged.run(*COMMANDS["replay"], "--db", str(db))
    assert done.returncode == 2, done.stderr
    assert _one_line(done.stderr) == "groupbot replay: the database cannot be used: cannot " \
                                     f"create {db}: no write permission in {closed}"


@pytest.mark.parametrize("command", ["replay", "report"])
def test_a_database_in_a_directory_without_write_permission_names_the_file_sqlite_makes(
        played: Path, tmp_path: Path, command: str, unprivileged: _Unprivileged) -> None:
    """In WAL mode SQLite makes bot.db-wal and bot.db-shm beside the database, to read it
    too: "attempt to write a readonly database" said neither which file nor why."""
    closed = tmp_path / "closed"
    closed.mkdir()
    db = closed / "bot.db"
    shutil.copy(played, db)
    closed.chmod(0o555)
    done = unprivileged.run(*COMMANDS[command], "--db", str(db))
    assert done.returncode == 2, done.stderr
    assert _one_line(done.stderr) == f"groupbot {command}: the database cannot be used: " \
        f"cannot create {db}-wal: no write permission in {closed} (SQLite keeps it beside " \
        "the database, to write it and to read it)"


def test_a_read_only_database_is_refused_for_writing_and_read_by_report(
        played: Path, tmp_path: Path, unprivileged: _Unprivileged) -> None:
    """SQLite opened a file it may not write read-only, and failed at the first write
    ("attempt to write a readonly database"); a command that only reads reads it."""
    db = tmp_path / "bot.db"
    shutil.copy(played, db)
    db.chmod(0o444)
    done = unprivileged.run(*COMMANDS["replay"], "--db", str(db))
    assert done.returncode == 2, done.stderr
    assert _one_line(done.stderr) == "groupbot replay: the database cannot be used: cannot " \
                                     f"open {db} for writing: Permission denied"
    assert unprivileged.run(*COMMANDS["report"], "--db", str(db)).returncode == 0


@pytest.mark.parametrize("command", ["replay", "report"])
def test_a_damaged_database_is_named(capsys: pytest.CaptureFixture[str], played: Path,
                                     tmp_path: Path, command: str) -> None:
    """"database disk image is malformed" named no file: which database?"""
    db = tmp_path / "bot.db"
    db.write_bytes(played.read_bytes()[:8192])  # its first pages only
    code, _, err = _run(capsys, *COMMANDS[command], "--db", str(db))
    assert code == 2
    assert _one_line(err) == f"groupbot {command}: the database cannot be used: {db}: " \
                             "database disk image is malformed"


def test_a_content_file_that_is_a_fifo_is_refused_not_read(tmp_path: Path) -> None:
    """Reading a FIFO waits for a writer that never comes: `check` hung. A hang fails the
    test (`_without_a_writer`) instead of stopping the suite."""
    shutil.copytree(ROOT / "config", tmp_path / "config")
    shutil.copytree(ROOT / "content", tmp_path / "content")
    fifo = tmp_path / "content" / "rules" / "base.md"
    fifo.unlink()
    os.mkfifo(fifo)
    result = _without_a_writer(fifo, "check", "--config", str(tmp_path / "config"))
    assert result.returncode == 2
    assert "handlers.rules.text: content file rules/base.md is not a regular file" in \
        result.stderr


def test_a_scenario_that_never_ends_is_refused_at_the_size_limit(
        capsys: pytest.CaptureFixture[str]) -> None:
    """/dev/zero says its size is 0, so the size check let it through and the read went on
    until memory ran out (8 GB in 8 s)."""
    code, out, err = _run(capsys, "replay", "/dev/zero")
    assert code == 2 and out == ""
    assert _one_line(err) == "/dev/zero:1: file too large: it goes on past the limit (the " \
                             "limit is 4,194,304)"


def test_a_scenario_read_from_a_pipe_is_replayed(tmp_path: Path) -> None:
    """`groupbot replay <(cat s.yaml)`: a pipe's size is 0 too; what it holds is read."""
    read, write = os.pipe()
    os.write(write, "start: 2026-11-23 08:55\ngroups:\n  - {id: r1, topic: Recruitment}\n"
                    "steps:\n  - say: {group: r1, from: alice, text: 群规}\n".encode())
    os.close(write)
    try:
        ran = groupbot("replay", f"/dev/fd/{read}", "--config", SHIPPED)
    finally:
        os.close(read)
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout.splitlines()[0])["action"] == "say"


@pytest.mark.parametrize("start", ["0001-01-01 00:00", "1969-12-31 23:00",
                                   "9999-12-31 23:59", "9000-01-01 00:00+08:00"])
def test_replay_refuses_a_start_too_far_back_or_ahead(capsys: pytest.CaptureFixture[str],
                                                     tmp_path: Path, start: str) -> None:
    """Year 1 overflowed converting to UTC, year 9999 when the clock moved a day ahead: both
    were tracebacks; before 1970 the outbox held the first reply back to 1970-01-01 08:00."""
    scenario = tmp_path / "s.yaml"
    scenario.write_text(f"start: \"{start}\"\ngroups:\n  - {{id: r1, topic: Recruitment}}\n"
                        "steps:\n  - say: {group: r1, from: alice, text: hi}\n",
                        encoding="utf-8")
    code, out, err = _run(capsys, "replay", str(scenario), "--config", SHIPPED)
    assert code == 2 and out == ""
    assert _one_line(err) == f"{scenario}:1: start: {start[:10]} is out of range: give a " \
                             "date from 1971 to 8999"


@pytest.mark.parametrize("command", ["check", "report", "audit", "export", "replay"])
def test_output_to_a_full_disk_says_so_in_one_line(played: Path, tmp_path: Path,
                                                   command: str) -> None:
    """`> /dev/full`: a traceback (check, audit, replay), or `No space left on device` naming
    nothing with exit 2 (report, export)."""
    args = {"check": ["--config", SHIPPED], "report": ["--config", SHIPPED, "--db", str(played)],
            "audit": ["--db", str(played)],
            "export": ["--what", "members", "--out", "-", "--db", str(played)],
            "replay": [str(SCENARIOS / "pacing.yaml")]}[command]
    with open("/dev/full", "w", encoding="utf-8") as full:
        ran = groupbot(command, *args, stdout=full)
    assert ran.returncode == 1
    assert "Traceback" not in ran.stderr
    assert ran.stderr.strip().splitlines()[-1] == \
        f"groupbot {command}: cannot write to standard output: No space left on device"


def test_report_to_a_reader_that_has_gone_stops_quietly(played: Path) -> None:
    """`groupbot report | head -1`: `Broken pipe` and exit 2, as if the input were bad."""
    read, write = os.pipe()
    os.close(read)
    with open(write, "w", buffering=1, encoding="utf-8") as pipe:  # as a terminal: by line
        ran = groupbot("report", "--config", SHIPPED, "--db", str(played), stdout=pipe)
    assert ran.returncode == 1
    assert "Broken pipe" not in ran.stderr and "Traceback" not in ran.stderr


LONG = "Listener Recruitment " + "长" * 5000


def test_audit_and_report_clip_long_names_and_topics(capsys: pytest.CaptureFixture[str],
                                                     tmp_path: Path) -> None:
    """A member's 5,000-character name made every row of `groupbot audit` as wide (its table
    pads each column to the widest cell), a group's name every row of `report`; a link's
    5,000-character domain, quoted in a warning's detail, its own row."""
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        f"start: 2026-11-23 08:55\ncontacts: {{eve: \"{'夏' * 5000}\"}}\n"
        f"groups:\n  - {{id: r1, topic: \"{LONG}\", members: [op_lin]}}\n"
        "steps:\n  - say: {group: r1, from: eve, text: \"加微信 abc12345 http://x.cn\"}\n"
        f"  - say: {{group: r1, from: mallory, text: \"看 http://{'a' * 5000}.cn\"}}\n",
        encoding="utf-8")
    db = tmp_path / "bot.db"
    assert _run(capsys, "replay", str(scenario), "--config", SHIPPED, "--db", str(db))[0] == 0
    for command in (["audit", "--db", str(db)], ["report", "--since", "2026-11-01", "--until",
                                                 "2026-12-01", "--db", str(db)]):
        code, out, _ = _run(capsys, *command, "--config", SHIPPED)
        assert code == 0
        assert "…" in out
        assert max(len(line) for line in out.splitlines()) < 400, command


def test_config_given_as_a_file_or_a_directory_without_bot_yaml_says_so(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """`--config config/bot.yaml` said `config/bot.yaml/bot.yaml:1: cannot read: Not a
    directory`; a directory with no bot.yaml only `No such file or directory`."""
    code, _, err = _run(capsys, "check", "--config", f"{SHIPPED}/bot.yaml")
    assert code == 2
    assert err.splitlines()[0] == f"{SHIPPED}/bot.yaml:1: a file, not a config directory: " \
                                  "give the directory that holds bot.yaml"
    code, _, err = _run(capsys, "check", "--config", str(tmp_path))
    assert code == 2
    assert err.splitlines()[0] == f"{tmp_path}/bot.yaml:1: not found: {tmp_path} is no config " \
                                  "directory (it holds no bot.yaml)"


@pytest.mark.parametrize("command", [["check"], ["run", "--simulator"], ["web", "--port", "0"]])
def test_a_config_directory_that_is_not_there_says_so(capsys: pytest.CaptureFixture[str],
                                                      tmp_path: Path, command: list[str]) -> None:
    """A typo in --config said `cnofig/bot.yaml:1: cannot read: No such file or directory`,
    as if the directory were there without its bot.yaml."""
    missing = tmp_path / "cnofig"
    code, _, err = _run(capsys, *command, "--config", str(missing))
    assert code == 2
    assert err.splitlines()[0] == f"{missing}:1: config directory not found (the directory " \
                                  "that holds bot.yaml and types/): give it with --config " \
                                  "DIR, or run where ./config is"


def test_audit_echoes_a_group_id_with_escapes_as_a_literal(capsys: pytest.CaptureFixture[str],
                                                          played: Path) -> None:
    """`--group` pasted with an escape sequence cleared the screen as it was echoed back."""
    code, _, err = _run(capsys, "audit", "--db", str(played), "--group", "\x1b[2Jr1")
    assert code == 2  # no such group (f55: r51 finding 3)
    assert err.splitlines()[-1] == "groupbot audit: no group '\\x1b[2Jr1' in the database"


@pytest.mark.parametrize("step", ["say: {group: r1, from: bot, text: 群规}",
                                  "dm: {from: bot, text: 群规}",
                                  "friend_request: {from: bot, hello: hi}"])
def test_replay_refuses_a_message_from_the_bot_itself(capsys: pytest.CaptureFixture[str],
                                                      tmp_path: Path, step: str) -> None:
    """The bot answered its own 群规 with the rules, which it never sees on WeChat (the
    adapter drops its own messages): a scenario that cannot happen passed for one. It is
    refused before anything runs: it was refused only when the run reached it, the replies
    to the steps before it printed and the database written."""
    scenario = _scenario(tmp_path, "groups:\n  - {id: r1, topic: Listener Recruitment 01}\n"
                                   "steps:\n  - say: {group: r1, from: alice, text: 群规}\n"
                                   f"  - wait: 1h\n  - {step}\n")
    db = tmp_path / "s.db"
    code, out, err = _run(capsys, "replay", str(scenario), "--config", SHIPPED, "--db", str(db))
    assert code == 2 and out == "" and not db.exists()
    kind = step.partition(":")[0]
    assert _one_line(err) == f"{scenario}:7: steps[2]: {kind}: from 'bot' is the bot itself: " \
                             "WeChat never hands the bot its own messages"


@contextlib.contextmanager
def _small_files(limit: int) -> Iterator[None]:
    """While the block runs, no file of this process grows past `limit` bytes: a file size
    limit stands in for a full disk (EFBIG instead of ENOSPC: the same path through the
    code), the write failing instead of SIGXFSZ ending the process. Only the soft limit:
    the hard one stays, so that it is raised again after."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    was = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    # no bytecode written meanwhile: a module the command imports first (bot.bench) had its
    # .pyc cut short at the limit (CPython ignores the short write), and every later import
    # of it in the checkout failed with "marshal data too short"
    writes, sys.dont_write_bytecode = sys.dont_write_bytecode, True
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, was)
        sys.dont_write_bytecode = writes


def test_an_export_to_a_full_disk_names_the_file_and_keeps_the_old_one(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A write the disk refused raised an OSError naming no file: said to be standard
    output's fault ("cannot write to standard output", exit 1). The disk is full above the
    database's 32 KB shared-memory file, below the export's 1,000 members."""
    crowd = ", ".join(f"member{n:04}" for n in range(1000))
    scenario = _scenario(tmp_path, "groups:\n  - {id: r1, topic: Listener Recruitment 01}\n"
                                   f"steps:\n  - join: {{group: r1, members: [{crowd}]}}\n")
    played = tmp_path / "bot.db"
    assert _run(capsys, "replay", str(scenario), "--config", SHIPPED, "--db", str(played))[0] == 0
    out = tmp_path / "export" / "members.csv"
    out.parent.mkdir()
    out.write_text("old\n", encoding="utf-8")
    with _small_files(40_000):
        result = groupbot("export", "--what", "members", "--out", str(out), "--config",
                          SHIPPED, "--db", str(played))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == f"groupbot export: {out}: File too large"
    assert out.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in out.parent.iterdir()] == ["members.csv"]  # no .part left behind


def test_a_full_disk_under_a_file_bench_writes_names_the_file_not_standard_output(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A write that failed was said to be standard output's ("cannot write to standard
    output", exit 1) when its error named no file. A small full $TMPDIR, below the 2,000
    bindings' bot.yaml."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", None)  # read from TMPDIR again
    with _small_files(20_000):
        result = groupbot("bench", "--reload", "--bindings", "2000", "--rules", "5000",
                          env={**os.environ, "TMPDIR": str(tmp)})
    assert result.returncode == 2, result.stderr
    [line] = result.stderr.strip().splitlines()
    assert re.fullmatch(rf"groupbot bench: {re.escape(str(tmp))}/groupbot-bench-\w+/config/"
                        r"bot\.yaml: File too large", line), line
    assert list(tmp.iterdir()) == []  # the temporary directory removed


def _without_a_writer(fifo: Path, *args: str) -> Ran:
    """`groupbot ARGS`, which must not wait for a writer of `fifo`: if it does, be one so
    that it ends, and fail."""
    done: list[Ran] = []
    command = threading.Thread(target=lambda: done.append(groupbot(*args)), daemon=True)
    command.start()
    command.join(30)
    if command.is_alive():
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        command.join(30)
        pytest.fail(f"groupbot {args[0]} read the FIFO {fifo} and waited for a writer")
    return done[0]


def test_a_config_given_as_a_fifo_is_refused_without_reading_it(tmp_path: Path) -> None:
    """`--config` naming a FIFO with no writer: one line and exit 2; reading it for a hint
    on the line would wait for a writer forever (review of this session's sweep)."""
    fifo = tmp_path / "config"
    os.mkfifo(fifo)
    done = _without_a_writer(fifo, "check", "--config", str(fifo))
    assert done.returncode == 2
    assert f"{fifo}:1: a file, not a config directory" in done.stderr


@pytest.mark.parametrize("command", [["check"], ["run", "--simulator"]])
@pytest.mark.parametrize("name", ["bot.yaml", "types/stray.yaml"])
def test_a_config_file_that_is_a_fifo_is_refused_at_once(tmp_path: Path, name: str,
                                                         command: list[str]) -> None:
    """bot.yaml or a type file that is a FIFO with no writer: opening it to read waited for
    a writer for ever (`check`, `run` and a reload alike)."""
    root = write_config(tmp_path / "config", BOT_YAML, {"recruitment": "handlers: []\n"})
    fifo = root / name
    fifo.unlink(missing_ok=True)
    os.mkfifo(fifo)
    done = _without_a_writer(fifo, *command, "--config", str(root))
    assert done.returncode == 2
    assert f"{fifo}:1: not a regular file: a FIFO (named pipe)" in done.stderr.splitlines()


@pytest.mark.parametrize("command", ["check", "export"])
def test_a_command_started_with_standard_output_closed_says_so_in_one_line(
        played: Path, command: str) -> None:
    """`groupbot check >&-`: Python has no sys.stdout then; one line and exit 1, as for a
    full disk, not a traceback; `export --out -` too, which writes bytes (reviews of this
    session's sweep)."""
    args = "" if command == "check" else f"--what members --out - --db '{played}'"
    done = subprocess.run(f"'{sys.executable}' -m bot.cli {command} {args} --config '{SHIPPED}'"
                          " >&-", shell=True, stderr=subprocess.PIPE, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr == f"groupbot {command}: cannot write to standard output: it is closed\n"
