"""The gateway's GraphiQL in headless Chromium (Debian's, driven by Playwright; no browser is
ever downloaded), with every address but loopback blocked: the page, React and GraphiQL come
from the gateway itself; a staff token typed into the page's token field reaches the subgraphs
as the Authorization header, and the answer shows on the page."""

from __future__ import annotations

import re
import secrets
import shutil
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import httpx
import pytest
from e2e import RunningSystem, graphql
from playwright.async_api import Browser, Page, Route, async_playwright, expect

from zikao_devrun.zikao import DEMO_CAPTCHA_ANSWER
from zikao_kit.auth import Role

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
LOOPBACK = "127.0.0.1"
CREATE_STAFF = """mutation($input: CreateStaffInput!) {
  createStaff(input: $input) { __typename }
}"""
COURSES = """query StaffCourses {
  courses(first: 2) { __typename ... on CoursePage { items { code name } } }
}"""

pytestmark = pytest.mark.skipif(
    shutil.which(CHROMIUM) is None,
    reason="Debian's chromium is not installed and could not be: `make install` adds it"
    " (apt-get install chromium) as root or through sudo",
)


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM,
            # root needs --no-sandbox; the resolver rule fails every name but loopback's
            args=["--no-sandbox", f"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE {LOOPBACK}"],
        )
        try:
            yield browser
        finally:
            await browser.close()


async def loopback_only(page: Page) -> list[str]:
    """Aborts every request to another host; returns the list it records them in."""
    elsewhere: list[str] = []

    async def route(route: Route) -> None:
        url = route.request.url
        if urlsplit(url).hostname == LOOPBACK:
            await route.continue_()
        else:
            elsewhere.append(url)
            await route.abort()

    await page.route("**/*", route)
    page.on(
        "request",
        lambda r: None if urlsplit(r.url).hostname in (LOOPBACK, None) else elsewhere.append(r.url),
    )
    return elsewhere


async def run_in_graphiql(page: Page, query: str) -> None:
    editor = page.locator(".graphiql-query-editor .CodeMirror")
    await editor.click()
    await editor.evaluate("(node, text) => node.CodeMirror.setValue(text)", query)
    await page.locator(".graphiql-execute-button").click()


async def test_graphiql_runs_a_staff_query_with_a_pasted_token_offline(
    zikao: RunningSystem, client: httpx.AsyncClient, browser: Browser
) -> None:
    token = zikao.token("graphiql-staff", Role.ADMIN)
    expected = (await graphql(client, zikao.url, COURSES, token=token)).json()
    items = expected["data"]["courses"]["items"]
    assert len(items) == 2, expected
    page = await browser.new_page()
    elsewhere = await loopback_only(page)
    problems: list[str] = []  # script errors, and what the page's CSP refused
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    response = await page.goto(zikao.url)
    assert response is not None
    assert response.status == 200

    response_window = page.locator(".graphiql-response")
    await run_in_graphiql(page, COURSES)  # no token yet: refused
    await expect(response_window).to_contain_text("Unauthenticated", timeout=15_000)

    await page.fill("#zikao-token-input", token)
    await page.click("#zikao-token button[type=submit]")
    await expect(page.locator("#zikao-token-state")).to_have_text("已使用令牌")
    await run_in_graphiql(page, COURSES)
    for item in items:
        await expect(response_window).to_contain_text(item["name"])
        await expect(response_window).to_contain_text(item["code"])
    assert elsewhere == []
    assert problems == []
    assert token not in page.url


async def test_graphiql_logs_staff_in_with_identitys_staff_log_in(
    zikao: RunningSystem, client: httpx.AsyncClient, browser: Browser
) -> None:
    admin = zikao.token("graphiql-admin", Role.ADMIN)
    staff = {
        "username": f"graphiql.{secrets.token_hex(4)}",
        "name": "吴图形",
        "role": "ADMIN",
        "password": "graphiql log-in secret",
    }
    created = await graphql(client, zikao.url, CREATE_STAFF, {"input": staff}, admin)
    assert created.json()["data"]["createStaff"]["__typename"] == "StaffCreated"
    expected = (await graphql(client, zikao.url, COURSES, token=admin)).json()
    page = await browser.new_page()
    elsewhere = await loopback_only(page)
    await page.goto(zikao.url)

    await page.click("#zikao-login-open")
    await expect(page.locator("#zikao-login-captcha")).to_have_attribute(
        "src", re.compile("^data:")
    )
    await page.fill("#zikao-login-username", staff["username"])
    await page.fill("#zikao-login-password", staff["password"])
    await page.fill("#zikao-login-answer", "wrong")
    await page.click("#zikao-login button[type=submit]")
    await expect(page.locator("#zikao-login-state")).not_to_be_empty()
    await expect(page.locator("#zikao-token-state")).to_have_text("未使用令牌")

    await page.fill("#zikao-login-password", staff["password"])
    await page.fill("#zikao-login-answer", DEMO_CAPTCHA_ANSWER)
    await page.click("#zikao-login button[type=submit]")
    await expect(page.locator("#zikao-token-state")).to_have_text("已使用令牌")
    await expect(page.locator("#zikao-login")).to_be_hidden()
    await run_in_graphiql(page, COURSES)
    for item in expected["data"]["courses"]["items"]:
        await expect(page.locator(".graphiql-response")).to_contain_text(item["name"])
    assert elsewhere == []
