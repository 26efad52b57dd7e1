"""The audit history as a facilitator works with it in Chromium: the filters, the as-of day and the member picker
at the top, the history in pages of 50, at 1280 and 360 px wide (the demo coalition: some 70 events)."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from coalition import demo
from tests.e2e.browser import ARTIFACTS, Site, choose_language

pytestmark = pytest.mark.slow
SHOTS = Path(os.environ.get("COALITION_SHOTS", str(ARTIFACTS)))


def signed_in_facilitator(browser: Any, site: Site, width: int) -> Any:
    demo.load(site.app.extensions["coalition"], date.today())
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.set_default_timeout(5000)
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 500 else None)
    page.goto(site.url + "/login?next=/coalitions")
    page.get_by_label("E-mail address").fill("ioana@raurisicurate.ro")
    page.get_by_label("Password").fill(demo.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Signed in as Ioana Popescu")).to_be_attached()  # a phone: under "Menu"
    page.problems = problems  # type: ignore[attr-defined]
    return page


@pytest.mark.parametrize("width", [1280, 360])
def test_a_facilitator_filters_at_the_top_and_pages_through_the_history(browser: Any, site: Site, width: int) -> None:
    page = signed_in_facilitator(browser, site, width)
    try:
        page.get_by_role("link", name="Clean Rivers Coalition").first.click()
        page.get_by_role("link", name="Audit history").first.click()
        expect(page.get_by_role("heading", level=1, name="Audit history")).to_be_visible()
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"audit-history-{width}.png"), full_page=True)

        # the filters, the as-of day and the member picker come before the events, within the first screens
        table_top = page.locator("table.audit-log").bounding_box()["y"]
        for control in ("#as_of", "#pick-organisation", "button:has-text('Show matching events')"):
            assert page.locator(control).bounding_box()["y"] < table_top, control
        assert page.locator("#pick-organisation").bounding_box()["y"] < (900 if width > 600 else 2200)
        assert page.locator("table.audit-log tbody tr").count() == 50
        assert page.evaluate("document.documentElement.scrollWidth") <= width, "the page scrolls sideways"

        page.get_by_role("link", name="Older ›").first.click()
        expect(page.get_by_role("link", name="‹ Newer").first).to_be_visible()
        older = page.locator("table.audit-log tbody tr").count()
        assert 0 < older <= 50 and "before=" in page.url
        page.screenshot(path=str(SHOTS / f"audit-history-older-{width}.png"), full_page=True)

        page.locator("#as_of").fill(date.today().isoformat())
        page.get_by_label("What happened").select_option(label="Commitment pledged")
        page.get_by_role("button", name="Show matching events").click()
        expect(page.get_by_text("Events up to the end of")).to_be_visible()
        rows = page.locator("table.audit-log tbody tr")
        assert rows.count() > 0 and all("Commitment pledged" in rows.nth(i).inner_text() for i in range(rows.count()))
        assert "before=" not in page.url and f"as_of={date.today().isoformat()}" in page.url

        page.locator("#pick-organisation").select_option(index=1)
        page.get_by_role("button", name="Open").click()
        expect(page.get_by_role("heading", level=1, name="Commitment history of", exact=False)).to_be_visible()
        assert "as_of=" in page.url
        page.screenshot(path=str(SHOTS / f"audit-member-{width}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, "the page scrolls sideways"
        assert page.problems == []  # type: ignore[attr-defined]
    finally:
        page.close()


def test_the_audit_history_in_romanian_on_a_phone(browser: Any, site: Site) -> None:
    page = signed_in_facilitator(browser, site, 360)
    try:
        choose_language(page, "Română")
        expect(page.get_by_text("Autentificat ca Ioana Popescu")).to_be_attached()
        page.get_by_role("link", name="Clean Rivers Coalition").first.click()
        page.get_by_role("link", name="Istoricul de audit").first.click()
        expect(page.get_by_role("link", name="CSV pentru Excel")).to_be_visible()
        page.get_by_role("link", name="Mai vechi ›").first.click()
        expect(page.get_by_role("link", name="‹ Mai noi").first).to_be_visible()
        page.screenshot(path=str(SHOTS / "audit-history-ro-360.png"), full_page=True)
        picker, card = page.locator("#pick-organisation").bounding_box(), page.locator(".audit-jump").bounding_box()
        assert picker["x"] + picker["width"] <= card["x"] + card["width"], "the picker sticks out of its card"
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, "the page scrolls sideways"
        assert page.problems == []  # type: ignore[attr-defined]
    finally:
        page.close()
