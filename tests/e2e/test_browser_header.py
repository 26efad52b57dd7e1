"""The header as people see it in Chromium: one row on a wide screen for a signed-in facilitator (main menu, account
menu, language), a folded menu on a phone with nothing scrolling sideways, the language chosen in one choice and
remembered, API tokens in the account menu. Screenshots go to $COALITION_SHOTS (else tests/artifacts)."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from coalition import demo
from coalition.web.i18n import LOCALES
from tests.e2e.browser import ARTIFACTS, Site

pytestmark = pytest.mark.slow
SHOTS = Path(os.environ.get("COALITION_SHOTS", str(ARTIFACTS)))


def opened(browser: Any, site: Site, width: int, locale: str = "en-GB") -> Any:
    page = browser.new_page(viewport={"width": width, "height": 800}, locale=locale)
    page.set_default_timeout(5000)
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 500 else None)
    page.problems = problems  # type: ignore[attr-defined]
    return page


def sign_in(page: Any, site: Site, email: str = "ioana@raurisicurate.ro", path: str = "/coalitions") -> None:
    page.goto(f"{site.url}/login?next={path}")
    page.locator("#email").fill(email)  # in whichever language the page speaks
    page.locator("#password").fill(demo.PASSWORD)
    page.get_by_role("main").locator("button[type=submit]").click()
    expect(page.locator(".account-name")).to_have_text("Ioana Popescu")  # on a phone, folded under "Menu"
    # Measured only once the stylesheet is in: a loaded CI machine once laid the menu out unstyled (a list of
    # three lines) between the page's HTML and its CSS.
    page.wait_for_load_state("load")


def one_line(page: Any) -> float:
    """The height of one line of the header's text, as rendered."""
    return float(page.evaluate("parseFloat(getComputedStyle(document.querySelector('.main-menu a')).lineHeight)"))


def row(page: Any, *selectors: str) -> set[int]:
    """The tops of these elements, rounded to the pixel: one value, or a few pixels apart, when in one row."""
    return {round(page.locator(selector).bounding_box()["y"]) for selector in selectors}


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def test_at_1280_a_facilitator_sees_the_header_in_one_row_with_api_tokens_in_the_account_menu(
    browser: Any, site: Site
) -> None:
    demo.load(site.app.extensions["coalition"], date.today())
    page = opened(browser, site, 1280)
    try:
        sign_in(page, site)
        menu = page.get_by_role("navigation", name="Main menu")
        for name in ("My coalitions", "My organisations", "My responsibilities", "Inbox"):
            expect(menu.get_by_role("link", name=name)).to_be_visible()
        assert menu.get_by_role("link", name="My coalitions").get_attribute("aria-current") == "page"
        header = page.locator("header.site").bounding_box()
        padding = float(page.evaluate("parseFloat(getComputedStyle(document.querySelector('header.site')).paddingTop)"))
        assert header["height"] - 2 * padding < 2 * one_line(page), f"the header wraps: {header['height']}px high"
        tops = row(page, ".brand", ".main-menu li:first-child a", ".account-menu summary", ".language-menu summary")
        assert max(tops) - min(tops) < one_line(page), tops  # brand, main menu, account menu, language side by side
        assert not page.get_by_role("link", name="API tokens").is_visible()  # in the account menu, closed
        shot(page, "header-facilitator-1280-en")

        page.get_by_text("Ioana Popescu", exact=True).click()  # the account menu: the person's name
        shot(page, "header-account-menu-1280-en")
        page.get_by_role("link", name="API tokens").click()
        expect(page.get_by_role("heading", level=1, name="API tokens")).to_be_visible()
        assert page.locator(".account-menu").get_attribute("open") is None  # a new page: the menu closed again
        assert page.problems == []  # type: ignore[attr-defined]
    finally:
        page.close()


def test_the_menus_close_on_escape_and_on_a_click_elsewhere(browser: Any, site: Site) -> None:
    demo.load(site.app.extensions["coalition"], date.today())
    page = opened(browser, site, 1280)
    try:
        sign_in(page, site)
        account = page.locator(".account-menu")
        account.locator("summary").click()
        expect(page.get_by_role("link", name="API tokens")).to_be_visible()
        page.keyboard.press("Escape")
        expect(page.get_by_role("link", name="API tokens")).to_be_hidden()
        assert page.evaluate("document.activeElement.closest('summary') !== null")  # focus back on the menu's button
        account.locator("summary").click()
        page.locator(".language-menu summary").click()  # one menu at a time
        expect(page.get_by_role("link", name="API tokens")).to_be_hidden()
        page.get_by_role("heading", level=1).click()
        expect(page.locator(".language-menu button[lang=ro]")).to_be_hidden()
    finally:
        page.close()


