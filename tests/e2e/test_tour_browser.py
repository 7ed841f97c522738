"""The README's tour in real Chromium: every page it lists opens for the account it names,
and axe-core (from the axe-playwright-python package, injected through the DevTools
protocol, so the pages' Content-Security-Policy stays as in production) finds no
accessibility violation of moderate impact or worse."""

import re
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.e2e.test_foundation_browser import sign_in

README = Path(__file__).resolve().parents[2] / "README.md"
ROW = re.compile(r"^\| (?P<name>[^|]+) \| `(?P<path>/[^`]*)` \| (?P<who>\w+) \|$")
BLOCKING = {"moderate", "serious", "critical"}


def tour() -> list[tuple[str, str, str]]:
    """(name, path, account) for each row of the README's tour."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## A tour of the pages", 1)[1].split("\n## ", 1)[0]
    return [
        (m["name"].strip(), m["path"], m["who"])
        for line in section.splitlines()
        if (m := ROW.match(line))
    ]


def violations(page: Page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(node["target"][0] for node in v["nodes"][:3])
        for v in results.response["violations"]
        if v.get("impact") in BLOCKING
    ]


def test_the_tour_lists_the_pages() -> None:
    rows = tour()
    assert len(rows) >= 25
    assert {who for _, _, who in rows} >= {
        "nobody",
        "staff",
        "secretariat",
        "reviewer",
        "finance",
        "supervisor",
        "admin",
    }


def test_every_page_of_the_tour_is_accessible(page: Page, live_server: str) -> None:
    found: dict[str, list[str]] = {}
    signed_in_as = None
    for name, path, who in tour():
        if who != signed_in_as:
            page.context.clear_cookies()
            if who != "nobody":
                sign_in(page, live_server, who)
            signed_in_as = who
        response = page.goto(f"{live_server}{path}")
        assert response is not None and response.status == 200, (name, path, who)
        expect(page.locator("main h1").first).to_be_visible()
        problems = violations(page)
        if problems:
            found[f"{name} {path} ({who})"] = problems
    assert found == {}


def test_axe_does_find_a_violation(page: Page, live_server: str) -> None:
    """The check can fail: an image without alternative text is caught."""
    page.goto(f"{live_server}/login")
    assert violations(page) == []
    page.evaluate(
        "() => document.querySelector('main').append(Object.assign("
        "document.createElement('img'), {src: '/static/img/favicon.svg'}))"
    )
    assert any(v.startswith("image-alt") for v in violations(page))
