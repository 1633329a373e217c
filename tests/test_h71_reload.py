"""A reload of a large config does each piece of work once: the walk for warnings reads a
rule's words once, and a file whose text is as it was is not parsed again. What an operator
gets stays the same: the data, the warnings, and every error at its file and line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from harness import BOT_YAML, SHIPPED, groupbot, write_config

from bot import config, yamlfile
from bot.yamlfile import InputError
from handlers import REGISTRY


def test_a_rules_words_are_read_once_by_the_walk_for_warnings(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The walk for warnings reads a list of words (a rule's `patterns`) once, for words
    written as regular expressions, and does not go over it again for leaves it cannot
    hold (5,000 rules: 15,000 words); a rule's patterns that are regexes are still walked
    for their warnings, and a regex-looking word is still warned of."""
    rules = REGISTRY["keywords"].Config.model_validate({"rules": [
        {"patterns": ["价格|多少钱", "报价"], "reply": "x"},
        {"match": "regex", "patterns": ["c", "d+"], "reply": "y"}]})
    walked: list[tuple[Any, ...]] = []
    collect = config._collect

    def spied(value: Any, path: tuple[Any, ...], found: list[Any]) -> None:
        walked.append(path)
        collect(value, path, found)

    monkeypatch.setattr(config, "_collect", spied)
    found = config._leaves(rules)
    assert [path for path, _ in found] == [("rules", 0, "patterns", 0),
                                           ("rules", 1, "patterns", 0),
                                           ("rules", 1, "patterns", 1)]
    assert "is matched as written" in found[0][1].text
    assert ("rules", 1, "patterns") in walked and ("rules", 0, "patterns") not in walked


@pytest.mark.parametrize("text, names, shown", [
    ("回答 1：请看群公告", set(), "回答 1：请看群公告"),  # no placeholder: nothing parsed
    ("{member} 你好", {"member"}, "M 你好"),
    ("{{member}} 是占位符", set(), "{member} 是占位符"),
])
def test_a_reply_reads_the_same_with_or_without_placeholders(
        text: str, names: set[str], shown: str) -> None:
    reply = config.placeholders("member", "group").func(config._template(text))
    assert reply.names == names and reply.render({"member": "M"}) == shown


