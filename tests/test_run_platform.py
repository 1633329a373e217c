"""Which platform `groupbot run` serves, and the database it does it on: WeChat with a
token; the terminal simulator with --simulator (the README's first command) or for an operator
at a terminal; never the simulator by mistake on a production database, nor a bot
that exits 0 because nobody set the token."""

from __future__ import annotations

import asyncio
import io
import logging
import os
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from harness import BOT_YAML, bot_process, groupbot, killed, write_config
from pg import Postgres

from bot import terminal
from bot.store import open_reader
from handlers import REGISTRY

sys.path.insert(0, str(Path(__file__).parent / "wechaty"))
from grpc_server import FakeGateway
from puppet import BOT_ID, World

STARTUP = 30.0  # a fresh interpreter on a shared machine
SIMULATED = BOT_YAML.replace("bot: {id: bot,", f"bot: {{id: {BOT_ID},") + """\
simulator:
  contacts: {alice: Alice}
  groups:
    - {id: r1, topic: "Recruitment 01", members: [alice]}
"""


def _config(tmp_path: Path) -> Path:
    return write_config(tmp_path / "config", SIMULATED,
                        {"recruitment": "handlers: []\n"})


def _env(**extra: str) -> dict[str, str]:
    return {**{k: v for k, v in os.environ.items()
               if not k.startswith(("WECHATY_", "GROUPBOT_"))}, **extra}


def test_without_a_token_and_a_terminal_run_exits_2_naming_the_token(tmp_path: Path) -> None:
    """As under systemd or docker with the token forgotten: stdin is no terminal (in this
    process, as the harness runs it, it is none either)."""
    root = _config(tmp_path)
    result = groupbot("run", "--config", str(root), env=_env())
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        "groupbot run: WECHATY_PUPPET_SERVICE_TOKEN is not set and stdin is not a terminal: "
        "set it to run on WeChat (docs/wechat.md), or add --simulator to run the terminal "
        "simulator from a script or a pipe")
    assert not (root / "bot.db").exists()


def test_at_a_terminal_run_is_the_simulator_as_the_readme_starts_it(tmp_path: Path) -> None:
    root = _config(tmp_path)
    leader, follower = os.openpty()
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "run", "--config", str(root)], stdin=follower,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env())
        os.write(leader, b"/groups\n/quit\n")
        out, err = process.communicate(timeout=60)
    finally:
        os.close(leader)
        os.close(follower)
    assert process.returncode == 0, err
    assert "r1: Recruitment 01 (2 members, owner" in out
    assert (root / "bot.db").exists()


async def _wechat_runs_on(root: Path) -> None:
    world = World()
    world.add_room("r1", "Recruitment 01", {"alice": "Alice"})
    gateway = FakeGateway(world)
    await gateway.start()
    bot: asyncio.subprocess.Process | None = None
    try:
        bot = await bot_process(
            "--config", str(root),
            env=_env(WECHATY_PUPPET_SERVICE_TOKEN="insecure_test",
                     WECHATY_PUPPET_SERVICE_ENDPOINT=gateway.endpoint),
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL)
        deadline = asyncio.get_running_loop().time() + STARTUP
        while "RoomPayload" not in gateway.calls:
            assert asyncio.get_running_loop().time() < deadline, "no login"
            await asyncio.sleep(0.05)
        gateway.join("r1", {"dave": "Dave"}, inviter="alice")
        while ("r1", "dave") not in await _members(root / "bot.db"):
            assert asyncio.get_running_loop().time() < deadline, "no join"
            await asyncio.sleep(0.05)
        bot.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(bot.wait(), STARTUP) == 0
    finally:
        if bot is not None:
            await killed(bot)  # a failed assert: not left running
        await gateway.close()


async def _members(db: Path | str) -> list[tuple[str, str]]:
    reader = open_reader(db)
    try:
        return [(str(g), str(m)) for g, m in await reader.all("SELECT grp, member FROM roster")]
    finally:
        await reader.close()


def test_the_simulator_never_runs_on_a_database_wechat_has_used(tmp_path: Path) -> None:
    root = _config(tmp_path)
    asyncio.run(_wechat_runs_on(root))
    db = root / "bot.db"
    before = asyncio.run(_members(db))
    assert ("r1", "dave") in before
    for args in (("--simulator",), ()):  # a pipe with the flag, and a terminal's stdin
        result = groupbot("run", *args, "--config", str(root), stdin="/reset\n/quit\n",
                          env=_env())
        if not args:  # in this process stdin is no terminal: the token is named first
            assert "WECHATY_PUPPET_SERVICE_TOKEN is not set" in result.stderr
            continue
        assert result.returncode == 2, result.stderr
        assert f"{db} is a database WeChat has run on" in result.stderr
        assert "reset" not in result.stdout
    assert db.exists() and asyncio.run(_members(db)) == before


def test_wechat_never_runs_on_the_simulators_database(tmp_path: Path) -> None:
    """The README's first command makes the database bot.yaml's `storage` names: the first
    start on WeChat with the same config is refused, naming it, before it connects (the
    gateway here listens nowhere), and the simulated groups stay as they were."""
    root = _config(tmp_path)
    db = root / "bot.db"
    result = groupbot("run", "--simulator", "--config", str(root), stdin="/join bob\n/quit\n",
                      env=_env())
    assert result.returncode == 0, result.stderr
    before = asyncio.run(_members(db))
    assert ("r1", "bob") in before
    # a process of its own: were it let through, it would try the gateway until stopped
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run", "--config", str(root)], capture_output=True,
        text=True, timeout=STARTUP, stdin=subprocess.DEVNULL, env=_env(
            WECHATY_PUPPET_SERVICE_TOKEN="insecure_test",
            WECHATY_PUPPET_SERVICE_ENDPOINT="127.0.0.1:1"))
    assert result.returncode == 2, result.stderr
    assert f"{db} is the terminal simulator's database" in result.stderr
    assert "Traceback" not in result.stderr and "cannot reach the gateway" not in result.stderr
    assert asyncio.run(_members(db)) == before


