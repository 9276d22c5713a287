"""Untrusted documents in production (ZIKAO_ENV=production): candidates and anonymous
callers send only clients/candidate.graphql's operations, by documentId or exact text."""

from __future__ import annotations

import json
import uuid
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from zikao_gateway.trusted import MANIFEST, document_id
from zikao_kit.auth import ALGORITHM, Role

from .case import Case, check, refusal, short
from .target import ACCEPT, Target
from .victims import candidate

REGIONS = next(
    text
    for text in json.loads(MANIFEST.read_text(encoding="utf-8")).values()
    if text.startswith("query Regions")
)
OFF_CONTRACT = "query Mine { me { id name maskedPhone email documents { id downloadUrl } } }"
SCHEMA = "query Look { __schema { types { name fields { name } } } }"


async def anonymous_off_contract(target: Target) -> str:
    response = await target.post(OFF_CONTRACT, url=target.production.url)
    return refusal(response, 400, "document_not_trusted")


async def candidate_off_contract(target: Target) -> str:
    victim = await candidate(target, "trusted")
    response = await target.post(OFF_CONTRACT, token=victim.token, url=target.production.url)
    return refusal(response, 400, "document_not_trusted")


async def candidate_introspection(target: Target) -> str:
    victim = await candidate(target, "trusted")
    response = await target.post(SCHEMA, token=victim.token, url=target.production.url)
    return refusal(response, 400, "document_not_trusted")


async def unknown_document_id(target: Target) -> str:
    body = {"documentId": document_id(OFF_CONTRACT)}
    response = await target.client.post(
        target.production.url, json=body, headers={"accept": ACCEPT}
    )
    return refusal(response, 400, "persisted_document_not_found")


async def trusted_id_with_another_text(target: Target) -> str:
    """A manifest's documentId beside a query of the attacker's: the query must not run."""
    body = {"documentId": document_id(REGIONS), "query": SCHEMA}
    response = await target.client.post(
        target.production.url, json=body, headers={"accept": ACCEPT}
    )
    check("__schema" not in response.text, f"{response.status_code}: the schema came back")
    check(response.status_code == 400, f"{response.status_code}: {response.text[:80]}")
    return refusal(response, 400, "document_not_trusted")


async def candidate_re_signed_as_staff(target: Target) -> str:
    """Staff may send any operation: a candidate's token claiming staff, under a random key.
    A token that does not verify makes no staff: the operation is refused as untrusted."""
    victim = await candidate(target, "trusted")
    claims = jwt.decode(victim.token, options={"verify_signature": False})
    claims.update(role=Role.STAFF.value, jti=uuid.uuid4().hex)
    headers = {"kid": target.signer.kid}
    token = jwt.encode(claims, Ed25519PrivateKey.generate(), ALGORITHM, headers=headers)
    response = await target.post(SCHEMA, token=token, url=target.production.url)
    return refusal(response, 400, "document_not_trusted")


async def introspection_over_get(target: Target) -> str:
    response = await target.client.get(
        target.production.url, params={"query": SCHEMA}, headers={"accept": ACCEPT}
    )
    check("__schema" not in response.text or "errors" in response.text, "the schema came back")
    return refusal(response, 400, "document_not_trusted")


def _manifest(name: str) -> str:
    """The documentId of the contract's operation `name`."""
    manifest: dict[str, str] = json.loads(MANIFEST.read_text(encoding="utf-8"))
    return next(i for i, text in manifest.items() if text.split("(")[0].split()[1] == name)


async def _no_suggestion(target: Target, name: str, variables: dict[str, Any]) -> str:
    """Outside production the same mistake is answered with a suggestion (so this one would
    show it); in production it is not."""
    body = {"documentId": _manifest(name), "variables": variables}
    text = json.loads(MANIFEST.read_text(encoding="utf-8"))[body["documentId"]]
    shown = await target.post(text, variables)
    check("Did you mean" in shown.text, "control: no suggestion outside production either")
    response = await target.client.post(
        target.production.url, json=body, headers={"accept": ACCEPT}
    )
    messages = [e.get("message", "") for e in response.json().get("errors") or ()]
    check(bool(messages), f"no error: {short(response)}")
    leaked = [m for m in messages if "Did you mean" in m]
    check(not leaked, f"{response.status_code} suggests: {leaked[0][-60:] if leaked else ''}")
    return short(response)


async def suggestion_in_an_enum(target: Target) -> str:
    """A manifest operation with a misspelt enum value: no list of the values comes back."""
    return await _no_suggestion(target, "Majors", {"level": "BENKEE"})


async def suggestion_in_an_input(target: Target) -> str:
    """A misspelt input field: no field names come back."""
    fields = ("nam", "idNumbe", "phon", "passwor", "regionCod", "securityQuestio", "securityAnswe")
    form: dict[str, Any] = dict.fromkeys(fields, "x")
    form["captch"] = {"id": "x", "answer": "x"}
    return await _no_suggestion(target, "RegisterCandidate", {"input": form})


CASES = [
    Case("trusted documents", "anonymous, an operation off the contract", anonymous_off_contract),
    Case("trusted documents", "candidate, an operation off the contract", candidate_off_contract),
    Case("trusted documents", "candidate, introspection", candidate_introspection),
    Case("trusted documents", "anonymous, introspection over GET", introspection_over_get),
    Case("trusted documents", "a documentId not in the manifest", unknown_document_id),
    Case("trusted documents", "a misspelt enum value, no suggestion", suggestion_in_an_enum),
    Case("trusted documents", "misspelt input fields, no suggestion", suggestion_in_an_input),
    Case("trusted documents", "a trusted id beside another text", trusted_id_with_another_text),
    Case("trusted documents", "candidate re-signed as staff", candidate_re_signed_as_staff),
]
