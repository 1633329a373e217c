"""Standard output for the commands: its failed writes and flushes are OutputFailed, told
apart where they happen (bot/cli.py says so in one line, or stops quietly when the reader
has gone)."""

from __future__ import annotations

from typing import Any


class OutputFailed(Exception):
    """Writing standard output failed (the OSError is the cause): the reader has gone, or
    the disk under `> file` is full. Told apart where it happens: a full disk under a file
    the command writes is an OSError naming that file."""


class Output:
    """Standard output (text, and its `buffer` of bytes) whose failed writes and flushes
    are OutputFailed; everything else (isatty, fileno, encoding...) as the stream has it."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, data: Any) -> Any:
        if self._stream is None:  # started with standard output closed (`>&-`)
            raise OutputFailed("it is closed")
        try:
            return self._stream.write(data)
        except OSError as exc:
            raise OutputFailed(exc.strerror or exc) from exc

    def flush(self) -> None:
        if self._stream is None:
            return  # (nothing written: write said so)
        try:
            self._stream.flush()
        except OSError as exc:
            raise OutputFailed(exc.strerror or exc) from exc

    @property
    def buffer(self) -> Output:
        return Output(None if self._stream is None else self._stream.buffer)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)
