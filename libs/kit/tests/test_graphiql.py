"""Kit's offline GraphiQL: the install's copy, the page naming no other host, and a subgraph
serving page and files only where its settings allow."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest
import strawberry

from zikao_kit.graphiql import (
    ASSETS,
    PACKAGE_DIR,
    STATIC_DIR,
    VENDOR_DIR,
    graphiql_page,
    missing_assets,
)
from zikao_kit.graphiql.assets import AssetsMissingError, install_assets
from zikao_kit.graphql import build_schema
from zikao_kit.settings import ServiceSettings
from zikao_kit.subgraph import create_subgraph_app

ROOT = Path(__file__).resolve().parents[3]
HTML = {"accept": "text/html"}


class _References(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found += [value for name, value in attrs if name in ("src", "href") and value]


def page_references() -> list[str]:
    parser = _References()
    parser.feed(graphiql_page())
    return parser.found


def test_install_copies_the_npm_files_once(tmp_path: Path) -> None:
    vendor = tmp_path / "vendor"
    written = install_assets(ROOT / "node_modules", vendor)
    assert sorted(p.name for p in written) == sorted(ASSETS)
    assert missing_assets(vendor) == []
    graphiql = (ROOT / "node_modules" / ASSETS["graphiql.min.js"]).read_bytes()
    assert (vendor / "graphiql.min.js").read_bytes() == graphiql
    assert install_assets(ROOT / "node_modules", vendor) == []


def test_install_names_what_npm_has_not_installed(tmp_path: Path) -> None:
    with pytest.raises(AssetsMissingError, match="graphiql/graphiql.min.js"):
        install_assets(tmp_path, tmp_path / "vendor")
    assert missing_assets(tmp_path / "vendor") == list(ASSETS)


def test_the_install_has_put_the_served_files_in_place() -> None:
    assert missing_assets() == [], "run `make install` (python -m zikao_kit.graphiql)"


def test_the_page_names_no_other_host() -> None:
    references = page_references()
    assert len(references) == 7
    for reference in references:
        assert reference == "data:," or re.fullmatch(r"graphiql/[\w./-]+", reference), reference
        if reference != "data:,":
            assert (STATIC_DIR / reference.removeprefix("graphiql/")).is_file(), reference
    for own in (PACKAGE_DIR / "page.html", *STATIC_DIR.glob("zikao-graphiql.*")):
        assert "://" not in own.read_text(encoding="utf-8"), own.name


@strawberry.type
class Query:
    @strawberry.field
    def hello(self) -> str:
        return "你好"


@asynccontextmanager
async def subgraph(settings: ServiceSettings) -> AsyncIterator[httpx.AsyncClient]:
    """A subgraph of one `hello` field, its lifespan run, over ASGI."""
    schema = build_schema("demo", query=Query)
    app = create_subgraph_app(name="demo", schema_name="public", settings=settings, schema=schema)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://demo") as client:
            yield client


async def test_a_subgraph_serves_the_page_and_every_file_it_names(
    database_url: str, redis_url: str
) -> None:
    settings = ServiceSettings(database_url=database_url, redis_url=redis_url)
    async with subgraph(settings) as client:
        page = await client.get("/graphql", headers=HTML)
        served = [await client.get(f"/{r}") for r in page_references() if r != "data:,"]
        answer = await client.post("/graphql", json={"query": "{ hello }"})
    assert page.status_code == 200
    assert page.text == graphiql_page()
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert "connect-src 'self'" in page.headers["content-security-policy"]
    assert [r.status_code for r in served] == [200] * 6
    assert served[2].content == (VENDOR_DIR / "react.production.min.js").read_bytes()
    assert answer.json() == {"data": {"hello": "你好"}}


async def test_no_page_nor_files_where_graphiql_is_off(database_url: str, redis_url: str) -> None:
    settings = ServiceSettings(database_url=database_url, redis_url=redis_url, graphiql=False)
    async with subgraph(settings) as client:
        page = await client.get("/graphql", headers=HTML)
        files = [await client.get(f"/{r}") for r in page_references() if r != "data:,"]
    assert page.status_code == 404
    assert [r.status_code for r in files] == [404] * 6
