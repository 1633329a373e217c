"""`groupbot check` on the slips an operator typing a config with a Chinese input method, or
copying one line from another, makes most: values the config takes but that mean something
else than what was written (review s33b)."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import BOT_YAML, write_config
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.cli import main
from bot.yamlfile import _MAY_SLIP, _may_slip, slips


def _check(capsys: pytest.CaptureFixture[str], root: Path) -> tuple[int, list[str]]:
    code = main(["check", "--config", str(root)])
    _, err = capsys.readouterr()
    return code, [line.replace(str(root) + "/", "") for line in err.splitlines()]


@pytest.mark.parametrize("handler, expected", [
    # members silent 14 SECONDS removed every night, told they were silent "1 天"
    ("lifecycle:\n      silent: {after: 14, remove: true, grace: 1}\n",
     ["3: handlers.lifecycle.silent.after: 14 is 14 seconds (a number without a unit is "
      "seconds; the default is 14d): for days write 14d, for hours 14h, for minutes 14m; for "
      "seconds 14s",
      "3: handlers.lifecycle.silent.grace: 1 is 1 seconds (a number without a unit is seconds; "
      "the default is 1d)"]),
    # each ad a first warning again 30 s later: never removed
    ("antispam:\n      warn_window: 30\n",
     ["3: handlers.antispam.warn_window: 30 is 30 seconds (a number without a unit is seconds; "
      "the default is 30d)"]),
    ("welcome:\n      template: hi\n      again_after: 30\n",
     ["4: handlers.welcome.again_after: 30 is 30 seconds"]),
    # minutes meant where the default is minutes (review s35 r5 R5-4)
    ("namecard:\n      pattern: x\n      example: x\n      reminder: hi\n"
     "      first_reminder: 10\n",
     ["6: handlers.namecard.first_reminder: 10 is 10 seconds (a number without a unit is "
      "seconds; the default is 10m): for minutes write 10m; for seconds 10s"]),
    ("namecard:\n      pattern: x\n      example: x\n      reminder: hi\n"
     "      first_reminder: 90\n", []),  # (over a minute: seconds meant, most likely)
    ("keywords:\n      cooldown: 5\n", []),  # (a default of a minute: seconds are its scale)
    # seconds where seconds are the scale, said with a unit, or a long number: as written
    ("welcome:\n      template: hi\n      window: 20\n", []),
    ("lifecycle:\n      silent: {after: 14d, remove: true, grace: 1d}\n", []),
    ("lifecycle:\n      silent: {after: 1209600, remove: true, grace: 0}\n", []),
    ("antispam:\n      warn_window: 30s\n", []),
])
def test_a_bare_number_far_below_its_defaults_scale_is_warned_as_seconds(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, handler: str,
        expected: list[str]) -> None:
    """`silent: {after: 14, grace: 1}` (meant: days) passed `check` and removed, each night,
    members who had spoken that morning (review s33b B6)."""
    root = write_config(tmp_path / "config", BOT_YAML, {"recruitment": (
        f"handlers:\n  - {handler}")})
    code, errors = _check(capsys, root)
    assert code == 0, errors
    assert len(errors) == len(expected), errors
    for error, start in zip(errors, expected, strict=True):
        assert error.startswith("warning: types/recruitment.yaml:" + start), errors


@pytest.mark.parametrize("types, bot_yaml, expected", [
    # [签到，打卡] typed with a Chinese input method: ONE trigger, '签到，打卡'
    ({"recruitment": "handlers:\n  - checkin:\n      triggers: [签到，打卡]\n"}, BOT_YAML,
     ["warning: types/recruitment.yaml:3: handlers[0].checkin.triggers[0]: one item "
      "'签到，打卡': its comma is full-width, so YAML reads one item, not several: write "
      "签到, 打卡 with half-width commas, or the item in quotes if the comma is meant"]),
    ({"recruitment": "handlers:\n  - antispam:\n      words:\n        lists:\n"
                     "          - {words: [赌博、色情, 代开发票], reason: x}\n"}, BOT_YAML,
     ["warning: types/recruitment.yaml:5: handlers[0].antispam.words.lists[0].words[0]: one "
      "item '赌博、色情': its comma is full-width"]),
    (None, BOT_YAML.replace("admins: [admin]", "admins: [admin，op_lin]"),
     ["warning: bot.yaml:3: admins[0]: 'admin，op_lin' is not an id",
      "warning: bot.yaml:3: admins[0]: one item 'admin，op_lin'"]),
    # “价格” typed for "价格": YAML keeps the curly quotes in the pattern
    ({"recruitment": "handlers:\n  - keywords:\n      rules:\n"
                     "        - {patterns: [“价格”, 多少钱], reply: x}\n"
                     "  - rules:\n      text: rules.md\n      triggers:\n        - ‘群规’\n"},
     BOT_YAML,
     ["warning: types/recruitment.yaml:4: handlers[0].keywords.rules[0].patterns[0]: '“价格”' "
      "is in curly quotes “”, which YAML keeps as part of the text (a pattern then matches "
      "only a message holding them): write \"价格\" with straight quotes, or '“价格”' if the "
      "curly ones are meant",
      "warning: types/recruitment.yaml:8: handlers[1].rules.triggers[0]: '‘群规’' is in curly "
      "quotes ‘’"]),
    # meant: in quotes, a comma or a quote inside a text, a comma in a text that is no list
    ({"recruitment": "handlers:\n  - checkin:\n      triggers: [\"签到，打卡\", '“签到”']\n"
                     "  - keywords:\n      rules:\n        - patterns: [你好]\n"
                     "          reply: 回复“签到”，即可 [签到，打卡]\n"
                     "  - rules:\n      text: rules.md\n      triggers:\n"
                     "        - 群规，规则\n"}, BOT_YAML, []),
    # a list of replies: each item one text, its comma punctuation (review s33d D5)
    ({"recruitment": "handlers:\n  - keywords:\n      rules:\n        - patterns: [早]\n"
                     "          replies: [早上好，今天也要加油哦！, 早安，新的一天记得签到～,"
                     " 早呀，有问题随时在群里问]\n"}, BOT_YAML, []),
])
def test_full_width_commas_in_lists_and_curly_quotes_are_warned(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, types: dict[str, str] | None,
        bot_yaml: str, expected: list[str]) -> None:
    """`triggers: [签到，打卡]` and `patterns: [“价格”, “收费”]` (what a Chinese input method
    types for `,` and `"`) passed `check`, and no member's 签到 or 价格 was ever answered
    (review s33b B9, B11)."""
    root = write_config(tmp_path / "config", bot_yaml,
                        types or {"recruitment": "handlers:\n  - welcome: {template: hi}\n"},
                        {"rules.md": "群规"})
    code, errors = _check(capsys, root)
    assert code == 0, errors
    assert len(errors) == len(expected), errors
    for error, start in zip(errors, expected, strict=True):
        assert error.startswith(start), errors


@pytest.mark.parametrize("line, warned", [
    ("x: [签到，打卡, 群规、规则]", ["签到，打卡", "群规、规则"]),  # words: several meant
    ("x: [早上好，今天也要加油哦！, 收到，马上处理。]", []),  # sentences: the comma is punctuation
    ("x: [请在群公告里找报名链接，填好后等老师联系]", []),  # a long part is no word
    ("triggers: [我要报名，麻烦老师拉我进群]", ["我要报名，麻烦老师拉我进群"]),  # a key of words
    ("replies: [好的，收到]", []),  # a key of texts
    ("keywords: [[报名，参加], 价格]", ["报名，参加"]),  # in a list in a list: its key's
])
def test_a_full_width_comma_is_warned_where_the_items_are_words(
        line: str, warned: list[str]) -> None:
    """`replies: [早上好，今天也要加油哦！, …]` was warned once a reply, with a hint that cut each
    reply in two (review s33d D5): a list's key, or else what its parts look like, says
    whether the comma was meant to part items."""
    notes = slips(line + "\n", Path("t.yaml"))
    assert [note.message.split("'")[1] for note in notes] == warned, notes


def test_a_text_where_a_list_goes_is_hinted_with_half_width_commas(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """The hint for `words: "代开发票，办假证"` wrote `[代开发票，办假证]`: one item (s33b B9)."""
    root = write_config(tmp_path / "config", BOT_YAML, {"recruitment": (
        "handlers:\n  - antispam:\n      words:\n        lists:\n"
        "          - {words: \"代开发票，办假证\", reason: x}\n")})
    code, errors = _check(capsys, root)
    assert code == 2
    assert errors[0].endswith("(a list: write [代开发票, 办假证])"), errors


CUSTOMER = ("handlers:\n  - antispam:\n      warn_limit: 2\n      # only logged\n"
            "      names: {action: log}\n  - welcome:\n      template: hi\n")


@pytest.mark.parametrize("slip, expected", [
    ("    \u3000warn_limit: 2", "a full-width space (U+3000) in the indentation"),
    ("      warn_limit:\u30002", "a full-width space (U+3000) after the colon"),
    ("      warn_limit:\u00a02", "a no-break space (U+00A0) after the colon"),
])
def test_an_invisible_space_is_named_on_its_own_line(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, slip: str, expected: str) -> None:
    """A full-width space (a Chinese input method's) or a no-break one (pasted from a web
    page) on line 3 was `customer.yaml:5: YAML syntax: did not find expected key`: two lines
    off, nothing visible there, no hint (review s33b B10)."""
    root = write_config(tmp_path / "config", BOT_YAML, {"recruitment": CUSTOMER.replace(
        "      warn_limit: 2", slip)})
    code, errors = _check(capsys, root)
    assert code == 2
    assert errors[0] == (f"types/recruitment.yaml:3: YAML syntax: {expected}, which YAML does "
                         "not read as a space: delete it and type a plain space (the parser "
                         "stopped at line 5)"), errors


def test_an_invisible_space_that_yaml_takes_is_named_with_the_problem_it_causes(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    root = write_config(tmp_path / "config", BOT_YAML, {"recruitment": CUSTOMER.replace(
        "      warn_limit: 2", "      \u3000warn_limit: 2")})
    code, errors = _check(capsys, root)
    assert code == 2
    assert errors[0].startswith("types/recruitment.yaml:3: handlers.antispam.\u3000warn_limit: "
                                "unknown key; did you mean `warn_limit`? (a full-width space "
                                "(U+3000) in the indentation"), errors


@pytest.mark.parametrize("handler, expected", [
    ("welcome:\n      template: {member}，欢迎加入{group}！\n",
     "types/recruitment.yaml:3: YAML syntax: a text starting with `{` goes in quotes "
     "(unquoted, YAML reads it as the start of a mapping): template: "
     "\"{member}，欢迎加入{group}！\""),
    ("push:\n      schedules:\n        - id: tips\n          cron: */30 9-18 * * 1-5\n"
     "          text: hi\n",
     "types/recruitment.yaml:5: YAML syntax: a text starting with `*` goes in quotes "
     "(unquoted, YAML reads it as an alias): cron: \"*/30 9-18 * * 1-5\""),
    ("namecard:\n      pattern: \"[^-\\s]+-[^-\\s]+\"\n      example: a-b\n"
     "      reminder: hi\n",
     "types/recruitment.yaml:3: YAML syntax: found unknown escape character: in double "
     "quotes a backslash starts an escape (\\n, \\t); write a regular expression in single "
     "quotes: '[^-\\s]+-[^-\\s]+'"),
    ("antispam:\n      words: [赌博, 色情]\n",
     "types/recruitment.yaml:3: handlers.antispam.words: a list where keys go; the keys "
     "here: action, allow, allow_file, context, lists"),
])
def test_the_usual_unquoted_slips_say_what_to_write(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, handler: str,
        expected: str) -> None:
    """A template starting with its placeholder, a cron line starting with `*`, a regex in
    double quotes got the parser's words (`did not find expected key`); `words: [..]` got
    pydantic's (review s33b B5)."""
    root = write_config(tmp_path / "config", BOT_YAML, {"recruitment": (
        f"handlers:\n  - {handler}")})
    code, errors = _check(capsys, root)
    assert code == 2
    assert errors[0] == expected, errors


