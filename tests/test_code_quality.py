"""The house rules a reviewer would check first: ruff and strict mypy are clean."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *command], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)


def test_ruff_finds_nothing() -> None:
    result = _run("ruff", "check", ".")
    assert result.returncode == 0, result.stdout


def test_mypy_strict_finds_nothing_in_the_code() -> None:
    result = _run("mypy", "bot", "handlers")
    assert result.returncode == 0, result.stdout
