"""Config warnings reach every place an operator reads them (h93): the log at each start
and reload, the admin's /reload answer, and the members' texts that are plain text, not
templates; a brace in a text that takes no placeholders is said plainly."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import BOT_YAML, write_config

from bot import config
from bot.yamlfile import InputError
from handlers import REGISTRY


def _root(tmp_path: Path, handlers: str) -> Path:
    return write_config(tmp_path / "config", BOT_YAML, {"recruitment": handlers})


# ---------------------------------------------------------------- a brace, no placeholders


def test_a_brace_in_a_text_without_placeholders_says_to_double_it(tmp_path: Path) -> None:
    root = _root(tmp_path, "handlers:\n  - admin:\n      refusal: '请用 {p}help'\n")
    with pytest.raises(InputError) as caught:
        config.load(root, REGISTRY)
    [problem] = [str(p).split("config/", 1)[1] for p in caught.value.problems]
    assert problem == ("types/recruitment.yaml:3: handlers.admin.refusal: unknown placeholder "
                       "{p}: this text takes no placeholders (to show a brace, write {{ or }})")
