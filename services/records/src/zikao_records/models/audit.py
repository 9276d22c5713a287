"""Records' audit trail: who changed what by hand (payments recorded, catalogue and sitting edits,
venues and rooms, seat allocation runs), in the columns every service shares
(`zikao_kit.audit.AuditColumns`), written with `zikao_kit.audit.record`."""

from __future__ import annotations

from zikao_kit.audit import AuditColumns
from zikao_records.models.base import RecordsModel


class AuditEntry(AuditColumns, RecordsModel, table=True):
    """One staff action; `detail` holds ids and codes, never personal data."""

    __tablename__ = "audit_entry"
