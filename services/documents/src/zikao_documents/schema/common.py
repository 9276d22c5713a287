"""What every part of documents' graph shares: the problems of a result union, answering a
domain error as its problem, the subgraph client, waking a render after the commit."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from zikao_documents import models
from zikao_documents.graph import GraphClient
from zikao_documents.jobs import enqueue_render
from zikao_documents.settings import DocumentsSettings, documents_settings
from zikao_kit.context import Context
from zikao_kit.errors import DomainError
from zikao_kit.problems import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    RateLimited,
    Unauthenticated,
    problem_from_error,
)

Problems = InvalidInput | Unauthenticated | Forbidden | NotFound | Conflict | RateLimited


async def answer(work: Awaitable[Any]) -> Any:
    """The success of `work`, or the typed problem of the domain error it raised (its
    transaction rolled back, nothing enqueued)."""
    try:
        return await work
    except DomainError as error:
        return problem_from_error(error)


def graph_of(context: Context) -> GraphClient:
    """The process's client of the other subgraphs (made on first use)."""
    graph = context.extras.get("graph")
    if not isinstance(graph, GraphClient):
        graph = context.extras["graph"] = GraphClient(settings_of(context))
    return graph


def settings_of(context: Context) -> DocumentsSettings:
    return documents_settings(context.settings)


async def wake(context: Context, document: models.DocumentRequest) -> None:
    """After the commit: a render job for a request not done yet (arq refuses a second one
    with the same id, so asking twice enqueues once)."""
    if document.is_done:
        return
    queue = context.extras["queue"]
    name = settings_of(context).queue_name
    await enqueue_render(queue, document.id, attempts=document.attempts, queue_name=name)
