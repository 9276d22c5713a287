"""Where rendered files live: a `Storage` protocol, a local folder by default (S3 later)."""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*$")


class StoredFileMissingError(LookupError):
    """No file is stored under the key."""


class Storage(Protocol):
    async def write(self, key: str, data: bytes) -> None:
        """Stores `data` under `key` atomically: readers see the old file or the new, never half."""

    async def read(self, key: str) -> bytes:
        """The bytes stored under `key`; `StoredFileMissingError` when there are none."""


def check_key(key: str) -> str:
    """Keys are relative slash-separated names of plain parts: no `..`, no absolute paths."""
    if len(key) > 200 or not _KEY.match(key) or ".." in key:
        raise ValueError("invalid storage key")
    return key


class LocalStorage:
    """Files under one folder; a write goes to a temporary file beside the target, is synced,
    then renamed over it (atomic on POSIX)."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def path_of(self, key: str) -> Path:
        return self.root / check_key(key)

    async def write(self, key: str, data: bytes) -> None:
        await asyncio.to_thread(self._write, self.path_of(key), data)

    async def read(self, key: str) -> bytes:
        try:
            return await asyncio.to_thread(self.path_of(key).read_bytes)
        except FileNotFoundError as error:
            raise StoredFileMissingError(key) from error

    @staticmethod
    def _write(target: Path, data: bytes) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".part")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