QUESTION = ("title: t\nquestions:\n  - kind: single\n    text: 1+1?\n"
            "    options: [一, 二, 三]\n    answer: {}\n")


@pytest.mark.parametrize("answer, expected", [
    ("3", "quiz.yaml:6: questions[0].answer: Input should be a text or a list, not 3"),
    ("[3]", "quiz.yaml:6: questions[0].answer[0]: Input should be a valid string, not 3 (a "
            "number where a text goes: put it in quotes as written, if a text is meant)"),
    ("'3'", "quiz.yaml:6: questions[0].answer: the answer must be option letters among ABC"),
])
def test_a_quiz_answer_written_as_a_number_is_not_sent_in_a_circle(
        tmp_path: Path, answer: str, expected: str) -> None:
    """`answer: 3` said `answer.list[str]: ... (a list: write [3])`, and `[3]` then said
    `answer.list[str][0]: Input should be a valid string` (review s33b B5)."""
    from bot import yamlfile
    from handlers.quiz import Quiz
    file = tmp_path / "quiz.yaml"
    file.write_text(QUESTION.format(answer), encoding="utf-8")
    located = yamlfile.load(file)
    with pytest.raises(yamlfile.InputError) as caught:
        yamlfile.validate(Quiz, located, located.data)
    assert str(caught.value).replace(str(tmp_path) + "/", "").startswith(expected)


