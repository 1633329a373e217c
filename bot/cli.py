"""The `groupbot` command."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import math
import os
import resource
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from types import FrameType
from typing import Any, TextIO, cast

# The bot's modules, the handlers and their libraries make some 60,000 objects the cyclic
# collector tracks as they are imported, nearly all of them to live as long as the process
# (classes, the config's models, tables, compiled patterns): the collector, set off by their
# allocations, walked them again and again (and so did every later pass over the heap, as a
# command loads its config), finding next to nothing to free. It is paused while they are
# imported, and they are frozen out of its passes (gc.freeze), as a running bot freezes what
# it loaded (config.settled): `groupbot check` 1.40 -> 1.10 s of CPU, `replay` 2.52 -> 2.16
# (medians of 10 and 6 runs), every other command and test process alike. (What is frozen
# is never freed: the few hundred objects the imports leave in cycles stay.)
_collecting = gc.isenabled()
gc.disable()
try:
    from bot import config, postgres, yamlfile
    from bot.output import Output, OutputFailed
    from bot.sanitize import escaped
    from bot.store import StoreError, foreign
    from bot.yamlfile import InputError
    from handlers import REGISTRY
finally:
    gc.freeze()
    if _collecting:
        gc.enable()

Command = Callable[[argparse.Namespace], int]


def check(args: argparse.Namespace) -> int:
    """Validate the config; print a summary, or every problem."""
    try:
        deployment = config.load(args.config, REGISTRY)
    except InputError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{len(exc.problems)} problem(s) in {args.config}", file=sys.stderr)
        return 2
    if (not_ours := foreign(deployment.storage_path)) is not None:  # (as `run` refuses it)
        where = yamlfile.load(args.config / "bot.yaml").where(("storage",))
        print(f"{where.file}:{where.line}: storage: {not_ours}", file=sys.stderr)
        print(f"1 problem(s) in {args.config}", file=sys.stderr)
        return 2
    for warning in deployment.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if (copied := _copied_away(deployment.storage_path, args.config)) is not None:
        print(f"warning: {copied}", file=sys.stderr)
    settings = deployment.settings
    # (a PostgreSQL database is not connected to here: its login, its tables and the URL's
    # settings are the start's to find, `groupbot report` the quick way to try them)
    unseen = ", not connected to" if postgres.is_url(deployment.storage_path) else ""
    print(f"config OK: {args.config} (time zone {settings.timezone.key}, "
          f"{len(settings.admins)} admin(s), database {deployment.storage_path}{unseen})")
    print("types:")
    for gtype in deployment.types.values():
        names = ", ".join(h.name for h in gtype.handlers) or "(no handlers)"
        print(f"  {gtype.name:<12} capacity {gtype.capacity:<4} {names}")
    print("bindings:")
    for binding in settings.groups:
        what = f"id {binding.match.id}" if binding.match.id else \
            f"topic /{binding.match.topic.pattern if binding.match.topic else ''}/"
        print(f"  {what:<40} -> {binding.type}")
    if settings.direct:
        print(f"  {'private messages':<40} -> {settings.direct}")
    return 0


def _copied_away(storage: Path | str, root: Path) -> str | None:
    """`check`'s warning for a `storage` copied to PostgreSQL, which `run` refuses."""
    from bot.storage_copy import copied_now

    if (found := copied_now(storage)) is None:
        return None
    where = yamlfile.load(root / "bot.yaml").where(("storage",))
    return f"{where.file}:{where.line}: storage: `groupbot run` refuses it: " \
           f"{found.refused(root / 'bot.yaml')}"


def replay(args: argparse.Namespace) -> int:
    from bot.instance import Taken
    from bot.replay import replay as run_replay

    try:
        asyncio.run(run_replay(args.scenario, REGISTRY, args.config, args.db))
    except InputError as exc:
        print("; ".join(str(p) for p in exc.problems), file=sys.stderr)
        return 2
    except Taken as exc:  # --db names a database a bot serves
        print(f"groupbot replay: {exc}", file=sys.stderr)
        return 2
    return 0


FILES = 65_536  # open files a serving process asks for (the soft limit, up to the hard one)


