"""`groupbot check` refuses configs that load but cannot work, and warns where an operator's
regular expression means something else on RE2 than in Python's re."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from harness import BOT_YAML, another_applications_database, write_config

from bot import postgres, schema
from bot.cli import main
from bot.store import open_store
from handlers import REGISTRY


def _check(capsys: pytest.CaptureFixture[str], root: Path) -> tuple[int, list[str], str]:
    code = main(["check", "--config", str(root)])
    out, err = capsys.readouterr()
    return code, [line.replace(str(root) + "/", "") for line in err.splitlines()], out


def _keywords(*rules: str) -> str:
    return "handlers:\n  - keywords:\n      rules:\n" + "".join(rules)


REGEX_RULE = "        - match: regex\n          patterns: ['{}']\n          reply: x\n"


@pytest.mark.parametrize("types, content, expected", [
    ({"recruitment": _keywords(REGEX_RULE.format("(a)\\1"))}, {},
     "types/recruitment.yaml:5: handlers.keywords.rules[0].patterns[0]: regular expression "
     "'(a)\\1' cannot run on RE2 (the linear-time engine): backreferences (\\1) are not "
     "supported"),
    ({"recruitment": _keywords(REGEX_RULE.format("报名(?!了)"))}, {},
     "types/recruitment.yaml:5: handlers.keywords.rules[0].patterns[0]: regular expression "
     "'报名(?!了)' cannot run on RE2 (the linear-time engine): lookarounds ((?!...) are not"),
    ({"recruitment": _keywords(REGEX_RULE.format("(?:\\w{100}){100}"))}, {},
     "types/recruitment.yaml:5: handlers.keywords.rules[0].patterns[0]: regular expression "
     "'(?:\\w{100}){100}' cannot run on RE2 (the linear-time engine): invalid repetition"),
    ({"recruitment": "handlers:\n  - namecard:\n      pattern: '(?<=x)y'\n      example: x\n"
                     "      reminder: hi\n"}, {},
     "types/recruitment.yaml:3: handlers.namecard.pattern: regular expression '(?<=x)y' "
     "cannot run on RE2"),
    ({"recruitment": _keywords(
        "        - {id: price, patterns: [价格], reply: a}\n",
        "        - {id: signup, patterns: [报名], reply: b}\n",
        "        - {id: price, patterns: [多少钱], reply: c}\n")}, {},
     "types/recruitment.yaml:6: handlers.keywords.rules[2].id: rule id 'price' is already "
     "used by rules[0]; ids must differ"),
    ({"recruitment": _keywords("        - {patterns: [hi], reply: ' '}\n")}, {},
     "types/recruitment.yaml:4: handlers.keywords.rules[0].reply: an empty text: the bot "
     "would send an empty message"),
    ({"recruitment": "handlers:\n  - rules:\n      text: rules.md\n"}, {"rules.md": " \n\n"},
     "types/recruitment.yaml:3: handlers.rules.text: content file rules.md is empty: the bot "
     "would send an empty message"),
    ({"recruitment": _keywords("        - {patterns: [faq], file: faq.md}\n")}, {"faq.md": ""},
     "types/recruitment.yaml:4: handlers.keywords.rules[0].file: content file faq.md is empty"),
    ({"recruitment": "handlers:\n  - push:\n      schedules:\n        - id: leap\n"
                     "          cron: '0 9 30 2 *'\n          text: hi\n"}, {},
     "types/recruitment.yaml:5: handlers.push.schedules[0].cron[0]: cron schedule "
     "'0 9 30 2 *' never fires (no date in the next 8 years matches it)"),
    ({"recruitment": "handlers:\n  - lifecycle:\n      daily_at: '0 0 31 4 *'\n"},
     {}, "types/recruitment.yaml:3: handlers.lifecycle.daily_at: cron schedule "
         "'0 0 31 4 *' never fires"),
    # a daily run at every minute of 23:00: 60 health reports a night from each group
    ({"recruitment": "handlers:\n  - lifecycle:\n      daily_at: '* 23 * * *'\n"},
     {}, "types/recruitment.yaml:3: handlers.lifecycle.daily_at: cron schedule "
         "'* 23 * * *' runs more than once a day; this one runs once a day: give one minute "
         "and one hour, e.g. '30 23 * * *'"),
    ({"recruitment": "handlers:\n  - welcome:\n      template: hi\n"
                     "      window: 99999999999999d\n"}, {},
     "types/recruitment.yaml:4: handlers.welcome.window: duration too long: "
     "'99999999999999d'"),
    # durations and numbers the config takes but the bot could not compute with at run time
    ({"recruitment": "handlers:\n  - antispam:\n      warn_window: 3000000d\n"}, {},
     "types/recruitment.yaml:3: handlers.antispam.warn_window: duration too long: at most "
     "36500d"),
    ({"recruitment": "handlers:\n  - welcome:\n      template: hi\n"
                     "      window: 1000000000000000000000\n"}, {},
     "types/recruitment.yaml:4: handlers.welcome.window: duration too long"),
    ({"recruitment": "handlers:\n  - antispam:\n      newcomers: {within: 10m, "
                     "counts_as: 99999999999999999999}\n"}, {},
     "types/recruitment.yaml:3: handlers.antispam.newcomers.counts_as: Input should be less "
     "than or equal to 1000000000"),
    ({"recruitment": "handlers:\n  - checkin:\n      bonuses: {1: 9223372036854775807}\n"},
     {}, "types/recruitment.yaml:3: handlers.checkin.bonuses[1]: Input should be less than"),
    # a yes or a text is no count, and a warning window of nothing would never remove anyone
    ({"recruitment": "handlers:\n  - antispam:\n      warn_limit: true\n"}, {},
     "types/recruitment.yaml:3: handlers.antispam.warn_limit: Input should be a valid integer"),
    ({"recruitment": "handlers:\n  - antispam:\n      warn_limit: '3'\n"}, {},
     "types/recruitment.yaml:3: handlers.antispam.warn_limit: Input should be a valid integer,"
     " not '3' (a text, in quotes: write 3 without them)"),
    # an unknown key names the one it is nearest to, or the keys known there
    ({"recruitment": "handlers:\n  - checkin:\n      trigger: [签到]\n"}, {},
     "types/recruitment.yaml:3: handlers.checkin.trigger: unknown key; did you mean "
     "`triggers`?"),
    ({"recruitment": "handlers:\n  - lifecycle:\n      leaderboard: {}\n"}, {},
     "types/recruitment.yaml:3: handlers.lifecycle.leaderboard: unknown key (known here: "
     "active_target, daily_at, overflow, overflow_text, report, silent)"),
    ({"recruitment": "handlers:\n  - checkin:\n      points: ten\n"}, {},
     "types/recruitment.yaml:3: handlers.checkin.points: Input should be a valid integer, "
     "not 'ten'"),
    ({"recruitment": "handlers:\n  - antispam:\n      warn_window: 0s\n"}, {},
     "types/recruitment.yaml:3: handlers.antispam.warn_window: Input should be greater than"),
])
def test_check_refuses_a_config_that_cannot_work(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, types: dict[str, str],
        content: dict[str, str], expected: str) -> None:
    code, errors, out = _check(capsys, write_config(tmp_path / "config", BOT_YAML, types,
                                                    content))
    assert code == 2 and "config OK" not in out
    assert any(line.startswith(expected) for line in errors), errors


QUIZ = (Path(__file__).resolve().parent.parent / "content" / "quiz" / "listener.yaml")


@pytest.mark.parametrize("bot_yaml, types, expected", [
    (BOT_YAML + "web: {port: 65536}\n", {}, "bot.yaml:10: web.port: Input should be less "
                                            "than or equal to 65535"),
    (BOT_YAML + "accounts:\n  - {name: a, token_env: T_A, web_port: 65536}\n", {},
     "bot.yaml:11: accounts[0].web_port: Input should be less than or equal to 65535"),
    (BOT_YAML, {"recruitment": "handlers:\n  - quiz:\n      file: quiz.yaml\n"
                               "      pass_mark: 101\n"},
     "types/recruitment.yaml:4: handlers.quiz.pass_mark: Input should be less than or equal "
     "to 100"),
    (BOT_YAML, {"recruitment": "handlers:\n  - lifecycle:\n      active_target: 101\n"},
     "types/recruitment.yaml:3: handlers.lifecycle.active_target: Input should be less than "
     "or equal to 100"),
    (BOT_YAML, {"recruitment": "handlers:\n  - lifecycle:\n      silent: {max_mentions: 51}\n"},
     "types/recruitment.yaml:3: handlers.lifecycle.silent.max_mentions: Input should be less "
     "than or equal to 50"),
    (BOT_YAML, {"recruitment": "handlers:\n  - welcome:\n      template: hi\n"
                               "      max_mentions: 51\n"},
     "types/recruitment.yaml:4: handlers.welcome.max_mentions: Input should be less than or "
     "equal to 50"),
    (BOT_YAML, {"recruitment": "handlers:\n  - namecard:\n      pattern: x\n      example: x\n"
                               "      reminder: hi\n      max_mentions: 51\n"},
     "types/recruitment.yaml:6: handlers.namecard.max_mentions: Input should be less than or "
     "equal to 50"),
    (BOT_YAML, {"recruitment": "handlers:\n  - checkin:\n      leaderboard: {top: 51}\n"},
     "types/recruitment.yaml:3: handlers.checkin.leaderboard.top: Input should be less than "
     "or equal to 50"),
    (BOT_YAML, {"recruitment": "handlers:\n  - fission:\n      leaderboard: {top: 51}\n"},
     "types/recruitment.yaml:3: handlers.fission.leaderboard.top: Input should be less than "
     "or equal to 50"),
])
def test_check_refuses_a_number_above_its_documented_range(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, bot_yaml: str,
        types: dict[str, str], expected: str) -> None:
    root = write_config(tmp_path / "config", bot_yaml, {"recruitment": "handlers: []\n"} | types,
                        {"quiz.yaml": QUIZ.read_text(encoding="utf-8")})
    code, errors, out = _check(capsys, root)
    assert code == 2 and "config OK" not in out
    assert expected in errors, errors


# A group type named in a handler's settings is a file in types/, like a binding's `type`: a
# typo would fail every sign-up (invite.to) or turn a pass into a fail (quiz.promote_to).
KNOWN = "; known: base, internship, official, recruitment"
STAGES = "handlers:\n  - funnel:\n      stages: [recruitment, {}]\n"


@pytest.mark.parametrize("types, expected", [
    ({"recruitment": "handlers:\n  - invite: {words: [报名], to: internshipp}\n"},
     f"types/recruitment.yaml:2: handlers.invite.to: unknown group type 'internshipp'{KNOWN}"),
    ({"recruitment": "handlers:\n  - quiz: {file: quiz.yaml, promote_to: nope}\n"},
     f"types/recruitment.yaml:2: handlers.quiz.promote_to: unknown group type 'nope'{KNOWN}"),
    ({"recruitment": "handlers:\n  - quiz: {file: quiz.yaml, candidates_in: nope}\n"},
     f"types/recruitment.yaml:2: handlers.quiz.candidates_in: unknown group type 'nope'{KNOWN}"),
    ({"official": None, "recruitment": "handlers:\n  - quiz: {file: quiz.yaml}\n"},
     "types/recruitment.yaml:2: handlers.quiz.promote_to: unknown group type 'official'"),
    ({"base": STAGES.format("interns")},  # inherited by three types: named once, where written
     f"types/base.yaml:3: handlers.funnel.stages[1]: unknown group type 'interns'{KNOWN}"),
    ({"base": STAGES.format("internship"), "internship": "handlers: [\n"},
     "types/base.yaml:3: handlers.funnel.stages[1]: group type 'internship' did not load"),
])
def test_check_refuses_a_handler_naming_no_group_type(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, types: dict[str, str | None],
        expected: str) -> None:
    files = {"base": "handlers: []\n", "internship": "extends: base\n",
             "official": "extends: base\n", "recruitment": "extends: base\n"}
    files.update(types)
    quiz = "title: t\nquestions:\n  - {kind: single, text: '?', options: [x, y], answer: A}\n"
    code, errors, out = _check(capsys, write_config(
        tmp_path / "config", BOT_YAML, {n: t for n, t in files.items() if t is not None},
        {"quiz.yaml": quiz}))
    assert code == 2 and "config OK" not in out
    [named] = [line for line in errors if "handlers." in line]  # once, though inherited
    assert named.startswith(expected), errors


# SQLite alone, the next two: a storage path that is a directory or another file
def test_check_refuses_storage_that_is_a_directory(capsys: pytest.CaptureFixture[str],
                                                   tmp_path: Path) -> None:
    root = write_config(tmp_path / "config", BOT_YAML.replace("storage: bot.db",
                                                              "storage: data"), {"recruitment": ""})
    (root / "data").mkdir()
    code, errors, _ = _check(capsys, root)
    assert code == 2
    assert "bot.yaml:4: storage: data is a directory, not a database file" in errors


def test_check_refuses_storage_that_ends_in_a_slash(capsys: pytest.CaptureFixture[str],
                                                   tmp_path: Path) -> None:
    """`storage: ../data/` passed and made an SQLite file named `data`, which the later
    `mkdir data` of deploy.md could not make a directory (review s32c N4)."""
    bot_yaml = BOT_YAML.replace("storage: bot.db", "storage: ../data/")
    root = write_config(tmp_path / "config", bot_yaml, {"recruitment": ""})
    code, errors, _ = _check(capsys, root)
    assert code == 2
    assert ("bot.yaml:4: storage: '../data/' ends in /, as a directory does: storage names "
            "the database file, e.g. ../data/groupbot.db") in errors
    assert not (tmp_path / "data").exists()


def test_check_refuses_storage_that_is_not_a_database(capsys: pytest.CaptureFixture[str],
                                                      tmp_path: Path) -> None:
    root = write_config(tmp_path / "config", BOT_YAML, {"recruitment": ""})
    (root / "bot.db").write_text("groups: []\n", encoding="utf-8")
    code, errors, _ = _check(capsys, root)
    assert code == 2
    assert "bot.yaml:4: storage: bot.db is not an SQLite database" in errors


def test_check_refuses_storage_that_is_another_applications_database(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """As `groupbot run` would refuse it at its start (F17), and without writing to it."""
    root = write_config(tmp_path / "config", BOT_YAML, {"recruitment": "handlers: []\n"})
    another_applications_database(root / "bot.db")
    before = (root / "bot.db").read_bytes()
    code, errors, out = _check(capsys, root)
    assert code == 2 and "config OK" not in out
    assert ("bot.yaml:4: storage: bot.db is not a groupbot database (it has tables, and no "
            "schema_version)") in " ".join(errors)
    assert (root / "bot.db").read_bytes() == before


def test_check_leaves_a_database_a_crash_left_with_its_wal_as_it_is(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """The bot's database as kill -9 leaves it, its last commits only in the -wal file:
    check reads it (config OK) and writes nothing back (no recovery into the main file)."""
    root = write_config(tmp_path / "config", BOT_YAML, {"recruitment": "handlers: []\n"})

    async def crash() -> None:
        store = await open_store(tmp_path / "live.db", schema.migrations(REGISTRY))
        async with store.transaction():
            await store.execute("INSERT INTO state VALUES ('g', 'm', 'h', 'k', '1')")
        for suffix in ("", "-wal", "-shm"):  # the files as they are while it runs
            shutil.copy(tmp_path / f"live.db{suffix}", root / f"bot.db{suffix}")
        await store.close()

    asyncio.run(crash())
    data = ("bot.db", "bot.db-wal")  # (not -shm: the index of the WAL, which reads update)
    before = {name: (root / name).read_bytes() for name in data}
    code, errors, out = _check(capsys, root)
    assert code == 0 and "config OK" in out, errors
    assert {name: (root / name).read_bytes() for name in data} == before


def test_a_bad_topic_regex_in_a_binding_is_refused(capsys: pytest.CaptureFixture[str],
                                                   tmp_path: Path) -> None:
    bot_yaml = BOT_YAML.replace('{topic: "Recruitment"}', '{topic: "(Re)cruit\\\\1"}')
    code, errors, _ = _check(capsys, write_config(tmp_path / "config", bot_yaml,
                                                  {"recruitment": ""}))
    assert code == 2
    assert any(line.startswith("bot.yaml:8: groups[0].match.topic: regular expression")
               for line in errors), errors


def test_check_warns_where_re2_reads_a_pattern_differently(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    types = {"recruitment": _keywords(REGEX_RULE.format("\\b报名\\b"),
                                      REGEX_RULE.format("[\\W]+"),
                                      REGEX_RULE.format("\\w+老师"))}
    code, errors, out = _check(capsys, write_config(tmp_path / "config", BOT_YAML, types))
    assert code == 0 and "config OK" in out
    assert errors == [
        "warning: types/recruitment.yaml:5: handlers.keywords.rules[0].patterns[0]: "
        "'\\b报名\\b': \\b is ASCII-only in RE2: next to a Chinese character it finds a "
        "word boundary that Python's re would not (match Chinese by plain text instead)",
        "warning: types/recruitment.yaml:8: handlers.keywords.rules[1].patterns[0]: "
        "'[\\W]+': \\W inside [...] is ASCII-only in RE2: it matches every Chinese character",
    ]  # \w outside brackets is rewritten to its Unicode meaning: no warning


def test_the_shipped_config_checks_without_warnings(capsys: pytest.CaptureFixture[str]) -> None:
    code, errors, _ = _check(capsys, Path(__file__).resolve().parent.parent / "config")
    assert code == 0 and errors == [], errors


SHADOWING = """\
handlers:
  - keywords:
      default: "没听懂，发送「帮助」看看"
      rules:
        - match: regex
          patterns: ['.*']
          reply: x
        - match: regex
          patterns: ['价格', '.']
          reply: y
          only_when_mentioned: true
        - {patterns: [价格], reply: z}
  - faq:
      entries: [{file: faq.md, questions: [怎么收费]}]
      handoff: {operators: [op_lin]}
