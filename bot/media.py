"""Images and files the bot sends: which content files may go out, and finding one.

A send names its file as the config does, by its path under the deployment's content
directory (`posters/week48.png`); actions keep that name, never the bytes, so a queued send
survives a restart. The file is checked when the config is loaded (`image:` and
`attachment:` keys) and found again when it is sent. Operator view: docs/handlers/keywords.md,
"Images and files".
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

IMAGES = frozenset({".png", ".jpg", ".jpeg", ".gif"})
FILES = frozenset({".pdf", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".txt", ".csv",
                   ".zip"})
# A file travels base64-encoded (4/3 of its size) in one gRPC message to the puppet-service
# gateway, which takes at most 4 MiB (gRPC's default; wechaty-puppet-service keeps it).
MAX_BYTES = 3_000_000


@dataclass(frozen=True, slots=True)
class Attachment:
    """A content file to send: `name` as the config names it, `path` where it is now."""

    name: str
    path: Path

    @property
    def image(self) -> bool:
        """WeChat shows it as a picture (else as a file to open)."""
        return is_image(self.name)

    @property
    def filename(self) -> str:
        """What the recipient sees as the file's name."""
        return self.path.name


def is_image(name: str) -> bool:
    return Path(name).suffix.lower() in IMAGES


def find(root: Path, name: str, *, image: bool | None = None) -> Attachment:
    """The content file `name` under `root`, checked as sendable; ValueError saying what is
    wrong. `image`: True takes only images, False only other files, None either."""
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"an image or file must be a path under content/, not {name!r}")
    suffix = Path(name).suffix.lower()
    allowed = IMAGES if image else FILES if image is False else IMAGES | FILES
    if suffix not in allowed:
        what = "an image" if image else "a file" if image is False else "an image or file"
        hint = " (for an image, use `image:`)" if image is False and suffix in IMAGES else \
            " (for a document, use `attachment:`)" if image and suffix in FILES else ""
        raise ValueError(f"{name}: cannot send {suffix or 'a name without extension'} as "
                         f"{what}; known types: {', '.join(sorted(allowed))}{hint}")
    base = Path(os.path.realpath(root))  # not resolve(): stat below reports a link loop
    path = Path(os.path.realpath(base / name))
    if not path.is_relative_to(base):
        raise ValueError(f"{name} is outside the content directory {base}")
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ValueError(f"content file not found: {name} (looked in {base})") from None
    except OSError as exc:  # e.g. a symbolic link loop
        raise ValueError(f"{name} cannot be read: {exc.strerror}") from None
    if not path.is_file():
        raise ValueError(f"{name} is not a file")
    if size == 0:
        raise ValueError(f"{name} is empty")
    if size > MAX_BYTES:
        raise ValueError(f"{name} is {size:,} bytes; the gateway takes files of at most "
                         f"{MAX_BYTES:,} bytes ({MAX_BYTES / 1e6:g} MB)")
    return Attachment(path.relative_to(base).as_posix(), path)
