"""Faults injected into a whole Zikao system while candidates use it (``make faults``).

The system runs on an embedded PostgreSQL and an embedded Redis of its own (never the
machine's), so that they can be restarted and flushed. See ``__main__`` for what each fault
proves and how the last line is counted.
"""
