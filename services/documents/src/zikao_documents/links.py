"""Short-lived signed download links: they name one document and an expiry, nothing personal."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import uuid
from urllib.parse import urlencode

from zikao_documents.inputs import is_ascii_number

MAX_SIGNATURE = 64  # 43 characters of base64 for a SHA-256 HMAC


def _signature(key: str, document_id: uuid.UUID, expires: int) -> str:
    message = f"download:{document_id}:{expires}".encode()
    digest = hmac.new(key.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def download_path(document_id: uuid.UUID) -> str:
    return f"/documents/{document_id}/download"


def signed_download_url(
    base_url: str, key: str, document_id: uuid.UUID, *, ttl_seconds: int, now: float | None = None
) -> str:
    """`{base_url}/documents/{id}/download?expires=…&signature=…`, valid for `ttl_seconds`."""
    expires = int(now if now is not None else time.time()) + ttl_seconds
    query = urlencode({"expires": expires, "signature": _signature(key, document_id, expires)})
    return f"{base_url.rstrip('/')}{download_path(document_id)}?{query}"


def link_is_valid(
    key: str, document_id: uuid.UUID, expires: str, signature: str, *, now: float | None = None
) -> bool:
    """True when `signature` was made with `key` for this document and expiry, and the expiry
    has not passed. Only the spelling this module writes counts: ASCII digits (not full-width
    ones, which `int` would take) and an ASCII signature of sane length."""
    if not is_ascii_number(expires):
        return False
    if len(signature) > MAX_SIGNATURE or not signature.isascii():
        return False
    expected = _signature(key, document_id, int(expires))
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        return False
    return int(expires) > (now if now is not None else time.time())


def _path_signature(key: str, path: str, expires: int) -> str:
    digest = hmac.new(key.encode(), f"path:{path}:{expires}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def signed_path_url(
    base_url: str, key: str, path: str, *, ttl_seconds: int, now: float | None = None
) -> str:
    """`{base_url}{path}?expires=…&signature=…`: a short-lived link to one file of the
    service (a room's tickets), naming ids only."""
    expires = int(now if now is not None else time.time()) + ttl_seconds
    query = urlencode({"expires": expires, "signature": _path_signature(key, path, expires)})
    return f"{base_url.rstrip('/')}{path}?{query}"


def path_link_is_valid(
    key: str, path: str, expires: str, signature: str, *, now: float | None = None
) -> bool:
    """`link_is_valid` for a `signed_path_url`."""
    if not is_ascii_number(expires) or len(signature) > MAX_SIGNATURE or not signature.isascii():
        return False
    expected = _path_signature(key, path, int(expires))
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        return False
    return int(expires) > (now if now is not None else time.time())


def room_path(batch_id: uuid.UUID, venue_id: uuid.UUID, room: int) -> str:
    return f"/ticket-batches/{batch_id}/rooms/{venue_id}/{room}/download"
