"""Review r92 of b57f9d5 (bot/times.py: `stamp` from its minute's prefix) and 1f8fc60
(bot/config.py: a message that is only yes/no/on/off is warned of; admin's `refusal` a
Template). Strict xfails are findings; the plain tests are what holds. (4416e44's:
tests/wechaty/test_r92_order.py.)"""

from __future__ import annotations

import contextlib
import os
import random
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from harness import BOT_YAML, SHIPPED, Harness, write_config

from bot import config, times
from bot.yamlfile import InputError
from handlers import REGISTRY


def _isoformat(at: datetime) -> str:
    """What `stamp` gave before b57f9d5."""
    return at.astimezone(UTC).isoformat(timespec="microseconds")


# ---------------------------------------------------------------- b57f9d5: times.stamp


def test_r92_3_a_stamp_in_monrovias_last_odd_minute_is_the_instant() -> None:
    at = datetime(1972, 1, 7, 0, 44, 33, 138885, tzinfo=ZoneInfo("Africa/Monrovia"))
    assert times.stamp(at) == _isoformat(at) == "1972-01-07T00:44:33.138885+00:00"


@contextlib.contextmanager
def _local_zone(zone: str) -> Iterator[None]:
    """The process's local zone (what a naive datetime is read in) set to `zone`."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = zone
    time.tzset()
    try:
        yield
    finally:
        if old is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = old
        time.tzset()


@pytest.fixture
def new_york_local_time() -> Iterator[None]:
    """A local zone with a DST gap."""
    with _local_zone("America/New_York"):
        yield


@pytest.mark.usefixtures("new_york_local_time")
def test_r92_4_a_naive_time_in_the_local_gap_is_stamped_as_before() -> None:
    """r92-4 (fixed): stamped an hour away from isoformat's (timestamp() and astimezone()
    read a gap's fold apart); a naive time is now stamped by astimezone, and never cached
    by micros (the local zone may change: tzset)."""
    at = datetime(2026, 3, 8, 2, 16, 24)
    assert times.stamp(at) == _isoformat(at)


def test_stamp_is_isoformat_in_zones_folds_gaps_and_any_call_order() -> None:
    """Holds: random times around four DST changes, in seven zones (half-hour, 45-minute,
    30-minute DST, fixed and odd-second offsets), folds 0 and 1, in random order (the
    fast path keys on the last minute): the stamp is always isoformat's. (A scan of every
    IANA zone's transitions 1972-2040, 8 points each, found only r92-3.)"""
    rng = random.Random(92)
    zones = [ZoneInfo(name) for name in ("America/New_York", "Europe/London",
                                         "Australia/Lord_Howe", "Asia/Kolkata",
                                         "Pacific/Chatham", "America/St_Johns", "Asia/Shanghai")]
    zones += [timezone(timedelta(hours=5, minutes=45)), UTC, timezone(timedelta(seconds=-37))]
    changes = [datetime(2026, 3, 8, 1, 59, 30), datetime(2026, 11, 1, 0, 59),
               datetime(2026, 10, 25, 0, 59), datetime(2026, 4, 5, 1, 30)]
    for _ in range(20_000):
        at = (rng.choice(changes) + timedelta(seconds=rng.uniform(-90, 3700))).replace(
            tzinfo=rng.choice(zones), fold=rng.randint(0, 1))
        assert times.stamp(at) == _isoformat(at), repr(at)


def test_stamp_is_right_from_threads_stamping_other_zones_at_once() -> None:
    """Holds: the caches are globals, read as one tuple each: eight threads stamping
    times of their own zone at once get isoformat's stamps."""
    names = ["Asia/Shanghai", "America/New_York", "Europe/Berlin", "Asia/Kolkata",
             "Australia/Lord_Howe", "Pacific/Chatham", "America/St_Johns", "UTC"]
    wrong: list[str] = []
    start = threading.Barrier(len(names))

    def stamping(name: str) -> None:
        rng = random.Random(name)
        zone = ZoneInfo(name)
        base = datetime(2026, 11, 1, 0, 0, tzinfo=zone)
        start.wait()
        for _ in range(20_000):
            at = (base + timedelta(seconds=rng.uniform(0, 7200))).replace(
                fold=rng.randint(0, 1))
            if times.stamp(at) != _isoformat(at):
                wrong.append(repr(at))

    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # (switch threads as often as it can)
    try:
        threads = [threading.Thread(target=stamping, args=(n,)) for n in names]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(old)
    assert wrong == []


