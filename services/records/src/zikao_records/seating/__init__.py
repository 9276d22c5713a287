"""Seat allocation (考场编排): the pure allocator and the runs that apply it to a sitting."""