def more_files() -> None:
    """Raise the soft limit of open files to the hard one (at most FILES): the console holds
    a descriptor per connection, and at the usual soft default of 1,024 a client that
    reconnects as fast as the server drops it kept /healthz from being answered (review s34
    r2 X2; Docker and a shell give 1,024, the systemd unit sets its own)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = FILES if hard == resource.RLIM_INFINITY else min(hard, FILES)
    if soft != resource.RLIM_INFINITY and soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


def run(args: argparse.Namespace) -> int:
    from bot.terminal import run as run_bot

    more_files()
    try:
        return asyncio.run(run_bot(args.config, REGISTRY, args.account, args.simulator))
    except ValueError as exc:  # e.g. a WeChat token without an endpoint
        print(f"groupbot run: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0


def web(args: argparse.Namespace) -> int:
    from bot.web.server import standalone

    deployment = config.load(args.config, REGISTRY)
    web_settings = deployment.settings.web
    more_files()
    try:
        return asyncio.run(standalone(
            deployment, args.db or deployment.storage_path, args.host or web_settings.host,
            web_settings.port if args.port is None else args.port, REGISTRY, os.environ))
    except KeyboardInterrupt:
        return 0


def port(text: str) -> int:
    """A TCP port, 0 for any free one (an argparse type)."""
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"not a port: {text!r} (0-65535; 0 picks a free one)")
    return int(text)


def audit(args: argparse.Namespace) -> int:
    from bot.audit_command import main as show_audit

    return show_audit(args, REGISTRY)


def report(args: argparse.Namespace) -> int:
    from bot.report import report_command

    return report_command(args, REGISTRY)


def export(args: argparse.Namespace) -> int:
    from bot.report import export_command

    return export_command(args, REGISTRY)


def count(most: int) -> Callable[[str], int]:
    """An argparse type: a whole number from 1 to `most` (beyond it a bench would not end,
    or not fit in memory)."""

    def parse(text: str) -> int:
        if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= most:
            raise argparse.ArgumentTypeError(f"not a count: {text!r} (a whole number, "
                                             f"1 to {most:,})")
        return int(text)

    return parse


def step(text: str) -> float:
    """Virtual seconds between two events, 0.001 to 3600 (an argparse type)."""
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not 0.001 <= seconds <= 3600:  # also false for nan
        raise argparse.ArgumentTypeError(f"not a step: {text!r} (seconds, 0.001 to 3600)")
    return seconds


def postgres_url(text: str) -> str:
    """A postgresql:// URL with no password in it (an argparse type)."""
    if not postgres.is_url(text):
        raise argparse.ArgumentTypeError(f"not a postgresql:// URL: {text!r}")
    if (wrong := postgres.url_problem(text)) is not None:
        raise argparse.ArgumentTypeError(wrong)
    return text


def bench(args: argparse.Namespace) -> int:
    from bot.bench import main as run_bench

    return asyncio.run(run_bench(args))


def moderation_test(args: argparse.Namespace) -> int:
    from bot.corpus import test_command

    return asyncio.run(test_command(args, REGISTRY))


def moderation_bench(args: argparse.Namespace) -> int:
    from bot.corpus import bench_command

    return bench_command(args, REGISTRY)


def storage_copy(args: argparse.Namespace) -> int:
    from bot.storage_copy import command as copy_storage

    return copy_storage(args, REGISTRY)


def storage_unmark(args: argparse.Namespace) -> int:
    from bot.storage_copy import unmark

    return unmark(args, REGISTRY)


