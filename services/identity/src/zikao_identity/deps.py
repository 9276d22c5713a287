"""What identity's resolvers and jobs share for the life of a process."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import httpx
from redis.asyncio import Redis

from zikao_identity.captcha import CaptchaStore
from zikao_identity.crypto import Vault
from zikao_identity.limits import Backoff, Limits
from zikao_identity.password_policy import common_passwords
from zikao_identity.resets import ResetSessions
from zikao_identity.settings import IdentitySettings
from zikao_identity.tokens import TokenSigner


@dataclass(frozen=True)
class IdentityDeps:
    settings: IdentitySettings
    vault: Vault
    signer: TokenSigner
    captchas: CaptchaStore
    limits: Limits
    resets: ResetSessions
    blocklist: frozenset[str]
    # How the audit trail reaches the other services: the network, but for URLs a test mounts
    # (httpx `mounts`: URL pattern → transport).
    audit_mounts: Mapping[str, httpx.AsyncBaseTransport] | None = None

    @classmethod
    def create(
        cls, settings: IdentitySettings, redis: Redis, vault: Vault, signer: TokenSigner
    ) -> IdentityDeps:
        prefix = settings.redis_prefix
        return cls(
            settings=settings,
            vault=vault,
            signer=signer,
            captchas=CaptchaStore(
                redis,
                prefix=prefix,
                ttl_seconds=settings.captcha_ttl_seconds,
                test_answer=settings.captcha_test_answer,
            ),
            limits=Limits(redis, prefix),
            resets=ResetSessions(
                redis,
                prefix=prefix,
                ttl_seconds=settings.reset_session_minutes * 60,
                tries=settings.reset_answer_tries,
            ),
            blocklist=common_passwords(settings.common_passwords_file),
        )

    @property
    def account_backoff(self) -> Backoff:
        s = self.settings
        return Backoff(
            s.login_free_failures,
            s.login_backoff_seconds,
            s.login_backoff_max_seconds,
            s.failure_window_seconds,
        )

    @property
    def service_backoff(self) -> Backoff:
        s = self.settings
        return Backoff(
            s.service_token_free_failures,
            s.login_backoff_seconds,
            s.login_backoff_max_seconds,
            s.failure_window_seconds,
        )

    @property
    def client_backoff(self) -> Backoff:
        s = self.settings
        return Backoff(
            s.client_free_failures,
            s.login_backoff_seconds,
            s.login_backoff_max_seconds,
            s.failure_window_seconds,
        )
