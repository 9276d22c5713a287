"""Candidate photos (照片), uploaded by staff: JPEG or PNG, size and dimensions checked."""

from __future__ import annotations

import asyncio
import base64
import binascii
import io
import uuid
import warnings
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError
from sqlalchemy.ext.asyncio import AsyncSession

from zikao_identity.models import AuditEntry, CandidatePhoto
from zikao_identity.repository import PhotoRepository
from zikao_identity.service.staff import candidate_for
from zikao_identity.settings import IdentitySettings
from zikao_kit.audit import record
from zikao_kit.auth import Principal
from zikao_kit.errors import InvalidInputError

MEDIA_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png"}
FIELD = "contentBase64"


@dataclass(frozen=True)
class CheckedPhoto:
    content: bytes
    media_type: str
    width: int
    height: int


def decode(content_base64: str, max_bytes: int) -> bytes:
    if len(content_base64) > (max_bytes * 4) // 3 + 8:
        raise InvalidInputError(
            FIELD, f"照片不能超过{max_bytes // 1000} KB", code="photo_too_large"
        )
    try:
        content = base64.b64decode(content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInputError(
            FIELD, "照片内容不是有效的 base64", code="photo_unreadable"
        ) from None
    if len(content) > max_bytes:
        raise InvalidInputError(
            FIELD, f"照片不能超过{max_bytes // 1000} KB", code="photo_too_large"
        )
    return content


def inspect(content: bytes, settings: IdentitySettings) -> CheckedPhoto:
    """Opens and fully decodes the image (a truncated or forged file fails here)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as image:
                image_format, (width, height) = image.format, image.size
                image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Warning):
        raise InvalidInputError(
            FIELD, "无法识别的图片，请上传 JPEG 或 PNG", code="photo_unreadable"
        ) from None
    if image_format not in MEDIA_TYPES:
        raise InvalidInputError(FIELD, "照片须为 JPEG 或 PNG 格式", code="photo_format")
    (min_w, min_h), (max_w, max_h) = settings.photo_min_size, settings.photo_max_size
    if not (min_w <= width <= max_w and min_h <= height <= max_h):
        raise InvalidInputError(
            FIELD,
            f"照片尺寸须在 {min_w}×{min_h} 到 {max_w}×{max_h} 像素之间",
            code="photo_dimensions",
        )
    return CheckedPhoto(content, MEDIA_TYPES[image_format], width, height)


async def upload_photo(
    session: AsyncSession,
    settings: IdentitySettings,
    actor: Principal,
    candidate_id: uuid.UUID,
    content_base64: str,
) -> CheckedPhoto:
    content = decode(content_base64, settings.photo_max_bytes)
    photo = await asyncio.to_thread(inspect, content, settings)
    candidate = await candidate_for(session, actor, candidate_id)
    await PhotoRepository(session).put(
        CandidatePhoto(
            candidate_id=candidate.id,
            media_type=photo.media_type,
            content=photo.content,
            width=photo.width,
            height=photo.height,
        )
    )
    detail = {"media_type": photo.media_type, "width": photo.width, "height": photo.height}
    record(session, AuditEntry, actor, "upload_photo", candidate_id=candidate.id, detail=detail)
    return photo
