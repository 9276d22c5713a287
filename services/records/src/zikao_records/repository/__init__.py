"""Every SQL statement of records, one module per domain area: catalogue, sittings, signup,
payments, seating, scores; candidates (their regions); base (the shared upsert)."""
