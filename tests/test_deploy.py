"""The deployment files (Dockerfile, compose.yaml, deploy/groupbot.service), checked without a
container runtime: what the image runs as and how it is checked, what compose starts, and
the unit as systemd itself reads it."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import required
import yaml
from aiohttp import web
from harness import ROOT, SHIPPED, Harness

from bot.web.server import serve_for

UNIT = ROOT / "deploy" / "groupbot.service"
INSTALLED = "/opt/groupbot/.venv/bin/groupbot"


def _final_stage() -> list[tuple[str, str]]:
    """The Dockerfile's last stage as (INSTRUCTION, arguments), continuations joined."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines()]
    instructions = [(line.split(None, 1)[0].upper(), line.split(None, 1)[1])
                    for line in lines if line and not line.startswith("#")]
    last_from = max(i for i, (op, _) in enumerate(instructions) if op == "FROM")
    return instructions[last_from:]


def _one(stage: list[tuple[str, str]], op: str) -> str:
    found = [args for name, args in stage if name == op]
    assert len(found) == 1, f"expected one {op} in the final stage, found {found}"
    return found[0]


def test_the_image_runs_the_bot_as_a_user_that_is_not_root() -> None:
    stage = _final_stage()
    user = _one(stage, "USER").split(":")[0]
    assert user not in ("root", "0")
    assert any(op == "RUN" and "useradd" in args and user in args for op, args in stage)
    assert stage[0][1].startswith("python:3.11-slim")
    assert json.loads(_one(stage, "CMD"))[:2] == ["groupbot", "run"]
    for op, args in stage:  # what the image copies from the build context exists
        if op == "COPY" and not args.startswith("--from"):
            assert (ROOT / args.split()[0]).exists(), args
    # the volume is where config/bot.yaml puts the database, relative to /app/config
    assert json.loads(_one(stage, "VOLUME")) == ["/app/data"]
    storage = yaml.safe_load((ROOT / "config" / "bot.yaml").read_text())["storage"]
    assert (Path("/app/config") / storage).resolve().parent == Path("/app/data")


def _healthcheck() -> list[str]:
    args = _one(_final_stage(), "HEALTHCHECK")
    command = json.loads(args[args.index("CMD") + 3:].strip())
    assert isinstance(command, list)
    return [str(part) for part in command]


@pytest.fixture
async def healthz() -> AsyncIterator[tuple[str, dict[str, int]]]:
    """A real HTTP server answering /healthz with the status the test sets."""
    state = {"status": 200}

    async def answer(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok" if state["status"] == 200 else "degraded"},
                                 status=state["status"])

    app = web.Application()
    app.router.add_get("/healthz", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}", state
    await runner.cleanup()


async def test_the_healthcheck_fails_when_healthz_is_degraded_or_down(
        healthz: tuple[str, dict[str, int]]) -> None:
    url, state = healthz
    command = _healthcheck()
    assert command[0] == "python" and "http://127.0.0.1:8080/healthz" in command[-1]

    async def check() -> int:
        script = command[-1].replace("http://127.0.0.1:8080", url)
        proc = await asyncio.create_subprocess_exec(sys.executable, *command[1:-1], script,
                                                    stderr=subprocess.DEVNULL)
        return await proc.wait()

    assert await check() == 0
    state["status"] = 503
    assert await check() != 0
    refused = command[-1].replace("127.0.0.1:8080", "127.0.0.1:9")  # nothing listens there
    assert subprocess.run([sys.executable, *command[1:-1], refused],
                          stderr=subprocess.DEVNULL).returncode != 0


def test_compose_runs_the_bot_against_the_gateway_with_a_volume_for_the_database() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert {name for name, s in services.items() if "profiles" not in s} == {"bot", "gateway"}
    gateway, bot = services["gateway"], services["bot"]
    assert gateway["image"].startswith("wechaty/wechaty:")
    assert gateway["environment"]["WECHATY_PUPPET_SERVICE_NO_TLS_INSECURE_SERVER"] == "true"
    assert "ports" not in gateway  # the gateway's token is the account: never published
    port = gateway["environment"]["WECHATY_PUPPET_SERVER_PORT"]
    assert bot["environment"]["WECHATY_PUPPET_SERVICE_ENDPOINT"] == f"gateway:{port}"
    # both sides use the same insecure_ token
    assert bot["environment"]["WECHATY_PUPPET_SERVICE_TOKEN"].startswith("${WECHATY_TOKEN:?")
    assert gateway["environment"]["WECHATY_TOKEN"].startswith("${WECHATY_TOKEN:?")
    assert bot["build"] == "." and "gateway" in bot["depends_on"]
    assert "groupbot-data:/app/data" in bot["volumes"]
    assert set(compose["volumes"]) == {"groupbot-data"}


