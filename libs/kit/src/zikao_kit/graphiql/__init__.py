"""GraphiQL served from this package, for the gateway and every subgraph alike: one page, its
script beside it, and GraphiQL, React and ReactDOM copied from the repository's npm packages
into `static/vendor/` by the install (`python -m zikao_kit.graphiql`). Nothing on the page comes
from another host, so an office without internet sees GraphiQL, not a blank "Loading…".

Whether it is served at all is each process's `graphiql_enabled` setting: `graphiql_routes`
and Strawberry's `graphql_ide` take the same flag.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

PACKAGE_DIR: Final = Path(__file__).resolve().parent
STATIC_DIR: Final = PACKAGE_DIR / "static"
VENDOR_DIR: Final = STATIC_DIR / "vendor"
STATIC_PATH: Final = "/graphiql"
"""Where the page's files are served; the page names them relative to itself."""

ASSETS: Final = {
    "react.production.min.js": "react/umd/react.production.min.js",
    "react-dom.production.min.js": "react-dom/umd/react-dom.production.min.js",
    "graphiql.min.js": "graphiql/graphiql.min.js",
    "graphiql.min.css": "graphiql/graphiql.min.css",
    "LICENSE.react": "react/LICENSE",
    "LICENSE.react-dom": "react-dom/LICENSE",
    "LICENSE.graphiql": "graphiql/LICENSE",
}
"""Each served vendor file → where npm puts it under `node_modules/`."""

CONTENT_SECURITY_POLICY: Final = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        # GraphiQL's components set inline styles
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    )
)
"""The browser itself refuses anything from another host, should a file ever name one."""

_NOT_INSTALLED = (
    "GraphiQL's files are not installed: run `make install`"
    " (it copies them from node_modules with python -m zikao_kit.graphiql)."
)


def missing_assets(vendor_dir: Path = VENDOR_DIR) -> list[str]:
    """The vendor files the page needs that are not in ``vendor_dir``."""
    return [name for name in ASSETS if not (vendor_dir / name).is_file()]


def graphiql_page() -> str:
    return (PACKAGE_DIR / "page.html").read_text(encoding="utf-8")


def graphiql_response() -> Response:
    """The page, or 503 naming the install step when the vendor files are missing."""
    if missing_assets():
        return PlainTextResponse(_NOT_INSTALLED, status_code=503)
    headers = {"content-security-policy": CONTENT_SECURITY_POLICY, "cache-control": "no-store"}
    return HTMLResponse(graphiql_page(), headers=headers)


def graphiql_routes(enabled: bool) -> list[BaseRoute]:
    """The page's files under `/graphiql`, where GraphiQL is enabled; nothing otherwise."""
    if not enabled:
        return []
    files = StaticFiles(directory=STATIC_DIR, check_dir=False)
    return [Mount(STATIC_PATH, app=files, name="graphiql")]


class OfflineGraphiQL:
    """Mixin for Strawberry's ASGI view (put it first): its GraphiQL is this package's page."""

    async def render_graphql_ide(self, request: Request) -> Response:
        return graphiql_response()
