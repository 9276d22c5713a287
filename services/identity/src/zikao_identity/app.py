"""Identity's Starlette app: the subgraph, the JWKS, health."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from zikao_identity.crypto import Vault
from zikao_identity.deps import IdentityDeps
from zikao_identity.schema import schema
from zikao_identity.settings import IdentitySettings, get_settings
from zikao_identity.tokens import TokenSigner
from zikao_kit.auth import StaticKeySource, TokenVerifier
from zikao_kit.settings import ServiceSettings
from zikao_kit.subgraph import ServiceState, create_subgraph_app


def create_app(settings: IdentitySettings | None = None) -> Starlette:
    settings = settings or get_settings()
    signer = TokenSigner.load(
        settings.jwt_private_key_file, issuer=settings.jwt_issuer, audience=settings.jwt_audience
    )
    vault = Vault.from_settings(settings.data_keys, settings.data_key_id, settings.index_key)

    def own_keys(current: ServiceSettings) -> TokenVerifier:
        return TokenVerifier(
            StaticKeySource({signer.kid: signer.public_key}),
            issuer=current.jwt_issuer,
            audience=current.jwt_audience,
        )

    async def keep(state: ServiceState) -> None:
        deps = IdentityDeps.create(settings, state.redis, vault, signer)
        state.extras.update(vault=vault, signer=signer, deps=deps)

    async def jwks(_: Request) -> Response:
        return JSONResponse(signer.jwks(), headers={"cache-control": "public, max-age=300"})

    return create_subgraph_app(
        name="identity",
        schema_name="identity",
        settings=settings,
        schema=schema,
        routes=[Route("/.well-known/jwks.json", jwks)],
        verifier_factory=own_keys,
        on_startup=[keep],
    )