def test_compose_scale_runs_one_bot_per_account_on_postgresql() -> None:
    compose = yaml.safe_load((ROOT / "compose.scale.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert set(services) == {"bot", "postgres", "gateway-b", "bot-a", "bot-b"}
    assert services["bot"] == {"profiles": ["one-account"]}  # the single bot stays stopped
    assert services["postgres"]["image"].startswith("postgres:")
    assert "ports" not in services["postgres"] and "ports" not in services["gateway-b"]
    for name, gateway in (("a", "gateway"), ("b", "gateway-b")):
        bot = services[f"bot-{name}"]
        assert bot["command"][-2:] == ["--account", name]
        assert f"GROUPBOT_TOKEN_{name.upper()}" in bot["environment"]
        assert bot["environment"]["PGPASSWORD"].startswith("${POSTGRES_PASSWORD:?")
        assert bot["depends_on"]["postgres"] == {"condition": "service_healthy"}
        assert gateway in bot["depends_on"]
        assert "groupbot-data:/app/data" not in bot["volumes"]  # the data is in PostgreSQL
    assert set(compose["volumes"]) == {"groupbot-pg"}


REQUIRED = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*):?\?")


def _required(name: str) -> set[str]:
    """The variables a compose file requires (`${VAR:?...}` or `${VAR?...}` in its values)."""
    def strings(node: object) -> list[str]:
        if isinstance(node, dict):
            return [s for value in node.values() for s in strings(value)]
        if isinstance(node, list):
            return [s for value in node for s in strings(value)]
        return [node] if isinstance(node, str) else []

    compose = yaml.safe_load((ROOT / name).read_text(encoding="utf-8"))
    return {var for value in strings(compose) for var in REQUIRED.findall(value)}


def _env_block(doc: str, heading: str) -> dict[str, str]:
    """The `.env` lines (NAME=value, comments dropped) of the first indented block after
    `heading` in docs/`doc` that sets a variable."""
    text = (ROOT / "docs" / doc).read_text(encoding="utf-8")
    lines = text[text.index(heading):].splitlines()
    start = next(i for i, line in enumerate(lines)
                 if re.match(r"\s{4,}[A-Z_]+=", line))
    env: dict[str, str] = {}
    for line in lines[start:]:
        found = re.match(r"\s{4,}([A-Z_]+)=(\S*)", line)
        if not found:
            break
        env[found[1]] = found[2]
    return env


def test_compose_needs_only_the_variables_deploy_md_puts_in_env() -> None:
    """The single-account set-up starts with exactly the `.env` deploy.md's step 1 writes:
    compose checks every `${VAR:?}` in its files, of services it will not start too, so
    several accounts' variables live in compose.scale.yaml, which scale.md's `.env` adds."""
    single = _env_block("deploy.md", "## Docker compose")
    assert set(single) == {"WECHATY_TOKEN", "WECHATY_PUPPET_PADLOCAL_TOKEN",
                           "GROUPBOT_WEB_TOKEN"}
    required = _required("compose.yaml")
    assert required == {"WECHATY_TOKEN", "WECHATY_PUPPET_PADLOCAL_TOKEN"}
    scale = _env_block("scale.md", "## Docker compose with PostgreSQL")
    assert scale["COMPOSE_FILE"] == "compose.yaml:compose.scale.yaml"
    assert _required("compose.scale.yaml") - required == set(scale) - {"COMPOSE_FILE"}


def test_docker_compose_reads_the_files_with_the_env_the_docs_write(tmp_path: Path) -> None:
    """`docker-compose config` interpolates as `up` does first, without a daemon. Each env
    file is read by a run of its own, all at once (each is a Python start of about 1.5 s)."""
    compose = required.command("docker-compose", "docker-compose")
    for name in ("compose.yaml", "compose.scale.yaml", "Dockerfile"):
        shutil.copy(ROOT / name, tmp_path / name)
    clean = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)}
    single = _env_block("deploy.md", "## Docker compose")
    scale = _env_block("scale.md", "## Docker compose with PostgreSQL")
    envs = {"single": single, "scale": {**single, **scale}} | {
        missing: {**single, **{k: v for k, v in scale.items() if k != missing}}
        for missing in sorted(set(scale) - {"COMPOSE_FILE"})}  # each one refuses the start
    runs = {}
    for name, env in envs.items():
        file = tmp_path / f"{name}.env"
        file.write_text("".join(f"{k}={v}\n" for k, v in env.items()), encoding="utf-8")
        runs[name] = subprocess.Popen(
            [compose, "--env-file", str(file), "config", "--services"], cwd=tmp_path,
            env=clean, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    results = {name: (run, *run.communicate(timeout=120)) for name, run in runs.items()}
    for missing in set(envs) - {"single", "scale"}:
        run, _, err = results[missing]
        assert run.returncode != 0 and missing in err, (missing, err)
    run, out, err = results["single"]
    assert run.returncode == 0, err
    assert set(out.split()) == {"gateway", "bot"}
    run, out, err = results["scale"]
    assert run.returncode == 0, err
    assert set(out.split()) >= {"postgres", "gateway-b", "bot-a", "bot-b"}


def _unit() -> dict[str, str]:
    keys: dict[str, str] = {}
    for line in UNIT.read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.startswith("#"):
            key, _, value = line.partition("=")
            keys[key.strip()] = value.strip()
    return keys


def test_the_unit_runs_the_installed_bot_as_its_own_user_and_restarts_on_failure() -> None:
    unit = _unit()
    assert unit["ExecStart"].startswith(f"{INSTALLED} run ")
    assert unit["User"] == "groupbot"
    assert unit["Restart"] == "on-failure"
    assert unit["RestartPreventExitStatus"] == "2"  # a bad config: restarting won't help
    assert unit["KillSignal"] == "SIGTERM"
    assert unit["StandardInput"] == "null"  # never the simulator's terminal
    assert unit["ReadWritePaths"] == "/opt/groupbot/data"


def test_systemd_accepts_the_unit(tmp_path: Path) -> None:
    """`systemd-analyze verify` also checks that ExecStart exists, so the copy it reads runs
    the groupbot installed in this environment instead of /opt/groupbot's."""
    analyze = required.command("systemd-analyze", "systemd")
    installed = Path(sys.executable).parent / "groupbot"
    unit = tmp_path / "groupbot.service"
    unit.write_text(UNIT.read_text(encoding="utf-8").replace(INSTALLED, str(installed)),
                    encoding="utf-8")
    result = subprocess.run([analyze, "verify", str(unit)], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # unknown keys are only warned about: none allowed


# ---------------------------------------------------------------- docs/wechat.md is true

WECHAT_DOC = (ROOT / "docs" / "wechat.md").read_text(encoding="utf-8")


async def test_the_audit_action_the_guide_names_for_a_group_the_bot_does_not_own(
        tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups={"c1": "Customer 01"}, owner="op_lin") as h:
        await h.say("c1", "eve", "加V：abc123 领福利")
        await h.advance("1m")
        await h.say("c1", "eve", "www.cheap-shop.com 全场一折")
        await h.advance("1m")
        rows = await h.bot.store.all("SELECT DISTINCT action FROM audit WHERE member='eve'"
                                     " AND action LIKE 'kick%'")
    assert [action for (action,) in rows] == ["kick_unavailable"]
    assert "writes\n  `kick_unavailable` to the audit log" in WECHAT_DOC
    assert "kick_refused` to" not in WECHAT_DOC


def test_an_endpoint_written_as_a_url_is_accepted_as_the_guide_says() -> None:
    from wechaty_puppet_service.utils import extract_host_and_port

    from bot.adapters.wechaty import check_endpoint

    for endpoint in ("http://127.0.0.1:8788", "127.0.0.1:8788"):
        assert extract_host_and_port(check_endpoint(endpoint)) == ("127.0.0.1", 8788)
    for endpoint in ("127.0.0.1", "8788", "http://gateway"):
        with pytest.raises(ValueError, match="must be host:port"):
            check_endpoint(endpoint)
    assert "`http://127.0.0.1:8788` is accepted too" in WECHAT_DOC
    assert "without `http://`" not in WECHAT_DOC


def test_the_guide_says_how_to_find_group_ids_and_where_the_login_link_goes() -> None:
    assert "@chatroom" in WECHAT_DOC and "groupbot -v run" in WECHAT_DOC
    assert "The link sends the login code to a third-party site" in WECHAT_DOC


async def test_the_healthcheck_passes_against_the_console_of_a_running_bot(
        tmp_path: Path) -> None:
    """The image's health check against the console a running bot serves (the one `groupbot
    run` starts: serve_for, here next to the simulator, on a free port instead of 8080)."""
    shutil.copytree(ROOT / "config", tmp_path / "config")
    shutil.copytree(ROOT / "content", tmp_path / "content")
    bot_yaml = tmp_path / "config" / "bot.yaml"
    bot_yaml.write_text(bot_yaml.read_text(encoding="utf-8") + "web: {port: 0}\n",
                        encoding="utf-8")
    async with Harness(tmp_path / "config", tmp_path) as h:
        served = await serve_for(h.bot, {})
        assert served is not None
        try:
            command = _healthcheck()
            script = command[-1].replace("http://127.0.0.1:8080/", served.running.url)
            checked = await asyncio.create_subprocess_exec(
                sys.executable, *command[1:-1], script, stderr=subprocess.PIPE)
            _, stderr = await asyncio.wait_for(checked.communicate(), 30)
            assert checked.returncode == 0, stderr
        finally:
            await served.stop()
