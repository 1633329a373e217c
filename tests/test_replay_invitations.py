"""The replay step `invite_bot` (bot/replay.py): someone invites the bot into a group of
theirs, and the bot decides as bot.yaml `group_invitations` says (bot/admission.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from harness import SHIPPED

from bot.replay import load, replay
from bot.yamlfile import InputError
from handlers import REGISTRY

START = 'start: "2026-11-24 10:00"\ngroups: [{id: r1, topic: "Listener Recruitment 01"}]\n'


def _scenario(tmp_path: Path, steps: str) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(f"{START}steps:\n{steps}", encoding="utf-8")
    return path


def test_an_invitation_into_a_group_that_exists_is_refused_naming_the_step(
        tmp_path: Path) -> None:
    path = _scenario(tmp_path, "  - invite_bot: {from: op_lin, group: r1, topic: x}\n")
    with pytest.raises(InputError) as caught:
        load(path)
    assert str(caught.value.problems[0]).endswith(
        "s.yaml:4: steps[0].invite_bot.group: group 'r1' exists already: invite_bot brings"
        " the bot into a new group")


def test_the_invited_group_may_be_named_by_later_steps(tmp_path: Path) -> None:
    load(_scenario(tmp_path, "  - invite_bot: {from: op_lin, group: n1, topic: x}\n"
                             "  - say: {group: n1, from: dave, text: hi}\n"))
    with pytest.raises(InputError, match="unknown group 'n1'"):
        load(_scenario(tmp_path, "  - say: {group: n1, from: dave, text: hi}\n"
                                 "  - invite_bot: {from: op_lin, group: n1, topic: x}\n"))


async def test_an_admins_invitation_brings_the_bot_in_and_a_strangers_does_not(
        tmp_path: Path) -> None:
    path = _scenario(tmp_path, (
        "  - invite_bot: {from: mallory, group: s1, topic: Recruitment 福利群}\n"
        "  - invite_bot: {from: op_lin, group: n1, topic: Recruitment 05, members: [dave]}\n"
        "  - say: {group: n1, from: dave, text: 群规}\n"))
    actions: list[dict[str, Any]] = []
    await replay(path, REGISTRY, SHIPPED, emit=actions.append)
    assert [(a["action"], a.get("to") or a.get("group")) for a in actions] == [
        ("dm", "op_lin"), ("accept_invitation", "n1"), ("say", "n1")]
    assert actions[0]["text"].startswith("[groupbot] mallory 邀请本号进群「Recruitment 福利群」 "
                                         "(invitation inv-s1)，没有接受")
    assert actions[2]["text"].startswith("【招募群群规】")
