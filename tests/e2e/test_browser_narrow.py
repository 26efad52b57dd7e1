"""Every table of the pages on a 360 px phone, in Chromium: each fits the screen, or sits in a box of its own that
scrolls sideways (focusable and named, so a keyboard can scroll it too); the page itself never scrolls sideways.

The demo coalition (`coalition.demo`) has something in every table: five members in the objectives grid, a long
audit history, a closed evaluation round, a published statement. Ioana, its facilitator, adds a webhook that has
deliveries and an API token, then opens each page. Screenshots go to COALITION_SHOTS (tests/artifacts/ unless set).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from coalition import demo
from coalition.accounts import users
from coalition.webhooks import follow, subscriptions
from coalition.webhooks.tables import webhooks
from tests.e2e.browser import ARTIFACTS, Site
from tests.e2e.test_browser_flows import Person

pytestmark = pytest.mark.slow
SHOTS = Path(os.environ.get("COALITION_SHOTS", str(ARTIFACTS)))

#: What does not fit, as sentences: the page wider than the screen, a table past the screen's edge outside a box
#: that scrolls, such a box itself past the edge, or one that scrolls but cannot be reached by keyboard or is nameless.
#: Tables inside `.visually-hidden` (the figures behind a chart, for screen readers) are clipped to nothing: skipped.
MISFITS = """(width) => {
  const found = [];
  const page = document.documentElement.scrollWidth;
  if (page > width) found.push(`the page is ${page} px wide`);
  document.querySelectorAll("table").forEach((table, index) => {
    if (table.closest(".visually-hidden")) return;
    const name = `table ${index + 1} (${table.className || table.querySelector("caption")?.textContent || "no class"})`;
    let box = null;
    for (let up = table.parentElement; up && up !== document.body; up = up.parentElement) {
      if (["auto", "scroll"].includes(getComputedStyle(up).overflowX)) { box = up; break; }
    }
    const edge = (box || table).getBoundingClientRect();
    if (edge.left < -0.5 || edge.right > width + 0.5) {
      const span = `${Math.round(edge.left)} to ${Math.round(edge.right)} px`;
      found.push(`${name}${box ? "'s scrolling box" : ""} spans ${span}`);
    }
    if (box && box.scrollWidth > box.clientWidth) {
      if (box.tabIndex < 0) found.push(`${name} scrolls sideways but its box cannot be focused`);
      if (!box.ariaLabel && !box.getAttribute("aria-labelledby")) found.push(`${name}'s box has no name`);
      if (box.getAttribute("role") !== "region") found.push(`${name}'s box is not a region`);
    }
  });
  return found;
}"""


def misfits(page: Any, width: int) -> list[str]:
    """What does not fit on this page at this screen width (`MISFITS`)."""
    return list(page.evaluate(MISFITS, width))


def with_deliveries(site: Site, coalition_id: str) -> None:
    """A webhook of the coalition (to a loopback address, allowed here) with the last five events queued for it."""
    services = site.app.extensions["coalition"]
    with services.engine.connect() as connection:
        ioana = connection.execute(
            sa.select(users.c.user_id).where(users.c.email == demo.PEOPLE["ioana"][0])
        ).scalar_one()
    now = datetime.now(UTC)
    types = subscriptions.deliverable_types()
    hook = subscriptions.register(
        services, coalition_id, ioana, "http://127.0.0.1:9/hook", types, now, allow_private=True
    )
    with services.engine.begin() as connection:  # as if registered five events ago: the follower queues those five
        connection.execute(
            webhooks.update().where(webhooks.c.id == hook["id"]).values(after_position=webhooks.c.after_position - 5)
        )
    assert follow(services, now) > 0


@pytest.fixture
def ioana(browser: Any, site: Site, request: pytest.FixtureRequest) -> Iterator[tuple[Person, dict[str, str]]]:
    """Ioana, the demo's facilitator, signed in on a phone, on the narrowest screen where tables do not stack, or on
    a desktop; the demo's ids."""
    ids = demo.load(site.app.extensions["coalition"], date.today())
    site.app.config["PUBLIC_URL"] = site.url
    with_deliveries(site, ids["coalition"])
    person = Person(browser, site, request.param)
    page = person.go("/login")
    page.get_by_label("E-mail address").fill(demo.PEOPLE["ioana"][0])
    page.get_by_label("Password").fill(demo.PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Signed in as Ioana Popescu")).to_be_attached()  # on a phone, folded under "Menu"
    yield person, ids
    person.close()


@pytest.mark.parametrize("ioana", [360, 641, 1280], indirect=True)
def test_every_table_fits_the_screen_or_scrolls_in_its_own_box(ioana: tuple[Person, dict[str, str]]) -> None:
    person, ids = ioana
    width = person.page.viewport_size["width"]
    coalition = f"/coalitions/{ids['coalition']}"
    page = person.go("/account/tokens")
    page.get_by_label("Your password, to confirm it is you").fill(demo.PASSWORD)
    page.get_by_role("button", name="Create a new API token").click()
    expect(page.get_by_role("heading", name="Your new token")).to_be_visible()

    statement = person.go("/public/statements").locator(".published-item a").first.get_attribute("href")
    pages = {
        "sessions": "/account/sessions",
        "tokens": "/account/tokens",
        "organisation": f"/organisations/{ids['ro']}",
        "grid": f"{coalition}/grid",
        "objective": f"{coalition}/objectives/o1",
        "audit": f"{coalition}/audit",
        "as-of": f"{coalition}/audit/as-of?date={date.today().isoformat()}",
        "webhooks": f"{coalition}/webhooks",
        "evaluation": f"{coalition}/evaluations/{ids['evaluation_spring']}",
        "statement": statement,
    }
    found: dict[str, list[str]] = {}
    SHOTS.mkdir(parents=True, exist_ok=True)
    for name, path in pages.items():
        page = person.go(path)
        page.screenshot(path=str(SHOTS / f"narrow-{name}-{width}.png"), full_page=True)
        assert page.locator("main table").count() > 0, f"{name}: no table to check at {path}"
        if misfit := misfits(page, width):
            found[name] = misfit
    assert found == {}, found


@pytest.mark.parametrize("ioana", [360], indirect=True)
def test_a_keyboard_scrolls_the_grid_and_a_phone_shows_sessions_as_cards(ioana: tuple[Person, dict[str, str]]) -> None:
    person, ids = ioana
    page = person.go(f"/coalitions/{ids['coalition']}/grid")
    box = page.get_by_role("region", name="Commitments of each member organisation to each common objective")
    box.focus()
    page.keyboard.press("ArrowRight")
    for _ in range(50):  # wait_for_function evaluates a string: the Content-Security-Policy forbids that
        if page.evaluate("document.querySelector('.table-scroll').scrollLeft") > 0:
            break
        page.wait_for_timeout(100)
    assert page.evaluate("document.querySelector('.table-scroll').scrollLeft") > 0
    caption = page.locator(".table-scroll-caption").bounding_box()
    assert caption["x"] >= 0 and caption["x"] + caption["width"] <= 360, caption  # held still, inside the screen

    page = person.go("/account/sessions")
    expect(page.locator(".sessions-table thead")).to_have_css("position", "absolute")  # named by each value instead
    assert page.locator(".sessions-table tbody tr").first.evaluate("row => getComputedStyle(row).display") == "block"
    network = page.locator(".sessions-table td[data-label='Network']").first
    assert network.evaluate("cell => getComputedStyle(cell, '::before').content") == '"Network: "'
