"""`groupbot check` on the slips an operator typing a config with a Chinese input method, or
copying one line from another, makes most: values the config takes but that mean something
else than what was written (review s33b)."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import BOT_YAML, write_config

from bot.cli import main


def _check(capsys: pytest.CaptureFixture[str], root: Path) -> tuple[int, list[str]]:
    code = main(["check", "--config", str(root)])
    _, err = capsys.readouterr()
    return code, [line.replace(str(root) + "/", "") for line in err.splitlines()]


@pytest.mark.parametrize("handler, expected", [
    # members silent 14 SECONDS removed every night, told they were silent "1 天"
    ("lifecycle:\n      silent: {after: 14, remove: true, grace: 1}\n",
     ["3: handlers.lifecycle.silent.after: 14 is 14 seconds (a number without a unit is "
      "seconds; the default is 14d): for days write 14d, for hours 14h, for minutes 14m; for "
      "seconds 14s",
      "3: handlers.lifecycle.silent.grace: 1 is 1 seconds (a number without a unit is seconds; "
      "the default is 1d)"]),
    # each ad a first warning again 30 s later: never removed
    ("antispam:\n      warn_window: 30\n",
     ["3: handlers.antispam.warn_window: 30 is 30 seconds (a number without a unit is seconds; "
      "the default is 30d)"]),
    ("welcome:\n      template: hi\n      again_after: 30\n",
     ["4: handlers.welcome.again_after: 30 is 30 seconds"]),
    # seconds where seconds are the scale, said with a unit, or a long number: as written
    ("welcome:\n      template: hi\n      window: 20\n", []),
    ("lifecycle:\n      silent: {after: 14d, remove: true, grace: 1d}\n", []),
    ("lifecycle:\n      silent: {after: 1209600, remove: true, grace: 0}\n", []),
    ("antispam:\n      warn_window: 30s\n", []),
])
def test_a_bare_number_far_below_a_day_scale_default_is_warned_as_seconds(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, handler: str,
        expected: list[str]) -> None:
    """`silent: {after: 14, grace: 1}` (meant: days) passed `check` and removed, each night,
    members who had spoken that morning (review s33b B6)."""
    root = write_config(tmp_path / "config", BOT_YAML, {"recruitment": (
        f"handlers:\n  - {handler}")})
    code, errors = _check(capsys, root)
    assert code == 0, errors
    assert len(errors) == len(expected), errors
    for error, start in zip(errors, expected, strict=True):
        assert error.startswith("warning: types/recruitment.yaml:" + start), errors
