"""What text records accepts: the rules of `text`, then hostile text fed to every string argument
of records' operations at the schema level (no internal error; a refusal changes no row)."""

import json
import uuid
from typing import Any

import pytest
from graphql import (
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
)
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from redis.asyncio import Redis
from sqlalchemy import text as sql

from zikao_kit.auth import Principal, Role
from zikao_kit.db import Sessionmaker
from zikao_kit.errors import InvalidInputError
from zikao_kit.testing import make_context
from zikao_records import text
from zikao_records.models import metadata
from zikao_records.schema import schema
from zikao_records.settings import RecordsSettings
from zikao_records.testing import (
    a_choice,
    a_slot,
    a_timetable,
    a_venue,
    add,
    an_open_sitting,
    rooms_of,
)

NASTY = [
    "考" * 10_000,
    "\u202e考点\u202c",  # right-to-left override
    "\u200f2031-04",  # right-to-left mark
    "２０３１-０４",  # full-width digits
    "０３７０８",
    "考\u200b点",  # zero-width space
    "\ufeff03708",  # zero-width no-break space
    "😀" * 300,
    "考点👍🏽",
    "2031-04\n",
    "٠٣٧٠٨",  # Arabic-Indic digits (a `\d` in Python)
    " ",
    "",
]


@pytest.mark.parametrize(
    "accepted",
    ["英语（二）", "重庆市第二十九中学考点", "No. 29 Middle School", "阿依古丽·买买提", "A-1_b/2"],
)
def test_plain_text_keeps_chinese_punctuation(accepted: str) -> None:
    assert text.plain(f" {accepted} ", "name", 100) == accepted


@pytest.mark.parametrize(
    ("refused", "code"),
    [
        ("", "blank"),
        ("   ", "blank"),
        ("考" * 101, "too_long"),
        ("考" * 10_000, "too_long"),
        ("考\u200b点", "bad_characters"),
        ("\u202e考点", "bad_characters"),
        ("考点😀", "bad_characters"),
        ("第２９中学", "bad_characters"),
        ("第\u00a029中学", "bad_characters"),
        ("第\u300029中学", "bad_characters"),
        ("考\n点", "bad_characters"),
        ("\ue000考点", "bad_characters"),
    ],
)
def test_plain_text_refuses_what_makes_names_look_alike_or_run_backwards(
    refused: str, code: str
) -> None:
    with pytest.raises(InvalidInputError) as error:
        text.plain(refused, "name", 100)
    assert (error.value.field, error.value.code) == ("name", code)
    assert refused[:20] not in error.value.message or not refused.strip()


@pytest.mark.parametrize("refused", ["０３７０８", "٠٣٧٠٨", "03708\n", " 03708", "3708", "037080"])
def test_codes_are_exactly_ascii(refused: str) -> None:
    with pytest.raises(InvalidInputError):
        text.code(refused, "courseCode", text.COURSE_CODE)
    assert text.code("03708", "courseCode", text.COURSE_CODE) == "03708"


# --- every string argument of the schema -------------------------------------------------------

SITTING = "2031-04"
CANDIDATE = uuid.UUID("00000000-0000-4000-8000-00000000c0de")
VENUE = uuid.UUID("00000000-0000-4000-8000-0000000f0e00")
AS_CANDIDATE = {
    "chooseMajor",
    "registerForExams",
    "cancelExamRegistration",
    "registrationOptions",
    "requestScoreReview",
    "applyForCourseCertificate",
    "applyForGraduation",
}
# No string argument of records' own.
SKIPPED = {
    "_service",
    "_entities",
    "sittings",
    "majors",
    "calendarYear",
    "completeCalendarYear",
    "me",
}


