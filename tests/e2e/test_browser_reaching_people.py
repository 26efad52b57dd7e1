"""Reaching people in Chromium: a forgotten password reset through the mailed link, and a mail's unsubscribe link."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from coalition.accounts import find_user
from coalition.notify import preferences
from coalition.notify.compose import unsubscribe_url
from coalition.notify.worker import Notifier
from tests.e2e.browser import Site, in_header
from tests.e2e.test_browser_flows import Person
from tests.mail import SmtpServer, body

pytestmark = pytest.mark.slow
NEW = "a brand new passphrase"


@pytest.fixture
def person(browser: Any, site: Site) -> Iterator[Person]:
    one = Person(browser, site)
    yield one
    one.close()


def test_forgot_password_then_the_mailed_link_then_sign_in(person: Person, site: Site, smtp: SmtpServer) -> None:
    person.register("Ana Pop", "ana@example.org")
    page = person.page
    in_header(page, "Sign out", "button").click()
    page.get_by_role("link", name="Sign in").click()
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("E-mail address").fill("ana@example.org")
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()

    site.app.config["MAIL_URL"] = smtp.url
    Notifier(site.app).turn()
    [mail] = [m for m in smtp.to("ana@example.org") if m["Subject"] == "Coalition: choose a new password"]
    found = re.search(r"/reset/[A-Za-z0-9_-]+", body(mail))
    assert found
    person.go(found.group(0))
    page.get_by_label("New password", exact=True).fill(NEW)
    page.get_by_label("The new password again").fill(NEW)
    page.get_by_role("button", name="Change my password").click()
    expect(page.get_by_text("Sign in with your new password")).to_be_visible()

    page.get_by_label("E-mail address").fill("ana@example.org")
    page.get_by_label("Password").fill(NEW)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Signed in as Ana Pop")).to_be_visible()


def test_a_mails_unsubscribe_link_asks_first_then_turns_the_kind_off(person: Person, site: Site) -> None:
    person.register("Bo Nowak", "bo@example.org")
    user = find_user(site.app.extensions["coalition"].engine, "bo@example.org")
    assert user is not None
    with site.app.app_context():
        link = unsubscribe_url(site.app.config, user.user_id, "statement_opened")

    def mode() -> str:
        with site.app.extensions["coalition"].engine.connect() as connection:
            return preferences.choices(connection, user.user_id).kinds["statement_opened"]

    page = person.go(link.split("5000", 1)[1])  # the mail's link, on the site under test
    expect(page.get_by_role("heading", name="Stop these messages")).to_be_visible()
    expect(page.get_by_text("A statement opens for signatures")).to_be_visible()
    assert mode() == "immediate"  # opening the link changed nothing
    page.get_by_role("button", name="Unsubscribe").click()
    expect(page.get_by_role("heading", name="You are unsubscribed")).to_be_visible()
    assert mode() == "off"
    page.get_by_role("link", name="Choose what you receive").click()
    expect(page.get_by_label("A statement opens for signatures")).to_have_value("off")  # waits for the new page
    page.get_by_label("A statement opens for signatures").select_option("daily")
    page.get_by_role("button", name="Save my choices").click()
    expect(page.get_by_text("Your choices are saved.")).to_be_visible()
    assert mode() == "daily"
