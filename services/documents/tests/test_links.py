import uuid
from urllib.parse import parse_qs, urlsplit

from zikao_documents.links import link_is_valid, signed_download_url

KEY = "a-test-link-key-of-some-length"
NOW = 1_790_000_000.0


def _parts(url: str) -> tuple[str, str, str]:
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    return parts.path, query["expires"][0], query["signature"][0]


def test_a_link_names_only_the_document_and_its_expiry() -> None:
    document = uuid.uuid4()
    url = signed_download_url("https://zikao.example/", KEY, document, ttl_seconds=300, now=NOW)
    assert url.startswith(f"https://zikao.example/documents/{document}/download?expires=")
    path, expires, signature = _parts(url)
    assert int(expires) == NOW + 300
    assert set(parse_qs(urlsplit(url).query)) == {"expires", "signature"}
    assert link_is_valid(KEY, document, expires, signature, now=NOW + 299)


def test_an_expired_link_is_refused() -> None:
    document = uuid.uuid4()
    _, expires, signature = _parts(
        signed_download_url("http://x", KEY, document, ttl_seconds=300, now=NOW)
    )
    assert not link_is_valid(KEY, document, expires, signature, now=NOW + 300)


def test_a_tampered_link_is_refused() -> None:
    document = uuid.uuid4()
    _, expires, signature = _parts(
        signed_download_url("http://x", KEY, document, ttl_seconds=300, now=NOW)
    )
    later = str(int(expires) + 3600)
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    assert not link_is_valid(KEY, document, later, signature, now=NOW)
    assert not link_is_valid(KEY, document, expires, flipped, now=NOW)
    assert not link_is_valid(KEY, uuid.uuid4(), expires, signature, now=NOW)
    assert not link_is_valid("another-key-entirely-000", document, expires, signature, now=NOW)
    assert not link_is_valid(KEY, document, "-1", signature, now=NOW)
    assert not link_is_valid(KEY, document, "", "", now=NOW)


def test_only_the_ascii_spelling_of_a_link_counts() -> None:
    document_id = uuid.uuid4()
    url = signed_download_url("https://zikao.example", KEY, document_id, ttl_seconds=60, now=NOW)
    _, expires, signature = _parts(url)
    assert link_is_valid(KEY, document_id, expires, signature, now=NOW)
    wide = "".join(chr(ord(c) + 0xFEE0) for c in expires)  # full-width digits: int() takes them
    assert not link_is_valid(KEY, document_id, wide, signature, now=NOW)
    assert not link_is_valid(KEY, document_id, expires, signature + "😀", now=NOW)
    assert not link_is_valid(KEY, document_id, expires, "A" * 10_000, now=NOW)