@cache  # one a process: tests call main() a few hundred times (1.5 ms each to make)
def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="groupbot", description="Chat-group operations bot.")
    verbose = "the bot's own debug lines on stderr (each event...)"
    top.add_argument("-v", "--verbose", action="store_true", help=verbose)
    sub = top.add_subparsers(dest="command", required=True)

    def command(name: str, fn: Command, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(fn=fn)
        # also after the command (`groupbot run -v`); absent there, the one before it holds
        p.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                       help=verbose)
        return p

    def config_option(p: argparse.ArgumentParser, default: Path | None = Path("config")) -> None:
        p.add_argument("--config", type=Path, default=default,
                       help="the config directory (default: ./config)")

    def db_option(p: argparse.ArgumentParser, help_text: str) -> None:
        p.add_argument("--db", type=config.location, default=None, help=help_text)

    p = command("check", check, "validate the config and summarize it")
    config_option(p)
    p = command("run", run, "run the bot (WeChat if WECHATY_PUPPET_SERVICE_TOKEN is set, "
                            "else the terminal simulator when stdin is a terminal)")
    config_option(p)
    platform = p.add_mutually_exclusive_group()
    platform.add_argument("--account", default=None,
                          help="serve this account of bot.yaml's `accounts` (one process "
                               "each, sharing the database: docs/scale.md)")
    platform.add_argument("--simulator", action="store_true",
                          help="the terminal simulator, also when stdin is no terminal (a "
                               "script or a pipe) or a token is set")
    p = command("replay", replay, "dry-run a scenario file on a virtual clock")
    p.add_argument("scenario", type=Path)
    p.add_argument("--config", type=Path, default=None,
                   help="the config directory (default: the scenario's `config:` key, "
                        "else ./config)")
    db_option(p, "SQLite file or postgresql:// URL to use (default: a fresh temporary file)")
    stored = "the SQLite file or postgresql:// URL (default: `storage` in the config's bot.yaml)"
    p = command("audit", audit, "print the audit log: warnings, removals and other decisions")
    p.add_argument("--config", type=Path, default=None,
                   help="the config directory (default: ./config; without one, --db is read "
                        "and times are shown in UTC)")
    db_option(p, stored)
    p.add_argument("--group", default=None, help="only this group (its id)")
    p.add_argument("--since", default=None, help="only since then: 7d, 12h, or an ISO date")
    p = command("web", web, "the web console alone over a database, read-only "
                            "(docs/web.md)")
    config_option(p)
    db_option(p, stored)
    p.add_argument("--host", default=None, help="address to listen on (default: web.host, "
                                                "127.0.0.1)")
    p.add_argument("--port", type=port, default=None,
                   help="port to listen on (default: web.port, 8080; 0 picks a free one)")
    p = command("report", report, "print each group's health and the funnel as tables")
    config_option(p)
    db_option(p, stored)
    p.add_argument("--group", default=None, help="only this group (its id)")
    p.add_argument("--since", default=None,
                   help="the period's start: 7d, 12h back from its end, or an ISO date "
                        "(default: 1 day before the end)")
    p.add_argument("--until", default=None, help="the period's end (default: now)")
    p.add_argument("--account", default=None,
                   help="only the groups this account serves (several accounts: "
                        "docs/scale.md)")
    p = command("export", export, "write members, check-ins, warnings or the funnel as CSV")
    p.add_argument("--what", required=True, choices=("members", "checkins", "warnings", "funnel"))
    p.add_argument("--out", required=True,
                   help="the CSV file to write (a symbolic link: the file it leads to), "
                        "or - for standard output")
    config_option(p)
    db_option(p, stored)
    p.add_argument("--group", default=None, help="only this group (its id)")
    p = command("bench", bench, "measure a config's pipeline, a burst, or a reload "
                                "(docs/bench.md)")
    config_option(p)
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--burst", action="store_true",
                      help="one long run with actions delivered as they fall due "
                           "(default 100,000 messages over 500 groups)")
    mode.add_argument("--reload", action="store_true",
                      help="reload a generated config (--bindings, --rules) in a running bot")
    p.add_argument("--type", default=None,
                   help="the group type to measure (default: the first bound in bot.yaml)")
    p.add_argument("--messages", type=count(1_000_000), default=None,
                   help="messages per run (default 2,000; with --burst 100,000)")
    p.add_argument("--runs", type=count(100), default=5,
                   help="interleaved runs of bare dispatch and pipeline (default 5)")
    p.add_argument("--groups", type=count(10_000), default=None,
                   help="groups the traffic is spread over (default 10; with --burst 500)")
    p.add_argument("--members", type=count(500), default=50,
                   help="members per group (default 50)")
    p.add_argument("--step", type=step, default=1.0,
                   help="--burst: virtual seconds between two events (default 1)")
    p.add_argument("--rules", type=count(100_000), default=None,
                   help="generate N keyword rules (with --reload: default 5,000)")
    p.add_argument("--words", type=count(100_000), default=None,
                   help="generate N banned words into the antispam config")
    p.add_argument("--storage", type=postgres_url, default=None,
                   help="run on PostgreSQL: a postgresql:// URL (each run in a schema of its "
                        "own, dropped after; default: a fresh SQLite file)")
    p.add_argument("--bindings", type=count(100_000), default=1000,
                   help="--reload: group bindings in the generated config (default 1,000)")
    p = command("storage", lambda _: 2, "move a stopped bot's database (docs/scale.md)")
    storage = p.add_subparsers(dest="storage", required=True)
    p = storage.add_parser("copy", help="copy an SQLite database into an empty PostgreSQL one",
                           description="copy a stopped bot's whole SQLite database into an "
                                       "empty PostgreSQL database or schema, in one "
                                       "transaction; print each table's rows")
    p.set_defaults(fn=storage_copy)
    p.add_argument("--to", required=True, type=postgres_url,
                   help="the empty PostgreSQL database: a postgresql:// URL (its password "
                        "from PGPASSWORD, ~/.pgpass or a ${NAME} in the URL)")
    config_option(p)
    db_option(p, "the SQLite file to copy (default: `storage` in the config's bot.yaml)")
    p = storage.add_parser("unmark", help="take the mark of a copy out of an SQLite file, to "
                                          "run on it again",
                           description="take the mark `storage copy` leaves out of the SQLite "
                                       "file it copied: `run` runs on the file again (the copy "
                                       "falls behind it from then on), and `storage copy` "
                                       "copies it again")
    p.set_defaults(fn=storage_unmark)
    config_option(p)
    db_option(p, "the SQLite file (default: `storage` in the config's bot.yaml)")
    p = command("moderation", lambda _: 2, "test a type's moderation against a labelled corpus")
    moderation = p.add_subparsers(dest="moderation", required=True)
    p = moderation.add_parser("test", help="run a corpus; exit 1 on any miss",
                              description="run a labelled corpus through a type's antispam; "
                                          "print recall and false positives per family and "
                                          "each miss; exit 1 on any miss")
    p.set_defaults(fn=moderation_test)
    p.add_argument("corpus", type=Path, help="the corpus YAML file")
    config_option(p)
    p.add_argument("--type", default=None,
                   help="the group type (default: the first bound in bot.yaml)")
    p = moderation.add_parser("bench", help="measure the content detectors alone",
                              description="median cost per message of the antispam content "
                                          "detectors with 10 and N banned words, and of a "
                                          "100,000-character message")
    p.set_defaults(fn=moderation_bench)
    config_option(p)
    p.add_argument("--type", default=None,
                   help="the group type (default: the first bound in bot.yaml)")
    p.add_argument("--words", type=count(100_000), default=10_000,
                   help="banned words (default 10000)")
    return top


