"""What grants a result recorded without a sitting: the certificate or diploma of an exemption
(免考) and the province a transfer (转考) comes from. The result itself is an `ExamResult`
(source EXEMPTION or TRANSFER); these rows keep its grounds."""

from __future__ import annotations

import uuid

from sqlmodel import Field

from zikao_records.models.base import RecordsModel


class Exemption(RecordsModel, table=True):
    __tablename__ = "exemption"
    result_id: uuid.UUID = Field(primary_key=True, foreign_key="records.exam_result.id")
    certificate: str = Field(max_length=50, description="e.g. 全国大学英语四级（CET-4）")
    certificate_number: str = Field(max_length=40)


class Transfer(RecordsModel, table=True):
    __tablename__ = "transfer"
    result_id: uuid.UUID = Field(primary_key=True, foreign_key="records.exam_result.id")
    province: str = Field(max_length=20, description="the province the pass was earned in")
    sitting: str | None = Field(default=None, max_length=7, description="its sitting there")
