import base64
from typing import Any

import pytest
from pydantic import ValidationError

from zikao_documents.content import (
    EXAM_RULES,
    MAX_PHOTO_BYTES,
    AdmissionTicketContent,
    ResultsContent,
    content_json,
    content_sha256,
    parse_content,
)
from zikao_documents.models import DocumentKind
from zikao_documents.testing import results_content, ticket_content


def test_a_ticket_gets_the_exam_rules_by_default() -> None:
    content = parse_content(DocumentKind.ADMISSION_TICKET, ticket_content())
    assert isinstance(content, AdmissionTicketContent)
    assert tuple(content.rules) == EXAM_RULES
    assert [e.duration_minutes for e in content.exams] == [150, 150]


def test_results_kinds_share_one_content_model() -> None:
    for kind in (DocumentKind.COURSE_CERTIFICATE, DocumentKind.TRANSCRIPT):
        assert isinstance(parse_content(kind, results_content()), ResultsContent)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("candidate", "masked_id_number"), "500103199001011232"),  # never the full number
        (("candidate", "ticket_number"), "0103261"),
        (("candidate", "photo", "data_base64"), "not base64!"),
        (("exams", 0, "ends_at"), "2026-10-24T08:00:00+08:00"),  # before it starts
        (("exams", 0, "starts_at"), "2026-10-24T09:00:00"),  # no time zone
        (("unexpected",), "field"),
    ],
)
def test_content_that_does_not_fit_is_refused(path: tuple[str | int, ...], value: str) -> None:
    content = ticket_content()
    target: Any = content
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(ValidationError):
        parse_content(DocumentKind.ADMISSION_TICKET, content)


def test_a_photo_too_large_is_refused() -> None:
    content = ticket_content()
    content["candidate"]["photo"]["data_base64"] = base64.b64encode(
        b"x" * (MAX_PHOTO_BYTES + 1)
    ).decode()
    with pytest.raises(ValidationError):
        parse_content(DocumentKind.ADMISSION_TICKET, content)


def test_the_content_hash_ignores_key_order_and_spelling_of_times() -> None:
    one = content_json(parse_content(DocumentKind.ADMISSION_TICKET, ticket_content()))
    moved = ticket_content()
    moved["exams"][0]["starts_at"] = "2026-10-24T09:00:00.000+08:00"
    two = content_json(parse_content(DocumentKind.ADMISSION_TICKET, dict(reversed(moved.items()))))
    assert content_sha256(one) == content_sha256(two)
    three = content_json(parse_content(DocumentKind.ADMISSION_TICKET, ticket_content(seat="08")))
    assert content_sha256(three) != content_sha256(one)
