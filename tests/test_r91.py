"""r91: review of h87's YAML change (yes/no/on/off are texts, `settle`, the console's config
view, push items, replay's start, key paths) as a new operator and as a careless one. Each
finding is a strict xfail (/work/helpers/reports/r91.md); the plain tests pin what was
checked and holds."""

from __future__ import annotations

import typing
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from harness import BOT_YAML, simulate, write_config
from pydantic import BaseModel, TypeAdapter
from test_h87_yaml import _pasted, _settings, _shown

from bot import config, corpus, replay, yamlfile
from bot.yamlfile import InputError
from handlers import REGISTRY


def _root(tmp_path: Path, handlers: str, content: dict[str, str] | None = None) -> Path:
    return write_config(tmp_path / "config", BOT_YAML, {"recruitment": handlers}, content)


def _loaded(tmp_path: Path, handlers: str) -> config.Deployment:
    return config.load(_root(tmp_path, handlers), REGISTRY)


def _problems(tmp_path: Path, handlers: str) -> list[str]:
    with pytest.raises(InputError) as caught:
        _loaded(tmp_path, handlers)
    return [str(p).split("config/", 1)[1] for p in caught.value.problems]


# ---------------------------------------------------------------- what holds


def _models(annotation: Any) -> list[type[BaseModel]]:
    found = [annotation] if isinstance(annotation, type) and issubclass(
        annotation, BaseModel) else []
    return found + [m for arg in typing.get_args(annotation) for m in _models(arg)]


def _fields(model: type[BaseModel], seen: set[type[BaseModel]]) -> typing.Iterator[
        tuple[str, TypeAdapter[Any]]]:
    if model in seen:
        return
    seen.add(model)
    for name, info in model.model_fields.items():
        annotation = info.annotation
        yield f"{model.__name__}.{name}", TypeAdapter(
            typing.Annotated[(annotation, *info.metadata)] if info.metadata else annotation)
        for inner in _models(annotation):
            yield from _fields(inner, seen)


def _read(adapter: TypeAdapter[Any], value: Any) -> tuple[bool, Any]:
    context = {"content_dir": Path("content"), "timezone": ZoneInfo("Asia/Shanghai")}
    try:
        return True, adapter.validate_python(value, context=context)
    except Exception:  # (any refusal is "not taken")
        return False, None


def test_no_key_reads_a_switch_word_as_a_text_where_false_or_true_meant_another_thing() -> None:
    """The HIGH case the brief hunts: a key taking both a text and a boolean (a template or
    False...), where `off` was False (turned something off) and is now a text. No key of
    any handler or of bot.yaml takes both with different meanings."""
    seen: set[type[BaseModel]] = set()
    clashes = []
    for model in [*(cls.Config for cls in REGISTRY.values()), config.Settings]:
        for name, adapter in _fields(model, seen):
            for word, value in yamlfile.SWITCHES.items():
                as_bool, as_text = _read(adapter, value), _read(adapter, word)
                if as_bool[0] and as_text[0] and as_bool[1] != as_text[1]:
                    clashes.append((name, word))
    assert clashes == []


RICH = """\
handlers:
  - antispam:
      warn_window: null
      warn_limit: 5
      on_rejoin: no
      names: off
      newcomers: {within: 1.5h}
      kinds: {video: off, file: Off, image: NO}
      contacts: {split_within: null}
      raid: {history: {joined: 90.5s, spoke: yes}}
      words:
        lists:
          - {words: [yes, "on", 010], reason: 是吗, action: off}
  - welcome:
      template: "hi {members}"
      window: 0.5s
      again_after: null
  - keywords:
      rules:
        - {patterns: [yes, "no", "1:30", "+86", "2026-11-24", "null", "~", "0x10", "1e3"],
           replies: [on, "OFF"], cooldown: 2.25s, mention: no}
        - {patterns: ["<b>x</b>"], reply: "<script>alert(1)</script> {member}"}
  - checkin:
      day_starts: "4:30"
      bonuses: {7: 30, 30: 100}
  - push:
      quiet_hours: {start: "22:00", end: "7:30"}
      schedules:
        - {id: s, cron: "0 9 * * *", content: push/training.md, mode: series, at_end: loop}
        - {id: o, at: ["2031-12-01 19:00", 2031-12-03 07:00:00], text: "off"}
        - {id: r, cron: "0 10 * * 1", content: push/tips.yaml, mode: random, grace: 0.75s}
  - faq:
      threshold: 0.123456789
      handoff:
        operators: [op_lin]
        rota: {sat: [op_wang], sun: [op_wang]}
        quiet_hours: {start: "22:00", end: "08:00"}
  - lifecycle:
      silent: null
      report: on
  - friends:
      accept: all
      greeting: null
"""


