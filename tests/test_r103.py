"""Review r103 of r101's fixes (3e73d58: the drop total once the minute is over; quoted_on
reading a file's lines once while unchanged; comments cut after quoted texts are blanked;
micros before 1973). The WeChat adapter's part is tests/wechaty/test_r103_order.py. Strict
xfails are findings; the plain tests are what holds."""

from __future__ import annotations

import logging
import os
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import harness
import pytest
from harness import BOT_YAML, Harness, write_config
from test_drop_log import four_a_day
from test_outbox import _put

from bot import times, yamlfile
from bot.actions import Kick, Say
from bot.delivery import _DropLog
from bot.yamlfile import Problem, Where
from handlers import REGISTRY

NOON = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


# r103-4 (LOW, regression of 3e73d58, fixed): the minute's total waits for the next run of delivery
# (or drop) after the minute; a bot stopped before it (a restart right after a flood, a
# deploy) never writes it. At 455410f the run that dropped them wrote it at its end.
async def test_r103_4_a_stop_after_a_flood_of_drops_still_writes_the_total(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """40 answers, a budget of 4 a day: 37 dropped at one instant after their hour; the bot
    stops a few seconds later."""
    root = four_a_day(tmp_path)
    with caplog.at_level(logging.WARNING, logger="bot.delivery"):
        async with Harness(root, tmp_path, groups={"g0": "Recruitment 0"}) as h:
            await _put(h, *(Say("g0", f"answer {i}") for i in range(40)))
            await h.advance("1h")
            for _ in range(120):
                await h.advance("1s")
                if any(" dropped: " in m for m in caplog.messages):
                    break
            assert sum(" dropped: " in m for m in caplog.messages) == 12  # 10, 16th, 32nd
    assert any(m.startswith("37 actions dropped within the minute") for m in caplog.messages)


def test_a_minute_with_a_removal_past_the_tenth_gets_its_total(
        caplog: pytest.LogCaptureFixture) -> None:
    """Holds: eleven drops, the eleventh a removal (logged alone, no count): the total of
    eleven comes once the minute is over, once."""
    dropped = _DropLog()
    with caplog.at_level(logging.WARNING, logger="bot.delivery"):
        for n in range(10):
            dropped(Say(f"g{n}", "早安"), "held back", NOON)
        dropped(Kick("g1", "spammer", "ad"), "held back", NOON + timedelta(seconds=59))
        dropped.settle(NOON + timedelta(seconds=59, microseconds=999999))
        assert len(caplog.messages) == 11
        dropped.settle(NOON + timedelta(minutes=1))
        dropped(Say("g1", "午安"), "held back", NOON + timedelta(minutes=1))
    assert caplog.messages[11].startswith("11 actions dropped within the minute of 12:00 UTC")
    assert len(caplog.messages) == 13


def _root(tmp_path: Path, recruitment: str) -> Path:
    return write_config(tmp_path / "config", BOT_YAML, {"recruitment": recruitment})


def _warned(root: Path) -> list[str]:
    """The switch-word warnings of a config, loaded as the bot loads it: not from the tests'
    load cache (tests/harness.py `load`), which keys a load by the files' bytes alone and
    would hand an earlier test's warnings to the same text written again."""
    return [str(w).split("config/", 1)[1] for w in harness._load(root, REGISTRY).warnings
            if "is sent to members as written" in str(w)]


_QUOTED_LINE = "handlers:\n  - checkin: {leaderboard: {empty: 'off'}}\n"
_BARE_LINE = "handlers:\n  - checkin: {leaderboard: {empty:  off }}\n"  # (the same size)


def _warned_after_a_rewrite(tmp_path: Path, later_ns: int) -> list[str]:
    """A type file with the switch word quoted, loaded; then rewritten bare with the same
    size and its mtime set `later_ns` after the first one's: the second load's warnings."""
    root = _root(tmp_path, _QUOTED_LINE)
    type_file = root / "types" / "recruitment.yaml"
    assert _warned(root) == []
    before = type_file.stat()
    type_file.write_text(_BARE_LINE, encoding="utf-8")
    os.utime(type_file, ns=(before.st_atime_ns, before.st_mtime_ns + later_ns))
    assert type_file.stat().st_size == before.st_size
    return _warned(root)


# r103-5 (LOW, 3e73d58): `_source_lines` keys a file's lines by its mtime_ns and size: a file
# rewritten with the same size and mtime (a coarse-timestamp filesystem, ext4's jiffy or
# NFS; `cp -p`, `rsync -t`, `tar x` setting the mtime back) between two loads of one process
# (a reload) is judged by its old lines: here a bare `off` is taken for the quoted one it
# replaced, and not warned of. Before 3e73d58 every call read the file.
def test_r103_5_a_rewrite_of_the_same_size_and_mtime_is_read_again(tmp_path: Path) -> None:
    assert len(_warned_after_a_rewrite(tmp_path, 0)) == 1


def test_a_rewrite_with_a_new_mtime_is_read_again(tmp_path: Path) -> None:
    """Holds: the same size, a later mtime: the new line is read."""
    assert len(_warned_after_a_rewrite(tmp_path, 1_000_000)) == 1


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@pytest.mark.parametrize(("value", "warned"), [("'off'", 0), ("off", 1), ('"off"', 0),
                                               ("'off'\t# it's 'off'", 0),
                                               ("off\t# 'off'", 1)])
def test_crlf_tabs_and_quotes_in_comments_are_read_as_written(
        tmp_path: Path, newline: str, value: str, warned: int) -> None:
    """Holds: a CRLF file, a tab before the comment, quotes in the comment (an apostrophe
    too): only the value before the comment counts."""
    text = f"handlers:\n  - checkin:\n      leaderboard:\n        empty: {value}\n"
    root = _root(tmp_path, "")
    (root / "types" / "recruitment.yaml").write_bytes(
        text.replace("\n", newline).encode("utf-8"))
    assert len(_warned(root)) == warned


def test_a_very_long_line_is_read_in_linear_time(tmp_path: Path) -> None:
    """Holds: a 200,000-character line of quoted and bare texts with backslashes and
    doubled quotes before the switch word: read at once (no backtracking)."""
    filler = ("'it''s' \"a\\\"b\" x " * 12_000)[:200_000]
    root = _root(tmp_path, f"handlers:\n  - checkin: {{leaderboard: {{empty: 'off'}}}}"
                 f"  # {filler}\n")
    assert _warned(root) == []


def test_loads_in_threads_at_once_agree(tmp_path: Path) -> None:
    """Holds: eight loads at once in threads (a reload beside 校验配置) warn alike."""
    root = _root(tmp_path, "handlers:\n  - checkin: {leaderboard: {empty: off, line: 'off'}}\n")
    found: list[list[str]] = []
    errors: list[BaseException] = []

    def load() -> None:
        try:
            found.append(_warned(root))
        except BaseException as exc:  # (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=load) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    # (each judged by how it was written: the bare one warned, the quoted one not)
    assert len(found) == 8 and all(w == found[0] for w in found) and len(found[0]) == 1
    assert "leaderboard.empty:" in found[0][0]


@pytest.mark.parametrize("at", [datetime(1972, 1, 6, 23, 59, 31), datetime(1972, 1, 7, 0, 44, 31),
                                datetime(1972, 12, 31, 23, 59, 59),
                                datetime(1973, 1, 1, 0, 0, 1)])
def test_micros_around_monrovias_last_odd_offset(at: datetime) -> None:
    """Holds: Monrovia's -0:44:30 ended on 1972-01-07; micros agrees with the timestamp
    around it and across the 1973 line, twice each (the second from its cache)."""
    local = at.replace(tzinfo=ZoneInfo("Africa/Monrovia"))
    for _ in range(2):
        assert times.micros(local) == round(local.timestamp() * 1_000_000)
        assert times.micros(local + timedelta(seconds=17)) == round(
            (local + timedelta(seconds=17)).timestamp() * 1_000_000)


# r103-6 (LOW, old: since ebfc9b8's read_text; 3e73d58's stat did not close it): a config file
# is loaded only if regular, opened O_NONBLOCK "should a FIFO take the file's place
# meanwhile" (bot/yamlfile.py `load`); the hints read it again by path (the switch-word check
# did too, until it read the nodes' style), blocking: a FIFO put in its place between the
# parse and the hints hangs the load (a reload's worker thread, `groupbot check`, 校验配置)
# until something writes to it.
def test_r103_6_a_fifo_in_a_config_files_place_is_not_waited_on(tmp_path: Path) -> None:
    fifo = tmp_path / "recruitment.yaml"
    os.mkfifo(fifo)
    answered: list[bool] = []
    reading = threading.Thread(target=lambda: answered.append(
        yamlfile.hinted([Problem(Where(fifo, 2), (), "wrong")]) == [
            Problem(Where(fifo, 2), (), "wrong")]), daemon=True)
    reading.start()
    reading.join(2.0)
    waited = reading.is_alive()
    if waited:  # (a writer that closes at once: the read ends)
        os.close(os.open(fifo, os.O_WRONLY))
        reading.join(5.0)
    assert not waited and answered == [True]
