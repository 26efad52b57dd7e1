"""The pages as a person sees them: served for real, rendered in Debian's Chromium through Playwright."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from coalition import demo
from tests.e2e.browser import ARTIFACTS, Site, choose_language


@pytest.mark.parametrize("width", [1280, 360])
def test_home_page_renders_readably(browser: Any, live_url: str, width: int) -> None:
    page = browser.new_page(viewport={"width": width, "height": 800})
    try:
        response = page.goto(live_url + "/")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"home-{width}.png"), full_page=True)

        assert response is not None and response.status == 200
        assert page.title() == "Coalition"
        assert page.get_by_role("heading", level=1).inner_text() == "Run your coalition in the open"
        assert not page.get_by_text("The log is empty").is_visible()  # a technical detail, folded
        page.get_by_text("Technical details").click()
        assert page.get_by_text("The log is empty").is_visible()
        assert page.get_by_text("No coalition has been founded here yet.").is_visible()
        assert page.evaluate("getComputedStyle(document.querySelector('.brand')).color") == "rgb(11, 110, 79)"
        assert page.evaluate("document.documentElement.scrollWidth") <= width, "the page scrolls sideways"
    finally:
        page.close()


@pytest.mark.parametrize("width", [1280, 360])
def test_home_page_shows_the_demo_coalition(browser: Any, site: Site, width: int) -> None:
    demo.load(site.app.extensions["coalition"], date.today())
    page = browser.new_page(viewport={"width": width, "height": 800})
    try:
        page.goto(site.url + "/")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"home-demo-{width}.png"), full_page=True)

        card = page.locator("article.coalition")
        assert card.get_by_role("heading", level=3).inner_text() == "Clean Rivers Coalition"
        assert "5 active members" in card.inner_text() and "4 common objectives" in card.inner_text()
        assert card.locator(".members li").count() == 5
        assert card.locator("abbr[title='Finland']").inner_text() == "FI"
        assert page.evaluate("document.documentElement.scrollWidth") <= width, "the page scrolls sideways"
    finally:
        page.close()


def test_a_member_signs_a_statement_in_the_browser_then_reads_it_in_romanian(browser: Any, site: Site) -> None:
    from playwright.sync_api import expect
    from sqlalchemy import select

    from projections.statements import statements

    demo.load(site.app.extensions["coalition"], date.today())
    with site.app.extensions["coalition"].engine.connect() as connection:
        row = connection.execute(
            select(statements.c.statement_id, statements.c.coalition_id).where(
                statements.c.state == "open", statements.c.until_position.is_(None)
            )
        ).one()
    path = f"/coalitions/{row.coalition_id}/statements/{row.statement_id}"
    page = browser.new_page(viewport={"width": 360, "height": 900})
    try:
        page.goto(site.url + "/login?next=" + path)
        page.get_by_label("E-mail address").fill("aino@vesiyhdistys.fi")
        page.get_by_label("Password").fill(demo.PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_text("Signed in as Aino Virtanen")).to_be_attached()  # waits for the page the click led to
        block = page.locator(".signer-block", has_text="Suomen Vesiyhdistys ry")
        assert block.get_by_label("Your title").input_value() == "Chair of the Board"
        block.get_by_role("button", name="Sign this statement").click()

        expect(page.get_by_text("Signed. Thank you.")).to_be_visible()
        assert page.locator(".signatories li.status-signed", has_text="Suomen Vesiyhdistys ry").count() == 1
        choose_language(page, "Română")
        expect(page.get_by_role("heading", name="Semnatari")).to_be_visible()
        expect(page.get_by_text("Autentificat ca Aino Virtanen")).to_be_attached()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "statement-signed-ro-360.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, "the page scrolls sideways"
    finally:
        page.close()
