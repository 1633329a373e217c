"""h60: scripts/bench_accounts.py --storage FILE (SQLite) runs beside the file and leaves
nothing in it or next to it, as the URL case runs in a schema of its own (f55 noticed a
deployment's own file took the bench's groups, leases and rows)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bot.cli import main

ROOT = Path(__file__).resolve().parent.parent


def _bench(storage: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "scripts" / "bench_accounts.py"),
                           "--storage", str(storage), "--processes", "1", "--messages", "20",
                           "--groups", "1"], capture_output=True, text=True, timeout=300)


def test_a_bots_database_is_left_as_it_was(tmp_path: Path) -> None:
    db = tmp_path / "groupbot.db"
    assert main(["replay", str(ROOT / "tests" / "scenarios" / "pacing.yaml"),
                 "--db", str(db)]) == 0
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    done = _bench(db)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("SQLite     1 process(es): ")
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_a_new_file_is_not_left_behind(tmp_path: Path) -> None:
    done = _bench(tmp_path / "bench.db")
    assert done.returncode == 0, done.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_file_in_no_directory_is_refused(tmp_path: Path) -> None:
    done = _bench(tmp_path / "nowhere" / "bench.db")
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == f"--storage {tmp_path}/nowhere/bench.db: no directory " \
        f"{tmp_path}/nowhere to run in\n"
