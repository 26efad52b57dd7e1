"""Following an invitation's link in Chromium: Bo invites an address without an account to sign for River
Watch; the link from the e-mail (over real SMTP) leads to registration with the address fixed, and the
newcomer lands on the organisation's page holding the mandate."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect  # waits for the page after a click, unlike is_visible()

from coalition.notify.worker import Notifier
from tests.e2e.browser import Site
from tests.e2e.test_browser_flows import PASSWORD, Person
from tests.mail import SmtpServer, body

pytestmark = pytest.mark.slow


@pytest.fixture
def people(browser: Any, site: Site) -> Iterator[Any]:
    opened: list[Person] = []

    def person() -> Person:
        opened.append(Person(browser, site))
        return opened[-1]

    yield person
    for p in opened:
        p.close()


def test_following_an_invitation_registers_with_the_address_fixed_and_grants_the_mandate(
    people: Any, site: Site, smtp: SmtpServer
) -> None:
    bo, newcomer = people(), people()
    bo.register("Bo Nowak", "bo@example.org")
    bo.create_organisation("River Watch", "PL", "community-based")
    page = bo.page
    page.get_by_label("E-mail address of the mandate holder").fill("nia@example.org")
    page.get_by_label("Their title").fill("Treasurer")
    page.get_by_role("button", name="Grant the mandate").click()
    expect(page.get_by_text("Invitation sent to nia@example.org")).to_be_visible()
    expect(page.get_by_role("button", name="Cancel the invitation of nia@example.org")).to_be_visible()

    site.app.config.update(MAIL_URL=smtp.url, PUBLIC_URL=site.url)
    Notifier(site.app).turn()
    [mail] = smtp.to("nia@example.org")
    link = re.search(r"(/invitations/[A-Za-z0-9_-]+)", body(mail))
    assert link

    landing = newcomer.go(link.group(1))
    assert landing.get_by_role("heading", name="Bo Nowak invites you to hold a signing mandate").is_visible()
    landing.get_by_role("link", name="Create your account").click()
    email = landing.get_by_label("E-mail address")
    assert email.input_value() == "nia@example.org" and email.get_attribute("readonly") is not None
    landing.get_by_label("Your name").fill("Nia Newcomer")
    landing.get_by_label("Password").fill(PASSWORD)
    landing.get_by_role("main").get_by_role("button", name="Register").click()

    expect(landing.get_by_text("Your signing mandate was granted")).to_be_visible()
    expect(landing.get_by_role("heading", level=1, name="River Watch")).to_be_visible()
    row = landing.get_by_role("row", name=re.compile("Nia Newcomer"))
    expect(row.get_by_text("Treasurer")).to_be_visible()
    expect(row.get_by_text("valid")).to_be_visible()
    newcomer.go(link.group(1))
    assert newcomer.page.get_by_text("already used").is_visible()
    assert newcomer.problems == ["Failed to load resource: the server responded with a status of 410 (GONE)"]
    newcomer.problems.clear()  # the link used once more answers 410, as it should
    newcomer.shot("invitation-accepted")
