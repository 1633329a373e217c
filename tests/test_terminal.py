"""`groupbot run` on the terminal simulator, driven through its stdin as an operator types."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from harness import ROOT, Ran, groupbot


def _deployment(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "config", tmp_path / "config")
    shutil.copytree(ROOT / "content", tmp_path / "content")
    return tmp_path / "config"


def _run(config: Path, *lines: str, count_frozen: bool = False) -> Ran:
    """`groupbot run` in this process, the lines on its stdin; no WeChat token nor console
    token in its environment: the simulator."""
    return groupbot("run", "--simulator", "--config", str(config),
                    stdin="\n".join(lines) + "\n",
                    env={k: v for k, v in os.environ.items()
                         if not k.startswith(("WECHATY_", "GROUPBOT_"))},
                    count_frozen=count_frozen)


def test_typos_do_not_stop_the_bot_and_admin_commands_reach_it(tmp_path: Path) -> None:
    # (a real process reading its real stdin to the end: test_terminal_commands.py's
    # test_wait_and_every_bot_line_show_the_virtual_date_in_the_bots_time_zone)
    result = _run(_deployment(tmp_path), "/in nowhere", "/as", "/wait", "群规", "/wait 5s",
                  "/status", "/wait 1m")
    assert result.returncode == 0, result.stderr
    assert "! unknown group 'nowhere'" in result.stdout
    assert result.stdout.count("! that command needs more") == 2
    assert "【招募群群规】" in result.stdout
    assert "📊 Listener Recruitment 01" in result.stdout  # the admin's /status answered


def test_after_a_restart_the_bot_still_answers(tmp_path: Path) -> None:
    config = _deployment(tmp_path)
    # a minute each: the simulator starts at the real time, and a push due then (the shipped
    # config's, e.g. Mondays at 10:00, weekdays at 12:30) goes first; the send governor keeps
    # sends 10-15 s apart on a new account
    first = _run(config, "/as alice", "收入怎么算", "/wait 1m")
    second = _run(config, "/as bob", "报名有什么要求吗", "/wait 1m")
    assert "按通话时长结算" in first.stdout
    assert "报名要求" in second.stdout, second.stderr


def test_wait_runs_what_falls_due_on_the_way(tmp_path: Path) -> None:
    result = _run(_deployment(tmp_path), "/wait 7d")  # a week: weekday tips in r1
    assert result.returncode == 0, result.stderr
    assert "late" not in result.stderr
    assert result.stdout.count("[r1] bot:") >= 10


def test_someone_not_in_the_group_must_join_first(tmp_path: Path) -> None:
    result = _run(_deployment(tmp_path), "/as zoe", "hello")
    assert "! zoe is not in r1: /join zoe first" in result.stdout


def test_images_and_files_show_as_such(tmp_path: Path) -> None:
    config = _deployment(tmp_path)
    types = config / "types" / "recruitment.yaml"
    types.write_text(types.read_text(encoding="utf-8").replace(
        "      text: rules/recruitment.md\n",
        "      text: rules/recruitment.md\n      image: rules/poster.png\n"
        "      attachment: rules/recruitment.pdf\n", 1), encoding="utf-8")
    (tmp_path / "content" / "rules" / "poster.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (tmp_path / "content" / "rules" / "recruitment.pdf").write_bytes(b"%PDF-1.4\n")
    result = _run(config, "/as alice", "群规", "/wait 3m")  # images a minute apart, new account
    assert result.returncode == 0, result.stderr
    assert "[r1] bot: [图片 poster.png]" in result.stdout
    assert "[r1] bot: [文件 recruitment.pdf]" in result.stdout


def test_a_group_qr_code_shows_as_such(tmp_path: Path) -> None:
    # zoe is no friend of the bot (not in simulator.contacts): she gets i1's QR code in r1
    result = _run(_deployment(tmp_path), "/join zoe", "/as zoe", "我要报名", "/wait 1m")
    assert result.returncode == 0, result.stderr
    assert "[r1] bot: [群二维码 Listener Internship 01 实习群]" in result.stdout


def test_what_the_running_bot_loaded_is_kept_out_of_the_collectors_full_passes(
        tmp_path: Path) -> None:
    """The config, its matchers and the dictionaries live as long as the process: each full
    pass of the cyclic garbage collector over them would hold the event loop some 25-130 ms
    (bot/config.py `settled`)."""
    result = _run(_deployment(tmp_path), "/wait 1s", count_frozen=True)
    assert result.returncode == 0, result.stderr
    # what the command made to run, frozen with the rest of the heap as it settled (the test
    # worker's own heap, which the command shares, is frozen already: tests/conftest.py)
    assert result.frozen > 1_000


def test_piped_lines_that_end_show_every_answer_the_bot_queued(tmp_path: Path) -> None:
    """The replies go a few seconds apart (pacing, a new account's send budget): when piped
    lines ended, the simulator stopped with all but the first still queued (operator review
    s31 O16). Now what waits goes out first, as if the time had passed."""
    result = _run(_deployment(tmp_path), "/as bob", "群规", "报名有什么要求吗", "收入怎么算")
    assert result.returncode == 0, result.stderr
    assert "【招募群群规】" in result.stdout
    assert "报名要求" in result.stdout
    assert "按通话时长结算" in result.stdout


def test_a_restart_does_not_take_the_clock_back_behind_the_last_runs_waits(
        tmp_path: Path) -> None:
    """Review s35 r6 R6-5: `/wait` moves the simulator's clock in memory only; started
    again, it was back at the real time, behind everything the last run stored: a check-in
    on the "day before" began a new streak, the rules stayed silent for the waited days."""
    config = _deployment(tmp_path)
    first = _run(config, "/as carol", "/in c1", "/wait 3d", "签到", "/wait 1m")
    assert "签到成功" in first.stdout, first.stdout
    second = _run(config, "/as carol", "/in c1", "签到", "/wait 1m")
    assert "今天已经签过到啦" in second.stdout, second.stdout
