"""The health and funnel figures (bot/report.py), as the daily report and the commands show
them: each figure is the count of the events that happened."""

from __future__ import annotations

import asyncio
import csv
from datetime import timedelta
from pathlib import Path

import pytest
from harness import BOT_YAML, SHIPPED, Harness, groupbot, write_config
from pg import Postgres

from bot import config, schema
from bot.store import open_store
from bot.table import table
from handlers import REGISTRY, lifecycle

SCENARIOS = Path(__file__).parent / "scenarios"
GROUPS = {"r1": "Listener Recruitment 01", "i1": "Listener Internship 01",
          "o1": "Listener Official 01"}
STAGES = ["recruitment", "internship", "official"]


async def test_the_figures_count_the_events_of_the_period(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        await h.advance("1s")
        await h.join("i1", "old")                    # before the period
        await h.say("i1", "old", "签到")
        await h.advance("1d")
        since = h.clock.now()
        await h.join("i1", "dave", "erin", "fay", inviter="alice")
        await h.say("i1", "dave", "签到")
        await h.say("i1", "erin", "加我微信 abc12345 有优惠")   # a warning from the spam handler
        await h.leave("i1", "fay")
        await h.advance("1h")
        facts = lifecycle.GroupFacts("i1", "Listener Internship 01", "internship", 6, 200, 20)
        health = await lifecycle.health(h.bot.store, facts, since, h.clock.now(), STAGES,
                                        h.bot.is_bot)
        assert (health.joins, health.leaves, health.warnings, health.checkins) == (3, 1, 1, 1)
        assert (health.active, health.active_percent) == (3, 50)   # old, dave, erin of 6
        assert [(r.stage, r.reached, r.new) for r in health.funnel] == [
            ("recruitment", 0, 0), ("internship", 4, 3), ("official", 0, 0)]


async def test_a_warning_taken_back_is_not_counted(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups={"c1": "Customer 01"}) as h:
        since = h.clock.now()
        for command in ("/warn", "/unwarn"):
            await h.say("c1", "op_lin", f"{command} @bob\u2005", mentions=("bob",))
        await h.say("c1", "eve", "加我微信 abc12345 有优惠")
        await h.advance("1h")
        facts = lifecycle.GroupFacts("c1", "Customer 01", "customer", 3, 100, 20)
        health = await lifecycle.health(h.bot.store, facts, since, h.clock.now(), STAGES,
                                        h.bot.is_bot)
        assert health.warnings == 1


async def test_a_group_whose_type_is_no_stage_has_no_funnel(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups={"c1": "Customer 01"}) as h:
        facts = lifecycle.GroupFacts("c1", "Customer 01", "customer", 3, 100, 20)
        now = h.clock.now()
        health = await lifecycle.health(h.bot.store, facts, now - timedelta(days=1), now, STAGES,
                                        h.bot.is_bot)
        assert health.funnel == ()


def test_the_funnel_line_gives_each_step_as_a_share_of_the_one_before() -> None:
    rows = [lifecycle.FunnelRow("recruitment", 5, 1), lifecycle.FunnelRow("internship", 3, 0),
            lifecycle.FunnelRow("official", 1, 0)]
    titles = {"recruitment": "招募群", "internship": "实习群"}
    assert lifecycle.funnel_line(rows, titles) == ("招募群 5 → 实习群 3（60%） → official 1（33%）")


def test_tables_align_chinese_text_as_two_columns_wide() -> None:
    assert table([("group", "topic"), ("c1", "客户群"), ("c22", "x")]).splitlines() == [
        "group  topic", "c1     客户群", "c22    x"]


# ---------------------------------------------------------------- the commands


_cli = groupbot  # in this process: the commands' output and exit codes, not a process's


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def played(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The database of the customer-groups scenario, played once on each backend."""
    db = str(tmp_path_factory.mktemp("played") / "groups.db")
    if request.param == "postgresql":
        db = request.getfixturevalue("postgres_server").database()
    result = _cli("replay", str(SCENARIOS / "funnel_groups.yaml"), "--db", db)
    assert result.returncode == 0, result.stderr
    return db


def test_report_prints_the_figures_of_the_scenario_day(played: str) -> None:
    result = _cli("report", "--config", str(SHIPPED), "--db", played,
                  "--since", "2026-11-24", "--until", "2026-11-25")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == ("Groups, 2026-11-24 00:00 to 2026-11-25 00:00"
                        " (active: spoke in the 7 days before the end)")
    assert lines[1].split() == ["group", "topic", "type", "size", "active", "7d", "target",
                                "joins", "leaves", "warnings", "check-ins"]
    assert lines[2].split() == ["c1", "Customer", "01", "客户群", "customer", "100/100", "0",
                                "(0%)", "20%", "1", "1", "0", "0"]  # Zhou moved on to c2
    assert lines[3].split() == ["c2", "Customer", "02", "客户群", "customer", "9/100", "3",
                                "(33%)", "20%", "7", "1", "0", "0"]
    assert "Funnel" in result.stdout and "recruitment  0" in result.stdout


def test_report_for_one_group_and_a_relative_period(played: str) -> None:
    result = _cli("report", "--config", str(SHIPPED), "--db", played, "--group", "c1",
                  "--until", "2026-11-25", "--since", "7d")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "2026-11-18 00:00 to 2026-11-25 00:00" in lines[0]
    assert [line.split()[0] for line in lines[2:lines.index("")]] == ["c1"]


SPOKEN_SINCE = """\
config: {config}
start: "2026-11-16 23:00"
contacts: {{op_lin: 林运营, carol: Carol, dan: Dan, erin: Erin, fay: Fay}}
groups:
  - id: c1
    topic: "Customer 01 客户群"
    members: [op_lin, carol, dan, erin, fay]
steps:
  - say: {{group: c1, from: erin, text: "hi"}}        # 8 days before the end: not active
  - say: {{group: c1, from: carol, text: "签到"}}
    after: 7d30m                                     # 11-23 23:30
  - say: {{group: c1, from: dan, text: "早上好"}}
    after: 1h                                        # 11-24 00:30
  - say: {{group: c1, from: dan, text: "hi"}}
    after: 1h
  - say: {{group: c1, from: fay, text: "hi"}}
    after: 1h
  - leave: {{group: c1, members: [fay]}}
    after: 1m
  - say: {{group: c1, from: carol, text: "签到"}}     # all three speak again after the end
    after: 23h                                       # 11-25 01:31
  - say: {{group: c1, from: dan, text: "hi"}}
    after: 1h
  - say: {{group: c1, from: erin, text: "hi"}}
    after: 1h
"""


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_past_period_counts_who_spoke_then_though_they_spoke_again_since(
        backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    """Active 7d is who was present at the period's end and spoke in the 7 days before it,
    from the activity history, not from each member's latest message (docs/reports.md)."""
    scenario = tmp_path / "spoken_since.yaml"
    scenario.write_text(SPOKEN_SINCE.format(config=SHIPPED), encoding="utf-8")
    db = str(tmp_path / "spoken.db")
    if backend == "postgresql":
        db = request.getfixturevalue("postgres_server").database()
    result = _cli("replay", str(scenario), "--db", db)
    assert result.returncode == 0, result.stderr

    def active(since: str, until: str) -> list[str]:
        result = _cli("report", "--config", str(SHIPPED), "--db", db, "--group", "c1",
                      "--since", since, "--until", until)
        assert result.returncode == 0, result.stderr
        return result.stdout.splitlines()[2].split()[5:8]

    # Carol and Dan (Erin spoke 8 days before; Fay left at 02:31 on the 24th, a minute after
    # she spoke: present at 02:31, not at the day's end)
    assert active("2026-11-24", "2026-11-25") == ["5/100", "2", "(40%)"]  # bot included
    assert active("2026-11-24T00:00", "2026-11-24T02:31") == ["5/100", "3", "(60%)"]  # Fay
    assert active("2026-11-24", "2026-11-26") == ["5/100", "3", "(60%)"]  # Carol, Dan, Erin


async def test_the_report_counts_no_join_of_the_bot_itself(tmp_path: Path) -> None:
    """The bot brought back into a group by an admin is no newcomer: `groupbot report` reads
    its id from bot.yaml's `bot.id` (the daily report from the running bot: test_r41.py)."""
    async with Harness(SHIPPED, tmp_path, groups={"c1": "Customer 01"}) as h:
        await h.advance("1m")
        since = h.clock.now()
        await h.join("c1", "bot", inviter="op_lin")
        await h.join("c1", "carol")
        await h.advance("1m")
        until = h.clock.now()
    result = await asyncio.to_thread(
        _cli, "report", "--config", str(SHIPPED), "--db", str(h.db), "--group", "c1",
        "--since", since.isoformat(), "--until", until.isoformat())
    assert result.returncode == 0, result.stderr
    header, row = result.stdout.splitlines()[1:3]
    assert row[header.index("joins"):].split()[:2] == ["1", "0"], result.stdout


def test_export_writes_the_members_as_csv(played: str, tmp_path: Path) -> None:
    out = tmp_path / "members.csv"
    result = _cli("export", "--what", "members", "--out", str(out), "--group", "c2",
                  "--config", str(SHIPPED), "--db", played)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"wrote 9 members row(s) to {out}"
    with out.open(encoding="utf-8-sig") as file:
        rows = {row["member"]: row for row in csv.DictReader(file)}
    assert rows["n2"]["left_at"].startswith("2026-11-24T10:24")
    assert rows["n2"]["inviter"] == "bob"
    assert rows["n3"]["name"] == "广州-Tom工作室-Tom"


def test_export_writes_the_funnel_with_quiz_results(tmp_path: Path) -> None:
    db = tmp_path / "journey.db"
    assert _cli("replay", str(SCENARIOS / "funnel_journey.yaml"), "--db", str(db)
                ).returncode == 0
    out = tmp_path / "funnel.csv"
    result = _cli("export", "--what", "funnel", "--out", str(out), "--config", str(SHIPPED),
                  "--db", str(db))
    assert result.returncode == 0, result.stderr
    with out.open(encoding="utf-8-sig") as file:
        rows = {row["member"]: row for row in csv.DictReader(file)}
    assert (rows["dave"]["stage"], rows["dave"]["official_group"],
            rows["dave"]["quiz_best_score"]) == ("official", "o1", "100")
    assert (rows["erin"]["stage"], rows["erin"]["quiz_attempts"],
            rows["erin"]["quiz_passed_at"]) == ("internship", "2", "")


@pytest.mark.parametrize("args, message", [
    (("report", "--since", "yesterday"), "--since 'yesterday': give a duration"),
    (("report", "--since", "2026-11-25", "--until", "2026-11-24"), "is not before"),
    (("report", "--group", "nope"), "no group 'nope' in the database"),
    (("export", "--what", "members", "--out", "never.csv", "--group", "zz"),
     "no group 'zz' in the database"),
    (("export", "--what", "warnings", "--out", "never.csv", "--group", "zz"),
     "no group 'zz' in the database"),
])
def test_bad_arguments_exit_2_with_a_reason(played: str, args: tuple[str, ...],
                                            message: str, tmp_path: Path) -> None:
    out = tmp_path / "never.csv"
    args = tuple(str(out) if arg == "never.csv" else arg for arg in args)
    result = _cli(*args, "--config", str(SHIPPED), "--db", played)
    assert result.returncode == 2
    assert message in result.stderr
    assert not out.exists()


def test_a_missing_database_exits_2(tmp_path: Path) -> None:
    result = _cli("report", "--config", str(SHIPPED), "--db", str(tmp_path / "none.db"))
    assert result.returncode == 2
    assert "no database at" in result.stderr


async def test_exporting_what_the_database_does_not_hold_yet_is_the_header_alone(
        tmp_path: Path) -> None:
    """A young deployment's nightly export: no check-in yet is a file with the header, exit 0."""
    db = tmp_path / "bot.db"
    store = await open_store(db, schema.migrations(REGISTRY))  # as the bot makes it
    await store.close()
    out = tmp_path / "x.csv"
    result = _cli("export", "--what", "checkins", "--out", str(out),
                  "--config", str(SHIPPED), "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert f"wrote 0 checkins row(s) to {out}" in result.stdout
    assert out.read_text(encoding="utf-8-sig").splitlines() == [
        '"group","member","day","at","streak","points"']


@pytest.mark.parametrize("command", [["report"], ["export", "--what", "members", "--out",
                                                   "members.csv"], ["audit"]])
async def test_a_database_of_an_older_version_is_read_by_no_command_that_only_reads(
        tmp_path: Path, command: list[str]) -> None:
    """An older bot may still be serving it (an upgrade half done): report, export and audit
    refuse it, naming why, and change nothing in it (they migrated it before, under the
    running bot). The bot of this version migrates it as it starts."""
    db = tmp_path / "bot.db"
    older = dict(schema.migrations(REGISTRY))
    older["antispam"] = older["antispam"][:-1]
    store = await open_store(db, older)
    await store.close()
    before = db.read_bytes()
    result = _cli(*command, "--config", str(SHIPPED), "--db", str(db))
    assert result.returncode == 2
    known = len(schema.migrations(REGISTRY)["antispam"])
    assert (f"an older groupbot made it (antispam is at version {known - 1}, this one has "
            f"{known}): start this version's bot on it first") in result.stderr
    assert db.read_bytes() == before


def test_report_on_a_new_empty_postgresql_database_says_no_bot_ran_on_it(
        postgres: Postgres) -> None:
    """As on an SQLite file; it said the empty database was another application's
    (review s37 r23 R23-3)."""
    url = postgres.database()  # a new, empty database
    result = _cli("report", "--config", str(SHIPPED), "--db", url)
    assert result.returncode == 2
    assert f"{url} holds no tables: no groupbot has run on it yet" in result.stderr


@pytest.mark.parametrize("command", [
    ("report",), ("audit",), ("export", "--what", "members", "--out", "-"),
    ("web", "--port", "0"), ("replay", str(SCENARIOS / "pacing.yaml"))])
def test_a_postgresql_schema_version_that_is_no_number_is_not_a_groupbot_database(
        postgres: Postgres, command: tuple[str, ...]) -> None:
    """Another tool's schema_version table (its versions text): one line, exit 2, the
    migration (replay's) not run."""
    url = postgres.database()
    name = url.rsplit("/", 1)[1]
    postgres.sql("CREATE TABLE schema_version (component TEXT, version TEXT); INSERT INTO "
                 "schema_version VALUES ('core', '1.0')", name)
    result = _cli(*command, "--config", str(SHIPPED), "--db", url)
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert line.endswith(f"{url} is not a groupbot database (its schema_version holds '1.0' as "
                         "the version of 'core', not a number)")
    assert postgres.sql("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'",
                        name).strip() == "1"


def test_each_type_names_itself_in_texts_to_the_admins(tmp_path: Path) -> None:
    deployment = config.load(SHIPPED, REGISTRY)
    assert {name: t.title for name, t in deployment.types.items()} == {
        "base": "base", "recruitment": "招募群", "internship": "实习群", "customer": "客户群",
        "official": "正式群", "private": "私聊"}
    root = write_config(tmp_path / "config", BOT_YAML, {
        "base": "display_name: 基础\n", "recruitment": "extends: base\n"})
    assert config.load(root, REGISTRY).types["recruitment"].title == "recruitment"  # not inherited


async def test_every_bound_group_is_listed_from_when_the_bot_bound_it(tmp_path: Path) -> None:
    """Not only groups the lifecycle handler has looked at: a group bound by name is listed
    from when the bot bound it (at start: r2, no event yet), one bound by id from its first
    event, also in a type without the lifecycle handler; an unbound group is not listed."""
    root = write_config(tmp_path / "config", BOT_YAML + (
        "  - match: {topic: Quiet}\n    type: quiet\n"
        "  - match: {id: 'g9@chatroom'}\n    type: quiet\n"), {
        "recruitment": "extends: base\n",
        "base": "handlers:\n  - lifecycle: {active_target: 30}\n",
        "quiet": "handlers:\n  - keywords:\n      rules:\n"
                 "        - {id: hi, patterns: [hi], reply: hello}\n"})
    groups = {"r1": "Recruitment 01", "r2": "Recruitment 02", "q1": "Quiet 01",
              "x1": "Unbound 01", "g9@chatroom": "Named by id"}
    async with Harness(root, tmp_path, groups=groups) as h:
        await h.say("r1", "alice", "早上好")
        await h.say("q1", "bob", "hi")
        await h.say("x1", "bob", "hi")
        await h.say("g9@chatroom", "alice", "hi")
        await h.advance("1m")
    result = _cli("report", "--config", str(root), "--db", str(h.db), "--until",
                  "2026-11-24")
    assert result.returncode == 0, result.stderr
    groups = result.stdout.split("\n\n")[0]  # the first table: the send budget follows
    rows = [line.split() for line in groups.splitlines()[2:] if line.strip()]
    assert [(row[0], row[-9], row[-8].split("/")[1], row[-5]) for row in rows] == [
        ("g9@chatroom", "quiet", "200", "20%"),        # no lifecycle: the default target
        ("q1", "quiet", "200", "20%"),
        ("r1", "recruitment", "200", "30%"),           # the type's lifecycle target
        ("r2", "recruitment", "200", "30%")]
    assert all(int(row[-8].split("/")[0]) >= 1 for row in rows)  # as far as the roster knows
    assert rows[1][1:3] == ["Quiet", "01"]