def test_the_console_shows_switch_words_nulls_fractions_and_files_as_they_load_back(
        tmp_path: Path) -> None:
    """Non-default values of many handlers (switch words as texts and as switches, nulls,
    fractions, clock times, one-offs, a series' at_end, a YAML push file, texts YAML would
    read as something else): shown by the console and pasted back, the same settings."""
    content = {"push/training.md": "第一课\n---\n第二课\n", "push/tips.yaml": "- a\n- b\n"}
    first = config.load(write_config(tmp_path / "a", BOT_YAML, {"recruitment": RICH}, content),
                        REGISTRY)
    pasted = _pasted(_shown(first)["recruitment"])
    again = config.load(write_config(tmp_path / "b", BOT_YAML, {"recruitment": pasted},
                                     content), REGISTRY)
    assert _settings(again, "recruitment") == _settings(first, "recruitment")


def test_a_shared_anchor_with_switch_words_loads_from_a_file(tmp_path: Path) -> None:
    """The file reader gives each alias its own copy, so settle never sees shared data from
    a file (unlike finding 3's direct call)."""
    settings = next(h.config for h in _loaded(tmp_path, (
        "handlers:\n  - antispam:\n      words:\n        lists:\n"
        "          - &l {words: [兼职], reason: ad, action: off}\n          - *l\n")
    ).types["recruitment"].handlers)
    assert [str(w.action) for w in settings.words.lists] == ["ignore", "ignore"]


def test_the_simulator_matches_and_sends_switch_words_as_written(tmp_path: Path) -> None:
    root = write_config(tmp_path / "config", BOT_YAML + (
        "simulator:\n  groups:\n    - {id: g1, topic: Recruitment, members: [bob, amy]}\n"),
        {"recruitment": "handlers:\n  - keywords:\n      member_limit: null\n      rules:\n"
                        "        - {patterns: [yes], reply: \"No\"}\n"
                        "        - {patterns: [NO], reply: on}\n"
                        "        - {patterns: [On], match: contains, reply: OFF}\n"})
    ran = simulate(root, "/as bob\nyes\nNO\n/as amy\nturn On\n/quit\n")
    said = [line.split("bot: ", 1)[1] for line in ran.stdout.splitlines() if "bot: " in line]
    assert (ran.returncode, said) == (0, ["No", "on", "OFF"])


def test_the_docs_key_path_example_is_what_an_operator_sees(tmp_path: Path) -> None:
    """configuration.md: `handlers.checkin.bonuses, key `1:30`: Input should be a valid
    integer, not '1:30'`."""
    assert _problems(tmp_path, "handlers:\n  - checkin:\n      bonuses: {1:30: 5}\n") == [
        "types/recruitment.yaml:3: handlers.checkin.bonuses, key `1:30`: Input should be a "
        "valid integer, not '1:30'"]


def test_welcome_off_removes_an_inherited_handler_as_the_docs_say(tmp_path: Path) -> None:
    root = write_config(tmp_path / "config", BOT_YAML, {
        "base": "handlers:\n  - welcome:\n      template: hi\n  - checkin: {}\n",
        "recruitment": "extends: base\nhandlers:\n  - welcome: off\n"})
    assert [h.name for h in config.load(root, REGISTRY).types["recruitment"].handlers] == [
        "checkin"]


# ---------------------------------------------------------------- findings


@pytest.mark.parametrize("handler", [
    "  - welcome:\n      template: off\n",
    "  - friends:\n      accept: all\n      greeting: no\n",
    "  - keywords:\n      default: off\n      rules: [{patterns: [a], reply: b}]\n",
    "  - invite:\n      to: recruitment\n      words: [报名]\n      hint: off\n",
    "  - admin:\n      refusal: off\n"])
def test_off_where_a_message_goes_is_refused_or_warned(tmp_path: Path, handler: str) -> None:
    try:
        deployment = _loaded(tmp_path, "handlers:\n" + handler)
    except InputError:
        return
    assert any("null" in str(w) for w in deployment.warnings)


def test_false_on_a_key_that_takes_null_says_null(tmp_path: Path) -> None:
    [problem] = _problems(tmp_path, "handlers:\n  - friends:\n      accept: all\n"
                                    "      greeting: false\n")
    assert "null" in problem


