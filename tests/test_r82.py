"""r82: a careless and a hostile operator's pass over p43's YAML numbers (plain decimals,
unquoted clock times), its findings (/work/helpers/reports/r82.md) fixed: a leading zero
keeps the text written, a clock time is H:MM or refused with what was written, and what a
scenario waits the simulator waits; the other tests pin what was checked and holds."""

from __future__ import annotations

import re
import types
from datetime import datetime, time, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
import yaml
from harness import BOT_YAML, ROOT, shipped_config, simulate, write_config

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


@pytest.mark.parametrize("written", ["0108", "007", "01012345678"])
def test_an_id_with_a_leading_zero_is_the_text_written(tmp_path: Path, written: str) -> None:
    """Finding 1: `admins: [0108]` was the number 108, and the hint said to quote '108'."""
    root = _root(tmp_path, "handlers:\n  - rules: {text: rules.md}\n",
                 BOT_YAML.replace("admins: [admin]", f"admins: [admin, {written}]"))
    assert config.load(root, REGISTRY).settings.admins == ["admin", written]


def test_a_whole_number_with_a_leading_zero_says_what_to_write(tmp_path: Path) -> None:
    problems = _problems(tmp_path, "handlers:\n  - welcome:\n      template: hi\n"
                                   "      max_mentions: 05\n")
    assert problems[0].endswith("not '05' (a leading zero makes it a text: write 5)"), problems


def test_a_corpus_case_of_a_leading_zero_number_is_its_text(tmp_path: Path) -> None:
    """Finding 2: 01089998888 (a text to YAML 1.1: an 8 is no octal digit) was a number."""
    file = tmp_path / "c.yaml"
    file.write_text("cases:\n  - {family: phone, flag: true, text: 01089998888}\n",
                    encoding="utf-8")
    assert corpus.read_corpus(file)[0].messages == ("01089998888",)


OFFSETS = [
    "  - checkin:\n      day_starts: 08:00+08:00\n",
    "  - push:\n      quiet_hours: {start: 22:00Z, end: 08:00}\n" + PUSH,
    "  - faq:\n      handoff: {operators: [admin], quiet_hours: {start: 22:00+08:00, "
    "end: 08:00}}\n",
]


@pytest.mark.parametrize("handlers", OFFSETS, ids=["checkin", "push", "faq"])
def test_a_clock_time_with_an_offset_is_refused_with_its_line(tmp_path: Path,
                                                              handlers: str) -> None:
    """Finding 3: it passed, then `check` (push) or every check-in (faq reminder) raised
    TypeError: can't compare offset-naive and offset-aware times."""
    problems = _problems(tmp_path, "handlers:\n" + handlers)
    assert re.match(r"types/recruitment\.yaml:\d+: .*: not a clock time: '[^']*[+Z]",
                    problems[0]), problems


@pytest.mark.parametrize("written", ["7:5", "8:00am", "24:00", "-8:00", "8:60"])
def test_a_clock_time_refused_names_what_was_written(tmp_path: Path, written: str) -> None:
    """Finding 4: pydantic's "input is too short", "invalid character in hour"."""
    problems = _problems(tmp_path, f"handlers:\n  - checkin:\n      day_starts: {written}\n")
    assert problems == [f"types/recruitment.yaml:3: handlers.checkin.day_starts: not a clock "
                        f"time: '{written}' (write hours and minutes from 0:00 to 23:59, e.g. "
                        "8:00 or 22:30)"]


@pytest.mark.parametrize("written", ["８：００", "8：00"])
def test_a_full_width_clock_time_is_the_time(tmp_path: Path, written: str) -> None:
    gtype = _type(tmp_path, f"handlers:\n  - checkin:\n      day_starts: {written}\n")
    assert _settings(gtype, "checkin").day_starts == time(8, 0)


