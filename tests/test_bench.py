"""`groupbot bench` on a tiny size: it runs, and its traffic does what it says it measures.

Numbers are never asserted (they belong in the closing notes); what the traffic produced is.
"""

from __future__ import annotations

import re

import pytest
from harness import SHIPPED, groupbot
from pg import Postgres

from bot.cli import parser


def _bench(*args: str) -> str:
    result = groupbot("bench", "--config", str(SHIPPED), *args)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


def _count(output: str, name: str) -> int:
    found = re.search(rf"\b{name} ([\d,]+)", output)
    assert found, f"no {name!r} in:\n{output}"
    return int(found.group(1).replace(",", ""))


def test_the_pipeline_bench_gets_replies_warnings_and_removals() -> None:
    out = _bench("--messages", "300", "--runs", "2", "--groups", "3", "--members", "20")
    assert "300 messages per run over 3 group(s) of 20 members; 2 interleaved runs" in out
    for row in ("bare dispatch", "pipeline"):
        assert re.search(rf"^{row} +[\d,]+ +[\d,]+ +[\d,]+ +[\d,]+$", out, re.M), out
    assert re.search(r"pipeline / bare dispatch throughput: [\d.]+x \(median of 2 paired", out)
    assert re.search(r"the same per CPU second: [\d.]+x \(each: [\d.]+, [\d.]+\)", out)
    assert re.search(r"peak memory \(RSS\): \d+ MiB", out)
    for name in ("replies", "warnings", "removals decided", "removals delivered"):
        assert _count(out, name) > 0, name
    assert _count(out, "messages handled") == _count(out, "messages fed")


def test_generated_keyword_rules_are_answered_not_taken_for_a_raid() -> None:
    out = _bench("--messages", "400", "--runs", "1", "--groups", "2", "--rules", "10",
                 "--type", "customer")
    # 8 in 100 events ask a generated rule (cooldown 0s): each one is answered
    assert _count(out, "replies") >= 25
    assert "keyword rules: 10" in out


def test_the_burst_counts_agree() -> None:
    out = _bench("--burst", "--messages", "600", "--groups", "6", "--members", "10")
    assert "burst: 600 events over 6 groups of 10 members" in out
    assert re.search(r"wall time: [\d.]+ s, CPU time [\d.]+ s \([\d,]+ events", out)
    for check in ("messages handled = messages fed",
                  "removals delivered + skipped + dropped or held back by the send budget"
                  " = decided",
                  "nothing left queued but what the send budget holds back, and what waits in"
                  " a group behind it"):
        assert f"{check}: yes" in out, out
    assert re.search(r"WAL file at the end: [\d.]+ MiB", out)
    assert _count(out, "replies") > 0 and _count(out, "warnings") > 0


def test_the_reload_bench_reports_the_loop() -> None:
    out = _bench("--reload", "--bindings", "20", "--rules", "50", "--runs", "1")
    assert "reload: 20 bindings, 50 keyword rules in 5 types" in out
    for field in ("load + validate, libyaml:", "load + validate, pure Python:",
                  "longest stall", "slowest message handled", "rebuild their jobs:"):
        assert field in out, out


def test_the_pipeline_bench_runs_on_postgresql_each_run_in_its_own_schema(
        postgres: Postgres) -> None:
    url = postgres.database()
    out = _bench("--messages", "120", "--runs", "2", "--groups", "2", "--members", "10",
                 "--storage", url)
    assert f"storage: {url}" in out
    assert re.search(r"^pipeline +[\d,]+ +[\d,]+ +[\d,]+ +[\d,]+$", out, re.M), out
    assert _count(out, "messages handled") == _count(out, "messages fed") > 0
    # every run started empty (the counts are of one run) and left nothing behind
    assert postgres.sql("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'groupbot_%'",
                        url.rpartition("/")[2]).strip() == "0"


def test_bench_refuses_storage_that_is_not_a_postgresql_url() -> None:
    result = groupbot("bench", "--config", str(SHIPPED), "--storage", "bench.db")
    assert result.returncode == 2
    assert "not a postgresql:// URL: 'bench.db'" in result.stderr


@pytest.mark.parametrize("step", ["inf", "nan", "1e30", "-1", "0", "0.0001", "soon"])
def test_bench_refuses_a_step_that_is_not_a_sane_number_of_seconds(step: str) -> None:
    result = groupbot("bench", "--config", str(SHIPPED), "--burst", "--messages", "1",
                      "--groups", "1", "--step", step)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"argument --step: not a step: '{step}' (seconds, 0.001 to 3600)" in result.stderr


@pytest.mark.parametrize("args, refused", [
    (("bench", "--messages", "1000001"), "--messages: not a count: '1000001' (a whole number, "
                                         "1 to 1,000,000)"),
    (("bench", "--runs", "101"), "--runs: not a count: '101' (a whole number, 1 to 100)"),
    (("bench", "--groups", "10001"), "--groups: not a count: '10001'"),
    (("bench", "--members", "501"), "--members: not a count: '501' (a whole number, 1 to 500)"),
    (("bench", "--rules", "100001"), "--rules: not a count: '100001'"),
    (("bench", "--words", "99999999999"), "--words: not a count: '99999999999' (a whole "
                                          "number, 1 to 100,000)"),
    (("bench", "--reload", "--bindings", "100001"), "--bindings: not a count: '100001'"),
    (("moderation", "bench", "--words", "99999999999"), "--words: not a count:"),
    (("bench", "--runs", "²"), "--runs: not a count: '²'"),
])
def test_bench_refuses_counts_past_what_a_run_can_do(
        capsys: pytest.CaptureFixture[str], args: tuple[str, ...], refused: str) -> None:
    with pytest.raises(SystemExit) as exited:  # parsed only: nothing runs, even unfixed
        parser().parse_args(args)
    assert exited.value.code == 2
    assert f"argument {refused}" in capsys.readouterr().err
