"""Ending well in Chromium: a facilitator opens "Renew or close", gives a reason, confirms, and sees the
coalition ended on its pages and in the list; at 1280 and 360 px wide. The pages are saved under
tests/artifacts/ (and under $COALITION_SHOTS when set)."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import ARTIFACTS, Site, in_header
from tests.e2e.test_browser_flows import Person, found_coalition, join_and_approve, people

__all__ = ["people"]  # the fixture

pytestmark = pytest.mark.slow


def shot(person: Person, name: str) -> None:
    """The page at 1280 and at 360 px wide, saved whole."""
    for width in (1280, 360):
        person.page.set_viewport_size({"width": width, "height": 900})
        for folder in {ARTIFACTS, Path(os.environ.get("COALITION_SHOTS") or ARTIFACTS)}:
            folder.mkdir(parents=True, exist_ok=True)
            person.page.screenshot(path=str(folder / f"ending-{name}-{width}.png"), full_page=True)
    person.page.set_viewport_size({"width": 1280, "height": 900})


def test_a_facilitator_closes_the_coalition_with_a_confirmation_and_sees_it_ended(people: Any, site: Site) -> None:
    ana = people()
    coalition = found_coalition(ana)
    page = ana.page
    page.get_by_role("navigation", name="This coalition").get_by_role("link", name="Renew or close").click()
    expect(page.get_by_role("heading", level=1, name="Renew or close Danube Rivers Coalition")).to_be_visible()
    expect(page.get_by_role("link", name="Amend the agreement").last).to_be_visible()
    shot(ana, "close-page")

    page.get_by_label("Why the coalition closes").fill("The three-year project ended and its report is out.")
    page.get_by_role("button", name="Close the coalition…").click()
    expect(page.get_by_role("heading", name="Close Danube Rivers Coalition for good?")).to_be_visible()
    expect(page.get_by_text("The three-year project ended and its report is out.")).to_be_visible()
    shot(ana, "confirm")

    page.get_by_role("button", name="Yes, close the coalition").click()
    expect(page.get_by_text("The coalition is closed.")).to_be_visible()
    expect(page.get_by_text("This coalition has ended on")).to_be_visible()
    expect(page.get_by_role("link", name="Draft a statement")).to_have_count(0)
    expect(page.get_by_role("link", name="Renew or close")).to_have_count(0)
    shot(ana, "home-ended")

    ana.go(f"/coalitions/{coalition}/members")
    expect(page.get_by_text("This coalition has ended on")).to_be_visible()
    expect(page.get_by_role("main").get_by_role("button")).to_have_count(0)  # no member form
    shot(ana, "members-ended")
    in_header(page, "My coalitions").click()
    expect(page.get_by_text("Ended on", exact=False)).to_be_visible()
    shot(ana, "mine")


def test_a_member_leaving_says_what_becomes_of_its_open_commitment(people: Any, site: Site) -> None:
    ana, bo = people(), people()
    coalition = found_coalition(ana)
    join_and_approve(ana, bo, coalition)
    page = bo.go(f"/coalitions/{coalition}/work")
    page.get_by_label("Kind of contribution").select_option("staff-time")
    page.get_by_label("What will you contribute?").fill("Two field officers for the spring sampling")
    page.get_by_label("Due date").first.fill((datetime.now(UTC).date() + timedelta(days=30)).isoformat())
    page.get_by_role("button", name="Pledge the commitment").click()
    expect(page.get_by_role("link", name="Two field officers for the spring sampling")).to_be_visible()

    bo.go(f"/coalitions/{coalition}/members")
    page.get_by_role("link", name="Leave the coalition (River Watch)…").click()
    expect(page.get_by_role("heading", name="Its open commitments and tasks")).to_be_visible()
    expect(page.get_by_role("link", name="Two field officers for the spring sampling")).to_be_visible()
    page.get_by_label("What becomes of it").select_option("withdraw")
    page.get_by_label("Why", exact=True).fill("We merge with a national network")
    shot(bo, "leave")
    page.get_by_role("button", name="Yes, River Watch leaves the coalition").click()
    expect(page.get_by_text("Done: the organisation is no longer part of the coalition.")).to_be_visible()