"""


def test_check_warns_where_keywords_keep_every_message_or_mention_from_the_faq(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    root = write_config(tmp_path / "config", BOT_YAML, {"recruitment": SHADOWING},
                        {"faq.md": "按月收费。\\n"})
    code, errors, out = _check(capsys, root)
    assert code == 0 and "config OK" in out
    assert errors == [
        "warning: types/recruitment.yaml:6: handlers.keywords.rules[0].patterns[0]: '.*' "
        "matches every message: no handler after keywords (faq) ever gets one",
        "warning: types/recruitment.yaml:9: handlers.keywords.rules[1].patterns[1]: "
        "'.' matches every mention: the faq handler after keywords never gets a "
        "question to look up or hand off",
    ]


def test_a_default_reply_without_a_faq_after_it_is_no_warning(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    types = {"recruitment": "handlers:\n  - faq:\n      entries: []\n  - keywords:\n"
                            "      default: 没听懂\n      rules:\n"
                            "        - {match: regex, patterns: ['.'], reply: x}\n"}
    code, errors, _ = _check(capsys, write_config(tmp_path / "config", BOT_YAML, types))
    assert code == 0 and errors == [], errors


PUSH_HOURLY = ("handlers:\n  - push:\n      min_gap: 0s\n      schedules:\n"
               "        - {id: hourly, cron: '0 * * * *', text: 本周活动}\n")


def _simulated(groups: int) -> str:
    return "simulator:\n  groups:\n" + "".join(
        f"    - {{id: g{i}, topic: 'Recruitment {i}'}}\n" for i in range(groups))


@pytest.mark.parametrize("governor, groups, expected", [
    # 24 posts a day in each of 30 groups: 720, more than 70 % of 1000
    ("governor:\n  budgets:\n    group_messages: {per_minute: 20, per_hour: 300, "
     "per_day: 1000}\n", 30,
     "bot.yaml:12: governor.budgets.group_messages.per_day: the push schedules post 720 group "
     "messages on their busiest day to the 30 groups this config names, more than pushes may "
     "send in a day (700: 70% of per_day 1000): the rest waits for the next day, and what "
     "waits longer than keep.push (1d) is dropped"),
    # 24 a day in 20 groups: 480, within 70 % of the default 2000 but not on the first day
    ("", 20,
     "bot.yaml:1: governor.warmup.start: the push schedules post 480 group messages on their "
     "busiest day to the 20 groups this config names, more than pushes may send on the "
     "account's first day (420: 30% of 1400 while the budgets warm up over 7 days): the rest "
     "waits for the next day, and what waits longer than keep.push (1d) is "
     "dropped"),
    ("governor:\n  budgets:\n    invitations: {per_minute: 2, per_hour: 300, per_day: 100}\n",
     1, "bot.yaml:12: governor.budgets.invitations.per_hour: 300 is more than the day's 100: "
        "at most 100 go in a day, so per_hour never applies"),
])
def test_check_warns_of_send_budgets_that_cannot_work(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, governor: str, groups: int,
        expected: str) -> None:
    root = write_config(tmp_path / "config", BOT_YAML + governor + _simulated(groups),
                        {"recruitment": PUSH_HOURLY})
    code, errors, out = _check(capsys, root)
    assert code == 0 and "config OK" in out
    assert errors == [f"warning: {expected}"]


def test_a_zero_send_budget_is_refused_naming_the_key(capsys: pytest.CaptureFixture[str],
                                                      tmp_path: Path) -> None:
    governor = "governor:\n  budgets:\n    removals: {per_minute: 1, per_hour: 1, per_day: 0}\n"
    code, errors, _ = _check(capsys, write_config(tmp_path / "config", BOT_YAML + governor,
                                                  {"recruitment": PUSH_HOURLY}))
    assert code == 2
    assert errors[0] == ("bot.yaml:12: governor.budgets.removals.per_day: Input should be "
                         "greater than or equal to 1")


@pytest.mark.parametrize(("url", "said"), [
    ("postgresql://bot:hunter2@db.internal/groupbot", "a password is written"),
    # the client key's passphrase (s36 r19 R19-6), its key as the driver decodes it (r20)
    ("postgresql://bot@db.internal/groupbot?sslpassword=hunter2", "the client key's passphrase"),
    ("postgresql://bot@db.internal/groupbot?ssl%70assword=hunter2", "the client key's pass"),
    # the driver takes another pair than the last that folds to the key (s36 r21 R21-1)
    ("postgresql://bot@db.internal/groupbot?password=hunter2&PASSWORD=${P}",
     "a password is written"),
    ("postgresql://bot@db.internal/groupbot?sslpassword=hunter2&SSLPASSWORD=${K}",
     "the client key's pass")])
def test_check_refuses_a_password_written_in_the_storage_url(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, url: str, said: str) -> None:
    bot_yaml = BOT_YAML.replace("storage: bot.db", f"storage: {url}")
    code, errors, _ = _check(capsys, write_config(tmp_path / "config", bot_yaml,
                                                  {"recruitment": ""}))
    assert code == 2
    assert any(e.startswith(f"bot.yaml:4: storage: {said}") for e in errors), errors
    assert "hunter2" not in "\n".join(errors)


@pytest.mark.parametrize("password", ["hunter2#x", "hunter2?x", "hunter2/x", "4321#hunter2",
                                      "12?hunter2", "99/hunter2",
                                      "p@hunter2/x"])  # (and an @ before: s37 r26 R26-6)
def test_check_refuses_a_written_password_holding_a_character_that_ends_the_host(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, password: str) -> None:
    """Written out, a / ? or # ends the host inside the password: no user info is read, a
    number before it passes for a port, and the rest was shown whole (s36 r21 R21-2)."""
    url = f"postgresql://bot:{password}@db.internal/groupbot?password=hunter2"
    bot_yaml = BOT_YAML.replace("storage: bot.db", f"storage: {url}")
    code, errors, out = _check(capsys, write_config(tmp_path / "config", bot_yaml,
                                                    {"recruitment": ""}))
    assert code == 2
    assert any(e.startswith("bot.yaml:4: storage: a password is written in the storage URL "
                            "(with a / ? or # in it") for e in errors), errors
    said = "\n".join([*errors, out])
    pieces = [piece for piece in re.split("[#?/]", password) if len(piece) >= 4]
    assert pieces and not any(piece in said for piece in pieces), said
    assert postgres.shown(url) == "postgresql://bot:***@db.internal/groupbot?password=***"


def test_check_refuses_a_user_name_variable_holding_user_and_password(
        capsys: pytest.CaptureFixture[str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """One ${NAME} for `user:password` became the user name, which the server's refusal
    quotes in the log, password and all (review s37 r23 R23-2)."""
    monkeypatch.setenv("GROUPBOT_TEST_DB_LOGIN", "groupbot:hunter2")
    url = "postgresql://${GROUPBOT_TEST_DB_LOGIN}@db.internal/groupbot"
    bot_yaml = BOT_YAML.replace("storage: bot.db", f"storage: {url}")
    code, errors, out = _check(capsys, write_config(tmp_path / "config", bot_yaml,
                                                    {"recruitment": ""}))
    assert code == 2
    assert ("bot.yaml:4: storage: the environment variable GROUPBOT_TEST_DB_LOGIN holds a ':' "
            "where the URL has its user name") in "\n".join(errors)
    assert "hunter2" not in "\n".join([*errors, out])
    with pytest.raises(postgres.PostgresError, match="GROUPBOT_TEST_DB_LOGIN holds a ':'"):
        postgres.expand(url)


@pytest.mark.parametrize("url", ["postgresql://bot@db.internal/groupbot?application_name=a:b@c",
                                 "postgresql://bot@db.internal?application_name=a:b@c",
                                 "postgresql://h:5432?application_name=a@b",
                                 "postgresql://bot:${P}@db.internal/groupbot"])
def test_check_takes_an_at_sign_in_the_query_for_no_password(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, url: str) -> None:
    """An @ in the query is no end of a user info (s36 r22 R22-1)."""
    bot_yaml = BOT_YAML.replace("storage: bot.db", f"storage: {url}")
    _, errors, _ = _check(capsys, write_config(tmp_path / "config", bot_yaml,
                                               {"recruitment": ""}))
    assert not any("a password is written" in e for e in errors), errors


@pytest.mark.parametrize("password", ["", ":${GROUPBOT_TEST_DB_PASSWORD}"])
def test_check_takes_a_storage_url_whose_password_comes_from_the_environment(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, password: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GROUPBOT_TEST_DB_PASSWORD", raising=False)
    url = f"postgresql://bot{password}@db.internal:5432/groupbot"
    bot_yaml = BOT_YAML.replace("storage: bot.db", f"storage: {url}")
    code, errors, out = _check(capsys, write_config(tmp_path / "config", bot_yaml,
                                                    {"recruitment": "handlers: []\n"}))
    assert code == 0, errors
    assert f"database {url}, not connected to)" in out  # (s37 r23 R23-8)
    unset = ("warning: bot.yaml:4: storage: the environment variable GROUPBOT_TEST_DB_PASSWORD"
             " is not set (the bot cannot connect without it)")
    assert (unset in errors) == bool(password)


@pytest.mark.parametrize(("topic", "warned"), [
    ("Recruitment|", True),  # a stray `|`: every group was recruitment, with no word
    ("", True),
    ("(?:Recruitment)?", True),
    (".*", False),  # the catch-all, said on purpose
    ("Recruitment|招募", False),
])
def test_check_warns_of_a_binding_that_matches_every_group_name(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, topic: str, warned: bool) -> None:
    bot_yaml = BOT_YAML.replace('topic: "Recruitment"', f"topic: {topic!r}")
    code, errors, out = _check(capsys, write_config(tmp_path / "config", bot_yaml,
                                                    {"recruitment": PUSH_HOURLY}))
    assert code == 0 and "config OK" in out
    assert errors == ([f"warning: bot.yaml:8: groups[0].match.topic: {topic!r} matches every "
                       "group name (it matches an empty one, e.g. a stray `|`): every group no "
                       "binding above takes is 'recruitment'; if that is meant, write '.*'"]
                      if warned else [])


@pytest.mark.parametrize(("zone", "expected"), [
    ("Etc/GMT+8", "Etc/GMT+8 is UTC-8, not UTC+8"),
    ("Etc/GMT-8", "Etc/GMT-8 is UTC+8, not UTC-8"),
    ("Asia/Shanghai", None),
])
def test_check_warns_that_an_etc_gmt_zone_has_its_sign_reversed(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, zone: str,
        expected: str | None) -> None:
    """`timezone: Etc/GMT+8` passed as Beijing time and was 16 hours off it (operator review
    s31 O18)."""
    bot_yaml = BOT_YAML.replace("timezone: Asia/Shanghai", f"timezone: {zone}")
    code, errors, _ = _check(capsys, write_config(tmp_path / "config", bot_yaml,
                                                  {"recruitment": PUSH_HOURLY}))
    assert code == 0
    assert errors == ([] if expected is None else [
        f"warning: bot.yaml:2: timezone: {expected} (the sign of Etc/GMT zones is reversed);"
        " for China write Asia/Shanghai"])


def test_check_warns_of_an_admin_named_by_the_name_shown(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """`admins: [林运营]` passed; every command of that operator was then refused as a
    stranger's (operator review s31 O14)."""
    bot_yaml = BOT_YAML.replace("admins: [admin]", "admins: [admin, wxid_a1-b2, 林运营]")
    code, errors, _ = _check(capsys, write_config(tmp_path / "config", bot_yaml,
                                                  {"recruitment": PUSH_HOURLY}))
    assert code == 0
    assert errors == [
        "warning: bot.yaml:3: admins[2]: '林运营' is not an id (letters, digits, _ and -, as "
        "WeChat's wxid_... or a WeChat ID): admins are named by id, not by the name shown; "
        "`groupbot audit` and the console's members page show each member's id"]


