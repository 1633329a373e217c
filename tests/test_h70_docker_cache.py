"""h70: the image keeps the banned words' pinyin (bot/banned.py's pinyin.json) made at build
time: a start in the container, which may not write the root-owned cache, read it again at
each start with pypinyin in a child process (0.2 s of CPU; review r51)."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

from harness import ROOT
from test_deploy import _final_stage


def _made_at_build(tmp_path: Path) -> tuple[str, Path]:
    """The final stage's RUN that makes pinyin.json, and the cache it makes, run here: /app
    and /opt/groupbot/cache are directories of the test's."""
    stage = _final_stage()
    [run] = [args for op, args in stage if op == "RUN" and "pinyin.json" in args]
    copied = [args.split()[0] for op, args in stage[:stage.index(("RUN", run))] if op == "COPY"]
    assert {"config", "content"} <= set(copied)  # (the word lists are in the image before)
    assert ("USER", "groupbot") not in stage[:stage.index(("RUN", run))]  # (root's cache)
    app, cache = tmp_path / "app", tmp_path / "cache"
    shutil.copytree(ROOT / "config", app / "config")
    shutil.copytree(ROOT / "content", app / "content")
    command = run.replace("/app/", f"{app}/").replace("/opt/groupbot/cache", str(cache))
    env = {**os.environ, "XDG_CACHE_HOME": str(cache),
           "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    subprocess.run(["sh", "-c", command], env=env, check=True, timeout=300)
    return command, cache / "groupbot" / "pinyin.json"


def test_the_image_reads_the_shipped_words_pinyin_at_build_for_every_user(
        tmp_path: Path) -> None:
    command, kept = _made_at_build(tmp_path)
    assert command.startswith("groupbot check --config ")
    assert kept.stat().st_mode & stat.S_IROTH  # (the bot runs as groupbot)
    # a start then finds every reading kept: it writes no new file (nor starts pypinyin)
    made = kept.stat().st_ino
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    subprocess.run([sys.executable, "-m", "bot.cli", "check", "--config",
                    str(tmp_path / "app" / "config")], env=env, cwd=ROOT, check=True,
                   capture_output=True, timeout=300)
    assert kept.stat().st_ino == made
