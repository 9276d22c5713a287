"""Internal callers (the documents worker…) get service tokens by client credentials."""

from __future__ import annotations

import hashlib
import hmac

from zikao_identity.deps import IdentityDeps
from zikao_identity.tokens import IssuedToken
from zikao_kit.auth import Role
from zikao_kit.errors import UnauthenticatedError


class InvalidClientError(UnauthenticatedError):
    code = "invalid_client"
    default_message = "客户端凭证无效"


def configured_clients(setting: str) -> dict[str, bytes]:
    """`client:secret` pairs → the sha256 of each client's secret."""
    clients = {}
    for pair in setting.split(","):
        client, sep, secret = pair.strip().partition(":")
        if sep and client and secret:
            clients[client] = hashlib.sha256(secret.encode()).digest()
    return clients


async def issue_service_token(
    deps: IdentityDeps, client_id: str, client_secret: str, *, client: str
) -> IssuedToken:
    """A service token for right client credentials. Wrong secrets back off per client
    (address), each attempt counted before it is compared."""
    client_key = f"service-client:{client}"
    reservation = await deps.limits.reserve((client_key, deps.service_backoff))
    expected = configured_clients(deps.settings.service_clients).get(client_id)
    given = hashlib.sha256(client_secret.encode()).digest()
    if expected is None or not hmac.compare_digest(expected, given):
        raise InvalidClientError()
    await deps.limits.release(reservation, client_key)
    return deps.signer.issue(
        subject=f"service:{client_id}",
        role=Role.SERVICE,
        minutes=deps.settings.access_token_minutes,
    )
