"""The configuration examples of docs/ that claim to be the shipped configuration are it."""

from __future__ import annotations

import re
import textwrap
import typing
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from harness import ROOT
from pydantic import BaseModel

from bot.config import Settings
from handlers import REGISTRY
from handlers.quiz import Quiz


def _indented_block_after(text: str, heading: str) -> str:
    """The first indented (code) block after `heading`, dedented."""
    lines = text[text.index(heading):].splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("    "))
    end = next((i for i in range(start, len(lines))
                if lines[i] and not lines[i].startswith("    ")), len(lines))
    return textwrap.dedent("\n".join(lines[start:end]))


def test_the_antispam_example_headed_the_shipped_base_is_the_shipped_base() -> None:
    """An operator copies it as the base: a setting of its own (a narrower `context`, a
    lower `warn_limit`) would remove members the shipped base only warns or reports."""
    doc = (ROOT / "docs" / "handlers" / "antispam.md").read_text(encoding="utf-8")
    heading = "## Example (the shipped base, which every type extends)"
    example = yaml.safe_load(_indented_block_after(doc, heading))["handlers"]
    base = yaml.safe_load((ROOT / "config" / "types" / "base.yaml").read_text(
        encoding="utf-8"))["handlers"]
    shipped = next(entry for entry in base if "antispam" in entry)
    assert example == [shipped]


# Each handler's page, and the pages that document several handlers (the quiz is on the
# funnel's page, with its quiz file's format).
_PAGES = {"quiz": "funnel"}


def _submodels(annotation: Any) -> list[type[BaseModel]]:
    """The config models an annotation holds (`Links`, `list[WordList]`, `Handoff | None`)."""
    found = [model for arg in typing.get_args(annotation) for model in _submodels(arg)]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        found.append(annotation)
    return found


def _key_paths(model: type[BaseModel], prefix: str = "") -> Iterator[str]:
    """Every key an operator may write, as a dotted path (`leaderboard.top`)."""
    for name, field in model.model_fields.items():
        key = prefix + (field.alias or name)
        yield key
        for sub in _submodels(field.annotation):
            yield from _key_paths(sub, key + ".")


def _table_keys(text: str) -> set[str]:
    """The keys in the first column of the page's `| key | ...` tables (`rewards[].text`
    written as `rewards.text`)."""
    keys: set[str] = set()
    in_table = False
    for line in text.splitlines():
        if line.startswith("| key |"):
            in_table = True
        elif not line.startswith("|"):
            in_table = False
        elif in_table and not line.startswith("|---"):
            first = line.split("|")[1]
            keys.update(key.replace("[]", "") for key in re.findall(r"`([^`]+)`", first))
    return keys


def _page(name: str) -> str:
    return (ROOT / "docs" / "handlers" / f"{_PAGES.get(name, name)}.md").read_text(
        encoding="utf-8")


def _names(page: str, key: str) -> bool:
    """Whether the page names a key: in backticks, alone or at the end of its path
    (`min_stay`, `silent.after`), or written in an example (`  spoke: true`, `{spoke: true}`)."""
    leaf = re.escape(key.rsplit(".", 1)[-1])
    return re.search(rf"`(?:[\w.\[\]+]*\.)?{leaf}`|(?:^\s+[-+ ]*|[{{,]\s*){leaf}:", page,
                     re.MULTILINE) is not None


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_every_key_of_a_handler_is_on_its_page(name: str) -> None:
    """A key the Config accepts that its page never names is a setting an operator cannot
    find. A map is named by its keys (`texts.start` names `texts`)."""
    page = _page(name)
    paths = list(_key_paths(REGISTRY[name].Config))
    missing = [path for path in paths if not _names(page, path)
               and not any(child.startswith(path + ".") and _names(page, child)
                           for child in paths)]
    assert missing == [], f"docs/handlers/{_PAGES.get(name, name)}.md never names {missing}"


@pytest.mark.parametrize("page", sorted({_PAGES.get(name, name) for name in REGISTRY}))
def test_every_key_in_a_pages_table_is_read_by_the_code(page: str) -> None:
    """A key a page's table lists that no config model reads is refused by `check` when an
    operator writes it (`unknown key`): a misspelling, or a key renamed in the code."""
    readers: list[type[BaseModel]] = [Settings, Quiz]  # bot.yaml's, the quiz file's
    readers += [REGISTRY[name].Config for name in REGISTRY if _PAGES.get(name, name) == page]
    paths = {path for model in readers for path in _key_paths(model)}
    known = paths | {path.rsplit(".", 1)[-1] for path in paths}
    text = (ROOT / "docs" / "handlers" / f"{page}.md").read_text(encoding="utf-8")
    assert sorted(_table_keys(text) - known) == []
