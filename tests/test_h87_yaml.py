"""h87: the operators' YAML, last loose ends: the console's config view loads back as the
settings it shows; yes/no/on/off; a push file's item that is a number; a replay's `start`
with a one-digit hour; the key path of a bad mapping key."""

from __future__ import annotations

import textwrap
import types
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from harness import BOT_YAML, ROOT, shipped_config, write_config

from bot import config, replay
from bot.web import views
from bot.yamlfile import InputError
from handlers import REGISTRY


def _shown(deployment: config.Deployment) -> dict[str, list[tuple[str, str]]]:
    """Each type's handlers as the console's config view shows them: (name, YAML)."""
    shown = views.effective_config(types.SimpleNamespace(deployment=deployment))  # type: ignore[arg-type]
    return {t["name"]: [(h["name"], h["yaml"]) for h in t["handlers"]] for t in shown["types"]}


def _pasted(handlers: list[tuple[str, str]]) -> str:
    """A type file of the handlers' YAML, each pasted under its `- name:`."""
    return "handlers:\n" + "".join(f"  - {name}:\n" + textwrap.indent(written, "      ")
                                   for name, written in handlers)


def _settings(deployment: config.Deployment, gtype: str) -> list[tuple[str, Any]]:
    return [(h.name, h.config) for h in deployment.types[gtype].handlers]


def test_every_shipped_handlers_settings_shown_by_the_console_load_back_the_same(
        tmp_path: Path) -> None:
    """r84 finding 8: checkin's `bonuses: {7: 30}` was shown `'7': 30`, refused pasted back;
    content files were shown with their text, a push schedule's default `at_end` refused."""
    root = shipped_config(tmp_path)
    first = config.load(root, REGISTRY)
    for gtype, handlers in _shown(first).items():
        (root / "types" / f"pasted-{gtype}.yaml").write_text(_pasted(handlers), encoding="utf-8")
    again = config.load(root, REGISTRY)
    for gtype in first.types:
        assert _settings(again, f"pasted-{gtype}") == _settings(first, gtype), gtype


def _loads_back(tmp_path: Path, handlers: str) -> None:
    """The recruitment type's settings, shown by the console and pasted back, are the same."""
    first = config.load(write_config(tmp_path / "a", BOT_YAML, {"recruitment": handlers}),
                        REGISTRY)
    pasted = _pasted(_shown(first)["recruitment"])
    again = config.load(write_config(tmp_path / "b", BOT_YAML, {"recruitment": pasted}),
                        REGISTRY)
    assert _settings(again, "recruitment") == _settings(first, "recruitment")


@pytest.mark.parametrize("written", [
    "window: 1.5s", "window: 2.25s", "window: 90s", "window: 1h30m", "window: 1000.0625s",
    "window: 0.000001s", "window: 0", "window: 36500d"])
def test_a_duration_is_shown_as_it_loads_back(tmp_path: Path, written: str) -> None:
    _loads_back(tmp_path, f"handlers:\n  - welcome:\n      template: hi\n      {written}\n")


def test_a_push_at_one_off_times_is_shown_as_it_loads_back(tmp_path: Path) -> None:
    _loads_back(tmp_path, "handlers:\n  - push:\n      schedules:\n        - id: launch\n"
                          "          at: ['2031-12-01 19:00', 2031-12-02 08:30:00]\n"
                          "          text: 上线啦\n")


def _problem(tmp_path: Path, handlers: str) -> str:
    with pytest.raises(InputError) as caught:
        config.load(write_config(tmp_path / "config", BOT_YAML, {"recruitment": handlers}),
                    REGISTRY)
    return str(caught.value.problems[0]).split("config/", 1)[1]


# ---------------------------------------------------------------- yes, no, on, off


def _handler(tmp_path: Path, handlers: str, name: str) -> Any:
    deployment = config.load(write_config(tmp_path / "config", BOT_YAML,
                                          {"recruitment": handlers}), REGISTRY)
    return next(h.config for h in deployment.types["recruitment"].handlers if h.name == name)


def _keywords(rule: str) -> str:
    return f"handlers:\n  - keywords:\n      rules:\n        - {{{rule}}}\n"


def test_yes_no_on_and_off_where_a_text_goes_are_the_texts_written(tmp_path: Path) -> None:
    """Read as YAML 1.1's booleans, `patterns: [yes]` was refused: `Input should be a valid
    string, not True`, no hint; a keyword reply `NO` or `on` the same."""
    rule = _handler(tmp_path, _keywords("patterns: [yes, NO, On, off], reply: on"),
                    "keywords").rules[0]
    assert ([str(p) for p in rule.patterns], rule.reply.source) == (
        ["yes", "NO", "On", "off"], "on")


@pytest.mark.parametrize(("written", "read"), [
    ("yes", True), ("On", True), ("NO", False), ("off", False), ("true", True),
    ("False", False)])
def test_a_key_that_takes_a_switch_takes_yes_no_on_and_off(tmp_path: Path, written: str,
                                                         read: bool) -> None:
    rule = _handler(tmp_path, _keywords(f"patterns: [hi], reply: x, mention: {written}"),
                    "keywords").rules[0]
    assert rule.mention is read


