from pathlib import Path

import pytest

from zikao_documents.storage import LocalStorage, StoredFileMissingError, check_key


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


async def test_a_written_file_reads_back(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "files")
    await storage.write("a/b.pdf", b"one")
    await storage.write("a/b.pdf", b"two")
    assert await storage.read("a/b.pdf") == b"two"
    assert _names(tmp_path / "files" / "a") == ["b.pdf"]  # no temporary files left


async def test_a_missing_key_is_reported(tmp_path: Path) -> None:
    with pytest.raises(StoredFileMissingError):
        await LocalStorage(tmp_path).read("nothing.pdf")


async def test_a_failed_write_leaves_no_partial_file(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    (tmp_path / "taken").mkdir()
    with pytest.raises(IsADirectoryError):
        await storage.write("taken", b"new")  # a folder cannot be replaced by a file
    assert _names(tmp_path) == ["taken"]


@pytest.mark.parametrize(
    "key", ["../x.pdf", "/etc/passwd", "a//b", "a/../b", "", ".hidden", "a\\b"]
)
def test_keys_stay_inside_the_folder(key: str) -> None:
    with pytest.raises(ValueError, match="invalid storage key"):
        check_key(key)
