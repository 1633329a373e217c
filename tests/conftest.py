from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pg import backend, postgres, postgres_server, storage  # noqa: F401  PostgreSQL fixtures
