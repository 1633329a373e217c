"""r51: a new operator follows the deployment docs (README, deploy.md, scale.md, reports.md,
replay.md) literally, making an operator's slips on the way (a typo in a key or a URL, a
wrong path, the database of another deployment). Each code finding was a strict xfail;
f55 fixed them all and removed the markers (tests/test_f55_*.py say more of each fix); the
docs were fixed in r51's branch."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from harness import groupbot
from pg import Postgres

from bot import platforms, schema
from bot.adapters.wechaty import check_endpoint
from bot.store import open_store
from handlers import REGISTRY

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = str(ROOT / "config")
SCENARIO_HEAD = f"""
config: {SHIPPED}
start: "2026-11-23 08:55"
groups:
  - {{id: r1, topic: "Listener Recruitment 01", members: [alice, bob]}}
"""
SAY = "  - say: {group: r1, from: bob, text: 群规}\n"


def _scenario(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _deployment(tmp_path: Path, storage: str = "../data/groupbot.db",
                token_env: str | None = None) -> Path:
    """A copy of the shipped deployment in tmp_path, its `storage` replaced; with
    `token_env`, one account `a` holding it."""
    config = tmp_path / "config"
    shutil.copytree(SHIPPED, config)
    shutil.copytree(ROOT / "content", tmp_path / "content")
    bot_yaml = config / "bot.yaml"
    text = bot_yaml.read_text(encoding="utf-8")
    text = text.replace("storage: ../data/groupbot.db", f"storage: {storage}")
    if token_env is not None:
        text += f"accounts:\n  - {{name: a, token_env: {token_env}, endpoint: '127.0.0.1:9'}}\n"
    bot_yaml.write_text(text, encoding="utf-8")
    return config


def test_r51_1_a_scenario_without_steps_is_refused_naming_steps(tmp_path: Path) -> None:
    ran = groupbot("replay", str(_scenario(tmp_path, SCENARIO_HEAD)))
    assert ran.returncode == 2
    assert "steps" in ran.stderr.replace(str(tmp_path), "")  # the test's name holds it


def test_r51_1b_step_for_steps_names_steps(tmp_path: Path) -> None:
    ran = groupbot("replay", str(_scenario(tmp_path, SCENARIO_HEAD + "step:\n" + SAY)))
    assert ran.returncode == 2
    assert "steps" in ran.stderr.replace(str(tmp_path), "")  # the test's name holds it


def test_r51_2_a_scenario_config_key_naming_nothing_names_the_scenario(
        tmp_path: Path) -> None:
    text = SCENARIO_HEAD.replace(f"config: {SHIPPED}", "config: ../nowhere")
    scenario = _scenario(tmp_path, text + "steps:\n" + SAY)
    ran = groupbot("replay", str(scenario))
    assert ran.returncode == 2
    [line] = ran.stderr.strip().splitlines()
    assert "s.yaml" in line and "config" in line
    assert "run where ./config is" not in line


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("r51") / "fj.db"
    ran = groupbot("replay", str(ROOT / "tests" / "scenarios" / "funnel_journey.yaml"),
                   "--db", str(db))
    assert ran.returncode == 0, ran.stderr
    return db


def test_r51_3_audit_refuses_an_unknown_group_as_report_does(replayed: Path) -> None:
    report = groupbot("report", "--db", str(replayed), "--config", SHIPPED, "--group", "zz")
    assert report.returncode == 2 and "no group 'zz'" in report.stderr
    audit = groupbot("audit", "--db", str(replayed), "--config", SHIPPED, "--group", "zz")
    assert audit.returncode == 2
    assert "no group 'zz'" in audit.stderr


def test_r51_4_report_of_an_account_serving_nothing_does_not_say_no_groups(
        replayed: Path, tmp_path: Path) -> None:
    config = _deployment(tmp_path, token_env="GROUPBOT_TOKEN_A")
    ran = groupbot("report", "--db", str(replayed), "--config", str(config), "--account", "a",
                   "--since", "2026-11-23", "--until", "2026-11-24")
    assert ran.returncode == 0, ran.stderr
    assert "no groups recorded yet" not in ran.stdout
    assert "'a'" in ran.stdout + ran.stderr or "account a" in ran.stdout + ran.stderr


def test_r51_5_a_mistyped_url_is_named_as_one(tmp_path: Path) -> None:
    ran = groupbot("report", "--config", SHIPPED,
                   "--db", "postgresql:/groupbot@localhost/groupbot")
    assert ran.returncode == 2
    assert "postgresql://" in ran.stderr
    assert "has not run with this config" not in ran.stderr


def test_r51_6_copying_the_simulator_s_database_says_so(
        tmp_path: Path, postgres: Postgres) -> None:
    config = _deployment(tmp_path)
    sim = groupbot("run", "--simulator", "--config", str(config), stdin="/quit\n")
    assert sim.returncode == 0, sim.stderr
    ran = groupbot("storage", "copy", "--config", str(config), "--to", postgres.database())
    assert "simulator" in ran.stdout + ran.stderr


def test_r51_7_a_report_on_a_missing_schema_names_the_schema(postgres: Postgres) -> None:
    url = postgres.database() + "?search_path=nosuch"
    ran = groupbot("report", "--config", SHIPPED, "--db", url)
    assert ran.returncode == 2
    assert "schema" in ran.stderr and "no groupbot has run on it" not in ran.stderr


def test_r51_8_an_endpoint_url_with_a_trailing_slash_is_taken() -> None:
    assert check_endpoint("http://127.0.0.1:8788/").rstrip("/").endswith("127.0.0.1:8788")


def test_r51_9_replay_refuses_a_database_wechat_has_run_on(tmp_path: Path) -> None:
    db = tmp_path / "groupbot.db"
    scenario = ROOT / "tests" / "scenarios" / "pacing.yaml"
    groups = asyncio.run(_as_wechat_s(db))  # a new database WeChat ran on, no group yet
    ran = groupbot("replay", str(scenario), "--db", str(db))
    assert ran.returncode == 2
    assert "WeChat" in ran.stderr
    assert asyncio.run(_as_wechat_s(db)) == groups


async def _as_wechat_s(db: Path) -> int:
    """Record WeChat as the platform of `db`, as `groupbot run` does; its groups' count."""
    store = await open_store(db, schema.migrations(REGISTRY))
    try:
        await platforms.record(store, platforms.WECHAT, datetime.now(UTC))
        [(groups,)] = await store.all("SELECT count(*) FROM group_bindings")
        return int(groups)
    finally:
        await store.close()