def base_arguments(venue_id: str) -> dict[str, dict[str, Any]]:
    """Valid arguments of each operation, so that hostile text in one of them is what decides."""
    return {
        "saveCourse": {
            "input": {"code": "09999", "name": "测试课程", "credits": 3, "kind": "THEORY"}
        },
        "saveMajor": {
            "input": {
                "code": "050199",
                "name": "测试专业",
                "level": "BENKE",
                "school": "西南大学",
                "electiveCreditsNeeded": 0,
                "required": ["03708"],
                "elective": ["03709"],
                "practice": [],
                "thesis": [],
            }
        },
        "saveSitting": {
            "input": {
                "code": "2031-10",
                "name": "2031年10月",
                "registrationOpensAt": "2031-07-01T09:00:00+08:00",
                "registrationClosesAt": "2031-07-15T17:00:00+08:00",
                "ticketPrintingOpensAt": "2031-10-10T09:00:00+08:00",
            }
        },
        "setTimetable": {
            "sitting": SITTING,
            "entries": [
                {
                    "courseCode": "00015",
                    "startsAt": "2031-04-16T09:00:00+08:00",
                    "endsAt": "2031-04-16T11:30:00+08:00",
                }
            ],
        },
        "addVenue": {
            "input": {"name": "新考点", "address": "渝中区", "regionCode": "0103", "rooms": 1}
        },
        "editVenue": {"venueId": venue_id, "input": {"name": "改名考点", "address": "新地址"}},
        "removeVenue": {"venueId": venue_id},
        "addRooms": {"venueId": venue_id, "count": 1},
        "setRoomSeats": {"venueId": venue_id, "number": 1, "seats": 30},
        "removeRoom": {"venueId": venue_id, "number": 2},
        "startSeatAllocation": {"sitting": SITTING, "seed": 1},
        "publishSeats": {"sitting": SITTING},
        "recordPayment": {
            "input": {
                "candidateId": str(CANDIDATE),
                "sitting": SITTING,
                "courseCodes": ["03708"],
                "amountYuan": 40,
                "reference": "RCPT-1",
            }
        },
        "chooseMajor": {"majorCode": "050101"},
        "registerForExams": {"sitting": SITTING, "courseCodes": ["03708"]},
        "cancelExamRegistration": {"sitting": SITTING, "courseCode": "03708"},
        "registrationOptions": {"sitting": SITTING},
        "venues": {"regionCode": "0103"},
        "seatAllocation": {"id": str(uuid.uuid4())},
        "setCalendarDay": {"day": "2031-10-09", "kind": "HOLIDAY", "name": "国庆节"},
        "requestScoreReview": {"sitting": SITTING, "courseCode": "03708", "reason": "分数有误"},
        "answerScoreReview": {"id": str(uuid.uuid4())},
        "acceptScoreImport": {"id": str(uuid.uuid4())},
        "publishScores": {"sitting": SITTING},
        "scoreImport": {"id": str(uuid.uuid4())},
        "scoreImports": {"sitting": SITTING},
        "applyForCourseCertificate": {"sitting": SITTING, "courseCode": "03708"},
        "certificateApplication": {"id": str(uuid.uuid4())},
        "certificateApplications": {"sitting": SITTING, "after": str(uuid.uuid4())},
        "recordExemption": {
            "candidateId": str(CANDIDATE),
            "courseCode": "00015",
            "certificate": "全国大学英语四级（CET-4）",
            "certificateNumber": "CET4-2031-0001",
        },
        "recordTransfer": {
            "candidateId": str(CANDIDATE),
            "courseCode": "03708",
            "province": "四川省",
            "sitting": "2030-10",
            "grade": "合格",
        },
        "recordViolation": {
            "input": {
                "candidateId": str(CANDIDATE),
                "sitting": SITTING,
                "courseCode": "03708",
                "reason": "携带手机进入考场",
                "banSittings": 1,
            }
        },
        "courses": {},
        "signupCounts": {"sitting": SITTING, "venueId": venue_id},
        "courseSignups": {"sitting": SITTING, "courseCode": "03708"},
        "roomSeats": {"sitting": SITTING, "venueId": venue_id, "room": 1},
        "verifyDiploma": {
            "candidateId": str(CANDIDATE),
            "diplomaNumber": "105362020000123",
            "origin": "CQ_ZHUANKE",
        },
        "applyForGraduation": {},
        "graduationApplications": {"status": "PENDING", "regionCode": "0103"},
        "decideGraduation": {"id": str(uuid.uuid4()), "approve": False, "reason": "材料不全"},
        "startGraduationAudit": {"majorCode": "050101", "regionCode": "0103"},
        "graduationAuditRun": {"id": str(uuid.uuid4())},
        "mergeCandidates": {
            "keptId": str(uuid.uuid4()),
            "mergedId": str(uuid.uuid4()),
            "reason": "同一考生两个准考证号",
        },
        "refundsDue": {"sitting": SITTING},
        "markRefunded": {"source": "PAYMENT", "id": str(uuid.uuid4()), "reference": "RCPT-1"},
        "Candidate.exams": {"sitting": SITTING},
        "Candidate.results": {"sitting": SITTING},
    }


def _operations() -> dict[str, tuple[str, GraphQLField]]:
    """Every operation with arguments: root fields, and the Candidate entity's fields."""
    found: dict[str, tuple[str, GraphQLField]] = {}
    graphql_schema = schema._schema
    for kind, root in (
        ("mutation", graphql_schema.mutation_type),
        ("query", graphql_schema.query_type),
    ):
        assert root is not None
        for name, field in root.fields.items():
            if name not in SKIPPED:
                found[name] = (kind, field)
    candidate = graphql_schema.type_map["Candidate"]
    for name, field in candidate.fields.items():  # type: ignore[attr-defined]
        if field.args:
            found[f"Candidate.{name}"] = ("entity", field)
    return found


