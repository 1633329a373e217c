"""What a test needs from the machine that pip cannot install (a browser, a PostgreSQL
server, docker-compose): without it the test skips, saying what to install, unless
GROUPBOT_STRICT_TESTS=1 (CI, whose .ci/run installs all of it): there it fails instead."""

from __future__ import annotations

import os
import shutil
from typing import NoReturn

import pytest


def missing(reason: str) -> NoReturn:
    """Skip (or, under GROUPBOT_STRICT_TESTS=1, fail) the test for `reason`."""
    if os.environ.get("GROUPBOT_STRICT_TESTS") == "1":
        pytest.fail(reason + "; GROUPBOT_STRICT_TESTS=1 forbids skipping")
    pytest.skip(reason)


def command(name: str, package: str) -> str:
    """The path of the command `name`, from Debian's `package`."""
    found = shutil.which(name)
    if found is None:
        missing(f"{name} is not installed on this machine (apt-get install -y {package})")
    return found