def test_antispams_off_is_still_ignore(tmp_path: Path) -> None:
    settings = _handler(tmp_path, "handlers:\n  - antispam:\n      kinds: {file: log, "
                                  "video: off}\n      on_rejoin: no\n      names: off\n",
                        "antispam")
    assert (settings.kinds.video, settings.on_rejoin, settings.names.action) == (
        "ignore", "ignore", "ignore")


def test_off_removes_an_inherited_handler_as_false_does(tmp_path: Path) -> None:
    root = write_config(tmp_path / "config", BOT_YAML, {
        "base": "handlers:\n  - welcome: {template: hi}\n  - rules: {text: x}\n",
        "recruitment": "extends: base\nhandlers:\n  - welcome: off\n"}, {"x": "rules"})
    assert [h.name for h in config.load(root, REGISTRY).types["recruitment"].handlers] == [
        "rules"]


@pytest.mark.parametrize(("rule", "said"), [
    ("patterns: [true], reply: x", "rules[0].patterns[0]: Input should be a valid string, "
     "not True (unquoted, true is a boolean: put a text in quotes, 'true')"),
    ("patterns: [x], reply: false", "rules[0].reply: a template must be text, not False "
     "(for no message write null, where the key takes it; to send the word, put it in "
     "quotes, 'false')"),
    ("patterns: [x], reply: 3.10", "rules[0].reply: a template must be text, not 3.1 (a "
     "number where a text goes: put it in quotes as written, if a text is meant)")])
def test_a_boolean_or_a_number_where_a_text_goes_says_to_quote_it(
        tmp_path: Path, rule: str, said: str) -> None:
    assert _problem(tmp_path, _keywords(rule)).endswith(said)


def test_a_switch_word_where_a_number_goes_is_refused_as_the_text(tmp_path: Path) -> None:
    assert _problem(tmp_path, "handlers:\n  - welcome:\n      template: hi\n"
                              "      max_mentions: yes\n").endswith(
        "handlers.welcome.max_mentions: Input should be a valid integer, not 'yes'")


# ---------------------------------------------------------------- a push file's items


def test_a_push_files_item_that_is_not_a_text_is_said_with_its_line(tmp_path: Path) -> None:
    """It was `a YAML push file is a list of texts`: no line, no item."""
    handlers = ("handlers:\n  - push:\n      schedules:\n        - {id: tips, cron: '0 9 * * *',"
                " content: push/tips.yaml}\n")
    root = write_config(tmp_path / "config", BOT_YAML, {"recruitment": handlers},
                        {"push/tips.yaml": "# tips\n- 早上好\n- 3.10\n- true\n- 晚安\n"})
    with pytest.raises(InputError) as caught:
        config.load(root, REGISTRY)
    assert str(caught.value.problems[0]).endswith(
        "handlers.push.schedules[0]: push/tips.yaml:3: item 2 is not a text: 3.1 (a number "
        "where a text goes: put it in quotes as written, if a text is meant); "
        "push/tips.yaml:4: item 3 is not a text: True (unquoted, true is a boolean: put a "
        "text in quotes, 'true')")


# ---------------------------------------------------------------- a replay's start


@pytest.mark.parametrize("written", ['"2026-11-24 8:55"', "2026-11-24 8:55", "2026-11-24T8:55",
                                     "'2026-11-24 08:55'"])
def test_a_scenario_start_with_a_one_digit_hour_is_taken(tmp_path: Path, written: str) -> None:
    """A clock time (`8:00`) and a push's `at` take a one-digit hour; `start` refused it."""
    path = tmp_path / "s.yaml"
    path.write_text(f"config: {ROOT / 'config'}\nstart: {written}\nsteps: []\n",
                    encoding="utf-8")
    assert replay.load(path)[0].start == datetime(2026, 11, 24, 8, 55)


def test_a_scenarios_restart_takes_yes(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(f"config: {ROOT / 'config'}\nstart: 2026-11-24 08:55\n"
                    "steps:\n  - restart: yes\n  - restart: off\n", encoding="utf-8")
    assert [body for _, _, body in replay.load(path)[1]] == [True, False]


# ---------------------------------------------------------------- a mapping's key


@pytest.mark.parametrize(("written", "said"), [
    ("{1:30: 5}", "types/recruitment.yaml:3: handlers.checkin.bonuses, key `1:30`: Input "
                  "should be a valid integer, not '1:30'"),
    ("\n        07: 5", "types/recruitment.yaml:4: handlers.checkin.bonuses, key `07`: Input "
                        "should be a valid integer, not '07' (a leading zero makes it a text: "
                        "write 7)")])
def test_a_bad_mapping_key_is_named_as_written_after_its_mapping(
        tmp_path: Path, written: str, said: str) -> None:
    """It was `handlers.checkin.bonuses.1:30.[key]`: pydantic's marker in the path."""
    assert _problem(tmp_path, f"handlers:\n  - checkin:\n      bonuses: {written}\n") == said
