"""Records' rules, one module per domain area; plain async functions taking a session.

catalogue, sittings (with the pure `timetable`), signup, payments, venues and seating (with the
pure `allocator`), scores, graduation; `scope` says who may act on what."""
