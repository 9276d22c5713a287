"""Errors that the CLI shows as one message, without a traceback."""

from __future__ import annotations


class DevrunError(Exception):
    """An expected failure: its message is meant for the person running the command."""
