"""r82: a careless and a hostile operator's pass over p43's YAML numbers (YAML 1.2 decimal
ints, unquoted clock times). Each xfail(strict) case is a finding of
/work/helpers/reports/r82.md; the plain tests pin what was checked and holds."""

from __future__ import annotations

import os
import re
import shutil
import types
from datetime import time, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from harness import BOT_YAML, ROOT, Ran, groupbot, write_config

from bot import config, corpus, replay, yamlfile
from bot.web import views
from bot.yamlfile import InputError
from handlers import REGISTRY

LOADERS = [yamlfile.Loader, yamlfile.PythonLoader]
PUSH = "      schedules: [{id: a, cron: '0 9 * * *', text: x}]\n"


def _root(tmp_path: Path, handlers: str, bot_yaml: str = BOT_YAML) -> Path:
    return write_config(tmp_path / "config", bot_yaml, {"recruitment": handlers},
                        {"rules.md": "rules"})


def _type(tmp_path: Path, handlers: str) -> config.GroupType:
    return config.load(_root(tmp_path, handlers), REGISTRY).types["recruitment"]


def _problems(tmp_path: Path, handlers: str, bot_yaml: str = BOT_YAML) -> list[str]:
    with pytest.raises(InputError) as caught:
        config.load(_root(tmp_path, handlers, bot_yaml), REGISTRY)
    return [str(p).split("config/", 1)[1] for p in caught.value.problems]


def _settings(gtype: config.GroupType, name: str) -> Any:
    return next(h.config for h in gtype.handlers if h.name == name)


def _both_paths(text: str, loader: type[yaml.SafeLoader]) -> tuple[Any, Any]:
    """`text` (one `a: VALUE` line) read straight from the events and through the nodes."""
    plain = yamlfile._plain_data(text, loader)
    noded = yamlfile._parse(text.replace("a: ", "a: &x ", 1) + "b: *x\n", Path("x.yaml"),
                            loader).data
    return plain, noded


# ---------------------------------------------------------------- findings


@pytest.mark.xfail(strict=True, reason="r82 finding 1: the hint for a number where a text "
                   "goes quotes the number YAML read, not what was written: `admins: [0108]` "
                   "says write '108', `patterns: [007]` '7'; following it changes the id")
@pytest.mark.parametrize("written", ["0108", "007", "01012345678"])
def test_the_hint_for_a_number_where_a_text_goes_quotes_it_as_written(
        tmp_path: Path, written: str) -> None:
    problems = _problems(tmp_path, "handlers:\n  - rules: {text: rules.md}\n",
                         BOT_YAML.replace("admins: [admin]", f"admins: [admin, {written}]"))
    assert f"'{written}'" in problems[0], problems


@pytest.mark.xfail(strict=True, reason="r82 finding 2: a text YAML 1.1 read as a text, a "
                   "leading zero before an 8 or 9 (01089998888), is now a number: a corpus "
                   "case that ran is refused as 'give `text` or a list of `messages`', not "
                   "naming the value or why")
def test_a_corpus_case_of_a_leading_zero_number_loads_or_says_why(tmp_path: Path) -> None:
    file = tmp_path / "c.yaml"
    file.write_text("cases:\n  - {family: phone, flag: true, text: 01089998888}\n",
                    encoding="utf-8")
    try:
        cases = corpus.read_corpus(file)
    except InputError as exc:
        assert "01089998888" in str(exc) or "quotes" in str(exc), str(exc)
    else:
        assert cases[0].messages == ("01089998888",)


OFFSETS = [
    "  - checkin:\n      day_starts: 08:00+08:00\n",
    "  - push:\n      quiet_hours: {start: 22:00Z, end: 08:00}\n" + PUSH,
    "  - faq:\n      handoff: {operators: [admin], quiet_hours: {start: 22:00+08:00, "
    "end: 08:00}}\n",
]


@pytest.mark.xfail(strict=True, reason="r82 finding 3: a clock time with an offset "
                   "(08:00+08:00, 22:00Z) passes as a ClockTime; `check` then fails with a "
                   "traceback on push quiet hours, and every check-in (or faq reminder) "
                   "raises TypeError: can't compare offset-naive and offset-aware times")
@pytest.mark.parametrize("handlers", OFFSETS, ids=["checkin", "push", "faq"])
def test_a_clock_time_with_an_offset_is_refused_with_its_line(tmp_path: Path,
                                                              handlers: str) -> None:
    problems = _problems(tmp_path, "handlers:\n" + handlers)
    assert problems[0].startswith("types/recruitment.yaml:"), problems


@pytest.mark.xfail(strict=True, reason="r82 finding 4: a clock time that is not H:MM gets "
                   "pydantic's words without the value: `7:5` 'input is too short', `8:00am` "
                   "and `８：００` 'invalid character in hour' (no full-width hint)")
@pytest.mark.parametrize("written", ["7:5", "8:00am", "８：００", "8：00"])
def test_a_clock_time_refused_names_what_was_written(tmp_path: Path, written: str) -> None:
    problems = _problems(tmp_path, f"handlers:\n  - checkin:\n      day_starts: {written}\n")
    assert written in problems[0], problems


