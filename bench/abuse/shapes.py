"""Queries shaped to exhaust the system: wide, aliased, deep, fragment-multiplied, cyclic,
batched and oversized. Each is refused by the gateway with its limit's code, no subgraph
asked; a mutation among them issues nothing."""

from __future__ import annotations

from .case import Case, refusal
from .system import LIMITED_BATCH
from .target import Target

NEW_CAPTCHA = "mutation NewCaptcha { newCaptcha { id image expiresAt } }"


async def thousand_aliases(target: Target) -> str:
    query = "{ " + " ".join(f"r{n}: regions {{ code }}" for n in range(1000)) + " }"
    return refusal(await target.post(query), 400, "too_many_tokens")


async def many_typename_aliases(target: Target) -> str:
    """The cheapest field there is, under the token limit: the alias limit refuses it."""
    query = "{ " + " ".join(f"t{n}: __typename" for n in range(300)) + " }"
    return refusal(await target.post(query), 400, "too_many_aliases")


async def captcha_aliases(target: Target) -> str:
    query = "mutation { " + " ".join(f"c{n}: newCaptcha {{ id }}" for n in range(300)) + " }"
    return refusal(await target.post(query), 400, "too_many_tokens")


async def wide_root(target: Target) -> str:
    """Eleven captchas, under the alias and token limits: the root-field limit refuses them."""
    query = "mutation { " + " ".join(f"c{n}: newCaptcha {{ id }}" for n in range(11)) + " }"
    return refusal(await target.post(query), 400, "too_many_root_fields")


async def five_megabytes(target: Target) -> str:
    body = {"query": NEW_CAPTCHA, "variables": {"pad": "x" * (5 * 2**20)}}
    response = await target.client.post(target.main.url, json=body)
    return refusal(response, 413, "body_too_large")


async def deep_json_variables(target: Target) -> str:
    """Variables nested 10,000 levels (a parser's recursion), under the body limit."""
    body = (
        '{"query": "query Regions { regions { code } }", "variables": {"v": '
        + ("[" * 10_000 + "]" * 10_000)
        + "}}"
    )
    response = await target.client.post(
        target.main.url, content=body.encode(), headers={"content-type": "application/json"}
    )
    return refusal(response, 400, "too_deep")


async def depth_fifty(target: Target) -> str:
    """Fifty levels down introspection's one cycle (a type's ofType's ofType …)."""
    inner = "name"
    for _ in range(47):
        inner = f"ofType {{ {inner} }}"
    query = 'query Deep { __type(name: "Query") { fields { type { ' + inner + " } } } }"
    return refusal(await target.post(query), 400, "operation_too_deep")


async def fragments_multiplied(target: Target) -> str:
    """Forty fragments, each spreading the one before twice: 2^40 selections once expanded."""
    fragments = ["fragment F0 on Query { regions { code } }"]
    fragments += [f"fragment F{n} on Query {{ ...F{n - 1} ...F{n - 1} }}" for n in range(1, 40)]
    query = "query Bomb { ...F39 } " + " ".join(fragments)
    return refusal(await target.post(query), 400, "operation_too_large")


async def fragment_cycle(target: Target) -> str:
    """Refused by the sizing walk (a cycle never ends: past any size) before validation."""
    query = (
        "query Loop { ...A } fragment A on Query { regions { code } ...B } "
        "fragment B on Query { ...A }"
    )
    return refusal(await target.post(query), 400, "operation_too_large")


async def batch_when_off(target: Target) -> str:
    response = await target.client.post(target.main.url, json=[{"query": NEW_CAPTCHA}] * 2)
    return refusal(response, 400, "batching_disabled")


async def batch_too_long(target: Target) -> str:
    batch = [{"query": "{ __typename }"}] * (LIMITED_BATCH + 1)
    response = await target.client.post(target.limited.url, json=batch)
    return refusal(response, 400, "too_many_operations")


CASES = [
    Case("shapes", "1,000 aliases of regions", thousand_aliases),
    Case("shapes", "300 aliases of __typename", many_typename_aliases),
    Case("shapes", "300 newCaptcha aliases", captcha_aliases),
    Case("shapes", "11 root fields", wide_root),
    Case("shapes", "a 5 MB body", five_megabytes),
    Case("shapes", "depth 50", depth_fifty),
    Case("shapes", "JSON variables 10,000 deep", deep_json_variables),
    Case("shapes", "fragments multiplied to 2^40", fragments_multiplied),
    Case("shapes", "a fragment cycle", fragment_cycle),
    Case("shapes", "a batch while batching is off", batch_when_off),
    Case("shapes", "a batch past the limit", batch_too_long),
]
