"""The core never imports a chat platform: only bot/adapters/wechaty.py imports wechaty."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ALLOWED = {ROOT / "bot" / "adapters" / "wechaty.py"}


def _imports(path: Path) -> set[str]:
    """The top-level packages a file imports."""
    return {name.split(".")[0] for name in _names(path)}


def test_only_the_wechaty_adapter_imports_wechaty() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("bot", "handlers")
        for path in (ROOT / folder).rglob("*.py")
        if path not in ALLOWED and any(n.startswith("wechaty") for n in _imports(path))
    ]
    assert offenders == []


# The modules that may open the store: the owners of tables (each publishes typed queries)
# and the app, which opens the one store of a running bot. Everything else imports only the
# interface types; handlers keep their private tables through the Store their Context hands
# them.
OWNERS = {"bot/app.py", "bot/store.py", "bot/roster.py", "bot/audit.py", "bot/audit_command.py",
          "bot/seen.py", "bot/state.py", "bot/scheduler.py", "bot/outbox.py", "bot/report.py",
          "bot/bindings.py", "bot/moderation.py", "bot/platforms.py",
          "bot/web/server.py", "bot/web/base.py",  # the web console reads its database
          "bot/storage_copy.py"}  # `groupbot storage copy`: every table, SQLite to PostgreSQL


TYPES = {"bot.store.Store", "bot.store.Reader", "bot.store.Row", "bot.store.StoreError",
         "bot.store.Location", "bot.store.sqlite_only",
         "bot.store.foreign"}  # (a look at a file's tables for `check`: no store opened)


@cache
def _names(path: Path) -> set[str]:
    """What a file imports, by full name (`from bot import store` is bot.store,
    `from bot.store import Store` is bot.store.Store). Each file is parsed once a process (the
    tests here read every module: 1.2 s of CPU when each parsed them all again); the names
    are kept, not the syntax trees (kept, those slow every later garbage collection)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def _sources() -> list[Path]:
    return [path for folder in ("bot", "handlers", "tests")
            for path in (ROOT / folder).rglob("*.py")]


def test_only_the_store_backends_import_a_database_driver() -> None:
    backends = {ROOT / "bot" / "store.py": {"sqlite3", "aiosqlite"},
                ROOT / "bot" / "postgres.py": {"asyncpg"}}
    drivers = {"sqlite3", "aiosqlite", "asyncpg"}
    offenders = [str(path.relative_to(ROOT)) for path in _sources()
                 if _imports(path) & drivers - backends.get(path, set())]
    assert offenders == []


def test_only_table_owners_open_the_store() -> None:
    """Handlers get the store through their Context; everything else reads through owners."""
    offenders = [str(path.relative_to(ROOT)) for path in (ROOT / "bot").rglob("*.py")
                 if str(path.relative_to(ROOT)) not in OWNERS
                 and any(name == "bot.store" or (name.startswith("bot.store.")
                         and name not in TYPES) for name in _names(path))]
    assert offenders == [], "only owners of tables may open the store backend"



def _graph() -> dict[str, set[str]]:
    """Which bot and handlers modules import which, TYPE_CHECKING imports included."""
    modules = {".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"):
               path for folder in ("bot", "handlers") for path in (ROOT / folder).rglob("*.py")}
    graph = {}
    for name, path in modules.items():
        found = set()
        for imported in _names(path):
            while imported and imported not in modules:
                imported = imported.rpartition(".")[0]
            if imported and imported != name:
                found.add(imported)
        graph[name] = found
    return graph


def test_no_import_circle() -> None:
    graph, done, path = _graph(), set[str](), list[str]()

    def visit(module: str) -> list[str]:
        if module in path:
            return [*path[path.index(module):], module]
        if module in done:
            return []
        path.append(module)
        for imported in sorted(graph[module]):
            if circle := visit(imported):
                return circle
        path.pop()
        done.add(module)
        return []

    circles = [circle for module in sorted(graph) if (circle := visit(module))]
    assert circles == []


def test_adapters_reach_the_bot_only_through_the_inbound_interface() -> None:
    graph = _graph()
    assert {m for m in graph if m.startswith("bot.adapters") and "bot.app" in graph[m]} == set()
    assert "bot.inbound" in graph["bot.adapters.wechaty"]


def test_no_module_probes_for_another_modules_tables() -> None:
    probes = [str(path.relative_to(ROOT)) for folder in ("bot", "handlers")
              for path in (ROOT / folder).rglob("*.py")
              if any(word in path.read_text(encoding="utf-8")
                     for word in ("sqlite_master", "pragma_table_info", "PRAGMA table_info"))]
    assert probes == []


def test_a_process_starts_without_the_libraries_only_some_commands_need() -> None:
    """Every `groupbot` process imports bot.cli: numpy (FAQ scores), the
    confusables data (unmasking, loaded as a bot starts) and aiohttp (the web console) would
    add some 0.2 s of CPU to each, so they are imported only where a command needs them.
    The objects the imports made are frozen out of the collector's passes (bot/cli.py), and
    the collector runs again after them."""
    code = ("import gc, sys, bot.cli; "
            "print(sorted({'numpy', 'confusable_homoglyphs', 'aiohttp'} & sys.modules.keys()));"
            "print(gc.isenabled(), gc.get_freeze_count() > 30_000)")
    imported = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                              text=True, check=True).stdout
    assert imported.splitlines() == ["[]", "True True"]


def test_no_test_imports_a_conftest() -> None:
    """tests/web and tests/wechaty each have a conftest.py; pytest imports each as the module
    `conftest`, so a test that imported from one got the other's when a run collected both
    directories (a collection error). What tests share lives in modules with names of their
    own (tests/web/web_site.py, tests/wechaty/wechaty_support.py)."""
    imports = re.compile(r"^\s*(?:from\s+conftest\s+import|import\s+conftest\b)", re.M)
    found = [str(path.relative_to(ROOT)) for path in sorted((ROOT / "tests").rglob("*.py"))
             if imports.search(path.read_text(encoding="utf-8"))]
    assert found == []


def test_docs_architecture_names_every_module() -> None:
    """docs/architecture.md's table of modules is where a newcomer starts reading: a module
    it does not name is one nobody finds."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    missing = [str(path.relative_to(ROOT)) for path in sorted((ROOT / "bot").rglob("*.py"))
               if path.stem != "__init__" and path.name not in text]
    assert missing == [], "name these in docs/architecture.md's table of modules"
