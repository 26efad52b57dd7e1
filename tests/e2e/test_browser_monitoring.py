"""Issue 17's whole journey in Chromium, through the pages only, on the e2e world (tests.e2e.world) built through the
API of the served app with objective o1 measured (0 -> 40 sites):

Lia, River Watch's liaison, follows objective 1 from the coalition's home, records the value reached and sees it on
the chart and, back home, its status; Ana, the facilitator, opens an evaluation round; Lia sees it highlighted on
the home and answers it; Ana closes it with a summary and lessons learned, which the home then shows; Ana downloads
the partnership report in English and in Romanian (each a PDF naming the coalition and the round's summary); she drops
the open task and finds River Watch's pledge still keeping the coalition open; Bo, River Watch's administrator,
withdraws it on its page; Ana closes the coalition with the confirmation and sees it ended on the home, the objective
(no progress form), the evaluation rounds (no round to open) and the list of coalitions.

The last pages are saved under tests/artifacts/ (monitoring-*.png), and under $COALITION_SHOTS when set.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.e2e.browser import ARTIFACTS, Site, choose_language
from tests.e2e.test_browser_flows import Person
from tests.e2e.test_browser_progress import measured_world
from tests.e2e.world import PASSWORD, World

pytestmark = pytest.mark.slow

SUMMARY = "Monitoring is on track; the tasks weigh on River Watch."
LESSONS = "Share the work plan a week before each call."


@pytest.fixture
def world(site: Site) -> World:
    """The e2e world with o1 measured from 0 to 40 sites by 100 days from now, the agreement begun 100 days ago."""
    return measured_world(site)


@pytest.fixture
def signed_in(browser: Any, site: Site, world: World) -> Iterator[Any]:
    """A person of the world in their own browser, signed in (`Person` checks no script error and no 5xx)."""
    opened: list[Person] = []

    def person(who: str, width: int = 1280) -> Person:
        one = Person(browser, site, width)
        page = one.go("/login")
        page.get_by_label("E-mail address").fill(world.email(who))
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("main").get_by_role("button", name="Sign in").click()
        expect(page.get_by_text("Signed in as")).to_be_attached()  # a phone: under "Menu"
        opened.append(one)
        return one

    yield person
    for one in opened:
        one.close()


def shot(person: Person, name: str) -> None:
    """The page at 1280 and 360 px wide, saved whole; at 360 nothing may scroll sideways."""
    for width in (1280, 360):
        person.page.set_viewport_size({"width": width, "height": 900})
        if width == 360:
            overflow = person.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{name}: {overflow}px wider than a phone"
        for folder in {ARTIFACTS, Path(os.environ.get("COALITION_SHOTS") or ARTIFACTS)}:
            folder.mkdir(parents=True, exist_ok=True)
            person.page.screenshot(path=str(folder / f"monitoring-{name}-{width}.png"), full_page=True)
    person.page.set_viewport_size({"width": 1280, "height": 900})


def home_objective(page: Any, text: str) -> Any:
    return page.locator(".objective-list li", has_text=text)


def test_progress_an_evaluation_round_and_the_end_of_a_coalition(signed_in: Any, world: World) -> None:
    # Lia records progress on objective 1 and sees it on the chart and on the home.
    lia = signed_in("lia")
    page = lia.go(world.path)
    expect(home_objective(page, "Monitor water quality at 40 sites").get_by_text("not measured yet")).to_be_visible()
    page.get_by_role("link", name="Monitor water quality at 40 sites").click()
    page.get_by_label("Value reached").fill("19")
    page.get_by_label("Where the figure comes from (optional)").fill("Spring sampling round")
    page.get_by_role("button", name="Record", exact=True).click()
    expect(page.get_by_text("The progress is recorded.")).to_be_visible()
    chart = page.locator("figure.chart-progress")
    expect(chart.get_by_role("img")).to_be_visible()
    assert chart.locator("path.chart-line").get_attribute("data-values") == "19"
    expect(page.locator(".progress-status").first).to_have_text("on track")
    shot(lia, "objective")
    page = lia.go(world.path)
    o1 = home_objective(page, "Monitor water quality at 40 sites")
    expect(o1.locator(".progress-status")).to_have_text("on track")
    expect(o1.get_by_text("48% of the way")).to_be_visible()
    expect(home_objective(page, "Publish a joint policy brief").get_by_text("not measured yet")).to_be_visible()

    # Ana opens an evaluation round from the pages.
    ana = signed_in("ana")
    page = ana.go(world.path)
    page.get_by_role("navigation", name="This coalition").get_by_role("link", name="Evaluation rounds").click()
    page.get_by_role("link", name="Open an evaluation round").click()
    page.get_by_label("Title").fill("Spring review")
    closes = (datetime.now(UTC) + timedelta(days=10)).date().isoformat()
    page.get_by_label("Last day for responses").fill(closes)
    page.get_by_role("button", name="Open the round").click()
    expect(page.get_by_text("The evaluation round is open")).to_be_visible()
    round_path = page.url.removeprefix(ana.site.url)

    # Lia sees it waiting on the coalition's home and answers it.
    page = lia.go(world.path)
    waiting = page.locator(".evaluation-awaiting")
    expect(waiting).to_contain_text("awaits your organisation's answer")
    shot(lia, "home-awaiting")
    waiting.get_by_role("link", name="Answer it").click()
    expect(page.get_by_text("Answering for River Watch")).to_be_visible()
    questions = page.locator("fieldset.evaluation-question")
    for number, rating in enumerate((4, 3, 2, 5)):
        questions.nth(number).get_by_role("radio", name=str(rating), exact=False).first.check()
        questions.nth(number).get_by_label("In words (optional)").fill(f"Our view on question {number + 1}")
    page.get_by_role("button", name="Send the answers").click()
    expect(page.get_by_text("Thank you: your organisation's answers are recorded.")).to_be_visible()
    page = lia.go(world.path)
    expect(page.locator(".evaluation-awaiting")).to_have_count(0)

    # Ana closes the round with a summary; the home shows it to everyone.
    page = ana.go(round_path)
    page.get_by_label("Summary of the round").fill(SUMMARY)
    page.get_by_label("Lessons learned (optional)").fill(LESSONS)
    page.get_by_role("button", name="Close the round").click()
    expect(page.get_by_text("The evaluation round is closed")).to_be_visible()
    page = lia.go(world.path)
    expect(page.get_by_role("heading", name="Latest evaluation round: Spring review")).to_be_visible()
    expect(page.get_by_text(SUMMARY)).to_be_visible()
    expect(page.get_by_text(LESSONS)).to_be_visible()
    shot(lia, "home-evaluated")

    # Ana downloads the partnership report in English and in Romanian: each a PDF naming the coalition and the
    # round's summary.
    page = ana.go(world.path)
    page.get_by_role("navigation", name="This coalition").get_by_role("link", name="Partnership report").click()
    expect(page.get_by_role("heading", level=1, name="Partnership report")).to_be_visible()
    for language, title in (("English", "Partnership report"), ("Romanian", "Raport de parteneriat")):
        with page.expect_download() as download:
            page.get_by_role("link", name=f"Download the PDF in {language}").click()
        body = download.value.path().read_bytes()
        assert body.startswith(b"%PDF-"), language
        words = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(body)).pages).split())
        named = "danube rivers coalition" in words.lower()  # the title page writes it in capitals
        assert title in words and named and SUMMARY in words, (language, words[:2000])
    shot(ana, "report")

    # Ana drops the open task; the close page still lists River Watch's pledge (it keeps the coalition open, linked);
    # once River Watch withdraws it, Ana closes the coalition with the confirmation.
    page = ana.go(f"{world.path}/tasks/{world.task}")
    page.get_by_label("Why is the task dropped?").fill("The sampling moves to the next project")
    page.get_by_role("button", name="Drop the task").click()
    page = ana.go(world.path)
    page.get_by_role("navigation", name="This coalition").get_by_role("link", name="Renew or close").click()
    expect(page.get_by_text("Have these pledged commitments fulfilled or withdrawn:")).to_be_visible()
    expect(page.get_by_role("link", name="Two field officers")).to_have_attribute(
        "href", f"{world.path}/commitments/{world.commitment}"
    )
    expect(page.get_by_text("(River Watch)")).to_be_visible()
    expect(page.get_by_label("Why the coalition closes")).to_have_count(0)
    shot(ana, "close-pledged")
    bo = signed_in("bo")  # River Watch's administrator withdraws the pledge on its page
    page = bo.go(f"{world.path}/commitments/{world.commitment}")
    page.get_by_label("Why is the commitment withdrawn?").fill("The project ended")
    page.get_by_role("button", name="Withdraw the commitment").click()
    expect(page.get_by_text("The commitment was withdrawn.")).to_be_visible()
    expect(page.get_by_text("withdrew it: The project ended")).to_be_visible()
    page = ana.go(f"{world.path}/close")
    page.get_by_label("Why the coalition closes").fill("The project ended and its report is out.")
    page.get_by_role("button", name="Close the coalition…").click()
    expect(page.get_by_role("heading", name="Close Danube Rivers Coalition for good?")).to_be_visible()
    page.get_by_role("button", name="Yes, close the coalition").click()
    expect(page.get_by_text("The coalition is closed.")).to_be_visible()
    expect(page.get_by_text("This coalition has ended on")).to_be_visible()
    expect(page.locator(".evaluation-text", has_text=SUMMARY)).to_be_visible()  # the records stay readable
    shot(ana, "home-ended")

    # Ended everywhere: no progress form, no round to open, no answer asked for.
    page = ana.go(f"{world.path}/objectives/o1")
    expect(page.get_by_text("This coalition has ended on")).to_be_visible()
    expect(page.locator("figure.chart-progress")).to_be_visible()
    expect(page.get_by_label("Value reached")).to_have_count(0)
    shot(ana, "objective-ended")
    page = ana.go(f"{world.path}/evaluations")
    expect(page.get_by_text("This coalition has ended on")).to_be_visible()
    expect(page.get_by_role("link", name="Open an evaluation round")).to_have_count(0)
    page = ana.go(round_path)
    expect(page.locator(".evaluation-text", has_text=SUMMARY)).to_be_visible()
    expect(page.get_by_role("button", name="Close the round")).to_have_count(0)
    shot(ana, "round-ended")
    page = lia.go("/coalitions")
    expect(page.get_by_text("Ended on", exact=False)).to_be_visible()
    shot(lia, "mine-ended")

    # The home in Romanian: the same statuses and round, in words.
    page = lia.go(world.path)
    choose_language(page, "Română")
    expect(page.get_by_role("heading", name="Cum merge parteneriatul")).to_be_visible()
    expect(page.get_by_role("heading", name="Cea mai recentă rundă de evaluare: Spring review")).to_be_visible()
    expect(home_objective(page, "Monitor water quality").locator(".progress-status")).to_have_text("pe drumul cel bun")
    expect(page.get_by_text("Această coaliție s-a încheiat", exact=False).first).to_be_visible()
    shot(lia, "home-ended-ro")
