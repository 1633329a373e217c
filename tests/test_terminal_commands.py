"""The terminal simulator's commands as a new operator types them (`groupbot run` on stdin):
the virtual date and time, members by id or name, mentions, /reset, usage, -v."""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from harness import ROOT, Ran, groupbot

from bot import config
from bot.cli import parser
from bot.terminal import mentioned
from handlers import REGISTRY

STAMP = re.compile(r"^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})", re.MULTILINE)


def _deployment(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "config", tmp_path / "config")
    shutil.copytree(ROOT / "content", tmp_path / "content")
    return tmp_path / "config"


def _run(config_dir: Path, *lines: str, verbose: bool = False) -> Ran:
    """`groupbot run [-v]` in this process, the lines on its stdin, the simulator."""
    return groupbot("run", *(["-v"] if verbose else []), "--simulator", "--config",
                    str(config_dir), stdin="\n".join(lines) + "\n",
                    env={k: v for k, v in os.environ.items()
                         if not k.startswith(("WECHATY_", "GROUPBOT_"))})


def test_wait_and_every_bot_line_show_the_virtual_date_in_the_bots_time_zone(
        tmp_path: Path) -> None:
    # a process of its own: its local time zone (TZ=UTC) is not the bot's
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "-v", "run", "--simulator", "--config",
         str(_deployment(tmp_path))],
        input="/wait 3d\n群规\n/wait 5s\n", capture_output=True, text=True, timeout=60,
        env={"PATH": "/usr/bin:/bin", "TZ": "UTC"})
    assert result.returncode == 0, result.stderr
    waits = re.findall(r"^.*now (\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) Asia/Shanghai \(\w+day\)$",
                       result.stdout, re.MULTILINE)
    assert len(waits) == 2
    [rules] = [line for line in result.stdout.splitlines() if "【招募群群规】" in line]
    said = re.search(r"(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) \[r1\] bot:", rules)
    assert said is not None
    assert waits[0] <= said.group(1) <= waits[1]  # the line's time is the virtual one
    # the log, under TZ=UTC, is on the same clock and zone: its last line after the waits
    logged = STAMP.findall(result.stderr)
    assert logged[-1] >= waits[1]
    assert "event Message in r1" in result.stderr


def test_members_are_found_by_name_and_mentioned_by_id_or_name(tmp_path: Path) -> None:
    result = _run(_deployment(tmp_path), "/as 林运营", "/warn @bob 刷屏", "/wait 5s",
                  "/踢@Alice", "/wait 10s", "/status", "/wait 1m")
    assert result.returncode == 0, result.stderr
    assert "speaking as 林运营 (op_lin)" in result.stdout
    assert "[r1] bot: @bob ⚠️ 警告 (1/2)：刷屏" in result.stdout
    assert "*** kick group=r1 member=alice" in result.stdout
    assert "📊 Listener Recruitment 01" in result.stdout  # op_lin is the admin: not a new member


def test_mentions_take_the_longest_name_or_id_that_ends_at_a_boundary() -> None:
    members = {"bob": "Bob", "bo": "Bo", "op_lin": "林运营", "x": "Anna Lee"}
    assert mentioned("/warn @bob 刷屏", members) == ("bob",)
    assert mentioned("/踢@Bob", members) == ("bob",)
    assert mentioned("@Bo，你好 @林运营", members) == ("bo", "op_lin")
    assert mentioned("@Anna Lee hi @bobby @bob @bob", members) == ("x", "bob")
    assert mentioned("no mention", members) == ()


def test_reset_forgets_the_database_and_the_groups_start_over(tmp_path: Path) -> None:
    config_dir = _deployment(tmp_path)
    # (a minute for the second welcome: the simulator runs on the real time of day, and at
    # a weekday's 12:30 or 18:10 the shipped push goes first and the send budget of the new
    # database's account holds the welcome back some seconds more)
    result = _run(config_dir, "/join dave", "/wait 20s", "/groups", "/reset", "/groups",
                  "/join dave", "/wait 1m")
    assert result.returncode == 0, result.stderr
    assert "reset: database" in result.stdout
    assert result.stdout.count("r1: Listener Recruitment 01 倾听者招募群 (5 members") == 1
    assert result.stdout.count("r1: Listener Recruitment 01 倾听者招募群 (4 members") == 1
    assert result.stdout.count("[r1] bot: @dave 欢迎加入") == 2  # a new database: welcomed again


