"""Identity's rules, one module per concern; plain async functions taking a session."""

from zikao_identity.service.candidates import (
    ID_PURPOSE,
    MAX_SEQUENCE,
    PHONE_PURPOSE,
    CandidateView,
    DuplicateIdNumberError,
    NewCandidate,
    TicketNumbersExhaustedError,
    allocate_ticket_number,
    can_read_candidate,
    candidate_views,
    create_candidate,
    load_regions,
    personal_data,
    ticket_period,
    validate_new_candidate,
    view_of,
)

__all__ = [
    "ID_PURPOSE",
    "MAX_SEQUENCE",
    "PHONE_PURPOSE",
    "CandidateView",
    "DuplicateIdNumberError",
    "NewCandidate",
    "TicketNumbersExhaustedError",
    "allocate_ticket_number",
    "can_read_candidate",
    "candidate_views",
    "create_candidate",
    "load_regions",
    "personal_data",
    "ticket_period",
    "validate_new_candidate",
    "view_of",
]
