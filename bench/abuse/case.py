"""An abuse case: an attack sent through the gateway (or a service's public route), refused
or not, and what came back in a few words."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx

from .target import Target

Attack = Callable[[Target], Awaitable[str]]


class NotRefusedError(Exception):
    """The attack got something a refusal would have denied it; the message says what."""


@dataclass(frozen=True)
class Case:
    """`attack` returns what refused it, or raises NotRefusedError with what it got.
    `finding` names a known hole the pytest run marks xfail (strict) until it is fixed."""

    family: str
    name: str
    attack: Attack
    finding: str | None = None


@dataclass(frozen=True)
class Outcome:
    case: Case
    refused: bool
    seen: str

    def line(self) -> str:
        verdict = "refused" if self.refused else "NOT REFUSED"
        return f"{self.case.name:<44} {verdict:<12} {self.seen}"


async def run(case: Case, target: Target) -> Outcome:
    try:
        seen = await case.attack(target)
    except NotRefusedError as error:
        return Outcome(case, False, str(error))
    except Exception as error:  # noqa: BLE001 - a case that cannot run proves no refusal
        return Outcome(case, False, f"could not run: {type(error).__name__}: {error}"[:160])
    return Outcome(case, True, seen)


def check(condition: bool, seen: str) -> None:
    if not condition:
        raise NotRefusedError(seen)


def codes(response: httpx.Response) -> list[str]:
    """The `extensions.code` of every error of the answer (of each answer of a batch)."""
    try:
        body = response.json()
    except ValueError:
        return []
    answers = body if isinstance(body, list) else [body]
    found = []
    for answer in answers:
        if not isinstance(answer, dict):
            continue
        for error in answer.get("errors") or ():
            found.append(str((error.get("extensions") or {}).get("code")))
        if "code" in answer and "errors" not in answer:
            found.append(str(answer["code"]))
    return found


def short(response: httpx.Response, limit: int = 90) -> str:
    """`<status> <codes>` or the start of the body."""
    found = codes(response)
    text = ",".join(dict.fromkeys(found)) if found else response.text.replace("\n", " ")
    return f"{response.status_code} {text[:limit]}"


def refusal(response: httpx.Response, status: int, code: str) -> str:
    """Checks the answer is `status` with every error coded `code` (at least one)."""
    found = codes(response)
    check(response.status_code == status and bool(found) and set(found) == {code}, short(response))
    return short(response)


def problem(response: httpx.Response, field: str, typename: str, code: str) -> str:
    """Checks `field` answered the typed problem `typename` with `code` (a result union's
    refusal: HTTP 200, no error) and nothing else."""
    answer = (data(response) or {}).get(field) or {}
    seen = f"{response.status_code} {field}: {answer.get('__typename')} {answer.get('code')}"
    check(
        response.status_code == 200
        and answer.get("__typename") == typename
        and answer.get("code") == code
        and set(answer) == {"__typename", "code"},
        seen if answer else short(response),
    )
    return seen


def data(response: httpx.Response) -> Any:
    body = response.json()
    return body.get("data") if isinstance(body, dict) else None
