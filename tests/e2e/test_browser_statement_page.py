"""The statement page in a browser at desktop and phone widths: a member who can sign finds the statement awaiting
them near the top of the coalition's home and sees where it stands before the text; a facilitator confirms before
closing signing. Screenshots go to tests/artifacts/ (and /work/notes/shots/stmtpage/ when that folder exists)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from coalition import demo
from tests.e2e.browser import ARTIFACTS, Site, in_header

NOTES = Path("/work/notes/shots/stmtpage")
DREDGING = "Statement on the Lower Danube dredging plan"


def shoot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)
    if NOTES.is_dir():
        page.screenshot(path=str(NOTES / name), full_page=True)


def sign_in(page: Any, site: Site, email: str) -> None:
    from playwright.sync_api import expect

    page.goto(site.url + "/login")
    page.locator("main input[name=email]").fill(email)
    page.locator("main input[name=password]").fill(demo.PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    expect(page.locator("main input[name=password]")).to_have_count(0)


@pytest.mark.parametrize("width", [1280, 360])
def test_a_member_who_can_sign_finds_the_statement_and_where_it_stands(browser: Any, site: Site, width: int) -> None:
    from playwright.sync_api import expect

    demo.load(site.app.extensions["coalition"], date.today())
    page = browser.new_page(viewport={"width": width, "height": 900})
    try:
        sign_in(page, site, "aino@vesiyhdistys.fi")
        in_header(page, "My coalitions").click()
        page.get_by_role("link", name="Clean Rivers Coalition").first.click()
        awaiting = page.locator(".statement-awaiting")
        expect(awaiting).to_contain_text(DREDGING)
        expect(awaiting).to_contain_text("2 of 4 organisations needed.")
        assert awaiting.bounding_box()["y"] < 900, "what awaits my signature is not on the first screen"
        shoot(page, f"home-member-{width}.png")
        assert page.evaluate("document.documentElement.scrollWidth") <= width, "the home scrolls sideways"

        awaiting.get_by_role("link", name=DREDGING).click()
        standing = page.locator(".statement-standing")
        expect(standing).to_contain_text("2 of 4 organisations needed have signed.")
        expect(standing).to_contain_text("Signing closes ")
        expect(standing).to_contain_text("not signed yet. Read the text, then sign.")
        assert standing.bounding_box()["y"] < 700, "where the statement stands is not near the top"
        expect(page.get_by_role("button", name="Sign this statement")).to_be_visible()
        expect(page.locator("#waiting-heading")).to_be_visible()
        shoot(page, f"statement-member-{width}.png")
        assert page.evaluate("document.documentElement.scrollWidth") <= width, "the page scrolls sideways"
    finally:
        page.close()


@pytest.mark.parametrize("width", [1280, 360])
def test_a_facilitator_confirms_before_closing_signing(browser: Any, site: Site, width: int) -> None:
    from playwright.sync_api import expect

    demo.load(site.app.extensions["coalition"], date.today())
    page = browser.new_page(viewport={"width": width, "height": 900})
    try:
        sign_in(page, site, "ioana@raurisicurate.ro")
        in_header(page, "My coalitions").click()
        page.get_by_role("link", name="Clean Rivers Coalition").first.click()
        page.locator("#statements-heading ~ ul").get_by_role("link", name=DREDGING).click()
        confirm = page.get_by_role("button", name="Yes, close signing")
        expect(confirm).to_be_hidden()  # one click is not enough
        page.locator("details.confirm summary", has_text="Close signing now").click()
        expect(confirm).to_be_visible()
        shoot(page, f"statement-facilitator-confirm-{width}.png")
        assert page.evaluate("document.documentElement.scrollWidth") <= width, "the page scrolls sideways"
        confirm.click()
        expect(page.get_by_text("Signing is closed.")).to_be_visible()
        expect(page.locator(".statement-when")).to_contain_text("Signing closed ")
        expect(page.get_by_text("It cannot be published: the statement needs 4 signing organisations")).to_be_visible()
        expect(page.get_by_role("button", name="Publish the statement")).to_have_count(0)
        shoot(page, f"statement-facilitator-closed-{width}.png")
    finally:
        page.close()


@pytest.mark.parametrize("width", [1280, 360])
def test_an_administrator_confirms_before_revoking_a_mandate_in_romanian(browser: Any, site: Site, width: int) -> None:
    from playwright.sync_api import expect

    demo.load(site.app.extensions["coalition"], date.today())
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="ro-RO")
    page = context.new_page()
    try:
        sign_in(page, site, "piotr@czystawisla.pl")
        page.goto(site.url + "/organisations")
        page.get_by_role("link", name="Fundacja Czysta Wisła").first.click()
        confirm = page.get_by_role("button", name="Da, revocați de astăzi mandatul lui Marta Kowalska")
        expect(confirm).to_be_hidden()
        page.locator("details.confirm summary", has_text="Revocați mandatul lui Marta Kowalska").click()
        expect(confirm).to_be_visible()
        shoot(page, f"organisation-revoke-confirm-ro-{width}.png")
        assert page.evaluate("document.documentElement.scrollWidth") <= width, "the page scrolls sideways"
    finally:
        context.close()
