"""Loaded before any other plugin (pyproject.toml: `-p pytest_early`, found through its
`pythonpath`), in pytest's controller and in each pytest-xdist worker.

Byte code is cached even where PYTHONDONTWRITEBYTECODE is set (as on the project's
machines). pytest rewrites the asserts of the installed plugins' modules as it imports them
(hypothesis, pytest-xdist, pytest-asyncio: some 85 modules), of conftest.py and of every
test module, and keeps what it rewrote only where byte code may be written: else every
process (the controller and each worker) rewrites them all again, some 2.5 s of CPU each
(`pytest --collect-only -n0`: 7.8 -> 5.4 s of CPU on the loaded 2-core machine)."""

import sys

sys.dont_write_bytecode = False