def test_an_unknown_placeholder_is_still_refused_with_those_available() -> None:
    with pytest.raises(ValueError, match=r"unknown placeholder \{count\}; available: "
                                         r"\{member\}, \{group\}"):
        config.placeholders("member", "group").func(config._template("{count} 人"))


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The files parsed, not taken as they were (a spy on the parse itself)."""
    parsed: list[Path] = []
    parse = yamlfile._parse

    def spied(text: str, file: Path, loader: Any) -> yamlfile.Located:
        parsed.append(file)
        return parse(text, file, loader)

    monkeypatch.setattr(yamlfile, "_parse", spied)
    return parsed


def test_a_file_read_again_as_it_was_is_not_parsed_again(
        tmp_path: Path, parses: list[Path]) -> None:
    """A reload reads every file again, and most are as they were: those are taken as their
    last parse made them, each load with data of its own (what one reader changes, the next
    load does not see); a file changed since is parsed again."""
    file = tmp_path / "t.yaml"
    file.write_text("rules:\n  - patterns: [价格, 报价]\n    reply: x\n", encoding="utf-8")
    first = yamlfile.load(file)
    first.data["rules"][0]["patterns"].append("changed by its reader")
    again = yamlfile.load(file)
    assert parses == [file]
    assert again.data == {"rules": [{"patterns": ["价格", "报价"], "reply": "x"}]}
    file.write_text("rules:\n  - patterns: [价格]\n    reply: y\n", encoding="utf-8")
    assert yamlfile.load(file).data == {"rules": [{"patterns": ["价格"], "reply": "y"}]}
    assert parses == [file, file]


def test_a_file_taken_as_it_was_names_the_same_lines(tmp_path: Path, parses: list[Path]) -> None:
    """Its warnings and the errors of its values name the same file:line as a parse does,
    whether it is plain YAML (lines worked out when asked for) or uses anchors (lines noted
    as it is read)."""
    types = {"recruitment": "handlers:\n  - keywords:\n      rules:\n"
                            "        - patterns: [\"价格|多少钱\"]\n          reply: x\n",
             "vip": "handlers:\n  - welcome: &hi\n      template: hi\n      windw: 9s\n"}
    root = write_config(tmp_path / "config", BOT_YAML.replace("type: recruitment",
                                                              "type: recruitment\n"
                                                              "  - match: {topic: V}\n"
                                                              "    type: vip"), types)
    said = []
    for _ in range(2):
        with pytest.raises(InputError) as caught:
            config.load(root, REGISTRY)
        said.append([str(p).replace(str(root) + "/", "") for p in caught.value.problems])
    assert said[0] == said[1] == ["types/vip.yaml:4: handlers.welcome.windw: unknown key; "
                                  "did you mean `window`?"]
    assert len(parses) == 3  # bot.yaml and the two types, once
    (root / "types" / "vip.yaml").write_text(types["vip"].replace("      windw: 9s\n", ""),
                                             encoding="utf-8")
    warnings = [str(w).replace(str(root) + "/", "") for w in config.load(root, REGISTRY).warnings]
    assert [w for w in warnings if "matched as written" in w] == [
        "types/recruitment.yaml:4: handlers.keywords.rules[0].patterns[0]: '价格|多少钱' is "
        "matched as written, as a word, not as a regular expression (no message holds it): "
        "for alternatives list them, [\"价格\", \"多少钱\"]; or give the rule `match: regex`"]
    assert len(parses) == 4  # the changed file alone


def test_a_file_with_an_error_is_parsed_and_its_error_said_each_time(
        tmp_path: Path, parses: list[Path]) -> None:
    file = tmp_path / "t.yaml"
    file.write_text("a: 1\nb: [1, 2\n", encoding="utf-8")
    for _ in range(2):
        with pytest.raises(InputError, match=r"t.yaml:\d+: YAML syntax"):
            yamlfile.load(file)
    assert parses == [file, file]


def test_the_other_parser_parses_the_file_itself(
        tmp_path: Path, parses: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """What libyaml's parser made of a file is not what the pure-Python one is asked for
    (`bench --reload` measures both)."""
    file = tmp_path / "t.yaml"
    file.write_text("a: [1, x]\n", encoding="utf-8")
    yamlfile.load(file)
    monkeypatch.setattr(yamlfile, "Loader", yamlfile.PythonLoader)
    assert yamlfile.load(file).data == {"a": [1, "x"]}
    assert parses == [file, file]


def test_what_is_kept_stays_within_its_budget(tmp_path: Path) -> None:
    """The files read least recently go first; a file larger than the budget is not kept."""
    kept = yamlfile._Kept(budget=1000)  # two of these files, not three
    files = [tmp_path / f"{n}.yaml" for n in "abc"]
    texts = ["a: " + "x" * 200 + "\n", "b: " + "y" * 200 + "\n", "c: " + "z" * 200 + "\n"]
    for file, text in zip(files, texts, strict=True):
        kept.put(file, text, yamlfile.Loader, yamlfile.parse(text, file))
        assert kept.get(files[0], texts[0], yamlfile.Loader) is not None  # read again
    assert 0 < kept.size <= 1000
    assert kept.get(files[1], texts[1], yamlfile.Loader) is None  # the least recently read
    assert kept.get(files[2], texts[2], yamlfile.Loader) is not None
    kept.put(files[1], "b: " + "y" * 1000, yamlfile.Loader, yamlfile.parse("b: 1", files[1]))
    assert kept.get(files[1], "b: " + "y" * 1000, yamlfile.Loader) is None


def test_the_reload_bench_measures_a_reload_after_an_edit_beside_a_start() -> None:
    """`bench --reload` loads with every file parsed (as at a start: libyaml, pure Python)
    and after one type file changed (as a reload, the others as parsed before); the
    running bot's reloads each follow an edit."""
    result = groupbot("bench", "--config", str(SHIPPED), "--reload", "--bindings", "20",
                      "--rules", "50", "--runs", "2")
    assert result.returncode == 0, result.stderr
    for line in ("load + validate, libyaml:", "load + validate, pure Python:",
                 "load + validate, one type file changed:",
                 "a running bot's reload after one type file changed, median of 2:"):
        assert line in result.stdout, result.stdout
