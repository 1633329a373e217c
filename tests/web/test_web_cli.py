"""`groupbot run` serves the console next to the bot and stops it with the bot;
`groupbot web` serves it alone over a database, read-only."""

from __future__ import annotations

import asyncio
import os
import resource
import signal
import socket
import sys
from pathlib import Path

import aiohttp
import pytest
from harness import ROOT, Harness, groupbot
from web_site import deployment

from bot import config, schema
from bot.cli import FILES
from bot.config import load
from bot.store import CORE_MIGRATIONS, open_store
from bot.web import server
from handlers import REGISTRY


async def _start(*args: str, token: str | None = None,
                 files: int | None = None) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items()
           if k not in ("GROUPBOT_WEB_TOKEN", "WECHATY_PUPPET_SERVICE_TOKEN")}
    if token is not None:
        env["GROUPBOT_WEB_TOKEN"] = token

    def limited() -> None:  # `files`: the soft limit of open files it starts with
        if files is not None:
            resource.setrlimit(resource.RLIMIT_NOFILE,
                               (files, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))

    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", *args, cwd=ROOT, env=env,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE, preexec_fn=limited)


async def _line(process: asyncio.subprocess.Process, prefix: str, seen: list[str]) -> str:
    assert process.stderr is not None
    while True:
        raw = await asyncio.wait_for(process.stderr.readline(), 30)
        assert raw, f"no line starting with {prefix!r} in:\n" + "".join(seen)
        line = raw.decode()
        seen.append(line)
        if line.startswith(prefix):
            return line.strip()


async def _stop(process: asyncio.subprocess.Process, seen: list[str]) -> int:
    process.send_signal(signal.SIGTERM)
    assert process.stderr is not None
    seen.extend(line.decode() for line in (await process.stderr.read()).splitlines(True))
    return await asyncio.wait_for(process.wait(), 30)


def _config(tmp_path: Path) -> Path:
    root = deployment(tmp_path)
    bot_yaml = root / "bot.yaml"
    bot_yaml.write_text(bot_yaml.read_text() + "\nweb: {port: 0}\n")
    return root


async def test_run_prints_the_console_url_and_a_one_time_login_then_stops_with_the_bot(
        tmp_path: Path) -> None:
    root = _config(tmp_path)
    process = await _start("run", "--simulator", "--config", str(root))
    seen: list[str] = []
    url = (await _line(process, "console: ", seen)).removeprefix("console: ")
    login = (await _line(process, "console login", seen)).split()[-1]
    token = login.split("token=")[1]
    async with aiohttp.ClientSession() as http:
        async with http.get(url + "healthz") as health:
            state = await health.json()
            assert (state["status"], state["platform"]) == ("ok", "connected")
            assert isinstance(state["outbox"], int)
        async with http.get(url + "api/groups") as refused:
            assert refused.status == 401
        async with http.get(login, allow_redirects=False) as logged_in:
            assert logged_in.status == 303
        async with http.get(url + "api/groups",
                            headers={"Authorization": f"Bearer {token}"}) as groups:
            simulated = config.load(root, REGISTRY).settings.simulator.groups
            assert {g["id"] for g in await groups.json()} == {g.id for g in simulated}
    assert await _stop(process, seen) == 0
    assert sum(token in line for line in seen) == 1, "the token is shown once, in the login URL"
    async with aiohttp.ClientSession() as http:
        try:
            await http.get(url + "healthz")
            raise AssertionError("the console still answers after the bot stopped")
        except aiohttp.ClientConnectionError:
            pass


async def test_web_alone_reads_the_database_and_refuses_actions(tmp_path: Path) -> None:
    config = _config(tmp_path)
    storage = load(config, REGISTRY).storage_path
    async with Harness(config, tmp_path, db=storage):  # a bot makes the database, and stops
        pass
    token = "a-long-operator-token-set-in-the-environment"
    process = await _start("web", "--config", str(config), "--port", "0", token=token)
    seen: list[str] = []
    url = (await _line(process, "console: ", seen)).removeprefix("console: ")
    bearer = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession() as http:
        async with http.get(url + "api/schedules", headers=bearer) as jobs:
            assert jobs.status == 200
        async with http.post(url + "api/reload", headers=bearer) as reload:
            assert reload.status == 409
        async with http.get(url + "healthz") as health:
            assert (await health.json())["platform"] == "none"
    assert await _stop(process, seen) == 0
    assert not any("login?token" in line for line in seen)


async def test_a_serving_console_asks_for_the_open_files_it_may_have(tmp_path: Path) -> None:
    """Started with the usual soft limit of 1,024 open files (here 256), a connection each
    that a client reopening as fast as the server drops it could fill (review s34 r2 X2)."""
    config = _config(tmp_path)
    async with Harness(config, tmp_path, db=load(config, REGISTRY).storage_path):
        pass
    process = await _start("web", "--config", str(config), "--port", "0", files=256)
    seen: list[str] = []
    try:
        url = (await _line(process, "console: ", seen)).removeprefix("console: ")
        async with aiohttp.ClientSession() as http, http.get(url + "healthz") as health:
            assert health.status == 200
        limits = Path(f"/proc/{process.pid}/limits").read_text(encoding="utf-8")
    finally:  # (a failed check leaves no console running)
        stopped = await _stop(process, seen)
    soft = int(next(line for line in limits.splitlines()
                    if line.startswith("Max open files")).split()[3])
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    assert soft == (FILES if hard == resource.RLIM_INFINITY else min(hard, FILES)) > 256
    assert stopped == 0


