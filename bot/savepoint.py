"""The lazy savepoint both store backends give each handler: opened only if the handler
writes (most handlers only read for most events), released or rolled back when it ends. A
plain class: it is entered once per handler per event, and a generator-based context costs
several times more.

And the journal both backends keep of the open transaction: writes deferred to its commit
(`Store.defer`) and what to undo in memory if a part of it is rolled back (`Store.on_undo`),
so that state a handler keeps in memory never differs from what is committed."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, MutableMapping, Sequence
from typing import Any, TypeVar

K = TypeVar("K")
V = TypeVar("V")

Deferred = tuple[str, Sequence[Any]]


class Journal:
    """In order: deferred writes (sql, params) and undo callbacks. A savepoint or an event
    marks where it began (`len(journal.entries)`); rolling it back runs the callbacks after
    the mark, newest first, and drops the writes after it. A commit runs the writes just
    before it, in order; once it succeeded the journal starts again empty."""

    __slots__ = ("entries",)

    def __init__(self) -> None:
        self.entries: list[Deferred | Callable[[], object]] = []

    def rollback(self, mark: int = 0) -> None:
        entries = self.entries
        while len(entries) > mark:
            entry = entries.pop()
            if not isinstance(entry, tuple):
                entry()

    def take(self) -> Journal:
        """What the transaction about to commit leaves: the journal of the next one starts
        empty."""
        taken = Journal()
        taken.entries, self.entries = self.entries, []
        return taken

    def writes(self) -> list[tuple[str, list[Sequence[Any]]]]:
        """The deferred writes in order, a run of the same statement as one executemany."""
        runs: list[tuple[str, list[Sequence[Any]]]] = []
        last: str | None = None  # the run under way: its statement and its rows' parameters
        rows: list[Sequence[Any]] = []
        for entry in self.entries:
            if isinstance(entry, tuple):
                sql, params = entry
                if sql != last:
                    last, rows = sql, [params]
                    runs.append((sql, rows))
                else:
                    rows.append(params)
        return runs


def restoring(mapping: MutableMapping[K, V], key: K) -> Callable[[], object]:
    """The undo (for `Store.on_undo`) of a change about to be made to `mapping[key]`: it sets
    back the value the key has now, or takes the key out if it has none."""
    if key not in mapping:
        return lambda: mapping.pop(key, None)
    before = mapping[key]
    return lambda: mapping.__setitem__(key, before)


_NAMES = tuple(f"lazy{depth}" for depth in range(8))


class LazySavepoint:
    """Entered with `with` (the event path: nothing in it waits, and a coroutine for each
    end costs more than the savepoint itself when nothing is written) or `async with`."""

    __slots__ = ("_mark", "_name", "_store")

    def __init__(self, store: Journaled) -> None:
        self._store = store
        self._name = ""
        self._mark = 0

    def __enter__(self) -> None:
        store = self._store
        depth = store._depth
        self._name = store._lazy = _NAMES[depth] if depth < len(_NAMES) else f"lazy{depth}"
        self._mark = len(store._journal.entries)

    def __exit__(self, kind: type[BaseException] | None, *rest: object) -> None:
        store = self._store
        if kind is not None:
            store._journal.rollback(self._mark)
        opened, store._lazy = store._lazy is None, None
        if not opened:
            return
        if kind is None:
            store._release(self._name)
        else:
            store._undo(self._name)

    async def __aenter__(self) -> None:
        self.__enter__()

    async def __aexit__(self, kind: type[BaseException] | None, *rest: object) -> None:
        self.__exit__(kind)


class Journaled(ABC):
    """What both store backends give handlers over their journal: the lazy savepoint, a
    write deferred to the commit, an undo of state kept in memory."""

    _lazy: str | None  # the savepoint to open before the next write, if any
    _depth: int
    _journal: Journal

    @abstractmethod
    def _release(self, name: str) -> None: ...

    @abstractmethod
    def _undo(self, name: str) -> None: ...

    def savepoint(self) -> LazySavepoint:
        """Like a nested transaction, but opened only if something is written inside it:
        most handlers only read for most events."""
        return LazySavepoint(self)

    def defer(self, sql: str, params: Sequence[Any]) -> None:
        if not self._depth:
            raise RuntimeError("a write is deferred only inside a transaction")
        self._journal.entries.append((sql, params))

    def on_undo(self, callback: Callable[[], object]) -> None:
        if self._depth:
            self._journal.entries.append(callback)
