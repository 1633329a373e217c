from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pg import backend, postgres, postgres_server, storage  # noqa: F401  PostgreSQL fixtures

# The longest tests (several seconds each: processes, real time, big replays) go first, so
# that pytest-xdist's workers end on short ones that share out evenly, not on one long test
# that leaves a core idle. Node-id prefixes, longest first; keep it to tests of 2 s or more.
LONG_FIRST = (
    "tests/wechaty/test_wechaty_accounts.py::test_three_accounts_share_groups_fail_over",
    "tests/test_invite_accounts.py::test_warnings_block_list_points_and_stage_are_the_members",
    "tests/test_replay.py::test_scenario_plays_as_expected[governor_",
    "tests/test_governor.py::test_a_sign_up_wave_of_200",
    "tests/test_governor.py::test_a_push_to_200_groups",
    "tests/test_governor.py::test_a_replay_drains",
    "tests/test_faults.py::test_kill_9",
    "tests/web/test_web_browser.py::test_the_screenshot_script",
    "tests/web/test_web_cli.py::test_run_prints",
    "tests/web/test_web_cli.py::test_web_alone",
    "tests/test_terminal_commands.py::test_wait_and_every_bot_line",
    "tests/test_terminal.py::test_typos",
    "tests/test_replay.py::test_a_reader_that_stops_reading_ends_the_replay_quietly",
    "tests/wechaty/test_wechaty_run.py::",
    "tests/test_bench.py::test_the_pipeline_bench_runs_on_postgresql",
)


def pytest_configure(config: pytest.Config) -> None:
    """tmp_path in memory (tmpfs), where there is one: a thousand tests making SQLite files,
    copies of the config and the WAL's fsyncs cost a disk's file system seconds of system
    time. PYTEST_DEBUG_TEMPROOT is where pytest makes its usual numbered directories (under
    pytest-of-USER, the last three sessions kept; a passed test's own removed, see
    pyproject.toml); set it to choose another place."""
    shm = Path("/dev/shm")
    if "PYTEST_DEBUG_TEMPROOT" not in os.environ and shm.is_dir() and os.access(shm, os.W_OK):
        os.environ["PYTEST_DEBUG_TEMPROOT"] = str(shm)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        return next((i for i, prefix in enumerate(LONG_FIRST) if item.nodeid.startswith(prefix)),
                    len(LONG_FIRST))

    items.sort(key=rank)  # stable: the rest as collected