def test_web_without_a_database_or_with_a_bad_port_exits_2(tmp_path: Path) -> None:
    config = _config(tmp_path)
    missing = groupbot("web", "--config", str(config), "--db", str(tmp_path / "no.db"))
    assert missing.returncode == 2
    assert "no database at" in missing.stderr
    bad = groupbot("web", "--config", str(config), "--port", "http")
    assert bad.returncode == 2
    assert "not a port: 'http'" in bad.stderr


async def test_web_alone_refuses_a_database_of_an_older_version(tmp_path: Path) -> None:
    """(Its pages would read tables as this version has them.)"""
    db = tmp_path / "old.db"
    older = dict(schema.migrations(REGISTRY))
    older["core"] = CORE_MIGRATIONS[:-1]
    await (await open_store(db, older)).close()
    result = groupbot("web", "--config", str(_config(tmp_path)), "--db", str(db))
    assert result.returncode == 2
    assert ("groupbot web: the database cannot be used: an older groupbot made it (core is "
            f"at version {len(CORE_MIGRATIONS) - 1}") in result.stderr


async def test_a_short_operator_token_is_not_used_and_the_console_still_serves(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The right token gets in even from a locked-out address: a short one could be guessed
    at full speed, so it is not used. The console still serves (/healthz for the container's
    health check, members' links) with a random token and its login link."""
    config = _config(tmp_path)
    storage = load(config, REGISTRY).storage_path
    async with Harness(config, tmp_path, db=storage) as h:
        served = await server.serve_for(h.bot, {"GROUPBOT_WEB_TOKEN": "s3cret"})
        assert served is not None
        try:
            assert served.console.token != "s3cret" and len(served.console.token) >= 32
            said = capsys.readouterr().err
            assert "GROUPBOT_WEB_TOKEN is 6 characters, too short to be used" in said
            assert f"login?token={served.console.token}" in said
            url = said.split("console: ")[1].split()[0]
            async with aiohttp.ClientSession() as http:
                async with http.get(url + "healthz") as health:
                    assert health.status in (200, 503)
                async with http.get(url + "api/groups",
                                    headers={"Authorization": "Bearer s3cret"}) as refused:
                    assert refused.status == 401
        finally:
            await served.stop()
        long_enough = "x" * 32
        served = await server.serve_for(h.bot, {"GROUPBOT_WEB_TOKEN": long_enough})
        assert served is not None and served.console.token == long_enough
        await served.stop()


async def test_a_token_holding_an_env_files_trailing_comment_is_named_not_used(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """systemd's EnvironmentFile keeps a `# comment` after the value in it: the operator's
    real token would get 401 with nothing saying why. Stderr names the mistake instead."""
    config = _config(tmp_path)
    storage = load(config, REGISTRY).storage_path
    token = "k" * 43
    async with Harness(config, tmp_path, db=storage) as h:
        for pasted in (f"{token}    # 32 or more random characters", f"{token}\t#note",
                       f"{token} {token}"):
            served = await server.serve_for(h.bot, {"GROUPBOT_WEB_TOKEN": pasted})
            assert served is not None
            try:
                assert served.console.token not in (pasted, token)
                said = capsys.readouterr().err
                assert "GROUPBOT_WEB_TOKEN holds a space, so it is not used" in said
                assert f"login?token={served.console.token}" in said
            finally:
                await served.stop()
        # a '#' with no space before it is no comment: a password manager's token may hold one
        # (review s35 r8 R8-9)
        served = await server.serve_for(h.bot, {"GROUPBOT_WEB_TOKEN": f"{token}#x"})
        assert served is not None
        try:
            assert served.console.token == f"{token}#x"
        finally:
            await served.stop()


async def test_web_alone_on_every_address_links_to_the_machine_for_as_long_as_it_runs(
        tmp_path: Path) -> None:
    """`--host 0.0.0.0` printed links to 0.0.0.0, which opens nothing from another machine,
    and `groupbot web`'s login line said the link worked "until the bot stops" (r51)."""
    config = _config(tmp_path)
    storage = load(config, REGISTRY).storage_path
    async with Harness(config, tmp_path, db=storage):  # a bot makes the database, and stops
        pass
    process = await _start("web", "--config", str(config), "--host", "0.0.0.0", "--port", "0")
    seen: list[str] = []
    url = (await _line(process, "console: ", seen)).removeprefix("console: ")
    login = await _line(process, "console login", seen)
    port = url.rstrip("/").rsplit(":", 1)[1]
    async with aiohttp.ClientSession() as http, \
            http.get(f"http://127.0.0.1:{port}/healthz") as health:  # serving: SIGTERM stops it
        assert health.status == 200
    assert await _stop(process, seen) == 0
    assert url.startswith(f"http://{socket.gethostname()}:"), url
    assert "it logs in until this console stops" in login, login