def test_reset_takes_the_clock_back_to_the_time_of_day(tmp_path: Path) -> None:
    """The clock a `/wait` moved on stayed there after `/reset`, and the new database kept
    it for every start after (review s38 R30-6)."""
    config_dir = _deployment(tmp_path)
    result = _run(config_dir, "/wait 2d", "/reset", "/wait 1s")
    assert result.returncode == 0, result.stderr
    waited, after = (datetime.strptime(t, "%Y-%m-%d %H:%M:%S") for t in re.findall(
        r"now (\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) ", result.stdout))
    assert waited - after > timedelta(days=1)
    again = _run(config_dir, "/wait 1s")
    [later] = re.findall(r"now (\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) ", again.stdout)
    assert datetime.strptime(later, "%Y-%m-%d %H:%M:%S") - after < timedelta(days=1)


def test_a_command_missing_its_arguments_prints_its_usage(tmp_path: Path) -> None:
    result = _run(_deployment(tmp_path), "/join", "/rename bob", "/wait", "/groups")
    assert result.returncode == 0, result.stderr
    assert "! that command needs more: /join MEMBER [MEMBER...]" in result.stdout
    assert "! that command needs more: /rename MEMBER NAME" in result.stdout
    assert "! that command needs more: /wait DURATION" in result.stdout
    assert "r1: Listener Recruitment 01 倾听者招募群 (4 members" in result.stdout  # nobody joined


def test_a_command_that_cannot_be_done_says_why(tmp_path: Path) -> None:
    result = _run(_deployment(tmp_path), "/rename ghost Name", "/leave nobody",
                  "/leave bob ghost", "/in r1 extra", "/as Anna Lee", "/wait 1m 2m",
                  "/groups extra", "/groups")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "! not in r1: ghost (/groups lists the groups, /join adds a member)" in out
    assert "! not in r1: nobody (" in out
    assert "! not in r1: ghost (" in out  # and bob stays: nothing half done
    assert "! too much after /in: /in GROUP" in out
    assert ('! too much after /as: /as MEMBER (a name with spaces goes in quotes: '
            '/as "Anna Lee")') in out
    assert "! too much after /wait: /wait DURATION" in out
    assert "! too much after /groups: /groups" in out
    assert out.count("r1: Listener Recruitment 01 倾听者招募群 (4 members") == 1  # once
    assert "now " not in out and "speaking as" not in out


def test_a_kind_that_is_none_is_told_with_the_kinds(tmp_path: Path) -> None:
    """`/kind bogus` said Python's "'bogus' is not a valid Kind" (r32)."""
    result = _run(_deployment(tmp_path), "/kind bogus hi", "/kind image")
    assert result.returncode == 0, result.stderr
    assert "! no kind 'bogus': one of text, image, " in result.stdout
    assert "is not a valid Kind" not in result.stdout


def test_a_reload_asked_for_last_is_answered_before_the_end(tmp_path: Path) -> None:
    """An admin's 「/重载」 as the last piped line: its answer came only at the next start (the
    end of the lines did not wait for the reload under way; r32)."""
    result = _run(_deployment(tmp_path), "/in c1", "/重载")
    assert result.returncode == 0, result.stderr
    assert "✅ 配置已重新加载。" in result.stdout


def test_a_reload_is_answered_before_the_next_lines_reply(tmp_path: Path) -> None:
    """An admin's 「/重载」 then 「/status」: the reload's answer came after the status, the
    reload done in the background while the next line went on (h50c)."""
    result = _run(_deployment(tmp_path), "/in c1", "/重载", "/status", "/wait 1m")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert 0 <= out.find("✅ 配置已重新加载。") < out.find("📊 Customer 01"), out


