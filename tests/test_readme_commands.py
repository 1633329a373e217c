"""The README's table of commands names every command and option `groupbot` takes, and no
other: an operator's first look at what the CLI can do."""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator

from harness import ROOT

from bot.cli import parser

# Said in the prose under "Set up" (`groupbot run -v`, or `groupbot -v run`), on every command.
_EVERYWHERE = {"-h", "--help", "-v", "--verbose"}


def _commands(p: argparse.ArgumentParser, name: str = "") -> Iterator[tuple[str, set[str]]]:
    """Each command that runs something (`storage copy`, not `storage`), with its options."""
    subs = [a for a in p._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        yield name, {o for a in p._actions for o in a.option_strings} - _EVERYWHERE
    for sub in subs:
        for child, child_parser in sub.choices.items():
            yield from _commands(child_parser, f"{name} {child}".strip())


def _readme_rows() -> dict[str, set[str]]:
    """The options each command's rows of the README's table name (`run` has two rows)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text[text.index("## Commands"):text.index("## Documentation")]
    rows: dict[str, set[str]] = {}
    for line in table.splitlines():
        # (a `\|` inside a cell is a `|` of the command: `--what members\|checkins`)
        cell = re.split(r"(?<!\\)\|", line)[1] if line.startswith("| `groupbot ") else ""
        if match := re.match(r"\s*`groupbot ((?:[a-z]+ ?)+)", cell):
            words = match.group(1).split()
            name = " ".join(words[:2] if words[0] in ("storage", "moderation") else words[:1])
            rows.setdefault(name, set()).update(re.findall(r"--[a-z]+", cell))
    return rows


def test_the_readme_names_every_command_and_option_and_no_other() -> None:
    assert _readme_rows() == dict(_commands(parser()))
