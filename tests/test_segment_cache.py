"""bot/segment.py keeps what it reads from jieba's dictionary file in a cache file, so the
next process starts faster: a cached dictionary segments as the file does, and a damaged,
stale or unwritable cache is never trusted, only read again and replaced."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from bot import segment

if TYPE_CHECKING:  # imported where used: 0.25 s of CPU a worker that runs none of these
    import jieba

WORDS = "中国 10 ns\n中国人 5 n\n国人 3 n\n人民 8 n\n人民币 4 n\n中 2 f\nab 3 eng\n中国 12 ns\n"
OTHER = "中国人民 20 nt\n人民 8 n\n"
TEXTS = ["中国人民币", "中国人ab人民", "人民中国 abc 中国人民", ""]


def _jieba(path: Path, tmp: Path) -> jieba.Tokenizer:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    found = jieba.Tokenizer(dictionary=str(path))
    found.tmp_dir = str(tmp)
    found.initialize()
    return found


def _cuts(words: segment.Dictionary) -> list[list[str]]:
    return [list(words.cut(text)) for text in TEXTS]


def _fail(path: Path) -> segment.Dictionary:
    raise AssertionError("the dictionary file was read, not the cache")


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    path = tmp_path / "dict.txt"
    path.write_text(WORDS, encoding="utf-8")
    return path, tmp_path / "cache" / "segment.arrays"


def test_the_second_process_reads_the_cache_and_cuts_as_jieba_with_the_file(
        files: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path, cache = files
    first = segment.load(path, cache)
    assert cache.is_file()
    monkeypatch.setattr(segment, "_read", _fail)
    second = segment.load(path, cache)
    tokenizer = _jieba(path, tmp_path)
    expected = [tokenizer.lcut(text, HMM=False) for text in TEXTS]
    assert _cuts(first) == _cuts(second) == expected
    assert expected[0] == ["中国", "人民币"]
    # a word listed twice: its last frequency, and both in the total, as jieba counts them
    assert first.freq("中国") == second.freq("中国") == 12
    assert first.total == second.total == tokenizer.total == 47
    assert second.freq("人民") == 8 and second.freq("人") == 0 and second.freq("币") is None


def _truncated(data: bytes) -> bytes:
    return data[:len(data) // 2]


def _flipped(data: bytes) -> bytes:
    return data[:-10] + bytes([data[-10] ^ 1]) + data[-9:]


def _altered(data: bytes) -> bytes:
    """The total changed (the payload's first 8 bytes, after the header line and two
    32-byte hashes), the file's layout still valid: only its hash tells."""
    total = data.index(b"\n") + 1 + 2 * 32
    assert data[total:total + 8] == (47).to_bytes(8, sys.byteorder)
    return data[:total] + (48).to_bytes(8, sys.byteorder) + data[total + 8:]


def _older(data: bytes) -> bytes:
    return data.replace(b"groupbot segment 2 ", b"groupbot segment 1 ", 1)


def _garbage(data: bytes) -> bytes:
    return b"\x00" * 100


def _empty(data: bytes) -> bytes:
    return b""


@pytest.mark.parametrize("damage", [_truncated, _flipped, _altered, _older, _garbage, _empty])
def test_a_damaged_or_old_cache_is_read_again_and_replaced(
        files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, damage: object) -> None:
    path, cache = files
    fresh = _cuts(segment.load(path, cache))
    assert callable(damage)
    cache.write_bytes(damage(cache.read_bytes()))
    assert _cuts(segment.load(path, cache)) == fresh
    monkeypatch.setattr(segment, "_read", _fail)
    assert _cuts(segment.load(path, cache)) == fresh  # replaced by a good one
    assert [p.name for p in cache.parent.iterdir()] == [cache.name]


def test_the_cache_of_another_dictionary_file_is_not_used(
        files: tuple[Path, Path], tmp_path: Path) -> None:
    path, cache = files
    segment.load(path, cache)
    other = tmp_path / "other.txt"
    other.write_text(OTHER, encoding="utf-8")
    words = segment.load(other, cache)
    assert list(words.cut("中国人民币")) == ["中国人民", "币"]
    assert words.freq("人民币") is None and words.total == 28
    assert _cuts(segment.load(other, cache)) == _cuts(words)


def test_a_cache_that_cannot_be_written_still_gives_the_dictionary(
        files: tuple[Path, Path], tmp_path: Path) -> None:
    path, _ = files
    blocked = tmp_path / "a file"
    blocked.write_text("not a directory", encoding="utf-8")
    words = segment.load(path, blocked / "segment.arrays")
    assert list(words.cut("中国人民币")) == ["中国", "人民币"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a file", "dict.txt"]


def test_the_cache_lives_in_the_users_cache_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert segment.cache_path() == tmp_path / "groupbot" / "segment.arrays"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert segment.cache_path() == tmp_path / ".cache" / "groupbot" / "segment.arrays"


def test_another_process_loads_the_cache_as_it_is_without_numpy(
        files: tuple[Path, Path]) -> None:
    """The cache holds numbers that are the same in every process (not Python's string
    hashes, which each process seeds anew), so loading it hashes no string and sorts
    nothing: no numpy (0.2 s of CPU to import) in a process that only segments."""
    path, cache = files
    segment.load(path, cache)
    code = ("import sys; from pathlib import Path; from bot import segment; "
            "segment._read = None; "  # the cache, not the file
            "words = segment.load(Path(sys.argv[1]), Path(sys.argv[2])); "
            "print(list(words.cut('中国人民币')), words.freq('人民'), 'numpy' in sys.modules)")
    for seed in ("1", "2"):
        run = subprocess.run([sys.executable, "-c", code, str(path), str(cache)],
                             capture_output=True, text=True, check=True,
                             env={**os.environ, "PYTHONHASHSEED": seed})
        assert run.stdout.splitlines() == ["['中国', '人民币'] 8 False"]
