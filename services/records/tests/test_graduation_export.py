"""The eligible of a batch graduation audit through `GET /graduation-audits/{run}/eligible.*`:
ticket numbers and names from identity's real app (in process), the run's region only."""

import csv
import io
import uuid
from typing import Any

import httpx
from openpyxl import load_workbook
from sqlalchemy import func, select

from zikao_identity.testing import an_id_number
from zikao_kit.auth import Principal, Role
from zikao_kit.db import Sessionmaker
from zikao_records import models
from zikao_records.repository.catalogue import MajorRepository
from zikao_records.service import graduation_batch
from zikao_records.testing import ZHUANKE, a_choice, a_result, a_sitting, add, ago

YUZHONG = Principal("staff-0103", Role.STAFF, region_code="0103")
JIANGBEI = Principal("staff-0105", Role.STAFF, region_code="0105")
Identity = Any  # conftest's InProcessIdentity


async def graduates(db: Sessionmaker, identity: Identity) -> tuple[uuid.UUID, list[uuid.UUID]]:
    """Two eligible candidates of 渝中区 and one who is not; a finished run of 渝中区."""
    await add(db, a_sitting("2025-10", scores=ago(30)))
    async with db() as session:
        plan = await MajorRepository(session).plans([ZHUANKE])
    people = []
    for n, name in enumerate(["赵一", "钱二", "孙三"]):
        candidate = await identity.register(name, an_id_number(20 + n, born="19950505"))
        choice = a_choice(candidate, ZHUANKE)
        choice.region_code = "0103"
        results = [
            a_result(candidate, c.code, sitting="2025-10", grade="合格")
            if c.kind is models.CourseKind.PRACTICE
            else a_result(candidate, c.code, sitting="2025-10", score=70)
            for _, c in plan
            if name != "孙三" or c.code != "03706"
        ]
        await add(db, choice, *results)
        people.append(candidate)
    async with db.begin() as session:
        run = await graduation_batch.start_run(
            session, YUZHONG, major_code=ZHUANKE, region_code=None, now=ago(0)
        )
    await graduation_batch.run_audit(db, run.id, validity_years=None)
    return run.id, people[:2]


async def test_staff_download_the_eligible_as_csv_and_xlsx(
    records_app: httpx.AsyncClient, identity: Identity, db: Sessionmaker
) -> None:
    run_id, eligible = await graduates(db, identity)
    headers = {"authorization": f"Bearer {identity.token(YUZHONG)}"}
    answer = await records_app.get(f"/graduation-audits/{run_id}/eligible.csv", headers=headers)
    assert answer.status_code == 200
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"), newline="")))
    assert rows[0][:2] == ["准考证号", "姓名"]
    assert sorted(r[1] for r in rows[1:]) == ["赵一", "钱二"]
    assert all(len(r[0]) == 12 and r[2] == ZHUANKE for r in rows[1:])
    book = await records_app.get(f"/graduation-audits/{run_id}/eligible.xlsx", headers=headers)
    assert book.status_code == 200
    sheet = load_workbook(io.BytesIO(book.content), read_only=True).active
    assert sheet is not None
    assert len(list(sheet.iter_rows(values_only=True))) == 1 + len(eligible)
    async with db() as session:
        audited = await session.scalar(
            select(func.count()).where(
                models.AuditEntry.action == "export.graduation_eligible"  # type: ignore[arg-type]
            )
        )
    assert audited == 2


async def test_another_district_a_bad_run_and_no_token_are_refused(
    records_app: httpx.AsyncClient, identity: Identity, db: Sessionmaker
) -> None:
    run_id, _ = await graduates(db, identity)
    other = {"authorization": f"Bearer {identity.token(JIANGBEI)}"}
    refused = await records_app.get(f"/graduation-audits/{run_id}/eligible.csv", headers=other)
    assert refused.status_code == 404
    assert (await records_app.get(f"/graduation-audits/{run_id}/eligible.csv")).status_code == 401
    mine = {"authorization": f"Bearer {identity.token(YUZHONG)}"}
    bad = await records_app.get("/graduation-audits/not-a-run/eligible.csv", headers=mine)
    assert bad.status_code == 400
    assert bad.json()["field"] == "run"
    pdf = await records_app.get(f"/graduation-audits/{run_id}/eligible.pdf", headers=mine)
    assert pdf.status_code == 400
