"""The ledger against the database: each acknowledged write found exactly once, nothing there
before a fault gone after it (counts and checksums of the rows' keys)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import asyncpg

from bench.faults.journeys import Ledger

KEYS = {
    "registration": "SELECT ticket_number, id::text FROM identity.candidate",
    "sign-up": """SELECT concat_ws('/', candidate_id, sitting_code, course_code), status::text
                   FROM records.exam_registration WHERE status IN ('UNPAID', 'PAID')""",
    "payment": "SELECT transaction_id, status::text FROM records.payment",
    "score": """SELECT concat_ws('/', candidate_id, course_code, sitting_code), score::text
                 FROM records.exam_result""",
    "review": """SELECT concat_ws('/', candidate_id, sitting_code, course_code),
                        concat(id, '=', corrected_score) FROM records.score_review""",
    "document": """SELECT concat_ws('/', candidate_id, kind, sitting), concat(id, '=', status)
                    FROM documents.document_request WHERE status <> 'FAILED'""",
}
"""Each kind's rows as (key, what it holds now): a key twice is a doubled write, a key gone
is a lost one."""
Rows = dict[str, list[tuple[str, str]]]


@dataclass(frozen=True)
class Verdict:
    """How many acknowledged or earlier writes were missing, and how many doubled."""

    lost: int
    doubled: int
    summary: str

    @property
    def clean(self) -> bool:
        return self.lost == 0 and self.doubled == 0


async def snapshot(database_url: str) -> Rows:
    """Every kind's rows now."""
    connection = await asyncpg.connect(database_url)
    try:
        return {
            kind: [(str(row[0]), str(row[1])) for row in await connection.fetch(query)]
            for kind, query in KEYS.items()
        }
    finally:
        await connection.close()


def checksum(keys: list[str]) -> str:
    """The first 12 hex digits of sha256 over the sorted keys."""
    return hashlib.sha256("\n".join(sorted(keys)).encode()).hexdigest()[:12]


def compare(before: Rows, after: Rows, ledger: Ledger) -> Verdict:
    """Keys of ``before`` still there, every key once, every write of ``ledger`` there with
    what its client was told; the summary gives counts and checksums of the earlier rows."""
    lost = doubled = 0
    parts = []
    for kind, old in before.items():
        keys = [key for key, _ in after[kind]]
        present = set(keys)
        doubled += len(keys) - len(present)
        survivors = [key for key, _ in old if key in present]
        lost += len(old) - len(survivors)
        earlier = [key for key, _ in old]
        parts.append(
            f"{kind}s {len(earlier)}/{checksum(earlier)}→{len(survivors)}/{checksum(survivors)}"
        )
    missing = acknowledged_missing(after, ledger)
    lost += sum(missing.values())
    if missing:
        parts.append(
            "acknowledged but missing: " + ", ".join(f"{n} {k}" for k, n in missing.items())
        )
    return Verdict(lost, doubled, ", ".join(parts))


def acknowledged_missing(after: Rows, ledger: Ledger) -> dict[str, int]:
    """Writes clients were told of that the database does not hold as told, by kind."""
    found = {kind: dict(rows) for kind, rows in after.items()}
    values = {kind: set(held.values()) for kind, held in found.items()}
    missing: dict[str, list[object]] = {
        "registration": [t for t in ledger.candidates.values() if t not in found["registration"]],
        "sign-up": [r for r in ledger.registrations if "/".join(r) not in found["sign-up"]],
        "payment": [t for t in ledger.payments if found["payment"].get(t) != "APPLIED"],
        "score": [s for s in ledger.scores if "/".join(s) not in found["score"]],
        "review": [i for i, s in ledger.reviews.items() if f"{i}={s}" not in values["review"]],
        "document": [i for i in ledger.documents if f"{i}=READY" not in values["document"]],
    }
    return {kind: len(rows) for kind, rows in missing.items() if rows}