def command_name(args: argparse.Namespace) -> str:
    """How the command's error lines begin: its whole name, `groupbot storage copy` as its
    own lines say it (review r51: a --db problem said `groupbot storage:`)."""
    if args.command in ("storage", "moderation"):  # (their subcommand's dest: its name)
        return f"groupbot {args.command} {getattr(args, args.command)}"
    return f"groupbot {args.command}"  # (not `bench --storage URL`'s URL)


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logged = logging.StreamHandler(sys.stderr)
    logged.setFormatter(LogLines(LOG_FORMAT))
    logging.basicConfig(level=logging.INFO, handlers=[logged])  # (none if there are some)
    if args.verbose:  # the bot's own debug lines (events...), not every library's
        for name in ("bot", "handlers"):
            logging.getLogger(name).setLevel(logging.DEBUG)
    name = command_name(args)
    db: Path | str | None = getattr(args, "db", None)
    if db is not None and (wrong := config.database_problem(db)) is not None:
        print(f"{name}: --db {wrong}", file=sys.stderr)
        return 2
    at_once = args.fn not in (run, web) and threading.current_thread() is threading.main_thread()
    previous = {signum: signal.signal(signum, interrupt) for signum in STOPS} if at_once else {}
    try:
        with contextlib.redirect_stdout(cast(TextIO, Output(sys.stdout))):
            result: int = args.fn(args)
            sys.stdout.flush()  # here, not at exit, so that a closed pipe is caught below
    except KeyboardInterrupt as exc:  # its temporary files removed on the way out
        signum = exc.signum if isinstance(exc, Stopped) else signal.SIGINT
        print(f"{name}: {STOPS[signum]}", file=sys.stderr)
        return 128 + signum
    except InputError as exc:  # a bad config, for every command: each problem on its line
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 2
    except postgres.Stalled as exc:  # (what happened, not the driver's words: docs/scale.md)
        print(f"{name}: {exc}; exit 1, for its service manager to start it "
              "again", file=sys.stderr)
        return 1
    except postgres.Unavailable as exc:  # a server down, restarting or read-only for now:
        # exit 1, which a service manager restarts (docs/deploy.md); not what exit 2 means
        print(f"{name}: the database is unavailable: {exc}", file=sys.stderr)
        return 1
    except StoreError as exc:  # a database that passed the checks above but is damaged
        print(f"{name}: the database cannot be used: {exc}", file=sys.stderr)
        return 2
    except OutputFailed as failed:
        # `groupbot replay ... | head`: the reader has gone, stop quietly; `> /dev/full`: say so
        if not isinstance(failed.__cause__, BrokenPipeError):
            print(f"{name}: cannot write to standard output: {failed}",
                  file=sys.stderr)
        # as Python's signal docs advise: stdout to /dev/null, or the exit flush fails again
        with contextlib.suppress(OSError, AttributeError):  # (none, or without a descriptor)
            out = sys.stdout.fileno()
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, out)
            os.close(devnull)
        return 1
    except OSError as exc:  # a file the command reads or writes: a full disk, no permission
        where = f"{exc.filename}: " if exc.filename is not None else ""
        print(f"{name}: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return result


LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
"""A log line: its time (on the bot's clock under `run`: bot/terminal.py), level, logger."""


class LogLines(logging.Formatter):
    """Every log line groupbot writes: its message (arguments included) on its one line,
    each character a terminal would act on written as its escape (sanitize.escaped). Much
    of what is logged comes from outside: a console request's path (any client's, the access
    log), a group's name (any member's), what the platform answered. Written raw, a line
    break in it forged a line of its own ("...\\n2026-12-01 03:00:00,000 ERROR bot.store:
    the database is corrupt"), an escape sequence cleared the operator's terminal or set its
    title (`docker compose logs -f`, `tail -f`; journald escapes them, a file does not). A
    traceback keeps its lines, its other characters escaped alike."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        message = record.message  # (Formatter.format set it: the message with its arguments)
        record.message = escaped(message, lines=False)
        try:
            return super().formatMessage(record)
        finally:
            record.message = message

    def formatException(self, ei: Any) -> str:
        return escaped(super().formatException(ei))

    def formatStack(self, stack_info: str) -> str:
        return escaped(super().formatStack(stack_info))


def interrupt(signum: int, frame: FrameType | None) -> None:
    """Ctrl-C (or SIGTERM, as a service manager or `kill` stops it) stops a command at once.
    asyncio.run's own handler only cancels the command's task, and a virtual clock running
    ahead (replay, bench) never waits on anything that would let the cancel in: the command
    went on to its end, then printed a traceback; SIGTERM ended it where it was, its
    temporary database left behind. (`run` and `web` stop cleanly on their own handlers.)"""
    raise Stopped(signum)


class Stopped(KeyboardInterrupt):
    """A signal in STOPS stopped the command."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


STOPS: dict[int, str] = {signal.SIGINT: "interrupted", signal.SIGTERM: "terminated"}
"""The signals that stop a command at once (exit 128 + the signal), with what it says."""


if __name__ == "__main__":
    sys.exit(main())
