from __future__ import annotations

import asyncio
import gc
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Property tests judge their examples, not their speed: no per-example deadline and no
# too-slow health check, which fail a correct product on a loaded or slow machine (a timed
# assert by another name). Set here once; a test's own @settings may still narrow it.
settings.register_profile("groupbot", deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("groupbot")

# (byte code is cached even where PYTHONDONTWRITEBYTECODE is set: tests/pytest_early.py)
sys.path.insert(0, str(Path(__file__).resolve().parent))

# The longest tests (a second or more each: processes, real time, big replays), with their
# rough seconds on a quiet 2-core machine. Each pytest-xdist worker starts with its share of
# them (see below), so that no worker runs them one after the other while the others are
# done, and the workers end on short tests that share out evenly. Node-id prefixes.
# WAITING: the ones that mostly wait (on the clock: lease takeovers, send intervals, backoffs;
# on processes starting), not compute. They go to the workers beyond one a core (the first
# two of four), one after the other in each, while the others compute: with all of them on
# one worker (46 s of waiting by now) that worker alone took the whole suite's time.
WAITING = {
    "tests/wechaty/test_wechaty_accounts.py::test_three_accounts_share_groups_fail_over": 8.5,
    "tests/test_faults.py::test_kill_9": 3.5,
    "tests/test_delivery_retry_due.py::test_a_welcome_failed_before_a_kill_9": 6,  # 2 starts + 2
    "tests/test_delivery_crash_loop.py::": 12,  # five real starts of `groupbot run`
    "tests/wechaty/test_wechaty_run.py::": 1.8,
    "tests/wechaty/test_wechaty_flaky.py::": 23,  # 62 tests of timeouts and back-offs
    "tests/wechaty/test_wechaty_keepalive.py::": 1.5,
    "tests/wechaty/test_wechaty_group_list.py::": 5,  # a rate-limited list's waits
    "tests/wechaty/test_wechaty_governor.py::test_a_rate_limit_pauses": 2.8,
}
LONG = {
    "tests/web/test_web_browser.py::": 5,  # one browser for the module's tests: one worker
    "tests/test_pipeline_skips.py::test_skipping_never_changes_what_the_handlers_do": 1.8,
    "tests/test_terminal_commands.py::test_wait_and_every_bot_line": 1,
    "tests/web/test_web_cli.py::test_web_alone": 1,
    "tests/test_governor.py::test_a_push_to_200_groups": 0.9,
    "tests/test_terminal.py::test_typos": 0.9,
    "tests/web/test_web_cli.py::test_run_prints": 0.9,
    "tests/test_replay.py::test_a_reader_that_stops_reading_ends_the_replay_quietly": 0.8,
    "tests/test_replay.py::test_scenario_plays_as_expected[governor_signup": 0.7,
    "tests/test_governor.py::test_a_sign_up_wave_of_200": 0.7,
    "tests/test_bench.py::test_the_pipeline_bench_runs_on_postgresql": 1,
    "tests/test_segment.py::": 1.5,  # one jieba for both (a module fixture): one worker
    "tests/test_config.py::test_the_pure_python_loader_reports_deep_nesting": 0.7,
    "tests/test_governor.py::test_a_replay_drains": 0.5,
    "tests/test_outbox_backlog.py::test_a_backlog_goes_as_if_every_lane": 0.5,
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The order the tests are handed out in. pytest-xdist's worksteal (pyproject.toml) gives
    each of its N workers a contiguous 1/N of this list and lets an idle worker take the
    second half of a busy one's remaining tests: each share here begins with its part of the
    long tests (the WAITING ones shared out between the first `waiting_workers` shares, each
    test to the one with the least so far; then the others, longest first, each prefix's
    tests together to the share with the least so far), then tests in the order collected (a
    module's tests together). Every worker computes the same order."""

    def prefix(item: pytest.Item, table: dict[str, float]) -> str | None:
        return next((p for p in table if item.nodeid.startswith(p)), None)

    workers = max(1, int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")))
    shares: list[list[pytest.Item]] = [[] for _ in range(workers)]
    seconds = [0.0] * workers
    waiting = [item for item in items if prefix(item, WAITING)]
    waiters = min(workers, waiting_workers(workers))
    for long in sorted(WAITING, key=WAITING.__getitem__, reverse=True):
        group = [item for item in waiting if item.nodeid.startswith(long)]
        for item in group:  # a prefix's seconds spread over its tests
            least = seconds.index(min(seconds[:waiters]))
            shares[least].append(item)
            seconds[least] += WAITING[long] / len(group)
    placed = set(waiting)
    for long in sorted(LONG, key=LONG.__getitem__, reverse=True):
        group = [item for item in items if item.nodeid.startswith(long) and item not in placed]
        if group:
            least = seconds.index(min(seconds))
            shares[least] += group
            seconds[least] += LONG[long]
            placed.update(group)
    rest = [item for item in items if item not in placed]
    ordered: list[pytest.Item] = []
    left = len(items)
    for i, share in enumerate(shares):  # worksteal's first hand-out: len(left) // workers left
        size = left // (workers - i)
        ordered += share + rest[:max(0, size - len(share))]
        rest = rest[max(0, size - len(share)):]
        left -= size
    items[:] = ordered + rest


def waiting_workers(workers: int) -> int:
    """How many workers share the WAITING tests: those beyond one a core."""
    return max(1, workers - len(os.sched_getaffinity(0)))


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto` (pyproject.toml): two workers more than the cores, which take the WAITING
    tests between them while the others compute (and compute themselves while those wait
    on the processes tests start, the browser, the clock, PostgreSQL). On the 2-core
    machine, the same 2,673 tests: 3 workers, WAITING all on the first, median 47.1 s (4
    runs, 46.3-47.4); 4 workers, two sharing it, 44.7 s (5 runs, 41.8-46.9); 5 workers, two
    or three sharing it, 45.0 / 47.2 s."""
    return len(os.sched_getaffinity(0)) + 2


def pytest_configure(config: pytest.Config) -> None:
    """tmp_path in memory (tmpfs), where there is one: a thousand tests making SQLite files,
    copies of the config and the WAL's fsyncs cost a disk's file system seconds of system
    time. PYTEST_DEBUG_TEMPROOT is where pytest makes its usual numbered directories (under
    pytest-of-USER, the last three sessions kept; a passed test's own removed, see
    pyproject.toml); set it to choose another place.

    tests/pg.py's fixtures (storage, backend, postgres...), and with it tests/harness.py and
    the whole bot, are loaded where tests run: not in pytest-xdist's controller, which only
    hands tests to its workers (0.5 s of CPU before it starts them). There, every load of a
    config is tests/harness.py's, parsed once a process for each content."""
    shm = Path("/dev/shm")
    if "PYTEST_DEBUG_TEMPROOT" not in os.environ and shm.is_dir() and os.access(shm, os.W_OK):
        os.environ["PYTEST_DEBUG_TEMPROOT"] = str(shm)
    if hasattr(config, "workerinput") or getattr(config.option, "dist", "no") == "no":
        config.pluginmanager.import_plugin("pg")
        import harness

        harness.cache_loads()


def pytest_collection_finish(session: pytest.Session) -> None:
    """What every test of a worker shares (the libraries, the bot, the collected test
    modules) is frozen out of the cyclic collector's full passes (gc.freeze), as the bot does
    with what it loaded (bot/config.py `settled`): else each pass, and each command run in
    the worker (tests/harness.py `groupbot`) as it settles, walks all of it again."""
    gc.collect()
    gc.freeze()


@pytest.fixture(autouse=True)
def _ends_what_it_started(worker_loop: asyncio.AbstractEventLoop) -> Iterator[None]:
    """A worker's tests share one event loop (pyproject.toml): what a test left running is
    cancelled as it ends, as closing a loop of its own would, so it cannot act in the next.
    (A plain fixture, which runs the loop only when something was left: as an async one, its
    setup and teardown each ran the loop for every test, some 1.2 ms of CPU a test.)"""
    yield
    left = asyncio.all_tasks(worker_loop)
    if left:
        for task in left:
            task.cancel()
        worker_loop.run_until_complete(asyncio.gather(*left, return_exceptions=True))
