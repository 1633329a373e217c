"""Every class of config error names the file, the line and the key path."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from harness import BOT_YAML, SHIPPED, write_config

from bot import config
from bot.yamlfile import InputError
from handlers import REGISTRY


def _problems(tmp_path: Path, types: dict[str, str], bot_yaml: str = BOT_YAML) -> list[str]:
    root = write_config(tmp_path / "config", bot_yaml, types, {"rules.md": "rules"})
    with pytest.raises(InputError) as caught:
        config.load(root, REGISTRY)
    return [str(p).replace(str(root) + "/", "") for p in caught.value.problems]


WELCOME = "handlers:\n  - welcome:\n      template: hi\n"


@pytest.mark.parametrize("types, expected", [
    ({"recruitment": "handlers:\n  - welcome:\n    template: hi\n"},
     "types/recruitment.yaml:2: handlers[0]: each entry is one handler, `- name:` with"),
    ({"recruitment": "handlers:\n  - welcome:\n      template: hi\n      windw: 5s\n"},
     "types/recruitment.yaml:4: handlers.welcome.windw: unknown key"),
    ({"recruitment": "handlers:\n  - welcome:\n      template: hi\n      max_mentions: many\n"},
     "types/recruitment.yaml:4: handlers.welcome.max_mentions: Input should be a valid integer"),
    ({"recruitment": "handlers:\n  - keywords:\n      rules:\n        - match: regex\n"
                     "          patterns: ['(unclosed']\n          reply: x\n"},
     "types/recruitment.yaml:5: handlers.keywords.rules[0].patterns[0]: invalid regular "
     "expression"),
    ({"recruitment": "handlers:\n  - rules:\n      text: missing.md\n"},
     "types/recruitment.yaml:3: handlers.rules.text: content file not found: missing.md"),
    ({"recruitment": "handlers:\n  - welcom: {template: hi}\n"},
     "types/recruitment.yaml:2: handlers.welcom: unknown handler; known:"),
    ({"recruitment": "extends: a\n", "a": "extends: recruitment\n"},
     "types/a.yaml:1: extends: cyclic extends: recruitment -> a -> recruitment"),
    ({"recruitment": "handlers:\n  - welcome:\n      template: '{member.__class__}'\n"},
     "types/recruitment.yaml:3: handlers.welcome.template: placeholder {member.__class__}"),
    ({"recruitment": "handlers:\n  - welcome:\n      template: 'hi {nobody}'\n"},
     "types/recruitment.yaml:3: handlers.welcome.template: unknown placeholder {nobody}"),
    ({"recruitment": "handlers:\n  - welcome: {template: a}\n  - welcome: {template: b}\n"},
     "types/recruitment.yaml:1: handlers: a handler is listed twice"),
    ({"recruitment": "handlers:\n  - welcome:\n      template: hi\n      template: ho\n"},
     "types/recruitment.yaml:4: handlers[0].welcome.template: duplicate key"),
    ({"recruitment": "handlers:\n  - welcome: {template: hi\n"},
     "types/recruitment.yaml:3: YAML syntax"),
])
def test_each_class_of_error_names_file_line_and_key(tmp_path: Path, types: dict[str, str],
                                                     expected: str) -> None:
    problems = _problems(tmp_path, types)
    assert any(p.startswith(expected) for p in problems), problems


@pytest.mark.parametrize("bot_yaml, expected", [
    (BOT_YAML.replace("Asia/Shanghai", "Mars/Olympus"), "bot.yaml:2: timezone: unknown time zone"),
    (BOT_YAML.replace('topic: "Recruitment"', 'topic: "(["'),
     "bot.yaml:8: groups[0].match.topic: invalid regular expression"),
    (BOT_YAML.replace("type: recruitment", "type: nope"),
     "bot.yaml:9: groups[0].type: unknown group type 'nope'"),
    (BOT_YAML + "adminz: []\n", "bot.yaml:10: adminz: unknown key"),
    (BOT_YAML.replace("group_interval: 3s", "group_interval: fast"),
     "bot.yaml:6: outbox.group_interval: not a duration"),
])
def test_bot_yaml_errors_name_the_line(tmp_path: Path, bot_yaml: str, expected: str) -> None:
    assert any(p.startswith(expected) for p in _problems(tmp_path, {"recruitment": WELCOME},
                                                          bot_yaml))


def test_all_problems_are_reported_at_once(tmp_path: Path) -> None:
    problems = _problems(tmp_path, {
        "recruitment": "handlers:\n  - welcome: {template: hi, windw: 1s}\n",
        "other": "handlers:\n  - rules: {text: nope.md}\n"})
    assert len(problems) == 2


def test_a_child_type_overrides_keys_and_the_order_it_lists(tmp_path: Path) -> None:
    root = write_config(tmp_path / "config", BOT_YAML, {
        "base": "handlers:\n  - rules: {text: rules.md, cooldown: 1m}\n"
                "  - welcome: {template: hi}\n",
        "recruitment": "extends: base\ncapacity: 100\nhandlers:\n  - welcome: {window: 5s}\n"
                       "  - rules: {cooldown: 2m}\n",
        "quiet": "extends: base\nhandlers:\n  - welcome: false\n",
    }, {"rules.md": "rules"})
    deployment = config.load(root, REGISTRY)
    recruitment = deployment.types["recruitment"]
    assert [h.name for h in recruitment.handlers] == ["welcome", "rules"]
    welcome, rules = recruitment.handlers
    assert welcome.config.window.total_seconds() == 5 and welcome.config.template.source == "hi"
    assert rules.config.cooldown.total_seconds() == 120 and recruitment.capacity == 100
    assert [h.name for h in deployment.types["quiet"].handlers] == ["rules"]


def test_groups_bind_by_id_or_by_topic(tmp_path: Path) -> None:
    bot_yaml = BOT_YAML + "  - match: {id: '42@chatroom'}\n    type: recruitment\n"
    deployment = config.load(write_config(tmp_path / "c", bot_yaml, {"recruitment": WELCOME}),
                             REGISTRY)
    assert deployment.type_for("1@chatroom", "Listener Recruitment 7") is not None
    assert deployment.type_for("42@chatroom", "family") is not None
    assert deployment.type_for("1@chatroom", "family") is None


def _check(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot.cli", "check", *args],
                          capture_output=True, text=True, timeout=60)


def test_check_passes_on_the_shipped_config() -> None:
    result = _check("--config", str(SHIPPED))
    assert result.returncode == 0, result.stderr
    assert "recruitment" in result.stdout and "-> customer" in result.stdout


def test_check_lists_every_problem_and_exits_2(tmp_path: Path) -> None:
    root = write_config(tmp_path / "config", BOT_YAML, {
        "recruitment": "handlers:\n  - welcome: {template: hi, windw: 1s}\n",
        "other": "handlers:\n  - rules: {text: nope.md}\n"})
    result = _check("--config", str(root))
    assert result.returncode == 2
    assert "windw: unknown key" in result.stderr and "nope.md" in result.stderr
