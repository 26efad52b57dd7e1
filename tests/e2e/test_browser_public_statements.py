"""The public index of published statements and a statement's public page, as a reader's browser shows them."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from coalition import demo
from tests.e2e.browser import ARTIFACTS, Site, in_header


@pytest.mark.parametrize("width", [1280, 360])
def test_a_reader_finds_a_published_statement_and_copies_its_link(browser: Any, site: Site, width: int) -> None:
    from playwright.sync_api import expect

    demo.load(site.app.extensions["coalition"], date.today())
    site.app.config["PUBLIC_URL"] = site.url
    context = browser.new_context(
        viewport={"width": width, "height": 900}, permissions=["clipboard-read", "clipboard-write"]
    )
    page = context.new_page()
    try:
        page.goto(site.url + "/")
        page.locator("footer").get_by_role("link", name="Published statements").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Published joint statements")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"public-index-{width}.png"), full_page=True)
        items = page.locator(".published-item")
        assert items.count() == 1
        assert "Clean Rivers Coalition" in items.first.inner_text()
        assert "signatory organisations" in items.first.inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= width, "the index scrolls sideways"

        items.first.get_by_role("link").click()
        expect(page.locator(".published-by")).to_contain_text("Published by Clean Rivers Coalition on ")
        page.screenshot(path=str(ARTIFACTS / f"public-statement-{width}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, "the page scrolls sideways"
        address = page.locator("#share-url").input_value()
        assert address == page.url
        page.get_by_role("button", name="Copy link").click()
        expect(page.get_by_text("The link is copied.")).to_be_visible()
        assert page.evaluate("navigator.clipboard.readText()") == address
        assert page.locator("meta[property='og:url']").get_attribute("content") == address
        assert page.locator(".by-country tbody tr").count() >= 2
    finally:
        context.close()


def test_without_javascript_the_address_is_there_to_copy_by_hand_in_romanian(browser: Any, site: Site) -> None:
    demo.load(site.app.extensions["coalition"], date.today())
    context = browser.new_context(viewport={"width": 360, "height": 900}, java_script_enabled=False, locale="ro-RO")
    page = context.new_page()
    try:
        page.goto(site.url + "/public/statements")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "public-index-ro-360.png"), full_page=True)
        assert page.get_by_role("heading", level=1).inner_text() == "Declarații comune publicate"
        page.locator(".published-item a").first.click()
        page.wait_for_load_state()

        assert page.locator("#share-url").is_visible() and page.locator("#share-url").input_value().startswith("http")
        assert page.locator("button.copy-link").is_hidden()  # only the script shows the button it drives
        mail = page.get_by_role("link", name="Trimiteți prin e-mail").get_attribute("href") or ""
        assert mail.startswith("mailto:?subject=Declara%C8%9Bie%20comun%C4%83%3A%20")
        assert page.get_by_role("heading", name="Distribuiți declarația").is_visible()
        page.screenshot(path=str(ARTIFACTS / "public-statement-nojs-ro-360.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, "the page scrolls sideways"
    finally:
        context.close()


def test_a_member_sees_how_to_share_a_published_statement(browser: Any, site: Site) -> None:
    from playwright.sync_api import expect

    demo.load(site.app.extensions["coalition"], date.today())
    page = browser.new_page(viewport={"width": 360, "height": 900})
    try:
        page.goto(site.url + "/login")
        page.get_by_label("E-mail address").fill("aino@vesiyhdistys.fi")
        page.get_by_label("Password").fill(demo.PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_text("Signed in as Aino Virtanen")).to_be_attached()  # a phone: under "Menu"
        page.goto(site.url + "/public/statements")
        public = page.locator(".published-item a").first.get_attribute("href") or ""
        in_header(page, "My coalitions").click()
        page.get_by_role("link", name="Clean Rivers Coalition").first.click()
        page.get_by_role("link", name="Joint call for citizen monitoring of our rivers").first.click()

        expect(page.get_by_role("heading", name="Share this statement")).to_be_visible()
        assert page.locator("#share-url").input_value().endswith(public)
        page.screenshot(path=str(ARTIFACTS / "member-statement-share-360.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, "the page scrolls sideways"
    finally:
        page.close()