@pytest.mark.xfail(strict=True, reason="r82 finding 5: a number of more than 4,300 digits "
                   "raises Python's ValueError out of the loader: `check` and `run` print a "
                   "traceback, a reload '! Exceeds the limit...' without file:line")
@pytest.mark.parametrize("loader", LOADERS)
def test_a_number_too_long_for_python_is_a_line(tmp_path: Path, loader: type,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlfile, "Loader", loader)
    file = tmp_path / "t.yaml"
    file.write_text("a: 1\nwindow: " + "1" * 5000 + "\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        yamlfile.load(file)
    assert str(caught.value.problems[0]).startswith(f"{file}:2:"), caught.value


@pytest.mark.xfail(strict=True, reason="r82 finding 6: docs/configuration.md says numbers "
                   "are read 'as YAML 1.2 does'; YAML 1.2 (core schema) reads 0x10 as 16, "
                   "0o10 as 8 and 1e3 as 1000.0, `1_000` and `yes` as texts: the bot does not")
def test_what_the_docs_call_yaml_12_is_yaml_12() -> None:
    doc = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    if "as YAML 1.2 does" not in doc:
        return
    core = {"0x10": 16, "0o10": 8, "1e3": 1000.0, "1_000": "1_000", "yes": "yes"}
    read = {w: yaml.load(f"a: {w}", Loader=yamlfile.Loader)["a"] for w in core}
    assert read == core


@pytest.mark.xfail(strict=True, reason="r82 finding 7: the web console's effective config "
                   "is YAML 1.1 (yaml.safe_dump): a pattern '0108' shows unquoted, which the "
                   "bot, pasted back, reads as the number 108")
def test_the_consoles_config_yaml_reads_back_as_shown(tmp_path: Path) -> None:
    root = _root(tmp_path, "handlers:\n  - keywords:\n      rules:\n        - id: k\n"
                           "          patterns: ['0108', '08']\n          reply: hi\n")
    deployment = config.load(root, REGISTRY)
    shown = views.effective_config(types.SimpleNamespace(deployment=deployment))  # type: ignore[arg-type]
    keywords = next(h for t in shown["types"] for h in t["handlers"] if h["name"] == "keywords")
    assert yaml.load(keywords["yaml"], Loader=yamlfile.Loader) == keywords["config"]


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("WECHATY_", "GROUPBOT_"))}


def _simulate(config_dir: Path, lines: str) -> Ran:
    return groupbot("run", "--simulator", "--config", str(config_dir), stdin=lines, env=_env())


def _scenario_wait(tmp_path: Path, written: str) -> timedelta:
    path = tmp_path / "s.yaml"
    path.write_text(f"config: {ROOT / 'config'}\nstart: \"2026-11-23 10:05\"\n"
                    "groups:\n  - {id: r1, topic: T, members: [alice]}\n"
                    f"steps:\n  - wait: {written}\n", encoding="utf-8")
    waited: timedelta = replay.load(path)[1][0][2]
    return waited


@pytest.fixture
def shipped(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "config", tmp_path / "config")
    shutil.copytree(ROOT / "content", tmp_path / "content")
    return tmp_path / "config"


@pytest.mark.xfail(strict=True, reason="r82 finding 8: a scenario's `wait: +5`, `1_000`, "
                   "`1.5e+3`, `.5` are seconds, the simulator's `/wait` of the same refuses "
                   "them (and `/wait １０`, full-width, is 10 s where `wait: １０` is refused)")
def test_what_a_scenario_waits_the_simulator_waits_too(tmp_path: Path, shipped: Path) -> None:
    written = ["+5", "1_000", "1.5e+3", ".5"]
    assert [_scenario_wait(tmp_path, w) for w in written] == [
        timedelta(seconds=s) for s in (5, 1000, 1500, 0.5)]
    out = _simulate(shipped, "".join(f"/wait {w}\n" for w in written) + "/quit\n").stdout
    assert "not a duration" not in out, out


# ---------------------------------------------------------------- what holds


@pytest.mark.parametrize("loader", LOADERS)
@pytest.mark.parametrize("written, read", [
    ("0108", 108), ("08", 8), ("09", 9), ("01012345678", 1012345678), ("0755", 755),
    ("0755-12345678", "0755-12345678"), ("13800138000", 13800138000),
    ("+8613800138000", 8613800138000), ("８：００", "８：００"), ("24:00", "24:00"),
    ("7:5", "7:5"), ("-1:30", "-1:30"), ("1:30.5", "1:30.5"), ("1.0e+3", 1000.0),
    ("010.5", 10.5), ("12_", 12), ("_12", "_12"), ("0.", 0.0), ("-.inf", float("-inf")),
    ("2026-12-02 8:00", "2026-12-02 8:00"), ("1e400", "1e400"),
])
def test_both_loaders_and_both_paths_agree(loader: type, written: str, read: Any) -> None:
    plain, noded = _both_paths(f"a: {written}\n", loader)
    assert plain == {"a": read}
    assert noded == {"a": read, "b": read}


