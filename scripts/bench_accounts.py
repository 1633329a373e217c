"""Messages a second with one and with several account processes on one database
(docs/scale.md, "How fast").

    .venv/bin/python scripts/bench_accounts.py [--config config] [--storage PATH|URL]
                                               [--processes 1 2] [--messages 20000]

Each process is one account (`Bot(account=...)`, as `groupbot run --account` makes it) on
the simulator with groups of its own (so it holds their leases), fed the bench's traffic
(bot/bench.py: questions, check-ins, ads, joins, chat) on a virtual clock with its actions
delivered as they fall due, through the fence at each send. All processes start together;
the figure is all their messages over the slowest one's wall time. `--storage` is an SQLite
file (each run writes a new file beside it, on its disk, removed after; the file itself is
never opened; default: a new one in a temporary directory per run) or a postgresql:// URL
(each run uses a schema of its own in that database, dropped after, as `groupbot bench
--storage`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import queue
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import bench, config, postgres  # noqa: E402
from bot.app import Bot  # noqa: E402
from bot.clock import VirtualClock  # noqa: E402
from bot.events import MemberJoined, Message  # noqa: E402
from handlers import REGISTRY  # noqa: E402


async def serve(config_dir: Path, storage: str, account: str, groups: int, messages: int,
                ready: Barrier) -> tuple[int, float]:
    """One account's process: (messages handled, wall seconds)."""
    deployment = config.load(config_dir, REGISTRY)
    gtype = deployment.types[deployment.settings.groups[0].type]
    world = bench.World(tuple(f"bench-{account}-{g:03d}" for g in range(groups)), 50,
                        None, *_words(gtype))
    tz = deployment.settings.timezone
    clock = VirtualClock(tz, bench.START.replace(tzinfo=tz))
    deployment = bench.bound(deployment, gtype)
    sim = bench._simulator(deployment, clock, world)
    bot = Bot(deployment, sim, clock, REGISTRY, storage, seed=0, account=account)
    bot.set_contact_names(sim.name_of)
    bot.followups = sim.take_inbox
    async with bot:
        await bot.advance(clock.now())  # claims its groups' leases
        await bot.store.flush()  # and lets go of the database while the others start
        ready.wait()
        began = time.perf_counter()
        handled = 0
        for event in bench.traffic(world, messages, clock, timedelta(seconds=1)):
            await bot.advance(event.at)
            if isinstance(event, MemberJoined) and event.group is not None:
                sim.join(event.group, [m.id for m in event.members])
            handled += isinstance(event, Message)
            await bot.feed(event)
        await bot.drain()
        return handled, time.perf_counter() - began


def _words(gtype: Any) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    made = bench.world_for(gtype, [], 1, 50, 0, 0)
    return made.questions, made.checkins, made.banned


def worker(config_dir: Path, storage: str, account: str, groups: int, messages: int,
           ready: Barrier, results: Any) -> None:
    results.put(asyncio.run(serve(config_dir, storage, account, groups, messages, ready)))


def measure(config_dir: Path, storage: str, processes: int, groups: int,
            messages: int) -> float:
    ready = multiprocessing.Barrier(processes)
    results: Any = multiprocessing.Queue()
    run = uuid.uuid4().hex[:6]
    started = [multiprocessing.Process(target=worker, args=(
        config_dir, storage, f"{run}{k}", groups, messages, ready, results))
        for k in range(processes)]
    for process in started:
        process.start()
    outcomes: list[tuple[int, float]] = []
    while len(outcomes) < processes:
        try:
            outcomes.append(results.get(timeout=1))
        except queue.Empty:
            if any(p.exitcode not in (None, 0) for p in started):
                for process in started:
                    process.kill()
                raise SystemExit("a bench process failed (its error is above)") from None
    for process in started:
        process.join()
    return sum(n for n, _ in outcomes) / max(wall for _, wall in outcomes)


@contextlib.asynccontextmanager
async def database(storage: str | None) -> AsyncIterator[str]:
    """Where one run's processes keep their data, removed after: a new SQLite file beside the
    file `storage` names (on its disk, which is what naming it measures), else what `groupbot
    bench` uses (a new SQLite file, or a schema of its own in the PostgreSQL database at
    `storage`). The bench's groups, leases and rows never stay in a deployment's database,
    its SQLite file included (review s41 r51 finding 14; h60)."""
    if storage is not None and not postgres.is_url(storage):
        with _beside(Path(storage)) as db:
            yield str(db)
        return
    async with bench._database(storage) as db:
        yield str(db)


@contextlib.contextmanager
def _beside(named: Path) -> Iterator[Path]:
    """A new SQLite file in a directory of its own next to `named`, which is never opened."""
    if not named.parent.is_dir():
        raise SystemExit(f"--storage {named}: no directory {named.parent} to run in")
    with tempfile.TemporaryDirectory(prefix=".groupbot-bench-", dir=named.parent) as tmp:
        yield Path(tmp) / "bench.db"  # (its -wal and -shm files go with the directory)


async def measured(args: argparse.Namespace, processes: int) -> tuple[str, float]:
    """The database's kind and the rate of `processes` processes on a database of their own."""
    async with database(args.storage) as storage:
        rate = await asyncio.to_thread(measure, args.config, storage, processes, args.groups,
                                       args.messages)
    return "PostgreSQL" if postgres.is_url(storage) else "SQLite", rate


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", type=Path, default=ROOT / "config")
    parser.add_argument("--storage", default=None,
                        help="SQLite file or postgresql:// URL (default: a new SQLite file)")
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--groups", type=int, default=50, help="groups per process")
    parser.add_argument("--messages", type=int, default=20_000, help="events per process")
    args = parser.parse_args()
    multiprocessing.set_start_method("spawn")
    for processes in args.processes:
        kind, rate = asyncio.run(measured(args, processes))
        print(f"{kind:<10} {processes} process(es): {rate:,.0f} msgs/s in all "
              f"({rate / processes:,.0f} per process)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
