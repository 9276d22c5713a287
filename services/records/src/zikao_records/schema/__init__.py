"""Records' part of the graph, one module per domain area: the catalogue and sittings (public),
sign-up and score reviews (candidates), payments, seating and the holiday calendar (staff), and
the candidate's exams, results, passes, reviews and graduation audit on the `Candidate`
entity."""

from __future__ import annotations

import strawberry

from zikao_kit.answer_cache import Keepable
from zikao_kit.graphql import build_schema
from zikao_records.schema.calendar import CalendarMutation, CalendarQuery
from zikao_records.schema.candidate import Candidate, CandidateQuery
from zikao_records.schema.catalogue import CatalogueMutation, CatalogueQuery, Course
from zikao_records.schema.certificates import CertificatesMutation, CertificatesQuery
from zikao_records.schema.exemptions import ExemptionsMutation
from zikao_records.schema.graduation_applications import GraduationMutation, GraduationQuery
from zikao_records.schema.imports import ImportsMutation, ImportsQuery
from zikao_records.schema.lists import ListsQuery
from zikao_records.schema.merges import MergesMutation
from zikao_records.schema.payments import PaymentsMutation
from zikao_records.schema.refunds import RefundsMutation, RefundsQuery
from zikao_records.schema.reviews import ReviewsMutation
from zikao_records.schema.seating import SeatingMutation, SeatingQuery
from zikao_records.schema.signup import SignupMutation, SignupQuery
from zikao_records.schema.sittings import Sitting, SittingsMutation, SittingsQuery
from zikao_records.schema.violations import ViolationsMutation
from zikao_records.service import results_cache


@strawberry.type
class Query(
    CandidateQuery,
    ImportsQuery,
    SignupQuery,
    SeatingQuery,
    SittingsQuery,
    CatalogueQuery,
    CalendarQuery,
    CertificatesQuery,
    ListsQuery,
    RefundsQuery,
    GraduationQuery,
):
    pass


@strawberry.type
class Mutation(
    SignupMutation,
    CatalogueMutation,
    SittingsMutation,
    SeatingMutation,
    PaymentsMutation,
    CalendarMutation,
    ReviewsMutation,
    ImportsMutation,
    CertificatesMutation,
    ExemptionsMutation,
    ViolationsMutation,
    GraduationMutation,
    MergesMutation,
    RefundsMutation,
):
    pass


# What the gateway may keep of an answer (when the resolvers vouch for it, see
# zikao_kit.answer_cache): a candidate's results of a published sitting and passes, nothing else.
# Every mutation drops the kept passes it may have changed (results_cache.tags_after_mutation).
_COURSE: Keepable = {"code": {}, "name": {}, "kind": {}, "credits": {}}
KEEPABLE_FIELDS: Keepable = {
    "id": {},
    "results": {"course": _COURSE, "score": {}, "grade": {}, "passed": {}, "status": {}},
    "passedCourses": {
        "course": _COURSE,
        "score": {},
        "grade": {},
        "source": {},
        "sitting": {},
        "expiresOn": {},
    },
}
KEEPABLE: Keepable = {"me": KEEPABLE_FIELDS, "_entities": KEEPABLE_FIELDS}

schema = build_schema(
    "records",
    query=Query,
    mutation=Mutation,
    types=[Candidate, Course, Sitting],
    keepable=KEEPABLE,
    invalidated_by_mutations=results_cache.tags_after_mutation,
)

__all__ = ["schema"]
