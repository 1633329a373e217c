"""f55: `groupbot replay`'s refusals name what is wrong (review s41 r51 findings 1, 1b, 2, 9
and 12)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from harness import groupbot
from test_r51 import _as_wechat_s

ROOT = Path(__file__).resolve().parent.parent
PACING = ROOT / "tests" / "scenarios" / "pacing.yaml"


def test_a_replay_s_own_database_is_replayed_on_again(tmp_path: Path) -> None:
    db = tmp_path / "replay.db"
    for _ in range(2):  # the second run continues where the first ended: not WeChat's
        ran = groupbot("replay", str(PACING), "--db", str(db))
        assert ran.returncode == 0, ran.stderr


def test_wechat_s_database_is_refused_in_replay_s_name(tmp_path: Path) -> None:
    db = tmp_path / "groupbot.db"
    asyncio.run(_as_wechat_s(db))
    ran = groupbot("replay", str(PACING), "--db", str(db))
    assert ran.returncode == 2 and ran.stdout == ""
    assert ran.stderr.startswith(f"groupbot replay: --db {db} is a database WeChat has run on")


HEAD = f"""config: {ROOT / "config"}
start: "2026-11-23 08:55"
groups:
  - {{id: r1, topic: "Listener Recruitment 01", members: [alice, bob]}}
"""


def _replayed(tmp_path: Path, text: str) -> tuple[int, str]:
    """Replay a scenario of `text`: the exit code and stderr, the scenario's path as s.yaml."""
    scenario = tmp_path / "s.yaml"
    scenario.write_text(text, encoding="utf-8")
    ran = groupbot("replay", str(scenario))
    assert ran.stdout == ""
    return ran.returncode, ran.stderr.replace(str(scenario), "s.yaml")


def test_a_scenario_without_steps_is_refused(tmp_path: Path) -> None:
    assert _replayed(tmp_path, HEAD) == (2, "s.yaml:1: steps: required key is missing\n")


def test_step_written_for_steps_is_asked_about(tmp_path: Path) -> None:
    code, err = _replayed(tmp_path, HEAD + "step:\n  - say: {group: r1, from: bob, text: hi}\n")
    assert code == 2
    assert err.startswith("s.yaml:5: step: `step` is the virtual time between steps (1s): "
                          "did you mean `steps`, the list of steps?")


def test_no_steps_at_all_is_written_as_an_empty_list(tmp_path: Path) -> None:
    assert _replayed(tmp_path, HEAD + "steps: []\n") == (0, "")


@pytest.mark.parametrize("start", ["2026-11-23  08:55", "2026-11-23T24:00",
                                   "23.11.2026 08:55", "2026-11-23 :55", "2026-11-23 123:55"])
def test_a_start_not_in_iso_form_gets_the_example(tmp_path: Path, start: str) -> None:
    head = HEAD.replace('"2026-11-23 08:55"', f'"{start}"')
    assert _replayed(tmp_path, head + "steps: []\n") == (
        2, f's.yaml:2: start: give a date and time like "2026-11-23 08:55", not {start!r}\n')


@pytest.mark.parametrize("start", ["2026-11-23T08:55", "2026-11-23 08:55:00+08:00",
                                   "2026-11-23T00:55:00Z", "2026-11-23 8:55", "2026-11-23T8:55"])
def test_a_start_in_iso_form_plays(tmp_path: Path, start: str) -> None:
    head = HEAD.replace('"2026-11-23 08:55"', f'"{start}"')
    assert _replayed(tmp_path, head + "steps: []\n") == (0, "")


def test_a_scenario_config_key_naming_nothing_is_the_scenario_s_problem(
        tmp_path: Path) -> None:
    text = HEAD.replace(f"config: {ROOT / 'config'}", "config: ../nowhere")
    assert _replayed(tmp_path, text + "steps: []\n") == (
        2, f"s.yaml:1: config: config directory not found: {tmp_path.parent / 'nowhere'} "
        "(`config` is relative to the scenario file; or give --config DIR)\n")