OPERATIONS = _operations()
Path = tuple[str | int, ...]


def _text_paths(kind: GraphQLInputType, value: Any, path: Path) -> list[Path]:
    if isinstance(kind, GraphQLNonNull):
        return _text_paths(kind.of_type, value, path)
    if isinstance(kind, GraphQLList):
        return [
            p for i, item in enumerate(value) for p in _text_paths(kind.of_type, item, (*path, i))
        ]
    if isinstance(kind, GraphQLInputObjectType):
        return [
            p
            for name, field in kind.fields.items()
            if name in value
            for p in _text_paths(field.type, value[name], (*path, name))
        ]
    if isinstance(kind, GraphQLScalarType) and kind.name in ("String", "ID"):
        return [path]
    return []


def _document(name: str, kind: str, field: GraphQLField) -> str:
    declared = ", ".join(f"${arg}: {a.type}" for arg, a in field.args.items())
    passed = ", ".join(f"{arg}: ${arg}" for arg in field.args)
    bare = name.split(".")[-1]
    selection = (
        " { __typename ... on Problem { code } }" if kind == "mutation" else " { __typename }"
    )
    if kind == "entity":
        reps = f'[{{__typename: "Candidate", id: "{CANDIDATE}"}}]'
        return (
            f"query Fuzz({declared}) {{ _entities(representations: {reps}) {{ ... on Candidate {{"
            f" {bare}({passed}) {{ __typename }} }} }} }}"
        )
    return f"{kind} Fuzz({declared}) {{ {bare}({passed}){selection} }}"


def _targets() -> list[tuple[str, str]]:
    bases = base_arguments(str(VENUE))
    assert set(OPERATIONS) == set(bases), "every operation needs base arguments here"
    targets = []
    for name, (_, field) in OPERATIONS.items():
        for arg, definition in field.args.items():
            if arg in bases[name]:
                for path in _text_paths(definition.type, bases[name][arg], (arg,)):
                    targets.append((name, json.dumps(path)))
    return targets


TARGETS = _targets()


def _with_text(variables: dict[str, Any], path: Path, value: str) -> dict[str, Any]:
    copied: Any = json.loads(json.dumps(variables))
    holder = copied
    for step in path[:-1]:
        holder = holder[step]
    holder[path[-1]] = value
    return dict(copied)


async def row_counts(db: Sessionmaker) -> dict[str, int]:
    parts = [f'(SELECT count(*) FROM records."{t.name}")' for t in metadata.sorted_tables]
    async with db() as session:
        row = (await session.execute(sql("SELECT " + ", ".join(parts)))).one()
    return {t.name: row[i] for i, t in enumerate(metadata.sorted_tables)}


@pytest.fixture
async def world(db: Sessionmaker) -> None:
    """An open sitting with 03708 timetabled, a venue of two rooms, a candidate with a major."""
    slot = a_slot(SITTING)
    venue = a_venue("0103", "已有考点")
    venue.id = VENUE
    choice = a_choice(CANDIDATE)
    choice.region_code = "0103"
    await add(db, an_open_sitting(SITTING), venue, choice)
    await add(db, slot, *rooms_of(venue, 2))
    await add(db, *a_timetable(SITTING, [slot], {"03708": 0}))


def _refused(data: Any, errors: list[Any]) -> bool:
    if errors or not data:
        return True
    return any(isinstance(v, dict) and "code" in v for v in data.values())


@pytest.mark.usefixtures("world")
@pytest.mark.parametrize(("operation", "path"), TARGETS)
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    hostile=st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"))
    | st.sampled_from(NASTY)
)
@example(hostile=NASTY[0])
@example(hostile=NASTY[1])
@example(hostile=NASTY[3])
@example(hostile=NASTY[5])
@example(hostile=NASTY[7])
@example(hostile=NASTY[10])
async def test_hostile_text_is_a_problem_and_changes_nothing(
    db: Sessionmaker,
    redis: Redis,
    settings: RecordsSettings,
    operation: str,
    path: str,
    hostile: str,
) -> None:
    kind, field = OPERATIONS[operation]
    as_candidate = operation in AS_CANDIDATE
    who = (
        Principal(subject=str(CANDIDATE), role=Role.CANDIDATE, region_code="0103")
        if as_candidate
        else Principal(subject="admin-1", role=Role.ADMIN)
    )
    variables = _with_text(base_arguments(str(VENUE))[operation], tuple(json.loads(path)), hostile)
    before = await row_counts(db)
    context = make_context(db, redis, settings, who)
    result = await schema.execute(
        _document(operation, kind, field), variable_values=variables, context_value=context
    )
    errors = result.errors or []
    assert [e for e in errors if (e.extensions or {}).get("code") == "internal"] == []
    if _refused(result.data, errors):
        assert await row_counts(db) == before
