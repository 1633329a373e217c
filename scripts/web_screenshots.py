"""Regenerate the web console's screenshots in docs/web/ (docs/web.md).

    .venv/bin/python scripts/web_screenshots.py [--out DIR]

Builds a month of demo history on a virtual clock (a real bot on the simulator, a copy of
the shipped config in a temporary folder), serves the console on a free port and
photographs its pages with Debian's chromium (apt-get install chromium chromium-driver).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "web"))

from browser import Browser, start  # noqa: E402
from harness import Harness  # noqa: E402
from selenium import webdriver  # noqa: E402

from bot.web import links, server  # noqa: E402

TOKEN = "screenshots"
GROUPS = {"r1": "倾听者招募 01 群 Recruitment", "r2": "倾听者招募 02 群 Recruitment",
          "i1": "倾听者实习 01 群 Internship", "o1": "正式倾听者 01 群 Official"}
NAMES = ["小林", "阿杰", "Momo", "小雨", "Kevin", "晴天", "阿珍", "大卫", "Lucy", "小北",
         "橙子", "安安", "Leo", "木木", "小鹿", "Ivy"]
CHAT = ["大家好", "请问怎么报名", "今天的培训几点开始？", "收到", "谢谢分享", "晚安",
        "这个话题很有意思", "我来了", "👍", "明天见"]
PAGES = [("overview", "/", 1280, 2000), ("groups", "/groups", 1280, 700),
         ("group", "/groups/r1", 1280, 1800), ("moderation", "/moderation", 1280, 1200),
         ("funnel", "/funnel", 1280, 1500), ("schedules", "/schedules", 1280, 900)]


async def history(h: Harness) -> None:
    """A month of a recruitment platform: joins, chat, check-ins, an ad, the quiz."""
    rng = random.Random(7)
    members = [f"m{i}" for i in range(len(NAMES))]
    for member, name in zip(members, NAMES, strict=True):
        h.world.contacts[member] = name
    h.world.friends.add("m1")
    for day in range(30):
        for member in rng.sample(members, 2):
            await h.join(rng.choice(["r1", "r2"]), member, inviter="alice")
        for _ in range(rng.randint(6, 14)):
            await h.advance(timedelta(minutes=rng.randint(5, 50)))
            group, member = rng.choice(["r1", "r2", "i1"]), rng.choice(members)
            await h.say(group, member, rng.choice(CHAT))
        for member in rng.sample(members, 4):
            await h.say("i1", member, "签到")
        if day % 6 == 3:
            await h.say("r1", rng.choice(members), "加我微信 vx12345 有优惠")
        if day == 20:
            await h.join("i1", "m1")
            await h.say("i1", "m1", "开始考试")
            for answer in ("B", "ACD", "B", "C", "倾听 共情 保密"):
                await h.advance("20s")
                await h.say("i1", "m1", answer)
        await h.advance(timedelta(hours=24) - timedelta(hours=h.clock.now().hour - 9))
    await h.join("r1", "mallory")
    await h.rename("r1", "mallory", '<img src=x onerror="alert(1)">小号')


async def shoot(out: Path, driver: webdriver.Chrome | None = None) -> None:
    """The pictures into `out`, taken with `driver` (a browser of its own when None, quit at
    the end; a given one is left running, as the tests' browser is for their next test)."""
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="groupbot-shots-") as folder:
        tmp = Path(folder)
        shutil.copytree(ROOT / "config", tmp / "config")
        shutil.copytree(ROOT / "content", tmp / "content")
        async with Harness(tmp / "config", tmp, groups=GROUPS) as h:
            await history(h)
            console = server.for_bot(h.bot, TOKEN)
            running = await server.start(console, "127.0.0.1", 0, announce=False)
            own = driver is None
            if driver is None:
                driver = await asyncio.to_thread(start)
            b = Browser(driver, running.url)
            try:
                await b.open(f"/login?token={TOKEN}")
                for name, path, width, height in PAGES:
                    await b.run(driver.set_window_size, width, height)
                    await b.open(path)
                    await b.screenshot(str(out / f"{name}.png"))
                base = tmp / "config" / "types" / "base.yaml"
                base.write_text(base.read_text().replace("warn_limit: 3", "warn_limit: lots"))
                await b.run(driver.set_window_size, 1280, 900)
                await b.open("/config")
                await b.click("#reload")
                await b.screenshot(str(out / "config.png"))
                token = links.sign(await links.make_key(h.bot.store), "m1",
                                   h.clock.now() + timedelta(days=7))
                await b.run(driver.set_window_size, 390, 1100)
                await b.open(f"/me/{token}")
                await b.screenshot(str(out / "me.png"))
                await b.open("/")
                await b.screenshot(str(out / "phone.png"))
            finally:
                if own:
                    await b.run(driver.quit)
                await running.stop()
                await console.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "web")
    asyncio.run(shoot(parser.parse_args().out))


if __name__ == "__main__":
    main()
