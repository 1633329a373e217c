"""Config warnings reach every place an operator reads them (h93): the log at each start
and reload, the admin's /reload answer, and the members' texts that are plain text, not
templates; a brace in a text that takes no placeholders is said plainly."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from harness import BOT_YAML, Harness, groupbot, write_config

from bot import config
from bot.adapters.simulator import Record
from bot.yamlfile import InputError
from handlers import REGISTRY

WELCOME_OFF = "types/recruitment.yaml:4: handlers.welcome.template: the text 'off' is sent " \
              "to members as written: for no message write null, where the key takes it"


def _root(tmp_path: Path, handlers: str) -> Path:
    return write_config(tmp_path / "config", BOT_YAML, {"recruitment": handlers})


def _with_welcome(tmp_path: Path, template: str) -> Path:
    return _root(tmp_path, f"handlers:\n  - admin: {{}}\n  - welcome:\n      template: "
                           f"{template}\n")


def _warned(caplog: pytest.LogCaptureFixture, when: str) -> list[str]:
    return [r.getMessage().split("config/", 1)[1] for r in caplog.records
            if r.levelno == logging.WARNING and r.getMessage().startswith(f"{when}: warning: ")]


# ---------------------------------------------------------------- r92-7: the log, /reload


async def test_a_start_logs_each_warning_at_its_line(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    root = _with_welcome(tmp_path, "off")
    with caplog.at_level(logging.WARNING, logger="bot.app"):
        async with Harness(root, tmp_path):
            pass
    assert _warned(caplog, "start") == [WELCOME_OFF]


async def test_every_reload_logs_each_warning(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """The console's and the terminal's reload (Bot.reload) as the admin's."""
    root = _with_welcome(tmp_path, "欢迎{members}")
    async with Harness(root, tmp_path) as h:
        _write_welcome(root, "off")
        with caplog.at_level(logging.WARNING, logger="bot.app"):
            await h.bot.reload()
    assert _warned(caplog, "reload") == [WELCOME_OFF]


async def test_the_admins_reload_in_a_group_says_privately_how_many_warnings(
        tmp_path: Path) -> None:
    said, [dm] = await _admins_reload(tmp_path, "off")
    assert said == ["✅ 配置已重新加载；配置有警告，已私信告诉你。"]
    assert (dm["to"], dm["text"]) == (
        "admin", "✅ 配置已重新加载。\n⚠️ 配置有 1 个警告，运行 groupbot check 查看。")


async def test_the_admins_reload_without_warnings_answers_as_before(tmp_path: Path) -> None:
    assert await _admins_reload(tmp_path, "欢迎你们{members}") == (["✅ 配置已重新加载。"], [])


async def _admins_reload(tmp_path: Path, template: str) -> tuple[list[str], list[Record]]:
    """What the group and the admin privately get for an admin's /reload in the group that
    changes the welcome to `template`."""
    root = _with_welcome(tmp_path, "欢迎{members}")
    async with Harness(root, tmp_path) as h:
        _write_welcome(root, template)
        await h.say("r1", "admin", "/reload")
        await h.drain()
        return h.texts("r1"), h.actions("dm")


def _write_welcome(root: Path, template: str) -> None:
    (root / "types" / "recruitment.yaml").write_text(
        f"handlers:\n  - admin: {{}}\n  - welcome:\n      template: {template}\n",
        encoding="utf-8")


def test_a_replay_prints_the_same_actions_and_warns_on_stderr(tmp_path: Path) -> None:
    """The replay contract: stdout holds the actions alone; the warning is a log line."""
    root = _with_welcome(tmp_path, "off")
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        "start: '2026-11-23 08:55'\ngroups:\n  - {id: r1, topic: Recruitment 01, members: "
        "[alice]}\nsteps:\n  - join: {group: r1, members: [carol]}\n", encoding="utf-8")
    ran = groupbot("replay", str(scenario), "--config", str(root))
    assert ran.returncode == 0, ran.stderr
    [line] = ran.stdout.splitlines()
    assert '"action": "say"' in line and '"text": "off"' in line
    assert "start: warning: " in ran.stderr and WELCOME_OFF in ran.stderr


# ---------------------------------------------------------------- r92-5: plain texts


@pytest.mark.parametrize(("handlers", "at", "word"), [
    ("  - checkin:\n      leaderboard: {empty: off}\n", "3: handlers.checkin.leaderboard.empty",
     "off"),
    ("  - namecard:\n      pattern: '.+'\n      example: YES\n      reminder: '{member}'\n",
     "4: handlers.namecard.example", "YES"),
    ("  - antispam:\n      links: {reason: no}\n", "3: handlers.antispam.links.reason", "no"),
    ("  - antispam:\n      words:\n        lists: [{file: w.txt, reason: On}]\n",
     "4: handlers.antispam.words.lists[0].reason", "On"),
])
def test_a_switch_word_in_a_plain_members_text_is_warned_of_at_its_line(
        tmp_path: Path, handlers: str, at: str, word: str) -> None:
    root = write_config(tmp_path / "config", BOT_YAML, {"recruitment": "handlers:\n" + handlers},
                        {"w.txt": "代刷\n"})
    warnings = [str(w).split("config/", 1)[1] for w in config.load(root, REGISTRY).warnings]
    assert [w for w in warnings if "as written" in w] == [
        f"types/recruitment.yaml:{at}: the text {word!r} is sent to members as written"]


def test_a_plain_members_text_that_is_no_switch_word_loads_without_a_warning(
        tmp_path: Path) -> None:
    root = _root(tmp_path, "handlers:\n  - checkin:\n      leaderboard: {empty: 'offline'}\n"
                           "  - antispam:\n      links: {reason: 'No links'}\n")
    assert config.load(root, REGISTRY).warnings == ()


# ---------------------------------------------------------------- a brace, no placeholders


def test_a_brace_in_a_text_without_placeholders_says_to_double_it(tmp_path: Path) -> None:
    root = _root(tmp_path, "handlers:\n  - admin:\n      refusal: '请用 {p}help'\n")
    with pytest.raises(InputError) as caught:
        config.load(root, REGISTRY)
    [problem] = [str(p).split("config/", 1)[1] for p in caught.value.problems]
    assert problem == ("types/recruitment.yaml:3: handlers.admin.refusal: unknown placeholder "
                       "{p}: this text takes no placeholders (to show a brace, write {{ or }})")
