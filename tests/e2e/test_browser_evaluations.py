"""An evaluation round in Chromium: a facilitator opens it (default questions, one edited), a liaison answers it
with the radio groups, the facilitator reads the results and closes it with a summary; a member reads them.

The world (tests.e2e.world) is built through the API on the served app; the round goes through the pages only.
Screenshots at 1280 and 360 px are saved under tests/artifacts/ (evaluation-*.png).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import ARTIFACTS, Site
from tests.e2e.world import PASSWORD, Api, World, build_world

pytestmark = pytest.mark.slow


class Visitor:
    """One person's browser at one width, signed in; no script error, no CSP violation, no 5xx on the way."""

    def __init__(self, browser: Any, site: Site, world: World, person: str, width: int) -> None:
        self.site, self.width, self.problems = site, width, []
        self.context = browser.new_context(viewport={"width": width, "height": 900})
        self.context.set_default_timeout(5000)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: self.problems.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.problems.append(str(e)))
        self.page.on("response", lambda r: self.problems.append(f"{r.status} {r.url}") if r.status >= 500 else None)
        self.go("/login")
        self.page.get_by_label("E-mail address").fill(world.email(person))
        self.page.get_by_label("Password").fill(PASSWORD)
        self.page.get_by_role("main").get_by_role("button", name="Sign in").click()
        expect(self.page.get_by_text("Signed in as")).to_be_attached()  # a phone: under "Menu"

    def go(self, path: str) -> Any:
        self.page.goto(self.site.url + path)
        return self.page

    def shot(self, name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"evaluation-{name}-{self.width}.png"), full_page=True)

    def fits(self) -> None:
        """Nothing wider than the window: no sideways scrolling on a phone."""
        overflow = self.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{overflow}px wider than the window at {self.width}px"


@pytest.fixture
def world(site: Site) -> World:
    return build_world(Api(site.app.test_client()))


@pytest.fixture
def visitors(browser: Any, site: Site, world: World) -> Iterator[Any]:
    opened: list[Visitor] = []

    def visitor(person: str, width: int = 1280) -> Visitor:
        opened.append(Visitor(browser, site, world, person, width))
        return opened[-1]

    yield visitor
    for v in opened:
        assert v.problems == [], v.problems
        v.context.close()


@pytest.mark.parametrize("width", [1280, 360])
def test_a_facilitator_opens_a_round_a_liaison_answers_and_the_facilitator_closes_it(
    visitors: Any, world: World, width: int
) -> None:
    ana = visitors("ana", width)
    page = ana.go(f"{world.path}/evaluations")
    expect(page.get_by_text("No evaluation round yet.")).to_be_visible()
    page.get_by_role("link", name="Open an evaluation round").click()
    expect(page.get_by_label("Question 1")).to_have_value("Are we reaching our common objectives?")
    expect(page.get_by_label("Question 4")).to_have_value("What should change?")
    page.get_by_label("Title").fill("Spring review")
    page.get_by_label("Question 3").fill("Is the division of tasks fair to small members?")
    page.get_by_label("Question 5").fill("Should we meet more often?")
    closes = (datetime.now(UTC) + timedelta(days=10)).date().isoformat()
    page.get_by_label("Last day for responses").fill(closes)
    ana.fits()
    ana.shot("open")
    page.get_by_role("button", name="Open the round").click()
    expect(page.get_by_text("The evaluation round is open")).to_be_visible()
    expect(page.get_by_role("heading", level=1, name="Spring review")).to_be_visible()
    round_path = page.url.removeprefix(ana.site.url)

    lia = visitors("lia", width)
    page = lia.go("/")
    page.get_by_role("link", name="Answer the evaluation round “Spring review”").click()
    expect(page.get_by_text("Answering for River Watch")).to_be_visible()
    questions = page.locator("fieldset.evaluation-question")
    expect(questions).to_have_count(5)
    for number, rating in enumerate((4, 3, 2, 5, 3)):
        question = questions.nth(number)
        question.get_by_role("radio", name=str(rating), exact=False).first.check()
        question.get_by_label("In words (optional)").fill(f"Our view on question {number + 1}")
    lia.fits()
    lia.shot("answer")
    page.get_by_role("button", name="Send the answers").click()
    expect(page.get_by_text("Thank you: your organisation's answers are recorded.")).to_be_visible()
    expect(page.get_by_role("heading", name="The answers of River Watch")).to_be_visible()
    expect(page.get_by_role("heading", name="Results")).to_have_count(0)  # not until the round is closed

    page = ana.go(round_path)
    expect(page.get_by_text("Average 4 out of 5")).to_be_visible()
    page.get_by_label("Summary of the round").fill("Objectives on track; tasks weigh on the small members.")
    page.get_by_label("Lessons learned (optional)").fill("Share the work plan a week before each call.")
    ana.fits()
    ana.shot("results")
    page.get_by_role("button", name="Close the round").click()
    expect(page.get_by_text("The evaluation round is closed")).to_be_visible()

    mo = visitors("mo", width)  # a member's person without a role: reads the results once closed
    page = mo.go(round_path)
    expect(page.get_by_text("Objectives on track; tasks weigh on the small members.")).to_be_visible()
    expect(page.get_by_role("heading", name="Results")).to_be_visible()
    expect(page.locator(".evaluation-answers li", has_text="River Watch").first).to_be_visible()
    mo.fits()
    mo.shot("closed")
    page = mo.go(f"{world.path}/evaluations")
    expect(page.locator(".work-item", has_text="Spring review").get_by_text("closed")).to_be_visible()
    expect(page.get_by_role("link", name="Open an evaluation round")).to_have_count(0)
    mo.fits()
    mo.shot("list")
