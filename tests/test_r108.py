"""r108: a new operator following README.md and docs/ from a fresh clone, configuring each
handler page's example and making the usual careless slips, then reading `groupbot check`'s
(and `groupbot replay`'s) answers. Each strict xfail is a finding
(/work/helpers/reports/r108.md); the plain tests pin what was tried and holds."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from harness import (
    BOT_YAML,
    ROOT,
    SHIPPED,
    Harness,
    _load,
    groupbot,
    shipped_config,
    write_config,
)

from bot import sanitize
from bot.cli import main
from bot.sanitize import member_name
from handlers import REGISTRY

CUSTOMER = SHIPPED / "types" / "customer.yaml"


def _check(capsys: pytest.CaptureFixture[str], root: Path) -> tuple[int, list[str]]:
    """`groupbot check --config root`: its exit code and its stderr lines, paths made
    relative to the config directory."""
    code = main(["check", "--config", str(root)])
    _, err = capsys.readouterr()
    return code, [line.replace(str(root) + "/", "").replace(str(root.parent), "TMP")
                  for line in err.splitlines()]  # (a test's name in its tmp_path says nothing)


def _slipped(tmp_path: Path, file: str, old: str, new: str) -> Path:
    """The shipped config with `old` written as `new` once in config/FILE."""
    root = shipped_config(tmp_path)
    path = root / file
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return root


def _line_of(file: Path, text: str) -> int:
    """The line number of the first line of the shipped `file` holding `text`."""
    lines = file.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if text in line)


# ---------------------------------------------------------------- r108-1: content: a typo


def test_r108_1_a_content_directory_that_is_not_there_is_one_problem(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """docs/configuration.md:19-21: "The types' problems are listed together with bot.yaml's,
    except when bot.yaml does not parse or its `content` is wrong (the types' files could
    not be looked up): then `check` shows theirs once bot.yaml's are fixed." A `content`
    typo (`../contents`) is one problem of bot.yaml, and then every content file of every
    type is reported missing in a directory that is not there: 26 problems for one typo on
    the shipped config. (bot/config.py `_provisional` gives up only on a content that does
    not validate, `content: [x]`, not on one naming no directory.)"""
    root = _slipped(tmp_path, "bot.yaml", "content: ../content", "content: ../contents")
    code, errors = _check(capsys, root)
    assert code == 2
    assert errors[0].startswith("bot.yaml:11: content: directory not found"), errors
    assert errors[1:] == ["1 problem(s) in TMP/config"], errors


def test_r108_1_holds_a_content_that_is_no_text_is_one_problem(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    root = _slipped(tmp_path, "bot.yaml", "content: ../content", "content: [../content]")
    code, errors = _check(capsys, root)
    assert code == 2 and len(errors) == 2 and errors[0].startswith("bot.yaml:11: content"), errors


# ---------------------------------------------------------------- r108-2: no space after a colon

NO_SPACE = [  # (file, as shipped, as slipped)
    ("bot.yaml", "timezone: Asia/Shanghai", "timezone:Asia/Shanghai"),
    ("types/customer.yaml", "capacity: 100", "capacity:100"),
    ("types/customer.yaml", "      window: 15s", "      window:15s"),
    ("types/customer.yaml", "      report: true", "      report:true"),
    # in braces: each pair two problems (the key `7:30` not a number; its value null)
    ("types/customer.yaml", "bonuses: {7: 30, 30: 100}", "bonuses: {7:30, 30:100}"),
]


@pytest.mark.parametrize(("file", "old", "new"), NO_SPACE)
def test_r108_2_no_space_after_a_colon_is_named_on_its_line(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, file: str, old: str,
        new: str) -> None:
    """The commonest slip of all, `key:value`: YAML reads one text `timezone:Asia/Shanghai`.
    `check` says `bot.yaml:8: YAML syntax: could not find expected ':'` for line 7
    (`capacity:100`: customer.yaml:6 for line 5; `window:15s`: line 15 for 14), and
    `report:true` is `customer.yaml:46: handlers[9].lifecycle: a handler's settings must be a
    mapping`, the handler's line. configuration.md ("What `check` reports") names the line
    and the fix for a full-width colon, a tab, an odd space: not for the missing space."""
    line = _line_of(SHIPPED / file, old)
    root = _slipped(tmp_path, file, old, new)
    code, errors = _check(capsys, root)
    assert code == 2
    assert errors[0].startswith(f"{file}:{line}: "), errors
    assert "space" in errors[0], errors


# ---------------------------------------------------------------- r108-3: indentation

@pytest.mark.parametrize("indent", ["     ", "       "])
def test_r108_3_a_key_indented_wrong_is_named_on_its_line(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, indent: str) -> None:
    """customer.yaml line 8, `      warn_limit: 2`, with 5 or 7 spaces: `check` says
    `types/customer.yaml:10: YAML syntax: did not find expected key`, line 10 being
    `names: {action: log}` after a comment; nothing says indentation, and line 8 is not
    named. (The brief's "wrong indentation", the slip every YAML beginner makes.)"""
    line = _line_of(CUSTOMER, "warn_limit: 2")
    root = _slipped(tmp_path, "types/customer.yaml", "      warn_limit: 2",
                    indent + "warn_limit: 2")
    code, errors = _check(capsys, root)
    assert code == 2
    assert errors[0].startswith(f"types/customer.yaml:{line}: "), errors
    assert "indent" in errors[0], errors


def test_r108_holds_a_handlers_settings_not_indented_under_it_say_so(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    root = _slipped(tmp_path, "types/customer.yaml", "  - rules:\n      text",
                    "  - rules:\n    text")
    code, errors = _check(capsys, root)
    assert code == 2
    assert errors[0] == ("types/customer.yaml:15: handlers[3]: each entry is one handler, "
                         "`- name:` with its settings indented below it"), errors


# ---------------------------------------------------------------- r108-4: `- welcome` without :

def test_r108_4_a_handler_without_its_colon_is_named_on_its_line(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """`  - welcome` (colon forgotten), line 12, settings below: `types/customer.yaml:13:
    YAML syntax: mapping values are not allowed in this context`, the template's line."""
    line = _line_of(CUSTOMER, "  - welcome:")
    root = _slipped(tmp_path, "types/customer.yaml", "  - welcome:", "  - welcome")
    code, errors = _check(capsys, root)
    assert code == 2
    assert errors[0].startswith(f"types/customer.yaml:{line}: "), errors
    assert "colon" in errors[0] or "':'" in errors[0], errors


# ---------------------------------------------------------------- r108-5: an unclosed quote

def test_r108_5_an_unclosed_quote_is_named_on_its_line(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """The welcome template's closing `"` left out (line 13): `types/customer.yaml:20: YAML
    syntax: did not find expected key`, inside the keywords' rules, where the next `"`
    closed it."""
    line = _line_of(CUSTOMER, "template: \"欢迎加入")
    root = _slipped(tmp_path, "types/customer.yaml", "查看群规。\"", "查看群规。")
    code, errors = _check(capsys, root)
    assert code == 2
    assert errors[0].startswith(f"types/customer.yaml:{line}: "), errors


# ---------------------------------------------------------------- r108-6: ： in a {...} map

def test_r108_6_a_full_width_colon_in_braces_is_named(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """`names: {action：log}`: `handlers.antispam.names.action：log: unknown key; did you mean
    `action`?`. The same colon in a block (`window： 15s`, `- admin：`) gets "full-width '：'
    where YAML needs ':' (type it half-width)", as configuration.md promises for `：`."""
    root = _slipped(tmp_path, "types/customer.yaml", "names: {action: log}",
                    "names: {action：log}")
    code, errors = _check(capsys, root)
    assert code == 2
    assert "full-width" in errors[0], errors


@pytest.mark.parametrize("reply", ["客服,时间:工作日 {nobody}", "你好，欢迎 {nobody}",
                                   "时间：工作日 {nobody}"])
def test_r109_1_a_plain_text_s_commas_and_colons_get_no_hint(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, reply: str) -> None:
    """A reply written right, but for its placeholder: the problem is named as it is, not
    with "no space after the colon: YAML reads `时间:工作日` as one text" or "full-width '，'
    where YAML needs ','" (in a plain text a comma or a colon is the operator's own)."""
    root = _slipped(tmp_path, "types/internship.yaml",
                    '"完成培训后发送「开始考试」参加考核，80 分及格。"', reply)
    code, errors = _check(capsys, root)
    assert code == 2 and "nobody" in errors[0], errors
    assert "space" not in errors[0] and "full-width" not in errors[0], errors


@pytest.mark.parametrize(("old", "new", "says"), [
    ("      window: 15s", "      window： 15s", "full-width '：' where YAML needs ':'"),
    ("  - admin:\n", "  - admin：\n", "full-width '：' where YAML needs ':'"),
    ("names: {action: log}", "names: {action: log，reason: x}", "full-width '，'"),
    ("      warn_limit: 2", "\twarn_limit: 2", "a tab in the indentation"),
    ("      window: 15s", "\u3000\u3000\u3000window: 15s", "a full-width space (U+3000)"),
    ("      window: 15s", "      windwo: 15s", "unknown key; did you mean `window`?"),
    ("      window: 15s", "      window: 15s\n      window: 20s", "window: duplicate key"),
])
def test_r108_holds_the_slips_check_names(capsys: pytest.CaptureFixture[str],
                                          tmp_path: Path, old: str, new: str,
                                          says: str) -> None:
    root = _slipped(tmp_path, "types/customer.yaml", old, new)
    code, errors = _check(capsys, root)
    assert code == 2 and says in errors[0], errors


@pytest.mark.parametrize("spoil", [
    lambda text: "\ufeff" + text,  # saved "UTF-8 with BOM"
    lambda text: text.replace("\n", "\r\n"),  # saved on Windows
])
def test_r108_holds_a_bom_or_crlf_changes_nothing(capsys: pytest.CaptureFixture[str],
                                                  tmp_path: Path, spoil: object) -> None:
    root = shipped_config(tmp_path)
    for path in (root / "bot.yaml", root / "types" / "customer.yaml"):
        path.write_text(spoil(path.read_text(encoding="utf-8")),  # type: ignore[operator]
                        encoding="utf-8", newline="")
    code, errors = _check(capsys, root)
    assert code == 0, errors


# ---------------------------------------------------------------- r108-7: a scenario's step

@pytest.mark.parametrize("step", ["  - wait： 20s", "  - wait:20s"])
def test_r108_7_a_steps_colon_slip_is_named(capsys: pytest.CaptureFixture[str],
                                            tmp_path: Path, step: str) -> None:
    """docs/replay.md: `steps[3].wiat: unknown key; did you mean `wait`?` for a mistyped key;
    a full-width colon (or none followed by a space) makes the step one text, and the
    answer is `s.yaml:8: steps[1]: a step is a mapping like `say: {...}``."""
    root = write_config(tmp_path / "config", BOT_YAML, {"recruitment": "handlers:\n"
                                                        "  - admin:\n"})
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        "config: config\nstart: \"2026-12-07 10:00\"\ngroups:\n"
        "  - {id: r1, topic: Recruitment 01, members: [alice]}\nsteps:\n"
        "  - say: {group: r1, from: alice, text: hi}\n" + step + "\n", encoding="utf-8")
    assert root.is_dir()
    code = main(["replay", str(scenario)])
    err = capsys.readouterr().err.replace(str(tmp_path), "TMP")
    assert code == 2 and "steps[1]" in err, err
    assert "colon" in err or "YAML needs ':'" in err, err


# ---------------------------------------------------------------- r108-8: a key left empty

@pytest.mark.parametrize(("old", "new"), [("extends: base", "extends:"),
                                          ("capacity: 100", "capacity:")])
def test_r108_8_extends_or_capacity_without_a_value_is_a_problem(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, old: str, new: str) -> None:
    """The value deleted (or never typed) after the key: YAML reads null, and `check` says
    `config OK` with no warning. `extends:` drops every inherited handler: the customer
    type loses base's banned-word lists (politics, vulgar, illegal), its links and contacts
    settings, faq and funnel; `capacity:` makes the 100-member customer groups 200-member
    ones (overflow, invite and the reports' "4/100" follow). configuration.md's table gives
    neither key a null ("extends | none", "capacity | 200"); every other key tried written
    empty is refused (`warn_limit:`, `admins:`, `template:`, `display_name:`...)."""
    line = _line_of(CUSTOMER, old)
    root = _slipped(tmp_path, "types/customer.yaml", old, new)
    code, errors = _check(capsys, root)
    assert code == 2
    assert errors[0].startswith(f"types/customer.yaml:{line}: {new}"), errors


@pytest.mark.parametrize(("file", "old", "new", "key"), [
    ("bot.yaml", "backstop: {every: 5m}", "backstop: {every: }", "backstop.every"),
    ("types/customer.yaml", "      window: 15s", "      window: 15s\n      again_after:",
     "handlers.welcome.again_after"),
])
def test_r108_9_a_key_left_empty_that_means_off_is_warned_of(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, file: str, old: str, new: str,
        key: str) -> None:
    """`backstop: {every: }` turns the join backstop off (configuration.md: "`null` turns
    it off"), `again_after:` welcomes nobody again ever: a value forgotten reads as the
    deliberate `null`, and `check` is silent. The switch words get a warning when a text
    may not be meant (configuration.md, Values); an empty value here gets nothing."""
    root = _slipped(tmp_path, file, old, new)
    code, errors = _check(capsys, root)
    assert code == 0
    assert any(key in line and "null" in line for line in errors if line.startswith(
        "warning: ")), errors


@pytest.mark.parametrize("typed", ["null", "~"])
def test_r108_9_a_null_typed_is_meant_and_not_warned_of(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, typed: str) -> None:
    root = _slipped(tmp_path, "bot.yaml", "backstop: {every: 5m}", f"backstop: {{every: {typed}}}")
    code, errors = _check(capsys, root)
    assert code == 0 and not any("backstop" in line for line in errors), errors


# ---------------------------------------------------------------- r108-10: None

@pytest.mark.parametrize(("file", "old", "new"), [
    ("bot.yaml", "timezone: Asia/Shanghai", "timezone:"),
    ("types/customer.yaml", "      window: 15s", "      window:"),
    ("types/customer.yaml", "      pattern: '[^-\\s]+-[^-\\s]+-[^-\\s]+'", "      pattern:"),
    ("bot.yaml", "timezone: Asia/Shanghai", "timezone: null"),  # (r109-5: typed, not left out)
    ("types/customer.yaml", "      window: 15s", "      window: ~"),
])
def test_r108_10_an_empty_value_is_not_called_none(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, file: str, old: str,
        new: str) -> None:
    """`timezone:` is "unknown time zone None (e.g. Asia/Shanghai)", `window:` "not a
    duration: None", namecard's `pattern:` "a regular expression must be text, not None".
    The operator wrote nothing; None is no word of YAML's (it would be `null`, `~` or
    nothing) nor of the docs'. configuration.md: a value of the wrong kind "is shown as
    read"."""
    line = _line_of(SHIPPED / file, old.strip())
    root = _slipped(tmp_path, file, old, new)
    code, errors = _check(capsys, root)
    assert code == 2 and errors[0].startswith(f"{file}:{line}: "), errors
    assert "None" not in errors[0] and "null" in errors[0], errors


# ---------------------------------------------------------------- r108-11: a rota with gaps

WEEKEND_ONLY = ("        operators: [op_lin]       # contact ids; `rota: {sat: [...], sun: [...]}` "
                "per weekday",
                "        operators: []\n        rota: {sat: [op_lin], sun: [op_lin]}")


def test_r108_11_a_rota_with_days_nobody_is_on_is_named(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """faq.md's table: "`operators` or a `rota` is required"; `rota`: "who is on duty that
    day instead of `operators`". A weekend rota and `operators: []` loads with no warning
    (faq.py: the check is `not any(self.rota.values())`); replayed on Monday 2026-12-07,
    「人工」 gets 「已转给运营同学（案件 2YMM），答复会发在群里，请稍等。」 and no operator is
    told, nor reminded, ever (on_duty() is []). `check` should name the days with nobody
    (or refuse the rota)."""
    root = _slipped(tmp_path, "types/base.yaml", *WEEKEND_ONLY)
    code, errors = _check(capsys, root)
    said = [line for line in errors if "handoff" in line]
    assert said and any("mon" in line for line in said), errors
    assert code in (0, 2)


# ---------------------------------------------------------------- r108-12: the parent's line

@pytest.mark.parametrize(("file", "old", "new", "at"), [
    # 排行榜 in triggers and leaderboard.triggers: named at `- checkin:` (23), not 24
    ("types/customer.yaml", '["签到", "打卡", "check in"]', "[签到, 排行榜]", "triggers: ["),
    # a rota day mistyped: named at `handoff:` (77), not at the rota (79)
    ("types/base.yaml", "        operators: [op_lin]",
     "        operators: [op_lin]\n        rota: {saturday: [op_lin]}", "operators: [op_lin]"),
])
def test_r108_12_a_problem_is_named_on_the_line_written(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, file: str, old: str, new: str,
        at: str) -> None:
    """`types/customer.yaml:23: handlers.checkin: '排行榜' is in both triggers and
    leaderboard.triggers`; `types/base.yaml:77: handlers.faq.handoff: rota day 'saturday'
    is not one of mon, ...`; likewise a quiz answer `E` among A-D is named at its question's
    `- kind:` line (listener.yaml:11), not at `answer: E` (18). The key path stops at the
    map too. configuration.md: "every problem with file (its full path), line and key
    path"."""
    line = _line_of(SHIPPED / file, at) + (1 if "rota" in new else 0)
    root = _slipped(tmp_path, file, old, new)
    code, errors = _check(capsys, root)
    assert code == 2 and errors[0].startswith(f"{file}:{line}: "), errors


def test_r108_12_a_quiz_answer_among_no_option_is_named_on_its_line(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    root = shipped_config(tmp_path)
    quiz = root.parent / "content" / "quiz" / "listener.yaml"
    text = quiz.read_text(encoding="utf-8")
    quiz.write_text(text.replace("    answer: C\n", "    answer: E\n", 1), encoding="utf-8")
    code, errors = _check(capsys, root)
    line = _line_of(SHIPPED.parent / "content" / "quiz" / "listener.yaml", "answer: C")
    assert code == 2 and any(f"listener.yaml:{line}: " in e and "among ABCD" in e
                             for e in errors), errors


# ---------------------------------------------------------------- r108-13: no simulated group

def test_r108_13_a_simulator_without_groups_says_how_to_add_one(tmp_path: Path) -> None:
    """A new operator writes bot.yaml and a type from configuration.md's examples (no
    `simulator:` section: nothing there says one is needed), `check` says OK, and `groupbot
    run --simulator` prompts `[ as alice]>` (no group; `alice` made up); `/groups` prints
    nothing, a message, `/join bob` and `/in c1` each print `! unknown group ...`. Nothing
    says that the simulated groups come from `simulator.groups` in bot.yaml."""
    root = write_config(tmp_path / "config", BOT_YAML + "web: {enabled: false}\n", {
        "recruitment": "handlers:\n  - rules:\n      text: rules.md\n"}, {"rules.md": "群规"})
    ran = groupbot("run", "--simulator", "--config", str(root), stdin="/groups\n群规\n",
                   env={k: v for k, v in os.environ.items()
                        if not k.startswith(("WECHATY_", "GROUPBOT_"))})
    assert ran.returncode == 0, ran.stderr
    assert "simulator.groups" in ran.stdout + ran.stderr, ran.stdout


# ---------------------------------------------------------------- r108-14: an unbound sim group

def test_r108_14_a_simulated_group_no_binding_matches_is_named(tmp_path: Path) -> None:
    """bot.yaml binds `topic: "Recruitment"`; the operator's `simulator.groups` has
    `{id: g1, topic: 测试群}`. `check` says OK; in the simulator 「群规」 gets nothing, with no
    line on stdout or stderr: the operator reads the silence as the config's. replay.md: a
    scenario group that no binding matches "is named in a warning on stderr (`WARNING
    bot.replay: no binding in bot.yaml matches r1 ...`) ... so an empty stdout is not the
    config approving what was said" (bot/replay.py `_warn_unbound`)."""
    root = write_config(tmp_path / "config", BOT_YAML + "web: {enabled: false}\n" + (
        "simulator:\n  groups:\n    - {id: g1, topic: 测试群, members: [admin, bob]}\n"), {
        "recruitment": "handlers:\n  - rules:\n      text: rules.md\n"}, {"rules.md": "群规"})
    ran = groupbot("run", "--simulator", "--config", str(root), stdin="群规\n",
                   env={k: v for k, v in os.environ.items()
                        if not k.startswith(("WECHATY_", "GROUPBOT_"))})
    assert ran.returncode == 0, ran.stderr
    assert "g1" in ran.stderr and "no binding" in ran.stderr, ran.stderr


def test_r108_holds_a_bound_simulated_group_is_answered(tmp_path: Path) -> None:
    root = write_config(tmp_path / "config", BOT_YAML + "web: {enabled: false}\n" + (
        "simulator:\n  groups:\n    - {id: g1, topic: Recruitment 1, members: [admin, bob]}\n"),
        {"recruitment": "handlers:\n  - rules:\n      text: rules.md\n"}, {"rules.md": "群规"})
    ran = groupbot("run", "--simulator", "--config", str(root), stdin="群规\n",
                   env={k: v for k, v in os.environ.items()
                        if not k.startswith(("WECHATY_", "GROUPBOT_"))})
    assert ran.returncode == 0 and "[g1] bot: 群规" in ran.stdout, ran.stdout


# ---------------------------------------------------------------- r108-15: installed, not cloned

def _installed(tmp_path: Path) -> Path:
    """The packages as `pip install .` lays them out (pyproject.toml's `packages`, with
    their package data): bot/ and handlers/ in a site-packages of their own, no content/
    beside them; the deployment (config/, content/) elsewhere, as deploy.md and the
    Dockerfile install it."""
    site = tmp_path / "site"
    for package in ("bot", "handlers"):
        shutil.copytree(ROOT / package, site / package,
                        ignore=shutil.ignore_patterns("__pycache__"))
    return site


def _checked_in_as(tmp_path: Path, site: Path | None) -> str:
    """What the bot says in c1 to a member renamed 援交小妹 who checks in, run from `site`
    (None: from the source tree, as the tests and `pip install -e .` run it)."""
    root = shipped_config(tmp_path / "deployment", "web: {enabled: false}\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WECHATY_", "GROUPBOT_"))}
    if site is not None:
        env["PYTHONPATH"] = str(site)
    ran = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run", "--simulator", "--config", str(root)],
        input="/in c1\n/rename carol 援交小妹\n/as carol\n签到\n", capture_output=True,
        text=True, env=env, cwd=tmp_path, timeout=300, check=False)
    assert ran.returncode == 0, ran.stderr
    said = [line for line in ran.stdout.splitlines() if "签到成功" in line]
    assert len(said) == 1, ran.stdout
    return said[0]


def test_r108_15_an_installed_bot_keeps_banned_words_out_of_names(tmp_path: Path) -> None:
    """limits.md ("Member-supplied text in messages"): a member name that carries a banned
    word (`援交小妹`) "is not repeated either: `这位成员` stands for it". bot/sanitize.py
    reads the lists at `Path(__file__).parent.parent / "content" / "words"`: the repository's
    content/ under `pip install -e .`, but `site-packages/content/words` under `pip install .`
    (deploy.md's systemd steps; the Dockerfile's build stage copies only bot/ and handlers/),
    where nothing is, and `_name_words` then silently has no words ("a bot installed without
    content/"). Checked by hand on a fresh clone: `.venv/bin/pip install .`, the simulator
    says 「✅ 援交小妹 签到成功！」 where the editable install says 「✅ 这位成员 签到成功！」."""
    assert "这位成员" in _checked_in_as(tmp_path, _installed(tmp_path))


def test_r108_holds_from_the_source_tree_banned_words_stay_out_of_names(
        tmp_path: Path) -> None:
    assert "这位成员" in _checked_in_as(tmp_path, None)


def test_r108_15_a_deployment_s_own_lists_are_the_ones_names_are_read_with(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The deployment's content/words/ (not the source tree's): a word an operator adds to
    its illegal.txt keeps a name holding it out of messages once a bot runs with it."""
    root = shipped_config(tmp_path)
    with (root.parent / "content" / "words" / "illegal.txt").open("a", encoding="utf-8") as f:
        f.write("\n刷信誉\n")
    monkeypatch.setattr(sanitize, "_texts", None)  # (set back after: the shipped lists)
    try:
        assert member_name("刷信誉小王") == "刷信誉小王"  # the source tree's lists: not in them
        sanitize.screen_names_with(_load(root, REGISTRY).name_lists)  # as Bot does
        assert member_name("刷信誉小王") == sanitize.MEMBER_FALLBACK
    finally:
        sanitize._shown_as.cache_clear()


async def test_r109_2_a_config_checked_changes_no_name_until_it_is_reloaded(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A running bot's names change with the config it runs, not with one it only read:
    校验配置 (the console's check: a load as a reload's, nothing swapped in) and `groupbot
    check` of an edited content/words/ changed them at once, before any reload (r109-2)."""
    root = shipped_config(tmp_path)
    monkeypatch.setattr(sanitize, "_texts", None)  # (set back after: the shipped lists)
    try:
        async with Harness(root, tmp_path) as h:
            with (root.parent / "content" / "words" / "illegal.txt").open(
                    "a", encoding="utf-8") as f:
                f.write("\n刷信誉\n")
            _load(root, REGISTRY, h.bot.deployment.settings)  # (as 校验配置 loads)
            assert member_name("刷信誉小王") == "刷信誉小王"
            await h.bot.reload()
            assert member_name("刷信誉小王") == sanitize.MEMBER_FALLBACK
    finally:
        sanitize._shown_as.cache_clear()


def test_r108_15_no_word_lists_anywhere_is_warned(
        capsys: pytest.CaptureFixture[str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """An installed bot (no source tree beside it) whose content directory lost its lists:
    `check` says names are no longer screened, where it said nothing."""
    root = write_config(tmp_path / "config", BOT_YAML, {"recruitment": (
        "handlers:\n  - keywords: {rules: [{patterns: [hi], reply: hi}]}\n")})
    monkeypatch.setattr(sanitize, "SHIPPED_WORDS", tmp_path / "site" / "content" / "words")
    monkeypatch.setattr(sanitize, "_texts", None)
    try:
        code, errors = _check(capsys, root)
    finally:
        sanitize._shown_as.cache_clear()
    assert code == 0 and any("content: no word lists in" in e for e in errors), errors


def test_r108_11_a_rota_with_operators_for_the_other_days_holds(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    root = _slipped(tmp_path, "types/base.yaml", WEEKEND_ONLY[0],
                    "        operators: [op_lin]\n        rota: {sat: [op_wang]}")
    assert _check(capsys, root)[0] == 0