def test_an_empty_member_is_refused_not_taken_for_a_new_one(tmp_path: Path) -> None:
    """`/as ""` was a new member with an empty id, which replay refuses (s35 r5)."""
    result = _run(_deployment(tmp_path), '/as ""', "/as '  '", '/join ""', '/leave bob ""',
                  "/groups")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.count('! a member is an id or a name, not "" (/as alice, /as "Anna Lee")') == 4
    assert "speaking as" not in out
    assert out.count("r1: Listener Recruitment 01 倾听者招募群 (4 members") == 1  # bob stays


def test_two_simulated_groups_with_one_id_are_refused_naming_the_line(tmp_path: Path) -> None:
    config_dir = _deployment(tmp_path)
    bot_yaml = config_dir / "bot.yaml"
    lines = bot_yaml.read_text(encoding="utf-8").splitlines()
    [at] = [i for i, line in enumerate(lines) if line.strip().startswith("- {id: i1,")]
    lines[at] = lines[at].replace("{id: i1,", "{id: r1,")
    bot_yaml.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for command in ("check", "run"):
        result = groupbot(command, "--config", str(config_dir))
        assert result.returncode == 2
        assert (f"{bot_yaml}:{at + 1}: simulator.groups[1].id: group id 'r1' is already used "
                "by groups[0]; ids must differ") in result.stderr


def test_verbose_is_taken_before_and_after_the_command() -> None:
    for argv, verbose in ((["-v", "run"], True), (["run", "-v"], True),
                          (["run", "--verbose"], True), (["run"], False)):
        assert parser().parse_args(argv).verbose is verbose, argv


def test_verbose_shows_the_bots_events_without_library_debug_lines(tmp_path: Path) -> None:
    result = _run(_deployment(tmp_path), "/join dave", "/wait 20s", verbose=True)
    assert result.returncode == 0, result.stderr
    debug = [line for line in result.stderr.splitlines() if " DEBUG " in line]
    assert any("event MemberJoined in r1: members=[dave (dave)]" in line for line in debug)
    loggers = {line.split(" DEBUG ")[1].split(":")[0] for line in debug}
    assert loggers and all(name.split(".")[0] in ("bot", "handlers") for name in loggers)


def test_names_with_escape_sequences_reach_the_terminal_as_literals(tmp_path: Path) -> None:
    """A name that would set the terminal's title, clear it and colour it, or reverse text."""
    evil = "\x1b]0;pwned\x07\x1b[2J\x1b[31mRED"
    result = _run(_deployment(tmp_path), "/join zed", f"/rename zed {evil}", "/as zed",
                  "hello", "/join \u202eeve", verbose=True)
    assert result.returncode == 0, result.stderr
    for shown in (result.stdout, result.stderr):
        assert "\x1b" not in shown and "\x07" not in shown and "\u202e" not in shown
    assert f"member=zed ({evil!r})" in result.stderr
    assert f"sender=zed ({evil!r}), text='hello'" in result.stderr
    assert f"speaking as {evil!r} (zed)" in result.stdout
    assert "members=['\\u202eeve' ('\\u202eeve')]" in result.stderr


def test_ids_in_the_bots_lines_and_in_errors_reach_the_terminal_as_literals(
        tmp_path: Path) -> None:
    """The welcome's mentions (`@id`), a removal's `member=` and an error quoting the member
    were printed as they are: an id's escape sequences cleared and coloured the screen."""
    red, clear = "\x1b[31mred", "\x1b[2Jx"
    result = _run(_deployment(tmp_path), f"/join {red}", "/wait 1m", f"/as {clear}",
                  "hello", f"/join {clear}", "加我微信 abc12345 有优惠", "/wait 1m")
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout
    assert f"bot: @{red!r} " in result.stdout  # welcomed
    assert f"! {clear!r} is not in r1: /join {clear!r} first" in result.stdout
    assert f"*** kick group=r1 member={clear!r} " in result.stdout


def test_a_100_kb_name_is_cut_on_every_line_that_shows_it(tmp_path: Path) -> None:
    """The prompt repeated it after every line, and so did each error quoting it."""
    huge = "甲" * 100_000
    result = _run(_deployment(tmp_path), f"/as {huge}", "hello", "/groups")
    assert result.returncode == 0, result.stderr
    assert f"[r1 as {huge[:59]}…]> " in result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) < 500


