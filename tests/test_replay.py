"""`groupbot replay` as the contract (../shared/contracts/replay.md) describes it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from harness import BOT_YAML, Ran, groupbot, write_config
from pg import Postgres

from bot import contacts, segment
from bot.events import Kind
from bot.replay import load, replay
from bot.store import StoreError
from handlers import REGISTRY

SCENARIOS = Path(__file__).parent / "scenarios"
CASES = sorted(p for p in SCENARIOS.glob("*.yaml"))


@pytest.mark.parametrize("scenario", CASES, ids=[p.stem for p in CASES])
async def test_scenario_plays_as_expected(scenario: Path) -> None:
    """Each tests/scenarios/NAME.yaml gives exactly NAME.expected.jsonl (reviewed by hand)."""
    actions: list[dict[str, Any]] = []
    await replay(scenario, REGISTRY, emit=actions.append)
    expected = scenario.with_suffix("").with_suffix(".expected.jsonl")
    lines = expected.read_text(encoding="utf-8").splitlines()
    assert actions == [json.loads(line) for line in lines]


# scenarios that go through most owners' tables: moderation (warnings, block list, cases),
# check-ins, pushes, the funnel and quiz, invitations, hand-offs, renamed groups, bulk sends
ON_POSTGRESQL = ["moderation_ads", "moderation_admin", "moderation_cases", "customer_checkin",
                 "engagement_push", "funnel_journey", "fission_min_stay", "faq_handoff",
                 "groups_renamed", "broadcast", "move_members"]


@pytest.mark.parametrize("name", ON_POSTGRESQL)
async def test_scenario_plays_the_same_on_postgresql(name: str, postgres: Postgres) -> None:
    scenario = SCENARIOS / f"{name}.yaml"
    actions: list[dict[str, Any]] = []
    await replay(scenario, REGISTRY, db=postgres.emptied(), emit=actions.append)
    lines = (SCENARIOS / f"{name}.expected.jsonl").read_text(encoding="utf-8").splitlines()
    assert actions == [json.loads(line) for line in lines]


def test_replay_into_postgresql_then_report_and_audit_read_it(postgres: Postgres) -> None:
    url = postgres.emptied()
    result = _cli("replay", str(SCENARIOS / "moderation_ads.yaml"), "--db", url)
    assert result.returncode == 0, result.stderr
    config = SCENARIOS.parent.parent / "config"
    audit = _cli("audit", "--config", str(config), "--db", url)
    assert audit.returncode == 0, audit.stderr
    assert "warn" in audit.stdout
    assert postgres.sql("SELECT count(*) FROM warnings", url.rpartition("/")[2]).strip() != "0"


def _cli(*args: str) -> Ran:
    return groupbot(*args)


def test_the_command_prints_only_json_lines_on_stdout(tmp_path: Path) -> None:
    result = _cli("replay", str(SCENARIOS / "pacing.yaml"), "--db", str(tmp_path / "x.db"))
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["action"] for r in records] == ["say"] * 4
    assert (tmp_path / "x.db").exists()


R1 = "start: 2026-11-23 08:55\ngroups: [{id: r1, topic: Recruitment 01}]\n"


def _scenario(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("body, message", [
    ("start: 2026-11-23 08:55\nsteps:\n  - jump: {group: r1}\n", "s.yaml:3: steps[0]: each step"),
    ("start: 2026-11-23 08:55\nsteps:\n  - say: {group: r1, text: hi}\n",
     "s.yaml:3: steps[0].say.from: required key is missing"),
    ("start: 2026-11-23 08:55\nsteps:\n  - wait: soon\n",
     "s.yaml:3: steps[0].wait: not a duration"),
    ("start: yesterday\n", "s.yaml:1: start:"),
    ("start: 2026-11-23 08:55\nsteps:\n  - say: {group: nope, from: a, text: hi}\n",
     "s.yaml:3: steps[0].say.group: unknown group 'nope'"),
    ("steps: [\n", "s.yaml:2: YAML syntax"),
    ("start: 2026-11-23 08:55\nsteps:\n  - say: {group: r1, from: a}\n",
     "s.yaml:3: steps[0].say: give `text`, or `file` for an image or file the member sends"),
    ("start: 2026-11-23 08:55\nsteps:\n  - wait: 1s\n  - dm: {from: a, kind: image}\n",
     "s.yaml:4: steps[1].dm: give `text`, or `file`"),
    ("start: 2026-11-23 08:55\nsteps:\n  - say: {group: r1, from: a, text: hi, file: a.png}\n",
     "s.yaml:3: steps[0].say: a WeChat message is a text or a file, not both"),
    ("start: 2026\n", 's.yaml:1: start: give a date and time like "2026-11-23 08:55", not 2026'),
    ("start: 1.5e9\n", "s.yaml:1: start: give a date and time"),
    ("start: true\n", "s.yaml:1: start: give a date and time"),
    (f"{R1}steps:\n  - say: {{group: r1, from: '', text: hi}}\n",
     "s.yaml:4: steps[0].say.from: an id is a non-empty text, not ''"),
    (f"{R1}steps:\n  - dm: {{from: '  ', text: hi}}\n",
     "s.yaml:4: steps[0].dm.from: an id is a non-empty text, not '  '"),
    (f"{R1}steps:\n  - join: {{group: r1, members: [bob, '']}}\n",
     "s.yaml:4: steps[0].join.members[1]: an id is a non-empty text"),
    (f"{R1}steps:\n  - say: {{group: r1, from: a, text: hi, mentions: [' ']}}\n",
     "s.yaml:4: steps[0].say.mentions[0]: an id is a non-empty text"),
    (f"{R1}steps:\n  - friend_request: {{from: ''}}\n",
     "s.yaml:4: steps[0].friend_request.from: an id is a non-empty text"),
    ("start: 2026-11-23 08:55\ngroups: [{id: ' ', topic: x}]\n",
     "s.yaml:2: groups[0].id: an id is a non-empty text"),
    (f"{R1}steps:\n  - say: {{group: r1, from: a, text: hi, written: -5s}}\n",
     "s.yaml:4: steps[0].say.written: not a duration: '-5s'"),
])
def test_an_invalid_scenario_exits_2_naming_the_line(tmp_path: Path, body: str,
                                                     message: str) -> None:
    result = _cli("replay", str(_scenario(tmp_path, body)), "--config",
                  str(Path(__file__).parent.parent / "config"))
    assert result.returncode == 2
    assert result.stdout == ""
    [line] = result.stderr.strip().splitlines()
    assert message in line


def test_a_start_the_clocks_skip_exits_2_and_one_they_do_not_plays(tmp_path: Path) -> None:
    """2026-03-08 02:30 does not exist in New York: at 02:00 the clocks jump to 03:00."""
    config = write_config(tmp_path / "config", BOT_YAML.replace(
        "Asia/Shanghai", "America/New_York"), {"recruitment": "handlers: []\n"})
    for start, code in (("2026-03-08 02:30", 2), ("2026-03-08 03:30", 0),
                        ("2026-03-08T02:30-05:00", 0)):
        scenario = _scenario(tmp_path, f'start: "{start}"\nsteps: []\n')
        result = _cli("replay", str(scenario), "--config", str(config))
        assert result.returncode == code, result.stderr
    scenario = _scenario(tmp_path, 'start: "2026-03-08 02:30"\nsteps: []\n')
    result = _cli("replay", str(scenario), "--config", str(config))
    assert result.stderr.strip() == (
        f"{scenario}:1: start: 2026-03-08 02:30 does not exist in America/New_York: the clocks "
        "skip it (daylight saving time); give a time before or after, or an offset "
        "(2026-03-08 02:30-0500)")


def test_a_broken_config_exits_2_naming_file_line_and_key(tmp_path: Path) -> None:
    config = tmp_path / "config"
    (config / "types").mkdir(parents=True)
    (config / "bot.yaml").write_text("content: .\ngroups:\n  - match: {topic: x}\n"
                                     "    type: t\n", encoding="utf-8")
    (config / "types" / "t.yaml").write_text(
        "handlers:\n  - keywords:\n      rules:\n        - patterns: [a]\n"
        "          reply: b\n          match: fuzzy\n", encoding="utf-8")
    scenario = _scenario(tmp_path, "config: config\nstart: 2026-11-23 08:55\nsteps: []\n")
    result = _cli("replay", str(scenario))
    assert result.returncode == 2
    assert "t.yaml:6: handlers.keywords.rules[0].match: Input should be" in result.stderr


def test_a_reader_that_stops_reading_ends_the_replay_quietly() -> None:
    """`groupbot replay ... | head`: the pipe's reader is gone before the first line; the
    process stops with exit 1 and nothing on stderr but its own log lines, no traceback (its
    exit flush included)."""
    read, write = os.pipe()
    os.close(read)  # a reader that has already left: every write gets EPIPE
    try:
        result = subprocess.run([sys.executable, "-m", "bot.cli", "replay",
                                 str(SCENARIOS / "pacing.yaml")], stdout=write,
                                stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(write)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "Error" not in result.stderr, result.stderr


def test_a_reader_that_stops_reading_ends_a_longer_replay_quietly_too() -> None:
    """The same in this process, on a scenario with more to write (the funnel's groups)."""
    read, write = os.pipe()
    os.close(read)
    with open(write, "w", encoding="utf-8") as pipe:
        result = groupbot("replay", str(SCENARIOS / "funnel_groups.yaml"), stdout=pipe)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "Error" not in result.stderr, result.stderr


def test_ctrl_c_stops_a_replay_at_once_and_keeps_its_database_usable(tmp_path: Path) -> None:
    """asyncio.run's Ctrl-C only cancelled the replay's task, which the virtual clock never
    let in: a year of 40 groups' pushes ran to its end, then a KeyboardInterrupt traceback."""
    groups = "".join(f"  - {{id: c{n}, topic: Customer {n}, members: [alice]}}\n"
                     for n in range(40))
    scenario = tmp_path / "year.yaml"
    scenario.write_text(f"start: 2026-01-01 00:00\ngroups:\n{groups}steps:\n"
                        + "  - wait: 30d\n" * 12, encoding="utf-8")
    db = tmp_path / "bot.db"
    shipped = str(Path(__file__).parent.parent / "config")
    process = subprocess.Popen([sys.executable, "-m", "bot.cli", "replay", str(scenario),
                                "--config", shipped, "--db", str(db)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    first = process.stdout.readline()  # it runs: the first push of January is out
    process.send_signal(signal.SIGINT)
    rest, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    assert err.strip().splitlines()[-1] == "groupbot replay: interrupted"
    assert "Traceback" not in err
    assert not any(json.loads(line)["t"].startswith("2026-12")
                   for line in [first, *rest.splitlines()])
    again = _cli("replay", str(SCENARIOS / "pacing.yaml"), "--config", shipped, "--db", str(db))
    assert again.returncode == 0, again.stderr  # its lock released, its events whole


RENAME = """\
start: 2026-11-23 08:55
groups:
  - {id: r1, topic: "Listener Recruitment 01", members: [alice, bob]}
steps:
  - leave: {group: r1, members: [bob]}
  - rename: {group: r1, member: %s, name: "北京-星河-小王"}
"""


@pytest.mark.parametrize("member", ["bob", "eve"])
def test_renaming_someone_not_in_the_group_exits_2_naming_the_step(tmp_path: Path,
                                                                   member: str) -> None:
    """WeChat renames only members: a `rename` of one who left (bob) or never joined (eve)
    used to make them a member silently."""
    result = _cli("replay", str(_scenario(tmp_path, RENAME % member)), "--config",
                  str(Path(__file__).parent.parent / "config"))
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    [line] = result.stderr.strip().splitlines()
    assert line == (f"{tmp_path / 's.yaml'}:6: steps[1]: rename: {member!r} is not in group "
                    "'r1' now (never joined, or left): add a `join` step before it")


def test_renaming_a_member_is_replayed(tmp_path: Path) -> None:
    result = _cli("replay", str(_scenario(tmp_path, RENAME % "alice")), "--config",
                  str(Path(__file__).parent.parent / "config"))
    assert result.returncode == 0, result.stderr


def test_a_members_file_is_an_image_or_a_file_by_its_name(tmp_path: Path) -> None:
    path = _scenario(tmp_path, "start: 2026-11-23 08:55\ngroups: [{id: r1, topic: t}]\n"
                     "steps:\n  - say: {group: r1, from: a, file: 截图.PNG}\n"
                     "  - dm: {from: a, file: 简历.pdf}\n"
                     "  - say: {group: r1, from: a, file: v.mp4, kind: video}\n")
    _, steps, _ = load(path)
    assert [body.message_kind for _, _, body in steps] == [Kind.IMAGE, Kind.FILE, Kind.VIDEO]
    assert {body.text for _, _, body in steps} == {""}


def test_sigterm_stops_a_replay_and_a_bench_at_once_and_removes_their_temporary_files(
        tmp_path: Path) -> None:
    """SIGTERM (a service manager's stop, `kill`) ended them where they were, exit 143, their
    temporary database (6 to 10 MB) left in $TMPDIR."""
    groups = "".join(f"  - {{id: c{n}, topic: Customer {n}, members: [alice]}}\n"
                     for n in range(40))
    scenario = tmp_path / "year.yaml"
    scenario.write_text(f"start: 2026-01-01 00:00\ngroups:\n{groups}steps:\n"
                        + "  - wait: 30d\n" * 12, encoding="utf-8")
    shipped = str(Path(__file__).parent.parent / "config")
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    for command, started in ((["replay", str(scenario), "--config", shipped], '"t"'),
                             (["bench", "--config", shipped, "--messages", "100000"], "storage:")):
        process = subprocess.Popen([sys.executable, "-m", "bot.cli", *command],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   env={**os.environ, "TMPDIR": str(tmp),
                                        "PYTHONUNBUFFERED": "1"})
        assert process.stdout is not None
        while started not in (line := process.stdout.readline()):  # under way
            assert line, process.communicate()[1]
        # its temporary database made (not just the probe file Python's tempfile writes
        # and removes in the directory before its first use: a stop then may leave it)
        while not list(tmp.glob(f"groupbot-{command[0]}-*")):
            time.sleep(0.01)
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=120)
        assert process.returncode == 143, err
        assert err.strip().splitlines()[-1] == f"groupbot {command[0]}: terminated"
        assert "Traceback" not in err
        assert list(tmp.iterdir()) == [], command[0]


async def test_a_database_that_cannot_be_used_fails_before_the_patterns_are_compiled(
        tmp_path: Path) -> None:
    """The bot opens (and holds) its database before it loads what reading messages needs
    (banned.warm: the contact patterns, the segmenter's dictionary): a --db that cannot be
    used, or that another bot serves, fails without spending that CPU first."""
    blocked = tmp_path / "a file"
    blocked.write_text("not a directory", encoding="utf-8")
    contacts._markers.cache_clear()
    contacts._mini_program_patterns.cache_clear()
    segment._loaded.clear()
    with pytest.raises(StoreError, match="a file"):
        await replay(SCENARIOS / "private_chat.yaml", REGISTRY, db=blocked / "bot.db",
                     emit=lambda action: None)
    assert contacts._markers.cache_info().currsize == 0
    assert contacts._mini_program_patterns.cache_info().currsize == 0
    assert not segment._loaded
    await replay(SCENARIOS / "private_chat.yaml", REGISTRY, emit=lambda action: None)
    assert contacts._markers.cache_info().currsize == 1 and segment._loaded  # warmed
