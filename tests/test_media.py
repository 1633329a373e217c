"""Images and files (content files) in keyword replies, welcomes, rules and pushes: each one
a WeChat send of its own, checked when the config is loaded, kept by name while queued."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from harness import BOT_YAML, Harness, write_config

from bot import config
from bot.cli import main
from bot.media import MAX_BYTES
from bot.yamlfile import InputError
from handlers import REGISTRY

POSTER = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
DOCUMENT = b"%PDF-1.4\n" + b"rules " * 100

KEYWORD_WITH_FILES = """\
  - keywords:
      cooldown: 0s
      group_cooldown: 0s
      rules:
        - patterns: [报名]
          reply: 扫码报名
          image: posters/qr.png
          attachment: rules.pdf
"""


def deployment(tmp_path: Path, handlers: str, *, extra: str = "",
               direct: str | None = None) -> Path:
    """The recruitment type gets `handlers`; content/ has posters/qr.png and rules.pdf."""
    types = {"recruitment": "handlers:\n" + handlers}
    if direct is not None:
        types["private"] = "handlers:\n" + direct
        extra += "direct: private\n"
    root = write_config(tmp_path / "config", BOT_YAML + extra, types)
    (root / "content" / "posters").mkdir()
    (root / "content" / "posters" / "qr.png").write_bytes(POSTER)
    (root / "content" / "rules.pdf").write_bytes(DOCUMENT)
    return root


def sends(h: Harness, kind: str = "say") -> list[tuple[str, str]]:
    """What went out, one entry per WeChat send: ("text", ...) or ("file", ...)."""
    return [("file", r["file"]) if "file" in r else ("text", r["text"])
            for r in h.actions(kind)]


async def test_a_keyword_reply_sends_its_text_then_its_image_then_its_file(
        tmp_path: Path) -> None:
    async with Harness(deployment(tmp_path, KEYWORD_WITH_FILES), tmp_path) as h:
        await h.say("r1", "alice", "怎么报名？")
        await h.advance("3m")
        assert sends(h) == [("text", "扫码报名"), ("file", "posters/qr.png"),
                            ("file", "rules.pdf")]


async def test_a_keyword_reply_in_a_private_chat_sends_the_image_privately(
        tmp_path: Path) -> None:
    private = "  - keywords:\n      rules:\n        - {patterns: [海报], image: posters/qr.png}\n"
    async with Harness(deployment(tmp_path, KEYWORD_WITH_FILES, direct=private),
                       tmp_path) as h:
        await h.say(None, "dave", "海报")
        await h.advance("5s")
        assert h.actions("dm") == [{"t": h.actions("dm")[0]["t"], "action": "dm", "to": "dave",
                                    "file": "posters/qr.png"}]


async def test_a_welcome_posts_its_poster_once_after_greeting_everyone(tmp_path: Path) -> None:
    welcome = ("  - welcome:\n      template: 欢迎{members}\n      window: 0s\n"
               "      max_mentions: 1\n      image: posters/qr.png\n")
    async with Harness(deployment(tmp_path, welcome), tmp_path) as h:
        await h.join("r1", "carol", "dave")
        await h.advance("3m")
        assert sends(h) == [("text", "欢迎carol"), ("text", "欢迎dave"),
                            ("file", "posters/qr.png")]


async def test_a_welcome_can_be_only_an_image(tmp_path: Path) -> None:
    welcome = "  - welcome:\n      window: 0s\n      image: posters/qr.png\n"
    async with Harness(deployment(tmp_path, welcome), tmp_path) as h:
        await h.join("r1", "carol")
        await h.advance("5s")
        assert sends(h) == [("file", "posters/qr.png")]


async def test_the_rules_can_be_a_document(tmp_path: Path) -> None:
    rules = "  - rules:\n      attachment: rules.pdf\n"
    async with Harness(deployment(tmp_path, rules), tmp_path) as h:
        await h.say("r1", "alice", "群规")
        await h.advance("5s")
        assert sends(h) == [("file", "rules.pdf")]


async def test_a_push_posts_its_text_and_image_or_only_an_image(tmp_path: Path) -> None:
    push = ("  - push:\n      min_gap: 0s\n      schedules:\n"
            "        - {id: tip, cron: '0 10 * * *', text: 今日提示, image: posters/qr.png}\n"
            "        - {id: poster, cron: '0 12 * * *', image: posters/qr.png}\n")
    async with Harness(deployment(tmp_path, push), tmp_path) as h:
        await h.advance("1h1m")
        assert sends(h) == [("text", "今日提示"), ("file", "posters/qr.png")]
        await h.advance("2h")
        assert sends(h)[2:] == [("file", "posters/qr.png")]


@pytest.mark.usefixtures("backend")
async def test_a_queued_image_survives_a_restart_by_name_and_goes_once(tmp_path: Path) -> None:
    async with Harness(deployment(tmp_path, KEYWORD_WITH_FILES), tmp_path) as h:
        await h.say("r1", "alice", "报名")
        await h.advance("1s")  # the text went; the image and the file wait for the pacing
        assert sends(h) == [("text", "扫码报名")]
        stored = [row[0] for row in await h.bot.store.all("SELECT action FROM outbox")]
        assert all(len(row) < 200 for row in stored)  # the name, never the bytes
        assert any('"file": "posters/qr.png"' in row for row in stored)
        await h.restart()
        await h.advance("3m")
        assert sends(h) == [("text", "扫码报名"), ("file", "posters/qr.png"),
                            ("file", "rules.pdf")]


async def test_an_image_deleted_before_its_turn_is_refused_and_the_admins_told(
        tmp_path: Path) -> None:
    root = deployment(tmp_path, KEYWORD_WITH_FILES)
    async with Harness(root, tmp_path) as h:
        await h.say("r1", "alice", "报名")
        await h.advance("1s")
        (root / "content" / "posters" / "qr.png").unlink()
        await h.advance("20s")
        assert sends(h) == [("text", "扫码报名"), ("file", "rules.pdf")]
        [told] = h.actions("dm", to="admin")
        assert "cannot send posters/qr.png: content file not found" in told["text"]


@pytest.mark.usefixtures("backend")
async def test_images_and_files_spend_their_own_send_budget(tmp_path: Path) -> None:
    governor = ("governor:\n  enabled: true\n  jitter: 0\n  warmup: {days: 0}\n"
                "  budgets: {files: {per_minute: 1, per_hour: 60, per_day: 300}}\n")
    keyword = ("  - keywords:\n      rules:\n"
               "        - {patterns: [报名], reply: 扫码报名, image: posters/qr.png}\n")
    groups = {"r1": "Recruitment 01", "r2": "Recruitment 02"}
    async with Harness(deployment(tmp_path, keyword, extra=governor), tmp_path,
                       groups=groups) as h:
        await h.say("r1", "alice", "报名")
        await h.say("r2", "bob", "报名")
        await h.advance("3m")
        at = {(r["group"], "file" in r): datetime.fromisoformat(r["t"])
              for r in h.actions("say")}
        assert abs((at["r2", False] - at["r1", False]).total_seconds()) < 10  # texts: theirs
        assert abs((at["r2", True] - at["r1", True]).total_seconds()) >= 60  # an image a minute
        used = {u.budget: u.hour for u in h.bot.governor.usage(h.clock.now())}
        assert used["files"] == 2 and used["group_messages"] == 2


# ---------------------------------------------------------------- config mistakes


def _rule(key: str, value: str) -> str:
    return f"  - keywords:\n      rules:\n        - patterns: [报名]\n          {key}: {value}\n"


@pytest.mark.parametrize("handlers, message", [
    (_rule("image", "posters/missing.png"), "recruitment.yaml:5: handlers.keywords.rules[0]"
     ".image: content file not found: posters/missing.png"),
    (_rule("image", "../outside.png"), "rules[0].image: ../outside.png is outside the content "
     "directory"),
    (_rule("image", "rules.pdf"), "rules[0].image: rules.pdf: cannot send .pdf as an image; "
     "known types: .gif, .jpeg, .jpg, .png (for a document, use `attachment:`)"),
    (_rule("attachment", "posters/qr.png"), "rules[0].attachment: posters/qr.png: cannot send "
     ".png as a file"),
    (_rule("attachment", "setup.exe"), "cannot send .exe as a file; known types: .csv, .doc"),
    # in bytes: "3.0 MB; at most 3 MB" read as if it were allowed
    (_rule("attachment", "big.pdf"), "rules[0].attachment: big.pdf is 3,000,004 bytes; the "
     "gateway takes files of at most 3,000,000 bytes (3 MB)"),
    (_rule("mention", "true"), "rules[0]: give exactly one of `reply`, `replies` or `file` "
     "(a text; or only `image` or `attachment`)"),
    ("  - welcome:\n      window: 0s\n", "handlers.welcome: give `template`, and/or `image`"),
    ("  - rules:\n      cooldown: 1m\n", "handlers.rules: give `text` (a content file), and/or"),
    ("  - push:\n      schedules:\n        - {id: a, cron: '0 * * * *', text: x,"
     " image: posters/gone.png}\n", "push.schedules[0].image: content file not found"),
])
def test_a_bad_image_or_file_is_named_with_file_line_and_key(
        tmp_path: Path, handlers: str, message: str) -> None:
    root = deployment(tmp_path, handlers)
    (root / "outside.png").write_bytes(POSTER)
    (root / "content" / "setup.exe").write_bytes(b"MZ")
    (root / "content" / "big.pdf").write_bytes(b"%PDF" + b"x" * MAX_BYTES)
    with pytest.raises(InputError) as caught:
        config.load(root, REGISTRY)
    assert message in str(caught.value)


def test_the_shipped_budgets_include_images_and_files() -> None:
    budgets: Any = config.Budgets()
    assert budgets.files.per_minute < budgets.group_messages.per_minute


def test_groupbot_check_names_a_missing_poster_and_exits_2(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = deployment(tmp_path, "  - welcome:\n      image: posters/gone.png\n")
    assert main(["check", "--config", str(root)]) == 2
    err = capsys.readouterr().err
    assert "types/recruitment.yaml:3: handlers.welcome.image: content file not found: " \
           "posters/gone.png" in err
    assert "Traceback" not in err
