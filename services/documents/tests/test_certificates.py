"""Course certificates (课程合格证书) from records' applications, and transcripts (成绩单) of the
passed courses: when they may be had, what they show, one document per content."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import date, timedelta

import pytest

from zikao_documents import service
from zikao_documents.facts import (
    APPLICATION_CANCELLED,
    CERTIFICATE_NOT_READY,
    NO_PASSED_COURSES,
    DocumentUnavailableError,
    certificate_content,
    transcript_content,
)
from zikao_documents.models import DocumentKind, DocumentRequest
from zikao_documents.sources import Application, Passed, Person, Record
from zikao_documents.testing_facts import ISSUER, person
from zikao_kit.auth import Principal, Role
from zikao_kit.db import Sessionmaker
from zikao_kit.errors import ForbiddenError

READY = date(2026, 12, 1)
PASS = Passed("03708", "中国近现代史纲要", 2, 76, None, "EXAM", "2026-04")


def applied(who: Person, *, ready_on: date = READY, cancelled: bool = False) -> Application:
    return Application(uuid.uuid4(), who.id, "2026-04", PASS, cancelled, ready_on)


def me(who: Person) -> Principal:
    return Principal(subject=str(who.id), role=Role.CANDIDATE, region_code=who.region_code)


async def certificate(db: Sessionmaker, who: Person, application: Application) -> DocumentRequest:
    async with db.begin() as session:
        return await service.request_certificate(
            session, by=me(who), person=who, applied=application, issuer=ISSUER, today=READY
        )


def test_a_certificate_shows_its_one_course_without_a_photo() -> None:
    content = certificate_content(ISSUER, person(), applied(person()), READY)
    assert [r["course_code"] for r in content["results"]] == ["03708"]
    assert content["results"][0]["score"] == 76
    assert "photo" not in content["candidate"]


@pytest.mark.parametrize(
    ("application", "missing"),
    [
        (applied(person(), ready_on=READY + timedelta(days=1)), CERTIFICATE_NOT_READY),
        (applied(person(), cancelled=True), APPLICATION_CANCELLED),
    ],
)
def test_a_certificate_waits_for_its_day_and_never_comes_for_a_cancelled_result(
    application: Application, missing: str
) -> None:
    with pytest.raises(DocumentUnavailableError) as refused:
        certificate_content(ISSUER, person(), application, READY)
    assert refused.value.code == missing


async def test_asking_twice_gives_the_same_certificate(db: Sessionmaker) -> None:
    who = person()
    application = applied(who)
    first, second = await certificate(db, who, application), await certificate(db, who, application)
    assert first.id == second.id
    assert (first.kind, first.sitting) == (DocumentKind.COURSE_CERTIFICATE, "2026-04")


async def test_nobody_gets_the_certificate_of_another_candidates_application(
    db: Sessionmaker,
) -> None:
    with pytest.raises(ForbiddenError):
        await certificate(db, person(), applied(person()))


def test_a_transcript_lists_every_pass_by_code_with_the_major() -> None:
    passes = (dataclasses.replace(PASS, course_code="00015", course_name="英语（二）"), PASS)
    record = Record(major=("530302", "会计", "ZHUANKE"), passed=passes)
    content = transcript_content(ISSUER, person(), record)
    assert [r["course_code"] for r in content["results"]] == ["00015", "03708"]
    assert content["major"] == {"code": "530302", "name": "会计", "level": "专科"}


def test_no_pass_no_transcript() -> None:
    with pytest.raises(DocumentUnavailableError) as refused:
        transcript_content(ISSUER, person(), Record(major=None, passed=()))
    assert refused.value.code == NO_PASSED_COURSES