def test_settle_takes_data_that_shares_a_mapping() -> None:
    shared = {"words": ["兼职"], "reason": "ad", "action": "off"}
    context = {"content_dir": Path("content"), "timezone": ZoneInfo("Asia/Shanghai")}
    settings = yamlfile.settle(REGISTRY["antispam"].Config,
                               {"words": {"lists": [shared, shared]}}, context)
    assert [str(w.action) for w in settings.words.lists] == ["ignore", "ignore"]


def test_a_corpus_flag_takes_yes_and_no(tmp_path: Path) -> None:
    file = tmp_path / "c.yaml"
    file.write_text("cases:\n  - {family: phone, flag: yes, text: \"电话 13800138000\"}\n"
                    "  - {family: phone, flag: no, text: \"好的\"}\n", encoding="utf-8")
    assert [case.flag for case in corpus.read_corpus(file)] == [True, False]


def test_antispams_off_validates_once(monkeypatch: pytest.MonkeyPatch) -> None:
    model = REGISTRY["antispam"].Config
    calls = []
    original = model.model_validate.__func__  # type: ignore[attr-defined]

    def counted(cls: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return original(cls, *args, **kwargs)

    monkeypatch.setattr(model, "model_validate", classmethod(counted))
    context = {"content_dir": Path("content"), "timezone": ZoneInfo("Asia/Shanghai")}
    yamlfile.settle(model, {"kinds": {"video": "off"}}, context)
    assert len(calls) == 1


@pytest.mark.parametrize("start", ['"2026-11-24 8:55\\u0000"',
                                   '"2026-11-24\\u000b8:55"'])
def test_a_start_with_a_control_character_is_refused(tmp_path: Path, start: str) -> None:
    """(Python's ISO reading takes a NUL after the time; b73435a refused it, as now)"""
    file = tmp_path / "s.yaml"
    file.write_text(f"start: {start}\nsteps:\n  - wait: 1m\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        replay.load(file)
    assert "give a date and time like" in str(caught.value.problems[0])


def test_a_start_with_a_spaced_offset_reads_as_written(tmp_path: Path) -> None:
    """(r91 finding 6: it got pydantic's "unexpected extra characters"; it is now read as
    ISO 8601 reads it)"""
    file = tmp_path / "s.yaml"
    file.write_text("start: 2026-11-24 8:55 +08:00\nsteps:\n  - wait: 1m\n", encoding="utf-8")
    start = replay.load(file)[0].start
    assert start.isoformat() == "2026-11-24T08:55:00+08:00"


@pytest.mark.parametrize(("written", "told"), [
    ("[TRUE]", "unquoted, TRUE is a boolean: put a text in quotes, 'TRUE'"),
    ("[False]  # not 'false'", "unquoted, False is a boolean: put a text in quotes, 'False'"),
    ("[true]", "unquoted, true is a boolean: put a text in quotes, 'true'")])
def test_the_quote_hint_keeps_what_was_written(tmp_path: Path, written: str,
                                               told: str) -> None:
    """(r91 finding 7: `TRUE` was told to write 'true')"""
    [problem] = _problems(tmp_path, f"handlers:\n  - checkin:\n      triggers: {written}\n")
    assert told in problem


def test_a_push_items_date_or_empty_item_is_said_plainly(tmp_path: Path) -> None:
    [problem] = _push_problem(tmp_path)
    assert "datetime.date" not in problem and "None" not in problem
    assert "item 2 is not a text: the date 2026-12-01 (put it in quotes" in problem
    assert "item 3 is empty: write a text, or take out its `-`" in problem


def _push_problem(tmp_path: Path) -> list[str]:
    root = _root(tmp_path, "handlers:\n  - push:\n      schedules: [{id: a, cron: '0 9 * * *', "
                           "content: push/tips.yaml}]\n",
                 {"push/tips.yaml": "- 早上好\n- 2026-12-01\n-\n"})
    with pytest.raises(InputError) as caught:
        config.load(root, REGISTRY)
    return [str(p).split("config/", 1)[1] for p in caught.value.problems]


def test_a_start_takes_a_full_width_hour_as_a_push_at_does(tmp_path: Path) -> None:
    root = _root(tmp_path, "handlers:\n  - push:\n      schedules: [{id: a, "
                           "at: '2031-12-01 ８:55', text: hi}]\n")
    config.load(root, REGISTRY)  # (a push's `at` takes it)
    file = tmp_path / "s.yaml"
    file.write_text("start: 2026-11-24 ８:55\nsteps:\n  - wait: 1m\n", encoding="utf-8")
    assert replay.load(file)[0].start.hour == 8
