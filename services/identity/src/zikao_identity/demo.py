"""Reference data (regions) and demo data for `make run`."""

from __future__ import annotations

import uuid
from datetime import date

from zikao_identity import service
from zikao_identity.crypto import Vault
from zikao_identity.password_policy import common_passwords
from zikao_identity.repository import CandidateRepository, StaffRepository
from zikao_identity.service.staff import NewStaff, create_staff
from zikao_identity.settings import IdentitySettings
from zikao_kit.auth import Principal, Role
from zikao_kit.db import Sessionmaker
from zikao_kit.settings import ServiceSettings

DEMO_PASSWORD = "Zikao-demo-2026"
STAFF_PASSWORD = "Zikao-staff-2026"
DEMO_STAFF = (
    NewStaff("admin", "省考试院管理员", Role.ADMIN, None, STAFF_PASSWORD),
    NewStaff("yuzhong", "渝中区招办", Role.STAFF, "0103", STAFF_PASSWORD),
    NewStaff("auditor", "审计员", Role.AUDITOR, None, STAFF_PASSWORD),
)
DEMO_ACTOR = Principal("demo-data", Role.ADMIN)
# 张三's id is fixed: records' and documents' demo rows (a major, results of the published sitting)
# are kept under it, since no service reads another's tables (records' `demo.DEMO_CANDIDATE_ID`).
DEMO_CANDIDATE_ID = uuid.UUID("8a6e0f3c-2b1d-5c4e-9f7a-0d3b2c1e4f5a")
DEMO_IDS = {"500103199001011232": DEMO_CANDIDATE_ID}
DEMO_CANDIDATES = (
    service.NewCandidate(
        name="张三",
        id_number="500103199001011232",
        phone="13800138000",
        email="zhangsan@example.com",
        password=DEMO_PASSWORD,
        region_code="0103",
        security_question="我的小学名称",
        security_answer="人和街小学",
    ),
    service.NewCandidate(
        name="李四",
        id_number="50011219951231002X",
        phone="13900139000",
        email=None,
        password=DEMO_PASSWORD,
        region_code="0112",
        security_question="我母亲的姓名",
        security_answer="王芳",
    ),
)


async def load_reference(db: Sessionmaker, settings: ServiceSettings) -> list[str]:
    assert isinstance(settings, IdentitySettings)
    async with db.begin() as session:
        count = await service.load_regions(session, settings.region_file)
    return [f"identity: {count} regions loaded from {settings.region_file.name}"]


async def load_demo(db: Sessionmaker, settings: ServiceSettings) -> list[str]:
    """Creates the demo candidates once; prints their logins every time."""
    assert isinstance(settings, IdentitySettings)
    vault = Vault.from_settings(settings.data_keys, settings.data_key_id, settings.index_key)
    lines = []
    for data in DEMO_CANDIDATES:
        async with db.begin() as session:
            index = vault.blind_index(data.id_number, service.ID_PURPOSE)
            candidate = await CandidateRepository(session).by_id_index(index)
            if candidate is None:
                candidate = await service.create_candidate(
                    session,
                    vault,
                    data,
                    today=date.today(),
                    candidate_id=DEMO_IDS.get(data.id_number),
                )
            lines.append(
                f"demo candidate {data.name}: ticket {candidate.ticket_number} "
                f"or ID {data.id_number}, password {data.password}"
            )
    return lines + await _load_staff(db, settings)


async def _load_staff(db: Sessionmaker, settings: IdentitySettings) -> list[str]:
    """An admin, the staff of 渝中区 and an auditor, created once; printed every time."""
    blocklist = common_passwords(settings.common_passwords_file)
    lines = []
    for data in DEMO_STAFF:
        async with db.begin() as session:
            if await StaffRepository(session).by_username(data.username) is None:
                await create_staff(session, blocklist, DEMO_ACTOR, data)
        region = f" ({data.region_code})" if data.region_code else ""
        lines.append(
            f"demo {data.role.value}{region}: staffLogIn username {data.username}, "
            f"password {data.password}"
        )
    return lines
