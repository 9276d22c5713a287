"""Cross-site requests: a mutation over GET and the forms a browser posts cross-site without a
preflight (urlencoded, multipart, text/plain). Each form registers a candidate if it runs; the
gateway refuses it and identity's candidates stay as many as before."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from urllib.parse import urlencode

import httpx

from .case import Case, check, refusal, short
from .target import Target
from .victims import REGISTER, YUZHONG, a_fresh_id_number, registration

CANDIDATES = "identity.candidate"
GET_REFUSED = "mutations are not allowed when using GET"
NEW_CAPTCHA = "mutation NewCaptcha { newCaptcha { id image expiresAt } }"


async def _form(target: Target) -> dict[str, str]:
    variables = {"input": registration(a_fresh_id_number(), YUZHONG, await target.captcha())}
    return {"query": REGISTER, "variables": json.dumps(variables)}


async def _unchanged(target: Target, send: Callable[[], Awaitable[httpx.Response]]) -> str:
    before = await target.rows(CANDIDATES)
    response = await send()
    after = await target.rows(CANDIDATES)
    check(after == before, f"{response.status_code}: {after - before} candidate(s) registered")
    return ""


async def mutation_over_get(target: Target) -> str:
    """A link or an <img> that issues a captcha (no personal data in a URL, where access logs
    keep it): refused by the view before anything runs, no captcha in the answer."""
    response = await target.client.get(target.main.url, params={"query": NEW_CAPTCHA})
    check("newCaptcha" not in response.text, f"a captcha: {short(response)}")
    # Strawberry's view answers in plain text, without a code (README: refused by the view)
    check(response.status_code == 400 and GET_REFUSED in response.text, short(response))
    return f"400 {GET_REFUSED}"


async def _posted(target: Target, content: bytes, content_type: str) -> str:
    seen: list[httpx.Response] = []

    async def send() -> httpx.Response:
        headers = {"content-type": content_type}
        seen.append(await target.client.post(target.main.url, content=content, headers=headers))
        return seen[0]

    await _unchanged(target, send)
    return refusal(seen[0], 400, "csrf_preflight_required")


async def urlencoded_form(target: Target) -> str:
    body = urlencode(await _form(target)).encode()
    return await _posted(target, body, "application/x-www-form-urlencoded")


async def multipart_form(target: Target) -> str:
    parts = [
        f'--zikao\r\ncontent-disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in (await _form(target)).items()
    ]
    body = ("".join(parts) + "--zikao--\r\n").encode()
    return await _posted(target, body, "multipart/form-data; boundary=zikao")


async def text_plain_json(target: Target) -> str:
    """A form with enctype text/plain can carry a JSON body; the content type gives it away."""
    form = await _form(target)
    body = json.dumps({"query": form["query"], "variables": json.loads(form["variables"])})
    return await _posted(target, body.encode(), "text/plain")


CASES = [
    Case("csrf", "a mutation over GET", mutation_over_get),
    Case("csrf", "an urlencoded form POST", urlencoded_form),
    Case("csrf", "a multipart form POST", multipart_form),
    Case("csrf", "a text/plain POST of JSON", text_plain_json),
]
