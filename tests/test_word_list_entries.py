"""A word list holds words, matched as written: an operator's pattern or a lone letter in one
is refused with its file and line, not silently read as another word (review s36 r14 R14-6:
`(a+)+$` was the word "a", and every member who wrote "a" was warned)."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import BOT_YAML, write_config

from bot.cli import main

TYPE = ("handlers:\n  - antispam:\n      words:\n        lists:\n"
        "          - {file: words/mine.txt, reason: 低俗}\n"
        "          - {words: [约炮, '18+'], reason: 低俗}\n")
MINE = "# mine\n约p\n(a+)+$\n色 情\n代开发票。  # a full stop after a Chinese word is fine\n" \
       ".*.*=.*\nB\n达赖·喇嘛\n色情|黄色\nQQ\n"


def _check(tmp_path: Path, capsys: pytest.CaptureFixture[str], mine: str,
           gtype: str = TYPE) -> tuple[int, str]:
    root = write_config(tmp_path / "config", BOT_YAML, {"recruitment": gtype},
                        {"words/mine.txt": mine})
    code = main(["check", "--config", str(root)])
    return code, capsys.readouterr().err


def test_check_refuses_a_pattern_or_a_lone_letter_naming_the_file_and_the_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _check(tmp_path, capsys, MINE)
    assert code == 2
    assert "words/mine.txt:3: '(a+)+$' is read as the word 'a' ('(+)$' is not matched" in err
    assert "words/mine.txt:6: '.*.*=.*' holds no letter, digit or Chinese character" in err
    assert "words/mine.txt:7: 'B' is one Latin letter: every 'b' in chat would count" in err
    assert "words/mine.txt:9: '色情|黄色' is read as the word '色情黄色'" in err
    # (s36 r17 R17-10: it said "one Latin letter" of QQ without saying why)
    assert "words/mine.txt:10: 'QQ' is one Latin letter (a letter repeated is read once" in err
    assert "words[1]: '18+' is read as the word '18'" in err  # a list in the YAML too
    assert all(f"mine.txt:{line}:" not in err for line in (2, 4, 5, 8)), err


def test_words_read_as_written_pass(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _check(tmp_path, capsys, "约p\n色 情\n代开发票。\n达赖·喇嘛\nfuuuck\n台獨\n",
                       TYPE.replace(", '18+'", ""))
    assert code == 0, err
