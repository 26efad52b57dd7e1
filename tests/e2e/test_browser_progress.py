"""Recording progress on an objective in Chromium: Lia, River Watch's liaison, opens the objectives grid, follows
an objective to its page, records a value and sees it on the chart; on a phone-sized screen too. The pages are
saved as screenshots (tests/artifacts/progress-*.png) to be looked at."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import ARTIFACTS, Site, choose_language
from tests.e2e.test_browser_flows import Person
from tests.e2e.world import PASSWORD, Api, World, build_world

pytestmark = pytest.mark.slow


def measured_world(site: Site) -> World:
    """The e2e world, recorded through the API of the app being served, with objective o1 measured from 0 to 40 sites
    by 100 days from now and the agreement begun 100 days ago."""
    built = build_world(Api(site.app.test_client()))
    today = site.app.extensions["coalition"].store.clock().date()
    objectives = [
        {
            "id": "o1",
            "text": "Monitor water quality at 40 sites",
            "unit": "sites",
            "baseline": 0,
            "target": 40,
            "target_date": (today + timedelta(days=100)).isoformat(),
        },
        {"id": "o2", "text": "Publish a joint policy brief"},
    ]
    starts = (today - timedelta(days=100)).isoformat()
    built.ok("PATCH", f"{built.path}/agreement", "ana", {"starts_on": starts, "objectives": objectives})
    return built


@pytest.fixture
def world(site: Site) -> World:
    """The measured world (`measured_world`) with one value recorded 60 days ago."""
    built = measured_world(site)
    today = site.app.extensions["coalition"].store.clock().date()
    earlier = (today - timedelta(days=60)).isoformat()
    built.ok("POST", f"{built.path}/objectives/o1/progress", "ana", {"value": 2, "as_of": earlier, "note": "Pilot"})
    return built


@pytest.fixture
def lia(browser: Any, site: Site) -> Iterator[Any]:
    """Lia's browsers, signed in, by screen width."""
    opened: list[Person] = []

    def at(width: int) -> Person:
        person = Person(browser, site, width)
        page = person.go("/login")
        page.get_by_label("E-mail address").fill("lia@example.org")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("main").get_by_role("button", name="Sign in").click()
        expect(page.get_by_text("Signed in as Lia Kowal")).to_be_attached()  # a phone: under "Menu"
        opened.append(person)
        return person

    yield at
    for person in opened:
        person.close()


def shot(person: Person, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    person.page.screenshot(path=str(ARTIFACTS / f"progress-{name}.png"), full_page=True)


def test_a_liaison_records_progress_and_sees_it_on_the_chart(world: World, lia: Any) -> None:
    wide = lia(1280)
    page = wide.go(f"{world.path}/grid")
    expect(page.get_by_text("behind")).to_be_visible()  # 5 % of the way when 20 % was expected
    page.get_by_role("link", name="Monitor water quality at 40 sites").click()
    expect(page.get_by_role("heading", name="Monitor water quality at 40 sites")).to_be_visible()

    page.get_by_label("Value reached").fill("19")
    page.get_by_label("Where the figure comes from (optional)").fill("Spring sampling round")
    page.get_by_role("button", name="Record", exact=True).click()

    expect(page.get_by_text("The progress is recorded.")).to_be_visible()
    chart = page.locator("figure.chart-progress")
    expect(chart.get_by_role("img")).to_be_visible()
    assert chart.locator("path.chart-line").get_attribute("data-values") == "2 19"
    expect(page.locator(".progress-status").first).to_have_text("on track")
    expect(page.locator("ol.work-history").get_by_text("Spring sampling round")).to_be_visible()
    shot(wide, "objective-1280")
    wide.go(f"{world.path}/grid")
    shot(wide, "grid-1280")

    narrow = lia(360)
    page = narrow.go(f"{world.path}/objectives/o1")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the objective page scrolls sideways on a phone: {width} px"
    shot(narrow, "objective-360")
    narrow.go(f"{world.path}/grid")
    shot(narrow, "grid-360")

    page = wide.go(f"{world.path}/objectives/o1")
    choose_language(page, "Română")
    expect(page.locator(".progress-status").first).to_have_text("pe drumul cel bun")
    shot(wide, "objective-1280-ro")
