"""A title of zero-width spaces typed into the task form in Chromium: the form comes back saying what to fix."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from coalition import demo
from events.store import EventStore
from projections.coalitions import agreements
from tests.e2e.browser import ARTIFACTS, Site


def test_an_invisible_title_and_a_date_in_9999_are_shown_back_with_what_to_fix(browser: Any, site: Site) -> None:
    from playwright.sync_api import expect

    services = site.app.extensions["coalition"]
    demo.load(services, date.today())
    with services.engine.connect() as connection:
        coalition_id = connection.execute(select(agreements.c.coalition_id).limit(1)).scalar_one()
    store: EventStore = services.store
    before = store.head()[0]
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(f"{site.url}/login?next=/coalitions/{coalition_id}/work")
        page.get_by_label("E-mail address").fill("ioana@raurisicurate.ro")
        page.get_by_label("Password").fill(demo.PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("button", name="Divide out the task")).to_be_visible()
        page.locator("#task-title").fill("\u200b\u2060\u00a0\u200b")
        page.locator("#task-description").fill("Sample the river")
        page.locator("#task-due").fill("9999-12-31")
        page.get_by_role("button", name="Divide out the task").click()

        expect(page.get_by_text("Write some visible text").first).to_be_visible()
        expect(page.get_by_text("Give a date between 1900-01-01 and 2200-12-31.").first).to_be_visible()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "task-form-hostile-input.png"), full_page=True)
        assert store.head()[0] == before
    finally:
        page.close()
