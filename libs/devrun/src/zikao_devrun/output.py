"""Where the output of started processes goes: the terminal (prefixed) or one log file each."""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import IO, Protocol

_COLOURS = ("36", "33", "35", "32", "34", "31")


class Output(Protocol):
    """Receives every line a started process writes (stdout and stderr merged)."""

    def line(self, name: str, text: str) -> None:
        """Take one line (without its newline) written by the process ``name``."""

    def close(self) -> None:
        """Flush and release whatever the output holds."""


class TerminalOutput:
    """Writes ``name | line`` to a stream (stdout by default), colouring names on a terminal."""

    def __init__(self, names: list[str], stream: IO[str] | None = None) -> None:
        self._stream = stream if stream is not None else sys.stdout
        self._width = max((len(name) for name in names), default=0)
        self._colour = {name: _COLOURS[i % len(_COLOURS)] for i, name in enumerate(names)}
        self._tty = self._stream.isatty()
        self._lock = threading.Lock()

    def _prefix(self, name: str) -> str:
        label = f"{name:<{self._width}} |"
        if self._tty and name in self._colour:
            return f"\x1b[{self._colour[name]}m{label}\x1b[0m "
        return f"{label} "

    def line(self, name: str, text: str) -> None:
        """Write one prefixed line and flush it."""
        with self._lock:
            self._stream.write(self._prefix(name) + text + "\n")
            self._stream.flush()

    def close(self) -> None:
        """Flush the stream (it stays open: it is not ours)."""
        with self._lock:
            self._stream.flush()


class LogDirOutput:
    """Writes each process's lines to ``<directory>/<name>.log`` (truncated on first use)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._files: dict[str, IO[str]] = {}
        self._closed = False
        self._lock = threading.Lock()

    def path(self, name: str) -> Path:
        """The log file of the process ``name``."""
        return self.directory / f"{name}.log"

    def _file(self, name: str) -> IO[str]:
        handle = self._files.get(name)
        if handle is None:
            self.directory.mkdir(parents=True, exist_ok=True)
            handle = self.path(name).open("w", encoding="utf-8")
            self._files[name] = handle
        return handle

    def line(self, name: str, text: str) -> None:
        """Append one line to the process's log file and flush it (dropped once closed)."""
        with self._lock:
            if self._closed:
                return
            handle = self._file(name)
            handle.write(text + "\n")
            handle.flush()

    def close(self) -> None:
        """Close every log file."""
        with self._lock:
            self._closed = True
            for handle in self._files.values():
                handle.close()
            self._files.clear()
