"""JSON logs, one object per line, each carrying the request id of the work it belongs to."""

from __future__ import annotations

import json
import logging
import re
import sys
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime

REQUEST_ID_HEADER = "x-request-id"
_request_id: ContextVar[str | None] = ContextVar("zikao_request_id", default=None)
_RESERVED = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "color_message"}


def current_request_id() -> str | None:
    return _request_id.get()


def set_request_id(value: str | None) -> object:
    """Binds a request id to the current context; returns a token for `reset_request_id`."""
    return _request_id.set(value)


def reset_request_id(token: object) -> None:
    _request_id.reset(token)  # type: ignore[arg-type]


def new_request_id() -> str:
    return uuid.uuid4().hex


def clean_request_id(value: str | None) -> str:
    """Accepts a caller's request id only if it is short and plain; otherwise makes one."""
    if value and len(value) <= 64 and all(c.isalnum() or c in "-_." for c in value):
        return value
    return new_request_id()


_PG_DETAIL = re.compile(r"^(\s*DETAIL:\s*).*$", re.MULTILINE)


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        request_id = getattr(record, "request_id", None) or current_request_id()
        if request_id:
            entry["request_id"] = request_id
        for key, value in record.__dict__.items():
            if key not in _RESERVED and key not in entry and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


def redact(text: str) -> str:
    """PostgreSQL's error details quote the row's values (`Key (email)=(…) already exists`):
    they never reach a log line (the statement's parameters are hidden by the engine)."""
    return _PG_DETAIL.sub(r"\1[detail hidden]", text)


def configure_logging(service: str, level: str = "INFO") -> None:
    """Routes every logger (ours, uvicorn's, arq's) through one JSON handler on stderr."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "arq"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
    # SQLAlchemy logs statements at INFO and result rows (names, hashes) at DEBUG: neither,
    # whatever the level (its warnings and errors still pass).
    logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    # Access lines would repeat what the request middleware logs, with the URL's query string.
    logging.getLogger("uvicorn.access").disabled = True