def test_check_warns_of_hand_off_operators_and_exempt_members_named_by_the_name_shown(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """faq's `operators: [林运营]` and `rota` passed: every case went to a contact id nobody
    has and no operator heard of it (review s32c N15); antispam's `exempt` likewise never
    exempted anyone. Each is a member id, warned of as `admins` is."""
    recruitment = ("handlers:\n  - antispam:\n      exempt: [wxid_partner01, 合作方]\n"
                   "  - faq:\n      entries:\n        - file: price.md\n"
                   "      handoff:\n        operators: [op_lin, 林运营]\n"
                   "        rota: {sat: [王运营, op_wang]}\n")
    code, errors, _ = _check(capsys, write_config(
        tmp_path / "config", BOT_YAML, {"recruitment": recruitment},
        {"price.md": "价格：每月 99 元"}))
    assert code == 0
    why = ("is not an id (letters, digits, _ and -, as WeChat's wxid_... or a WeChat ID): "
           "members are named by id, not by the name shown; `groupbot audit` and the "
           "console's members page show each member's id")
    assert errors == [
        f"warning: types/recruitment.yaml:3: handlers.antispam.exempt[1]: '合作方' {why}",
        f"warning: types/recruitment.yaml:8: handlers.faq.handoff.operators[1]: '林运营' {why}",
        f"warning: types/recruitment.yaml:9: handlers.faq.handoff.rota.sat[0]: '王运营' {why}"]


def test_check_says_a_wrong_group_type_is_a_default_and_lists_problems_in_one_order(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """`funnel: {}` in a deployment with types of its own names: the errors named types the
    operator never wrote without saying they are the default, and the three problems of one
    line came out in another order on each run (review s32c N7)."""
    types = {"recruit": "handlers:\n  - funnel: {}\n",
             "intern": "handlers:\n  - funnel:\n      stages: [recruit, internship]\n"}
    root = write_config(tmp_path / "config", BOT_YAML.replace("recruitment", "recruit"), types)
    known = "known: intern, recruit"
    default = ("(the default of `stages`, not written in the type: set it to your own types)")
    expected = [
        f"types/intern.yaml:3: handlers.funnel.stages[1]: unknown group type 'internship'; "
        f"{known}",
        f"types/recruit.yaml:2: handlers.funnel.stages[0]: unknown group type 'recruitment'; "
        f"{known} {default}",
        f"types/recruit.yaml:2: handlers.funnel.stages[1]: unknown group type 'internship'; "
        f"{known} {default}",
        f"types/recruit.yaml:2: handlers.funnel.stages[2]: unknown group type 'official'; "
        f"{known} {default}"]
    code, errors, _ = _check(capsys, root)
    assert code == 2 and errors[:4] == expected, errors
    for seed in ("1", "2", "3", "4"):  # a set's order depends on the process's hash seed
        run = subprocess.run([sys.executable, "-m", "bot.cli", "check", "--config", str(root)],
                             capture_output=True, text=True, timeout=120,
                             env={**os.environ, "PYTHONHASHSEED": seed})
        assert run.returncode == 2
        assert [line.replace(f"{root}/", "") for line in run.stderr.splitlines()][:4] \
            == expected, seed


@pytest.mark.parametrize("admins", ["admins: []", ""])
def test_check_warns_of_a_deployment_without_admins(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, admins: str) -> None:
    """Review s35 r5: `admins: []` passed `check` silently; review cases and alerts then go
    to nobody."""
    bot_yaml = BOT_YAML.replace("admins: [admin]", admins)
    code, errors, _ = _check(capsys, write_config(tmp_path / "config", bot_yaml,
                                                  {"recruitment": "handlers: []\n"}))
    assert code == 0
    assert any(e.startswith("warning: bot.yaml:") and ": admins: no admins: review cases" in e
               for e in errors), errors
