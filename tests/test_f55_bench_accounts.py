"""f55: scripts/bench_accounts.py --storage URL leaves no schema behind either, and says
what it ran on (review s41 r51 finding 14)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from pg import Postgres

ROOT = Path(__file__).resolve().parent.parent


def test_bench_accounts_on_postgres_drops_its_schema(postgres: Postgres) -> None:
    url = postgres.database()
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "bench_accounts.py"),
                           "--storage", url, "--processes", "2", "--messages", "20",
                           "--groups", "1"], check=True, capture_output=True, text=True,
                          timeout=300)
    assert done.stdout.startswith("PostgreSQL 2 process(es): ")
    schemas = postgres.sql("SELECT count(*) FROM pg_namespace WHERE nspname LIKE "
                           "'groupbot_scratch_%'", url.rsplit("/", 1)[1])
    assert int(schemas) == 0