@pytest.mark.parametrize("bindings, expected", [
    # a VIP type added the obvious way, below `Customer|客户`: every 「VIP客户 01」 is a 客户群
    ('  - match: {topic: "Customer|客户"}\n    type: recruitment\n'
     '  - match: {topic: "VIP客户"}\n    type: vip\n',
     ["warning: bot.yaml:10: groups[1].match.topic: this binding can never match: groups[0] "
      "above (line 8) takes every group it would, and the first binding that matches wins: "
      "put this one above it"]),
    ('  - match: {topic: "Customer|客户"}\n    type: recruitment\n'
     '  - match: {topic: "VIP customer|VIP客户"}\n    type: vip\n', ["groups[1].match.topic"]),
    ('  - match: {topic: "客户"}\n    type: recruitment\n'
     '  - match: {topic: "客户"}\n    type: vip\n', ["groups[1].match.topic"]),
    ('  - match: {id: "r1@chatroom"}\n    type: recruitment\n'
     '  - match: {id: "r1@chatroom"}\n    type: vip\n', ["groups[1].match.id"]),
    # the right order, words that only overlap, a regex: no word
    ('  - match: {topic: "VIP客户"}\n    type: vip\n'
     '  - match: {topic: "Customer|客户"}\n    type: recruitment\n', []),
    ('  - match: {topic: "Customer|客户"}\n    type: recruitment\n'
     '  - match: {topic: "VIP客户|VIP"}\n    type: vip\n', []),
    ('  - match: {topic: "^客户"}\n    type: recruitment\n'
     '  - match: {topic: "VIP客户"}\n    type: vip\n', []),
    ('  - match: {id: "v1@chatroom"}\n    type: vip\n'
     '  - match: {topic: "客户"}\n    type: recruitment\n', []),
    # a binding by id is taken first wherever it is: below a catch-all it still matches
    ('  - match: {topic: ".*"}\n    type: recruitment\n'
     '  - match: {id: "v1@chatroom"}\n    type: vip\n', []),
    ('  - match: {topic: "客户"}\n    type: recruitment\n'
     '  - match: {id: "v1@chatroom"}\n    type: vip\n', []),
])
def test_a_binding_an_earlier_one_always_takes_first_is_warned(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, bindings: str,
        expected: list[str]) -> None:
    """`- match: {topic: "VIP客户"}` added below the shipped `Customer|客户` passed `check`,
    and every VIP group ran as a customer group (review s33b B2)."""
    bot_yaml = BOT_YAML.split("groups:\n")[0] + "groups:\n" + bindings
    root = write_config(tmp_path / "config", bot_yaml, {
        "recruitment": "handlers:\n  - welcome: {template: hi}\n",
        "vip": "handlers:\n  - welcome: {template: hi}\n"})
    code, errors = _check(capsys, root)
    assert code == 0, errors
    errors = [e for e in errors if "matches every group name" not in e]
    assert len(errors) == len(expected), errors
    for error, part in zip(errors, expected, strict=True):
        assert part in error and "can never match" in error, errors
    if expected:
        assert errors[0].startswith(f"warning: bot.yaml:10: {expected[0].split(':')[0]}") \
            or errors[0] == expected[0], errors


