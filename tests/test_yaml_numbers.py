"""Numbers in every YAML file are plain decimals (bot/yamlfile.py): an unquoted 1:30 is the
text "1:30", not 90 (YAML 1.1's base 60), and 010 the text "010", not 8 (octal). So a
duration, a clock time or an id is read as the operator wrote it, or refused with its line."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path
from typing import Any

import pytest
from harness import BOT_YAML, write_config

from bot import config, yamlfile
from bot.yamlfile import InputError
from handlers import REGISTRY

LOADERS = [yamlfile.Loader, yamlfile.PythonLoader]


@pytest.mark.parametrize("loader", LOADERS)
@pytest.mark.parametrize("written, read", [
    ("1:30", "1:30"), ("1:30:00", "1:30:00"), ("1:30.5", "1:30.5"), ("8:00", "8:00"),
    ("010", "010"), ("-010", "-010"), ("+7", 7), ("1_000", "1_000"), ("0x10", "0x10"),
    ("0o10", "0o10"), ("0b10", "0b10"), ("1.5", 1.5), (".5", 0.5), ("1e3", "1e3"),
    ("2026-11-29", date(2026, 11, 29)), ("yes", "yes"), ("OFF", "OFF"), ("true", True),
    ("False", False),
])
def test_a_plain_scalar_reads_the_same_in_both_loaders_and_both_paths(
        loader: type, written: str, read: Any) -> None:
    text = f"a: {written}\n"
    assert yamlfile._plain_data(text, loader) == {"a": read}  # straight from the events
    assert yamlfile._parse(f"a: &x {written}\nb: *x\n", Path("x.yaml"), loader).data == \
        {"a": read, "b": read}  # through the nodes (an anchor is no plain file)


def test_an_explicit_tag_keeps_its_own_reading() -> None:
    assert yamlfile._parse("a: !!int 0x10\n", Path("x.yaml"), yamlfile.Loader).data == \
        {"a": 16}


def _type(tmp_path: Path, handlers: str) -> config.GroupType:
    root = write_config(tmp_path / "config", BOT_YAML, {"recruitment": handlers},
                        {"rules.md": "rules"})
    return config.load(root, REGISTRY).types["recruitment"]


def _problems(tmp_path: Path, handlers: str) -> list[str]:
    with pytest.raises(InputError) as caught:
        _type(tmp_path, handlers)
    return [str(p).split("types/", 1)[1] for p in caught.value.problems]


def _settings(gtype: config.GroupType, name: str) -> Any:
    return next(h.config for h in gtype.handlers if h.name == name)


def test_an_unquoted_clock_time_is_the_time_written(tmp_path: Path) -> None:
    gtype = _type(tmp_path, "handlers:\n  - checkin:\n      day_starts: 4:00\n"
                            "  - push:\n      quiet_hours: {start: 22:30, end: '7:05'}\n"
                            "      schedules: [{id: a, cron: '0 9 * * *', text: x}]\n")
    assert _settings(gtype, "checkin").day_starts == time(4, 0)
    quiet = _settings(gtype, "push").quiet_hours
    assert (quiet.start, quiet.end) == (time(22, 30), time(7, 5))


@pytest.mark.parametrize("written", ["800", "8", "8.30"])
def test_a_number_for_a_clock_time_is_refused_with_its_line(tmp_path: Path,
                                                             written: str) -> None:
    problems = _problems(tmp_path, f"handlers:\n  - checkin:\n      day_starts: {written}\n")
    assert problems[0].startswith("recruitment.yaml:3: handlers.checkin.day_starts: not a "
                                  "clock time"), problems


def test_a_leading_zero_in_a_duration_says_what_to_write(tmp_path: Path) -> None:
    problems = _problems(tmp_path,
                         "handlers:\n  - welcome:\n      template: hi\n      window: 010\n")
    assert problems == ["recruitment.yaml:4: handlers.welcome.window: not a duration: '010' "
                        "(a leading zero makes it a text: write 10s, or 10 for seconds)"]


@pytest.mark.parametrize("written", ["1:30", "0x10"])
def test_a_duration_written_as_a_clock_is_refused_with_its_line(tmp_path: Path,
                                                                 written: str) -> None:
    problems = _problems(tmp_path,
                         f"handlers:\n  - welcome:\n      template: hi\n      window: {written}\n")
    assert problems[0].startswith(f"recruitment.yaml:4: handlers.welcome.window: not a "
                                  f"duration: '{written}'"), problems
