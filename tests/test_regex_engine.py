"""No operator regex can stall the bot: `(a+)+$`, hours of backtracking for Python's re on a
40-character text, is answered at once in keyword rules, name-card patterns and bindings."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from harness import BOT_YAML, Harness, write_config

HOSTILE = "a" * 40 + "!"


class Stalled(BaseException):
    """Not an Exception, so the bot's per-handler error isolation cannot swallow it."""


@contextmanager
def give_up_after(seconds: int) -> Iterator[None]:
    """A guard, not a measure: under a backtracking engine the text would take hours, and
    the test fails here instead of hanging the suite."""
    def stalled(*_: object) -> None:
        raise Stalled("an operator regex stalled the bot")
    previous = signal.signal(signal.SIGALRM, stalled)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


KEYWORDS = """\
handlers:
  - keywords:
      rules:
        - {match: regex, patterns: ['(a+)+$'], reply: "all a"}
        - {patterns: [价格], reply: "price"}
"""


async def test_a_keyword_rule(tmp_path: Path) -> None:
    root = write_config(tmp_path / "config", BOT_YAML, {"recruitment": KEYWORDS})
    with give_up_after(30):
        async with Harness(root, tmp_path) as h:
            for text in (HOSTILE, "问下价格", "aaaa"):
                await h.say("r1", "alice", text)
                await h.advance("2m")
    assert h.texts() == ["price", "all a"]


NAMECARD = """\
handlers:
  - namecard:
      pattern: '(a+)+$'
      example: aaaa
      first_reminder: 1m
      max_reminders: 1
      reminder: "{member} 请改名"
"""


async def test_a_name_card_pattern(tmp_path: Path) -> None:
    root = write_config(tmp_path / "config", BOT_YAML, {"recruitment": NAMECARD})
    with give_up_after(30):
        async with Harness(root, tmp_path) as h:
            h.world.contacts.update({"mallory": HOSTILE, "ann": "aaaa"})
            await h.join("r1", "mallory", "ann")
            await h.advance("5m")
    assert [a["mentions"] for a in h.actions("say")] == [["mallory"]]


async def test_a_binding_topic(tmp_path: Path) -> None:
    bot_yaml = BOT_YAML.replace('{topic: "Recruitment"}', "{topic: '(a+)+$'}")
    root = write_config(tmp_path / "config", bot_yaml, {"recruitment": KEYWORDS})
    with give_up_after(30):
        async with Harness(root, tmp_path, groups={"g1": HOSTILE, "g2": "aaaa"}) as h:
            for group in ("g1", "g2"):
                await h.say(group, "alice", "价格")
                await h.advance("2m")
    assert [a["group"] for a in h.actions("say")] == ["g2"]