def test_a_key_with_a_leading_zero_is_decimal_in_both_paths() -> None:
    for loader in LOADERS:
        assert yamlfile._plain_data("07: a\n010: b\n", loader) == {7: "a", 10: "b"}
        assert yamlfile._parse("07: &x a\n010: *x\n", Path("x.yaml"), loader).data == \
            {7: "a", 10: "a"}


def _yaml_files() -> list[Path]:
    skip = {".venv", "node_modules", ".git"}
    return [f for f in sorted(ROOT.rglob("*.y*ml")) if not skip & set(f.parts)]


def test_every_yaml_file_of_the_project_reads_as_yaml_11_read_it() -> None:
    """The commit's word: every shipped, test and doc YAML file reads the same as before."""
    files = _yaml_files()
    assert len(files) > 50
    for file in files:
        text = file.read_text(encoding="utf-8")
        assert yaml.load(text, Loader=yaml.SafeLoader) == \
            yaml.load(text, Loader=yamlfile.Loader), file


@pytest.mark.parametrize("written, read", [
    ("0:00", time(0, 0)), ("23:59", time(23, 59)), ("1:30:00", time(1, 30)),
    ("' 8:00 '", time(8, 0)), ("'23:59:59'", time(23, 59, 59)),
])
def test_an_unquoted_or_quoted_clock_time_reads_as_written(tmp_path: Path, written: str,
                                                           read: time) -> None:
    gtype = _type(tmp_path, f"handlers:\n  - checkin:\n      day_starts: {written}\n")
    assert _settings(gtype, "checkin").day_starts == read


def test_faq_quiet_hours_take_an_unquoted_time_and_refuse_a_number(tmp_path: Path) -> None:
    handoff = ("  - faq:\n      handoff: {operators: [admin], "
               "quiet_hours: {start: 22:00, end: %s}}\n")
    gtype = _type(tmp_path, "handlers:\n" + handoff % "8:00")
    assert _settings(gtype, "faq").handoff.quiet_hours.end == time(8, 0)
    problems = _problems(tmp_path / "b", "handlers:\n" + handoff % "800")
    assert problems == ["types/recruitment.yaml:3: handlers.faq.handoff.quiet_hours.end: not "
                        "a clock time: 800 (write hours and minutes, e.g. 8:00 or 22:30)"]


@pytest.mark.parametrize("handlers, key", [
    ("  - antispam:\n      flood: {within: 1:00}\n", "handlers.antispam.flood.within"),
    ("  - lifecycle:\n      silent: {after: 14:00}\n", "handlers.lifecycle.silent.after"),
    ("  - keywords:\n      cooldown: 0x10\n      rules: [{id: k, patterns: [a], reply: b}]\n",
     "handlers.keywords.cooldown"),
])
def test_a_duration_written_as_a_clock_or_hex_is_refused_with_its_line(
        tmp_path: Path, handlers: str, key: str) -> None:
    problems = _problems(tmp_path, "handlers:\n" + handlers)
    assert re.match(rf"types/recruitment\.yaml:3: {re.escape(key)}: not a duration: '",
                    problems[0]), problems


def test_patterns_that_looked_like_numbers_are_now_the_texts_written(tmp_path: Path) -> None:
    gtype = _type(tmp_path, "handlers:\n  - keywords:\n      rules:\n        - id: k\n"
                            "          patterns: [1:30, 0x1F, 0b10, 0755-1234]\n"
                            "          reply: hi\n")
    rule = _settings(gtype, "keywords").rules[0]
    assert [p if isinstance(p, str) else p.pattern for p in rule.patterns] == \
        ["1:30", "0x1F", "0b10", "0755-1234"]


@pytest.mark.parametrize("schedule, message", [
    ("cron: 8:00", "a cron schedule has 5 fields"),
    ("at: 20:00", "not a date and time: '20:00'"),
])
def test_a_push_time_written_as_a_clock_is_refused_clearly(tmp_path: Path, schedule: str,
                                                           message: str) -> None:
    problems = _problems(tmp_path, "handlers:\n  - push:\n      schedules:\n"
                                   f"        - {{id: a, {schedule}, text: x}}\n")
    assert problems[0].startswith("types/recruitment.yaml:4: handlers.push.schedules[0]"), \
        problems
    assert message in problems[0], problems


def test_an_anchored_scenarios_clock_wait_is_refused_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(f"config: {ROOT / 'config'}\nstart: \"2026-11-23 10:05\"\n"
                    "groups:\n  - {id: r1, topic: T, members: [alice]}\nsteps:\n"
                    "  - say: &s {group: r1, from: alice, text: hi}\n  - wait: &w 010\n"
                    "  - say: *s\n    after: *w\n  - wait: 1:30\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        replay.load(path)
    assert str(caught.value) == f"{path}:10: steps[3].wait: not a duration: '1:30' (write " \
        "e.g. 15s, 10m, 2h, 7d, or a number of seconds)"
    path.write_text(path.read_text(encoding="utf-8").replace("  - wait: 1:30\n", ""),
                    encoding="utf-8")
    steps = replay.load(path)[1]
    assert [s[0] for s in steps][2] == timedelta(seconds=10)  # `after: *w`, decimal 010