@pytest.mark.parametrize("handler, expected", [
    ("checkin:\n      triggers: [\"签到|打卡\"]\n",
     ["3: handlers.checkin.triggers[0]: '签到|打卡' is matched as written, as a word, not as a "
      "regular expression (no message holds it): for alternatives list them, "
      "[\"签到\", \"打卡\"]"]),
    ("keywords:\n      rules:\n        - patterns: [\"价格|多少钱|收费\", 报价]\n"
     "          reply: x\n",
     ["4: handlers.keywords.rules[0].patterns[0]: '价格|多少钱|收费' is matched as written, as "
      "a word, not as a regular expression (no message holds it): for alternatives list "
      "them, [\"价格\", \"多少钱\", \"收费\"]; or give the rule `match: regex`"]),
    ("keywords:\n      rules:\n        - patterns: [\"^报名.*\"]\n          reply: x\n",
     ["4: handlers.keywords.rules[0].patterns[0]: '^报名.*' is matched as written"]),
    ("rules:\n      text: rules.md\n      triggers: [群规|规则]\n",
     ["4: handlers.rules.triggers[0]: '群规|规则' is matched as written"]),
    # shown as written: one backslash, as in the YAML, not Python's two
    ("rules:\n      text: rules.md\n      triggers: ['第\\d+条|群规']\n",
     ["4: handlers.rules.triggers[0]: '第\\d+条|群规' is matched as written"]),
    # a regex rule's alternatives, and words without them: nothing
    ("keywords:\n      rules:\n        - {match: regex, patterns: [\"价格|多少钱\"], reply: x}\n"
     "        - {patterns: [价格, 多少钱], reply: y}\n", []),
])
def test_a_regular_expression_where_words_are_matched_as_written_is_warned(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, handler: str,
        expected: list[str]) -> None:
    """`triggers: ["签到|打卡"]` and `patterns: ["价格|多少钱|收费"]` (the `|` the bindings'
    topics teach) passed `check`, and no member's 签到 or 收费 was answered (s33b B3)."""
    root = write_config(tmp_path / "config", BOT_YAML, {"recruitment": (
        f"handlers:\n  - {handler}")}, {"rules.md": "群规"})
    code, errors = _check(capsys, root)
    assert code == 0, errors
    assert len(errors) == len(expected), errors
    for error, start in zip(errors, expected, strict=True):
        assert error.startswith("warning: types/recruitment.yaml:" + start), errors


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="[]，、“‘”’:,- \n\tx签\u2028", max_size=40))
def test_the_lines_looked_at_for_slips_are_the_ones_that_may_hold_one(text: str) -> None:
    """slips() reads a file again only if a line may hold a slip, looked for in the lines
    holding one of its characters (a reload of a large config spent 30 ms matching the
    whole text): the same answer as matching all of it."""
    assert _may_slip(text) == (_MAY_SLIP.search(text) is not None)