@pytest.mark.parametrize("loader", LOADERS)
def test_a_number_too_long_for_python_is_a_line(tmp_path: Path, loader: type,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Finding 5: past Python's 4,300 digits, int() raised out of the loader (a traceback).
    It is the text written, which the key then refuses with its line."""
    monkeypatch.setattr(yamlfile, "Loader", loader)
    problems = _problems(tmp_path, "handlers:\n  - welcome:\n      template: hi\n"
                                   "      window: " + "1" * 5000 + "\n")
    assert problems[0].startswith("types/recruitment.yaml:4: handlers.welcome.window: not a "
                                  "duration: '111"), problems


def test_what_the_docs_say_of_numbers_is_what_is_read() -> None:
    """Finding 6: the docs said "as YAML 1.2 does", which reads 0x10 as 16 and yes as text."""
    doc = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert "YAML 1.2" not in doc
    said = {"10": 10, "-5": -5, "1.5": 1.5, "1:30": "1:30", "0108": "0108", "007": "007",
            "0x10": "0x10", "0b10": "0b10", "1_000": "1_000", "1e3": "1e3", "yes": "yes",
            "off": "off", "true": True}
    for written in said:
        assert f"`{written}`" in doc, written
    assert {w: yaml.load(f"a: {w}", Loader=yamlfile.Loader)["a"] for w in said} == said


def test_the_consoles_config_yaml_reads_back_as_shown(tmp_path: Path) -> None:
    """Finding 7: a pattern '0108' shown unquoted (YAML 1.1's dump) read back as 108."""
    root = _root(tmp_path, "handlers:\n  - keywords:\n      rules:\n        - id: k\n"
                           "          patterns: ['0108', '08']\n          reply: hi\n")
    deployment = config.load(root, REGISTRY)
    shown = views.effective_config(types.SimpleNamespace(deployment=deployment))  # type: ignore[arg-type]
    keywords = next(h for t in shown["types"] for h in t["handlers"] if h["name"] == "keywords")
    assert yaml.load(keywords["yaml"], Loader=yamlfile.Loader) == keywords["config"]


def _scenario_wait(tmp_path: Path, written: str) -> timedelta:
    path = tmp_path / "s.yaml"
    path.write_text(f"config: {ROOT / 'config'}\nstart: \"2026-11-23 10:05\"\n"
                    "groups:\n  - {id: r1, topic: T, members: [alice]}\n"
                    f"steps:\n  - wait: {written}\n", encoding="utf-8")
    waited: timedelta = replay.load(path)[1][0][2]
    return waited


@pytest.fixture
def shipped(tmp_path: Path) -> Path:
    return shipped_config(tmp_path)


def test_what_a_scenario_waits_the_simulator_waits_too(tmp_path: Path, shipped: Path) -> None:
    """Finding 8: `wait: +5`, `1.5e+3`, `.5` were seconds, `/wait` of the same refused; and
    `/wait １０` was 10 s where `wait: １０` was refused."""
    written = ["+5", "1.5e+3", ".5", "10"]
    assert [_scenario_wait(tmp_path, w) for w in written] == [
        timedelta(seconds=s) for s in (5, 1500, 0.5, 10)]
    out = simulate(shipped, "".join(f"/wait {w}\n" for w in written) + "/quit\n").stdout
    assert "not a duration" not in out, out
    shown = [datetime.fromisoformat(at) for at in re.findall(r"now (\S+ \S+) ", out)]
    assert [round((b - a).total_seconds()) for a, b in pairwise(shown)] in (
        [1500, 0, 10], [1500, 1, 10]), out  # (whole seconds shown: .5 is 0 or 1)
    refused = ["1_000", "1:30", "0x10", "010", "１０"]
    with pytest.raises(InputError):
        for w in refused:
            _scenario_wait(tmp_path, w)
    out = simulate(shipped, "".join(f"/wait {w}\n" for w in refused) + "/quit\n").stdout
    assert all(f"! not a duration: '{w}'" in out for w in refused), out


# ---------------------------------------------------------------- what holds


@pytest.mark.parametrize("loader", LOADERS)
@pytest.mark.parametrize("written, read", [
    ("0108", "0108"), ("08", "08"), ("09", "09"), ("01012345678", "01012345678"),
    ("0755", "0755"),
    ("0755-12345678", "0755-12345678"), ("13800138000", 13800138000),
    ("+8613800138000", 8613800138000), ("８：００", "８：００"), ("24:00", "24:00"),
    ("7:5", "7:5"), ("-1:30", "-1:30"), ("1:30.5", "1:30.5"), ("1.0e+3", 1000.0),
    ("010.5", "010.5"), ("12_", "12_"), ("_12", "_12"), ("0.", 0.0), ("-.inf", float("-inf")),
    ("2026-12-02 8:00", "2026-12-02 8:00"), ("1e400", "1e400"),
])
def test_both_loaders_and_both_paths_agree(loader: type, written: str, read: Any) -> None:
    plain, noded = _both_paths(f"a: {written}\n", loader)
    assert plain == {"a": read}
    assert noded == {"a": read, "b": read}


def test_a_key_with_a_leading_zero_is_its_text_in_both_paths() -> None:
    for loader in LOADERS:
        assert yamlfile._plain_data("07: a\n010: b\n", loader) == {"07": "a", "010": "b"}
        assert yamlfile._parse("07: &x a\n010: *x\n", Path("x.yaml"), loader).data == \
            {"07": "a", "010": "a"}


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
                        "a clock time: the number 800 (write hours and minutes from 0:00 to "
                        "23:59, e.g. 8:00 or 22:30)"]


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
                    "  - say: &s {group: r1, from: alice, text: hi}\n  - wait: &w 10\n"
                    "  - say: *s\n    after: *w\n  - wait: 1:30\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        replay.load(path)
    assert str(caught.value) == f"{path}:10: steps[3].wait: not a duration: '1:30' (write " \
        "e.g. 15s, 10m, 2h, 7d, or a number of seconds)"
    path.write_text(path.read_text(encoding="utf-8").replace("  - wait: 1:30\n", ""),
                    encoding="utf-8")
    steps = replay.load(path)[1]
    assert [s[0] for s in steps][2] == timedelta(seconds=10)  # `after: *w`