@pytest.mark.parametrize("locale", ["en-GB", "ro-RO"])
def test_at_360_the_menu_folds_and_nothing_scrolls_sideways(browser: Any, site: Site, locale: str) -> None:
    demo.load(site.app.extensions["coalition"], date.today())
    page = opened(browser, site, 360, locale)
    lang = locale[:2]
    try:
        page.goto(site.url + "/")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, "the page scrolls sideways"
        shot(page, f"header-visitor-360-{lang}")
        page.locator(".language-menu summary").click()
        shot(page, f"header-visitor-360-{lang}-language")
        page.goto(site.url + "/")
        sign_in(page, site, path="/")
        main_menu = page.locator(".main-menu")
        expect(main_menu).to_be_hidden()
        header = page.locator("header.site").bounding_box()
        shot(page, f"header-facilitator-360-{lang}")
        assert header["height"] < 4 * one_line(page), header  # one compact row: brand, Menu, language
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, "the page scrolls sideways"

        page.locator(".fold > summary").click()
        expect(main_menu).to_be_visible()
        page.locator(".account-menu > summary").click()
        tokens = "API tokens" if lang == "en" else "Tokenuri API"
        expect(page.get_by_role("link", name=tokens)).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, "the open menu scrolls sideways"
        shot(page, f"header-menu-open-360-{lang}")
        assert page.problems == []  # type: ignore[attr-defined]
    finally:
        page.close()


@pytest.mark.parametrize("width", [1280, 360])
def test_the_language_changes_in_one_choice_and_is_remembered(browser: Any, site: Site, width: int) -> None:
    demo.load(site.app.extensions["coalition"], date.today())
    page = opened(browser, site, width)
    try:
        page.goto(site.url + "/")
        page.get_by_role("group").locator("summary", has_text="English").click()
        choices = page.locator(".language-menu button")
        assert choices.count() >= 2
        for i in range(choices.count()):  # each language named in itself, in its own language
            assert choices.nth(i).get_attribute("lang") == choices.nth(i).get_attribute("value")
        assert page.locator(".language-menu button[aria-current]").get_attribute("lang") == "en"
        page.get_by_role("button", name="Română").click()  # the one choice: no second button to press
        expect(page.locator("html")).to_have_attribute("lang", "ro")
        expect(page.get_by_role("link", name="Autentificare")).to_be_visible()
        assert page.locator(".language-menu button[aria-current]").get_attribute("lang") == "ro"

        page.goto(site.url + "/login")
        assert page.locator("html").get_attribute("lang") == "ro"  # remembered in the session
        page.get_by_label("Adresă de e-mail").fill("ioana@raurisicurate.ro")
        page.get_by_label("Parolă").fill(demo.PASSWORD)
        page.get_by_role("main").get_by_role("button", name="Autentificare").click()
        expect(page.get_by_text("Autentificat ca Ioana Popescu")).to_be_attached()
        page.locator(".language-menu summary").click()
        page.get_by_role("button", name="English").click()  # signed in: kept in the account too
        expect(page.locator("html")).to_have_attribute("lang", "en")
        page.context.clear_cookies()
        sign_in(page, site, path="/")
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.problems == []  # type: ignore[attr-defined]
    finally:
        page.close()


def test_at_1280_the_header_in_romanian_still_fits_one_row(browser: Any, site: Site) -> None:
    demo.load(site.app.extensions["coalition"], date.today())
    page = opened(browser, site, 1280, "ro-RO")
    try:
        page.goto(site.url + "/")
        shot(page, "header-visitor-1280-ro")
        page.goto(f"{site.url}/login?next=/")
        page.get_by_label("Adresă de e-mail").fill("ioana@raurisicurate.ro")
        page.get_by_label("Parolă").fill(demo.PASSWORD)
        page.get_by_role("main").get_by_role("button", name="Autentificare").click()
        expect(page.get_by_role("navigation", name="Meniul principal")).to_be_visible()
        page.wait_for_load_state("load")  # measured with the stylesheet in (see sign_in)
        tops = row(page, ".brand", ".main-menu li:last-child a", ".language-menu summary")
        shot(page, "header-facilitator-1280-ro")
        assert max(tops) - min(tops) < one_line(page), tops
        page.locator(".account-menu summary").click()
        shot(page, "header-account-menu-1280-ro")
    finally:
        page.close()


@pytest.mark.parametrize("language", sorted(LOCALES))
def test_at_1280_the_header_fits_one_row_in_every_language(browser: Any, site: Site, language: str) -> None:
    """Bulgarian's menu words are the longest: the header is measured in each language, signed in."""
    demo.load(site.app.extensions["coalition"], date.today())
    page = opened(browser, site, 1280, language)
    try:
        sign_in(page, site)
        assert page.locator("html").get_attribute("lang") == language
        menu = page.locator(".main-menu ul").bounding_box()["height"]
        assert menu < 1.5 * one_line(page), (language, menu)  # its items did not wrap onto a second line
        tops = row(page, ".brand", ".main-menu li:last-child a", ".account-menu summary", ".language-menu summary")
        assert max(tops) - min(tops) < one_line(page) / 2, (language, tops)
    finally:
        page.close()