def test_r51_10_a_missing_db_file_is_named_as_the_db_option(tmp_path: Path) -> None:
    ran = groupbot("report", "--config", SHIPPED, "--db", str(tmp_path / "typo.db"))
    assert ran.returncode == 2
    assert ran.stderr.startswith("groupbot report: ")
    assert "--db" in ran.stderr and "with this config" not in ran.stderr


@pytest.mark.parametrize("storage", ["postgresq://groupbot@db.internal/groupbot",
                                     "postgresql:/groupbot@db.internal/groupbot"])
def test_r51_11_check_refuses_a_storage_that_looks_like_a_mistyped_url(
        tmp_path: Path, storage: str) -> None:
    ran = groupbot("check", "--config", str(_deployment(tmp_path, storage)))
    assert ran.returncode == 2
    assert "storage" in ran.stdout + ran.stderr


def test_r51_12_a_start_with_a_one_digit_hour_plays(tmp_path: Path) -> None:
    """Refused with the example once; taken since h87, as a clock time and a push's `at`
    take a one-digit hour."""
    head = SCENARIO_HEAD.replace('"2026-11-23 08:55"', '"2026-11-23 8:55"')
    ran = groupbot("replay", str(_scenario(tmp_path, head + "steps:\n" + SAY)))
    assert ran.returncode == 0, ran.stderr


def test_r51_13_a_token_pasted_as_token_env_is_refused(tmp_path: Path) -> None:
    token = "insecure_0b6f1c2d3e4f5a6b7c8d9e0f1a2b3c4d"
    config = _deployment(tmp_path, token_env=token)
    ran = groupbot("check", "--config", str(config))
    assert ran.returncode == 2
    assert "token_env" in ran.stdout + ran.stderr
    assert token not in ran.stdout + ran.stderr


def test_r51_14_bench_accounts_leaves_nothing_in_the_database(postgres: Postgres) -> None:
    url = postgres.database()
    subprocess.run([sys.executable, str(ROOT / "scripts" / "bench_accounts.py"),
                    "--storage", url, "--processes", "1", "--messages", "20", "--groups", "1"],
                   check=True, capture_output=True, timeout=300)
    tables = postgres.sql("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'",
                          url.rsplit("/", 1)[1])
    assert int(tables) == 0
