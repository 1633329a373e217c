"""The lazy savepoint both store backends give each handler: opened only if the handler
writes (most handlers only read for most events), released or rolled back when it ends. A
plain class: it is entered once per handler per event, and a generator-based context costs
several times more."""

from __future__ import annotations

from typing import Protocol


class Backend(Protocol):
    _lazy: str | None  # the savepoint to open before the next write, if any
    _depth: int

    def _release(self, name: str) -> None: ...

    def _undo(self, name: str) -> None: ...


class LazySavepoint:
    __slots__ = ("_name", "_store")

    def __init__(self, store: Backend) -> None:
        self._store = store
        self._name = ""

    async def __aenter__(self) -> None:
        self._name = self._store._lazy = f"lazy{self._store._depth}"

    async def __aexit__(self, kind: type[BaseException] | None, *rest: object) -> None:
        store = self._store
        opened, store._lazy = store._lazy is None, None
        if not opened:
            return
        if kind is None:
            store._release(self._name)
        else:
            store._undo(self._name)