def test_the_simulator_runs_only_on_a_database_it_made(tmp_path: Path) -> None:
    root = _config(tmp_path)
    scenario = tmp_path / "s.yaml"
    scenario.write_text('start: "2026-11-23 09:00"\ngroups: [{id: r1, topic: Recruitment 01}]\n'
                        "steps:\n  - join: {group: r1, members: [dave]}\n", encoding="utf-8")
    db = root / "bot.db"
    assert groupbot("replay", str(scenario), "--config", str(root), "--db", str(db)
                    ).returncode == 0
    result = groupbot("run", "--simulator", "--config", str(root), stdin="/reset\n",
                      env=_env())
    assert result.returncode == 2
    assert f"{db} was not made by the terminal simulator" in result.stderr
    assert asyncio.run(_members(db)) == [("r1", "dave")]
    db.unlink()
    # a database the simulator made is its own: used again, and /reset may remove it
    for lines in ("/join bob\n/quit\n", "/groups\n/reset\n/groups\n/quit\n"):
        result = groupbot("run", "--simulator", "--config", str(root), stdin=lines,
                          env=_env())
        assert result.returncode == 0, result.stderr
    assert f"reset: database {db} removed" in result.stdout
    assert "r1: Recruitment 01 (3 members" in result.stdout  # bob, from the first run


def test_on_postgresql_the_simulator_refuses_groups_no_platform_recorded(
        tmp_path: Path, postgres: Postgres) -> None:
    """A PostgreSQL database from before the platform was recorded may be WeChat's: refused
    when it holds groups; an empty one is the simulator's."""
    url = postgres.database()
    root = write_config(tmp_path / "config", SIMULATED.replace("storage: bot.db",
                                                               f"storage: {url}"),
                        {"recruitment": "handlers: []\n"})
    scenario = tmp_path / "s.yaml"
    scenario.write_text('start: "2026-11-23 09:00"\ngroups: [{id: r9, topic: Real 09}]\n'
                        "steps:\n  - join: {group: r9, members: [dave]}\n", encoding="utf-8")
    assert groupbot("replay", str(scenario), "--config", str(root), "--db", url).returncode == 0
    result = groupbot("run", "--simulator", "--config", str(root), stdin="/quit\n", env=_env())
    assert result.returncode == 2
    assert "holds groups, and no record of the platform" in result.stderr
    assert asyncio.run(_members(url)) == [("r9", "dave")]
    fresh = write_config(tmp_path / "fresh", SIMULATED.replace(
        "storage: bot.db", f"storage: {postgres.database()}"), {"recruitment": "handlers: []\n"})
    result = groupbot("run", "--simulator", "--config", str(fresh), stdin="/groups\n/quit\n",
                      env=_env())
    assert result.returncode == 0, result.stderr
    assert "r1: Recruitment 01" in result.stdout


class _ReaderGone(io.StringIO):
    """Standard output whose reader goes away after the first lines (`| head -3`)."""

    def write(self, text: str) -> int:
        if self.tell() > 1_000:
            raise BrokenPipeError(32, "Broken pipe")
        return super().write(text)


def test_the_simulator_stops_quietly_when_the_reader_of_its_output_has_gone(
        tmp_path: Path) -> None:
    """`groupbot run --simulator | head`: exit 1 without a word, as every command (README),
    not an error logged with a traceback (a review of this session's sweep)."""
    root = _config(tmp_path)
    result = groupbot("run", "--simulator", "--config", str(root), env=_env(),
                      stdin="/as alice\n群规\n/wait 1m\n群规\n/wait 1m\n群规\n",
                      stdout=_ReaderGone())
    assert result.returncode == 1
    assert "stopped by an error" not in result.stderr
    assert "Traceback" not in result.stderr
    assert "cannot write to standard output" not in result.stderr  # the reader went: quiet


async def test_the_first_log_lines_are_in_the_bots_time_zone_too(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The token's warning, the first line an operator reads on a first connection, is in
    the bot's time zone (Asia/Shanghai here) as every later line, not in the machine's: the
    log does not seem to jump 8 hours."""
    written = io.StringIO()
    handler = logging.StreamHandler(written)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    handler.formatter.converter = time.gmtime  # a machine on UTC (this one may not be)
    logging.root.addHandler(handler)

    async def stop_here(*args: object) -> None:
        raise ValueError("stopped before connecting")

    monkeypatch.setattr(terminal, "_check_real", stop_here)
    monkeypatch.setenv("WECHATY_PUPPET_SERVICE_TOKEN", "abc")  # no insecure_: a warning
    monkeypatch.setenv("WECHATY_PUPPET_SERVICE_ENDPOINT", "127.0.0.1:1")
    shanghai = ZoneInfo("Asia/Shanghai")
    hours = {datetime.now(shanghai).strftime("%Y-%m-%d %H")}
    try:
        with pytest.raises(ValueError, match="stopped before connecting"):
            await terminal.run(_config(tmp_path), REGISTRY)
    finally:
        logging.root.removeHandler(handler)
    hours.add(datetime.now(shanghai).strftime("%Y-%m-%d %H"))
    warning = next(line for line in written.getvalue().splitlines() if "insecure_" in line)
    assert warning[:13] in hours, warning
