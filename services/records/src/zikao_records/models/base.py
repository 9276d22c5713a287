"""The registry of records' tables (PostgreSQL schema `records`) and column helpers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime
from sqlmodel import SQLModel

from zikao_kit.db import schema_registry

SCHEMA = "records"


class RecordsModel(SQLModel, registry=schema_registry(SCHEMA)):
    pass


metadata = RecordsModel.metadata


def optional_utc() -> Column[datetime]:
    return Column(DateTime(timezone=True), nullable=True)


def utc() -> Column[datetime]:
    return Column(DateTime(timezone=True), nullable=False)
