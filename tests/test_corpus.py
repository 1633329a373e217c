"""`groupbot moderation test`: the shipped config catches every family of the corpus and
flags none of its innocent sentences; the held-out corpus is only reported."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import SHIPPED, read_yaml, shipped_config

from bot.banned import skeleton
from bot.cli import main
from bot.corpus import FAMILIES

CORPUS = Path(__file__).parent / "corpus"
TEST = ["moderation", "test", "--config", str(SHIPPED), "--type", "customer"]


def _cases(name: str) -> list[dict[str, object]]:
    cases: list[dict[str, object]] = read_yaml(CORPUS / name)["cases"]
    return cases


def _all_line(name: str) -> str:
    """The line of `moderation test` that says every ad of the corpus is caught and none of
    its innocent messages flagged (its figures counted from the corpus: helpers append cases)."""
    cases = _cases(name)
    ads = sum(bool(c["flag"]) for c in cases)
    return f"{'all':<14}{f'{ads}/{ads}':>12}{'100%':>9}{len(cases) - ads:>10}{0:>9}"


def test_the_shipped_config_passes_the_whole_corpus(capsys: pytest.CaptureFixture[str]) -> None:
    code = main([*TEST, str(CORPUS / "moderation.yaml")])
    out = capsys.readouterr().out
    print(out)  # CI prints the figures
    assert code == 0, out
    assert _all_line("moderation.yaml") in out


def test_the_shipped_config_flags_none_of_the_reviewed_innocent_messages(
        capsys: pytest.CaptureFixture[str]) -> None:
    """Innocent messages of Chinese groups (313 at first), written near the rules of hostile
    round 3 by their review (丶 ● as decorative dots, 加我 in 团购 接龙, 🛰 🐧 with names and
    counts, 丨 in tables, ⭕ ticks, prices after 裙): each was a public warning once; and real
    mentions of members whose names look like ads (review s32a T9)."""
    code = main([*TEST, str(CORPUS / "innocent.yaml")])
    out = capsys.readouterr().out
    assert code == 0, out
    assert _all_line("innocent.yaml") in out


def test_your_own_contact_details_are_allowed(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """`contacts.allow`: members repeating the operator's own service id, number or QQ, or
    an address at the domain of `links.allow`, are no advertisers; the ids next to them
    still are."""
    root = shipped_config(tmp_path)
    base = root / "types" / "base.yaml"
    text = base.read_text(encoding="utf-8")
    assert "contacts: {action: warn}" in text
    base.write_text(text.replace("contacts: {action: warn}", "contacts: {action: warn, allow: "
                                 "[kefu_2026, '138 0013 8000', 'QQ 12345678']}", 1),
                    encoding="utf-8")
    code = main(["moderation", "test", "--config", str(root), "--type", "customer",
                 str(CORPUS / "own_contacts.yaml")])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "all                    6/6     100%         7        0" in out


def test_the_corpus_is_large_and_covers_every_family() -> None:
    cases = _cases("moderation.yaml")
    assert len(cases) >= 400
    assert sum(not c["flag"] for c in cases) >= 150
    assert {c["family"] for c in cases if c["flag"]} == set(FAMILIES)


def test_the_held_out_corpus_is_reported_not_asserted(
        capsys: pytest.CaptureFixture[str]) -> None:
    """Written before the detectors were tuned and never tuned against: its figures are
    printed for the closing note, whatever they are."""
    assert len(_cases("heldout.yaml")) >= 100
    code = main([*TEST, str(CORPUS / "heldout.yaml")])
    out = capsys.readouterr().out
    print(out.split("\nmissed")[0].split("\nfalse positive")[0])
    assert code in (0, 1)
    assert "all " in out


def test_no_shipped_allow_phrase_is_a_corpus_sentence() -> None:
    allow = (SHIPPED.parent / "content" / "words" / "allow.txt").read_text("utf-8")
    phrases = {skeleton(line)[0] for line in allow.splitlines()
               if line.strip() and not line.startswith("#")}
    for name in ("moderation.yaml", "heldout.yaml", "innocent.yaml"):
        for case in _cases(name):
            texts = case.get("messages") or [case["text"]]
            assert isinstance(texts, list)
            for text in texts:
                assert skeleton(str(text))[0] not in phrases, text


@pytest.mark.parametrize(("yes", "no"), [("true", "false"), ("yes", "no")])  # switch words
def test_a_miss_fails_and_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                   yes: str, no: str) -> None:
    corpus = tmp_path / "c.yaml"
    corpus.write_text(f'cases:\n  - {{family: phone, flag: {yes}, text: "你好"}}\n'
                      f'  - {{family: banned, flag: {no}, text: "支持台独"}}\n', "utf-8")
    assert main([*TEST, str(corpus)]) == 1
    out = capsys.readouterr().out
    assert "missed: case 1 (phone): 你好" in out
    assert "false positive: case 2 (banned): 支持台独 -> words: 涉及政治话题 [台独]" in out


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("cases: [\n", "c.yaml:2: YAML syntax"),
        ("cases:\n  - {family: fax, flag: true, text: x}\n",
         "c.yaml:2: cases[0].family: unknown family 'fax'"),
        ("cases:\n  - {family: phone, flag: maybe, text: x}\n", "c.yaml:2: cases[0].flag"),
        ("cases:\n  - {family: phone, flag: true}\n", "give `text` or a list of `messages`"),
        ("cases:\n  - {family: phone, flag: true, text: x, kind: fax}\n",
         "cases[0].kind: unknown kind 'fax'"),
        ("[1, 2]\n", "a corpus is a mapping with a `cases:` list"),
        ("cases:\n  - {family: raid, flag: true, text: x, members: 0}\n",
         "c.yaml:2: cases[0].members: `members` is a whole number from 1 to 20"),
        ("cases:\n  - {family: wechat, flag: true, text: x, mentions: 加V}\n",
         "c.yaml:2: cases[0].mentions: `mentions` is a list of up to 20 member names"),
        ("cases:\n  - {family: wechat, flag: true, text: x, name: 5}\n",
         "c.yaml:2: cases[0].name: `name` is the members' name, a text"),
        ("cases:\n  - family: phone\n    flag: true\n    text: [a, b]\n",
         "c.yaml:4: cases[0].text: `text` is one message: give several as a list of `messages`"),
        ('cases:\n  - {family: phone, flag: true, text: ""}\n',
         "c.yaml:2: cases[0].text: an empty text message"),
        ('cases:\n  - family: phone\n    flag: true\n    messages: ["x", " "]\n',
         "c.yaml:4: cases[0].messages: an empty text message"),
    ],
)
def test_a_bad_corpus_is_one_line_and_exit_2(tmp_path: Path, text: str, error: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    corpus = tmp_path / "c.yaml"
    corpus.write_text(text, "utf-8")
    assert main([*TEST, str(corpus)]) == 2
    err = capsys.readouterr().err.strip()
    assert error in err
    assert "\n" not in err


def test_a_missing_corpus_or_unknown_type_is_exit_2(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*TEST, str(tmp_path / "missing.yaml")]) == 2
    assert "missing.yaml:1: cannot read" in capsys.readouterr().err
    corpus = tmp_path / "c.yaml"
    corpus.write_text("cases: []\n", "utf-8")
    assert main(["moderation", "test", "--config", str(SHIPPED), "--type", "nope",
                 str(corpus)]) == 2
    assert "unknown group type 'nope'" in capsys.readouterr().err
    assert main(["moderation", "test", "--config", str(SHIPPED), "--type", "private",
                 str(corpus)]) == 2
    assert "has no antispam handler" in capsys.readouterr().err


def test_the_detector_bench_reports_both_word_counts(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["moderation", "bench", "--config", str(SHIPPED), "--type", "customer",
                 "--words", "1000"]) == 0
    out = capsys.readouterr().out
    assert "1000 words / 10 words:" in out
    assert "100,000 characters" in out
