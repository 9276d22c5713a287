"""`python -m zikao_identity.mailsink`: the SMTP server of `make run` (development only).

Every message it receives is written to `IDENTITY_MAIL_DIR` as one `.eml` file, so a developer
can open the reset link. Listens on `IDENTITY_SMTP_HOST:IDENTITY_SMTP_PORT` (loopback)."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import uuid
from datetime import UTC, datetime
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from zikao_identity.settings import get_settings
from zikao_kit.logging import configure_logging

logger = logging.getLogger("zikao.identity.mailsink")
READY_MESSAGE = "mail sink listening"


class FolderHandler:
    """Writes each message atomically (temporary name, then rename) into a folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        name = f"{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}.eml"
        partial = self.folder / f".{name}.part"
        partial.write_bytes(content)
        os.replace(partial, self.folder / name)
        logger.info("mail stored", extra={"file": name, "bytes": len(content)})
        return "250 Message accepted for delivery"


async def serve() -> None:
    settings = get_settings()
    configure_logging("mailsink", settings.log_level)
    # aiosmtpd's own log would name senders and recipients of every session.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    if settings.is_production:
        raise SystemExit("the mail sink is for development only")
    folder = settings.mail_dir.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    controller = Controller(
        FolderHandler(folder), hostname=settings.smtp_host, port=settings.smtp_port
    )
    controller.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    logger.info(READY_MESSAGE, extra={"port": settings.smtp_port, "folder": str(folder)})
    try:
        await stop.wait()
    finally:
        controller.stop()


if __name__ == "__main__":
    asyncio.run(serve())