def test_a_wait_longer_than_a_year_is_refused_saying_the_bound(tmp_path: Path) -> None:
    """`/wait 99999d` was taken: it stopped at each of 274 years' jobs (hours), and one
    longer said Python's "date value out of range" (h50c)."""
    result = _run(_deployment(tmp_path), "/wait 400d", "/wait 99999999d", "/wait 9999999999d",
                  "/wait 1s")
    assert result.returncode == 0, result.stderr
    for written in ("400d", "99999999d", "9999999999d"):  # (the last past any timedelta)
        assert (f"! /wait {written} is too long: at most 366d (a year) at a time; /wait again "
                "for more") in result.stdout
    assert result.stdout.count("now ") == 1  # the clock stayed; the next line goes on


NOT_UTF_8 = b"/as alice\n\xff\xfe hi\n/as bob\n/quit\n"


def test_input_that_is_not_utf_8_is_read_on_as_replacement_characters(tmp_path: Path) -> None:
    """Under a C locale (and C.UTF-8) the interpreter reads stdin as UTF-8 with
    surrogateescape: the bytes came through as lone surrogates and the antispam handler
    failed on them (a traceback in the log). That stream, in this process."""
    stdin = io.TextIOWrapper(io.BytesIO(NOT_UTF_8), encoding="utf-8", errors="surrogateescape")
    result = groupbot("run", "--simulator", "--config", str(_deployment(tmp_path)),
                      stdin=stdin, env={k: v for k, v in os.environ.items()
                                        if not k.startswith(("WECHATY_", "GROUPBOT_"))})
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and " failed" not in result.stderr, result.stderr
    assert "speaking as Bob (bob)" in result.stdout


def test_input_that_is_not_utf_8_does_not_end_a_strictly_decoded_stdin(tmp_path: Path) -> None:
    """Where stdin's decoding is strict (a UTF-8 locale but C.UTF-8; here PYTHONIOENCODING
    says so), a decoding error would end the input thread, and the simulator would wait for
    input forever: a process of its own, which the timeout ends if so."""
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run", "--simulator", "--config",
         str(_deployment(tmp_path))],
        input=NOT_UTF_8, capture_output=True, timeout=60,
        env={"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8", "PYTHONIOENCODING": "utf-8:strict"})
    err = result.stderr.decode()
    assert result.returncode == 0, err
    assert "Traceback" not in err and " failed" not in err, err
    assert "speaking as Bob (bob)" in result.stdout.decode()


def test_the_simulated_deployment_has_a_group_of_every_stage_and_a_passed_quiz_gets_in(
        tmp_path: Path) -> None:
    deployment = config.load(ROOT / "config", REGISTRY)
    bound = {gtype.name for g in deployment.settings.simulator.groups
             if (gtype := deployment.type_for(g.id, g.topic)) is not None}
    assert {"recruitment", "internship", "customer", "official"} <= bound
    result = _run(_deployment(tmp_path), "/in i1", "/join alice", "/as alice", "开始考试",
                  "/wait 5s", "C", "/wait 5s", "A", "/wait 5s", "BCD", "/wait 5s", "BC",
                  "/wait 5s", "我会陪着她，理解她的难过", "/wait 3m")
    assert result.returncode == 0, result.stderr
    assert "*** invite group=o1 member=alice" in result.stdout
    assert "已邀请你加入正式群「Official 01 正式倾听者群」" in result.stdout
    assert "[o1] bot: @alice 🎊 恭喜正式成为倾听者" in result.stdout


