import base64
import os

import pytest
from cryptography.exceptions import InvalidTag

from zikao_identity.crypto import KeyRingError, Sealed, Vault


def _key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def test_seal_and_open_with_rotation() -> None:
    old, new, index = _key(), _key(), _key()
    before = Vault.from_settings(f"k1:{old}", "k1", index)
    sealed = before.seal("500103199001011232", "id_number")
    rotated = Vault.from_settings(f"k1:{old},k2:{new}", "k2", index)
    assert rotated.open(sealed, "id_number") == "500103199001011232"
    assert rotated.seal("x", "id_number").key_id == "k2"
    assert b"500103" not in sealed.blob


def test_purpose_is_bound() -> None:
    vault = Vault.from_settings(f"k1:{_key()}", "k1", _key())
    sealed = vault.seal("13800138000", "phone")
    with pytest.raises(InvalidTag):
        vault.open(sealed, "id_number")


def test_blind_index_is_keyed_and_stable() -> None:
    key = _key()
    one = Vault.from_settings(f"k1:{_key()}", "k1", key)
    two = Vault.from_settings(f"k9:{_key()}", "k9", key)
    other = Vault.from_settings(f"k1:{_key()}", "k1", _key())
    assert one.blind_index("a", "id") == two.blind_index("a", "id")
    assert one.blind_index("a", "id") != other.blind_index("a", "id")


def test_bad_key_ring_is_refused() -> None:
    with pytest.raises(KeyRingError):
        Vault.from_settings("nokey", "k1", _key())
    with pytest.raises(KeyRingError):
        Vault.from_settings(f"k1:{_key()}", "k2", _key())
    with pytest.raises(KeyRingError):
        Vault.from_settings("k1:" + base64.b64encode(b"short").decode(), "k1", _key())
    vault = Vault.from_settings(f"k1:{_key()}", "k1", _key())
    with pytest.raises(KeyRingError):
        vault.open(Sealed("gone", b"\0" * 40), "id_number")