# ---------------------------------------------------------------- 1f8fc60: switch words


def _root(tmp_path: Path, handlers: str) -> Path:
    return write_config(tmp_path / "config", BOT_YAML, {"recruitment": handlers})


def test_the_shipped_config_has_no_switch_word_message_and_no_refusal() -> None:
    """Holds: the shipped config loads with no warning (no message is a switch word, and no
    `refusal` that a brace would now change)."""
    deployment = config.load(SHIPPED, REGISTRY)
    assert not [w for w in deployment.warnings if "as written" in str(w)]
    assert "refusal:" not in "".join(p.read_text(encoding="utf-8")
                                      for p in SHIPPED.rglob("*.yaml"))


def test_check_names_the_line_of_a_switch_word_message(tmp_path: Path) -> None:
    """Holds: the warning names the file, line and key, quoted or not."""
    root = _root(tmp_path, "handlers:\n  - welcome:\n      template: off\n"
                           "  - admin:\n      refusal: no\n")
    warnings = [str(w).split("config/", 1)[1] for w in config.load(root, REGISTRY).warnings]
    assert warnings == [
        "types/recruitment.yaml:3: handlers.welcome.template: the text 'off' is sent to "
        "members as written: for no message write null, where the key takes it",
        "types/recruitment.yaml:5: handlers.admin.refusal: the text 'no' is sent to members"
        " as written: for no message write null, where the key takes it"]


def test_r92_5_a_switch_word_in_fissions_empty_is_warned_of(tmp_path: Path) -> None:
    """(r92-5: the members' texts that were plain str, not Templates, were not warned of;
    now they are `Said`s, warned of as a Template is: tests/test_h93.py)"""
    root = _root(tmp_path, "handlers:\n  - fission:\n      leaderboard: {empty: off}\n")
    assert any("as written" in str(w) for w in config.load(root, REGISTRY).warnings)


def test_r92_6_an_empty_refusal_still_loads(tmp_path: Path) -> None:
    root = _root(tmp_path, "handlers:\n  - admin:\n      refusal: \"\"\n")
    config.load(root, REGISTRY)


def test_a_refusal_with_a_brace_is_refused_at_its_line(tmp_path: Path) -> None:
    """Holds (and is as the docs say): a single brace is refused at its line; doubled it
    loads. (The refusal said 'available: ' and nothing; it now says to double it:
    tests/test_h93.py.)"""
    root = _root(tmp_path, "handlers:\n  - admin:\n      refusal: '请用 {p}help'\n")
    with pytest.raises(InputError) as caught:
        config.load(root, REGISTRY)
    [problem] = [str(p).split("config/", 1)[1] for p in caught.value.problems]
    assert problem.startswith("types/recruitment.yaml:3: handlers.admin.refusal: unknown "
                              "placeholder {p}")
    doubled = _root(tmp_path / "2", "handlers:\n  - admin:\n      refusal: '请用 {{p}}help'\n")
    config.load(doubled, REGISTRY)


async def test_r92_7_a_reload_from_the_chat_names_a_switch_word_message(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """(r92-7: only the web console's reload showed the warnings; every start and reload
    now logs each, and the admin's /reload says how many: tests/test_h93.py)"""
    root = _root(tmp_path, "handlers:\n  - welcome:\n      template: 欢迎{members}\n")
    async with Harness(root, tmp_path) as h:
        (root / "types" / "recruitment.yaml").write_text(
            "handlers:\n  - welcome:\n      template: off\n", encoding="utf-8")
        problems, kept = await h.bot.reload_config()
        assert problems is None
        said = "\n".join([*kept, caplog.text])
    assert "'off' is sent to members as written" in said


def test_r92_4_a_naive_time_follows_a_change_of_the_local_zone() -> None:
    """(r92-4: the naive cache went stale after time.tzset())"""
    at = datetime(2026, 7, 1, 12, 0, 30)
    seen = []
    for zone in ("America/New_York", "Asia/Shanghai"):
        with _local_zone(zone):
            seen.append((times.micros(at), round(at.timestamp() * 1_000_000), times.stamp(at)))
    assert [m for m, _, _ in seen] == [t for _, t, _ in seen]
    assert seen[0][2] == "2026-07-01T16:00:30.000000+00:00"
    assert seen[1][2] == "2026-07-01T04:00:30.000000+00:00"