@contextlib.contextmanager
def waiting_a_year(config_dir: Path) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """`groupbot run --simulator` in a process of its own, `/wait 366d` typed (a year of
    pushes, the longest wait): the process, once the wait is under way, and the first bot
    line it printed."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run", "--simulator", "--config", str(config_dir)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONUNBUFFERED": "1"})
    assert process.stdin is not None and process.stdout is not None
    try:
        process.stdin.write("/wait 366d\n")
        process.stdin.flush()
        while " bot: " not in (line := process.stdout.readline()):
            assert line, process.stderr.read() if process.stderr else ""
        yield process, line
    finally:
        process.kill()


def test_a_long_wait_stops_on_ctrl_c(tmp_path: Path) -> None:
    """`/wait 366d` runs a year of pushes; Ctrl-C (SIGINT, as SIGTERM) stops it and the bot
    at once, cleanly, rather than after the year."""
    with waiting_a_year(_deployment(tmp_path)) as (process, _):
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "stopped; queued actions and timers are kept" in err


class _EditedOnTheWay(io.StringIO):
    """An operator's stdin: `/wait 1s`, then, once the bot has started and shown the time
    (config read), `edit()`, and `/reload` and `/quit`."""

    def __init__(self, out: io.StringIO, edit: Callable[[], None]) -> None:
        super().__init__("/wait 1s\n/reload\n/quit\n")
        self.out, self.edit = out, edit

    def __next__(self) -> str:
        line = super().__next__()
        if line == "/reload\n":
            started = time.monotonic() + 60  # (else on: the assertions say what is missing)
            while "now " not in self.out.getvalue() and time.monotonic() < started:
                time.sleep(0.01)
            self.edit()
        return line


def test_a_reload_refused_lists_one_problem_a_line(tmp_path: Path) -> None:
    """The problems came out as one line joined by a literal `\\n`."""
    config_dir = _deployment(tmp_path)
    bot_yaml = config_dir / "bot.yaml"
    text = bot_yaml.read_text(encoding="utf-8")

    def edit() -> None:
        bot_yaml.write_text(text.replace("group_interval: 3s", "group_interval: 3x")
                            .replace("global_per_minute: 40", "global_per_minute: lots"),
                            encoding="utf-8")

    output = io.StringIO()
    result = groupbot("run", "--simulator", "--config", str(config_dir),
                      stdin=_EditedOnTheWay(output, edit), stdout=output,
                      env={k: v for k, v in os.environ.items()
                           if not k.startswith(("WECHATY_", "GROUPBOT_"))})
    out, err = output.getvalue(), result.stderr
    assert result.returncode == 0, err
    assert "now " in out and text != bot_yaml.read_text(encoding="utf-8"), out
    problems = [line.partition("! ")[2] for line in out.splitlines() if str(bot_yaml) in line]
    lines = text.splitlines()  # where the two keys are in the shipped bot.yaml
    interval = next(i for i, line in enumerate(lines, 1) if "group_interval:" in line)
    per_minute = next(i for i, line in enumerate(lines, 1) if "global_per_minute:" in line)
    assert problems[0].startswith(f"{bot_yaml}:{interval}: outbox.group_interval: "), out
    assert any(line.startswith(f"{bot_yaml}:{per_minute}: outbox.global_per_minute: ")
               for line in out.splitlines()), out
    assert not any("\\n" in problem for problem in problems)  # (the banner names `\\n`)


def test_the_bots_own_kick_reason_is_shown_whole(tmp_path: Path) -> None:
    """Only members' ids and names are cut at 60 characters: the reason an admin gave was
    cut too."""
    reason = "这位成员在群里多次发布与招募无关的广告内容，" * 3 + "骚扰新成员，予以移出"
    result = _run(_deployment(tmp_path), "/as op_lin", f"/kick @bob {reason}", "/wait 1m")
    assert result.returncode == 0, result.stderr
    [kicked] = [line for line in result.stdout.splitlines() if "*** kick" in line]
    assert "member=bob" in kicked and reason in kicked, kicked


def test_the_bot_removed_from_a_group_sees_nothing_there_until_added_back(
        tmp_path: Path) -> None:
    # The bot went on answering and pushing in a group it had been removed from.
    result = _run(_deployment(tmp_path), "/leave bot", "群规", "/join carol", "/wait 1m",
                  "/as op_lin", "/join bot", "/as alice", "群规", "/wait 1m")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "! the bot is not in r1 (removed): WeChat shows it nothing there; /join bot " \
           "adds it back" in out
    assert "(the bot is not in r1: WeChat tells it nothing of it)" in out  # carol's join
    assert out.count("【招募群群规】") == 1  # answered once it is back, not before
    assert "@carol" not in out  # her join was never the bot's to see


def test_piped_lines_ending_with_quit_show_every_answer_the_bot_queued(tmp_path: Path) -> None:
    """`/quit` at the end of piped lines (a script's natural end) drains what the bot
    queued as the end of the lines does: both answers show, not only the first."""
    result = _run(_deployment(tmp_path), "/as bob", "群规", "/as alice", "怎么报名", "/quit",
                  "收入怎么算")  # (nothing after /quit is read)
    assert result.returncode == 0, result.stderr
    assert "【招募群群规】" in result.stdout
    assert "报名流程" in result.stdout
    assert "按通话时长结算" not in result.stdout


def test_a_broadcast_can_be_typed_on_one_line_with_backslash_n(tmp_path: Path) -> None:
    """/broadcast names its groups on the first line and its text on the next ones: typed
    on one line (the simulator reads lines) it was refused (r7 R7-6). `\\n` breaks it."""
    result = _run(_deployment(tmp_path),
                  r"/dm /broadcast customer\n本周六 20:00 线上分享会\n报名回复「分享会」")
    assert result.returncode == 0, result.stderr
    assert "[群发] 预览" in result.stdout
    assert "内容：\n本周六 20:00 线上分享会\n报名回复「分享会」\n发送到（1）：" in result.stdout


def test_the_text_a_command_ends_in_is_taken_as_typed_apostrophes_too(tmp_path: Path) -> None:
    """`/rename alice O'Brien`, `/link URL don't…`, `/kind file it's.pdf` and an admin's
    `/warn @bob don't` printed 「! No closing quotation」 and did nothing: every line was
    split as a shell would before its command was known (r41 finding 13). A member's name
    with an apostrophe goes in double quotes, and one left open says so."""
    result = _run(_deployment(tmp_path), "/rename alice O'Brien", "/as O'Brien",
                  '/as "O\'Brien"', "/link https://example.com/a don't click",
                  "/kind file it's.pdf", "/as 林运营", "/warn @bob don't", "/wait 5s",
                  verbose=True)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert ("! No closing quotation in /as O'Brien: a name with an apostrophe or a quote goes "
            """in the other quotes (/as "O'Brien", /as 'Anna "A" Lee')""") in out
    assert "speaking as O'Brien (alice)" in out
    assert "[r1] bot: @bob ⚠️ 警告 (1/2)：don't" in out
    events = [line for line in result.stderr.splitlines() if "event Message in r1" in line]
    assert any("""text="don't click", kind=link, url='https://example.com/a'""" in line
               for line in events), events
    assert any("""text="it's.pdf", kind=file""" in line for line in events), events


def test_a_name_two_members_share_is_refused_with_their_ids(tmp_path: Path) -> None:
    """After `/rename bob 林运营`, the admin's `/kick @林运营` removed bob (the last member
    listed under the name) and `/as 林运营` spoke as one of the two, saying nothing of the
    other (r41 finding 11). Either is refused, naming both ids; an id still names one."""
    result = _run(_deployment(tmp_path), "/rename bob 林运营", "/kick @林运营", "/as 林运营",
                  "/as op_lin", "/warn @bob 刷屏", "/wait 5s")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    refused = "! 2 members are named 林运营: op_lin, bob; name one by its id (@op_lin, /as op_lin)"
    assert out.count(refused) == 2, out
    assert "*** kick" not in out
    assert out.count("speaking as ") == 1 and "speaking as 林运营 (op_lin)" in out  # by id
    assert "[r1] bot: @bob ⚠️ 警告 (1/2)：刷屏" in out


def test_a_mention_of_a_name_two_members_share_is_refused_an_id_is_not() -> None:
    members = {"op_lin": "林运营", "bob": "林运营", "x": "bob"}
    with pytest.raises(ValueError, match=r"2 members are named 林运营: op_lin, bob; name one "):
        mentioned("/kick @林运营", members)
    assert mentioned("/kick @bob @x @op_lin", members) == ("bob", "x", "op_lin")
