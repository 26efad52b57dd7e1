"""Whole journeys through the pages, as two people do them in Chromium, each from a fresh database.

Ana registers, creates Green Earth and founds a coalition; Bo registers, creates River Watch, gives
himself a signing mandate and asks to join; Ana approves; Bo pledges and records delivery; Ana
drafts, translates and opens a statement; Bo signs it for River Watch, withdraws the signature and
downloads the sealed PDF. Then: a facilitator filters the audit history and exports it as CSV; the
Romanian interface; a form posted without its CSRF token. The last page of each is saved under
tests/artifacts/.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect  # waits for the page, unlike is_visible()
from pypdf import PdfReader

from coalition.notify.tables import outbox
from tests.e2e.browser import ARTIFACTS, Site, choose_language, in_header

#: Chromium journeys of 5 to 20 s each: CI runs them, `make check` keeps only the quick ones in test_browser.py.
pytestmark = pytest.mark.slow
PASSWORD = "correct horse battery"


def verification_token(site: Site, email: str) -> str:
    """The token of the verification link queued for `email` (as its owner reads it in their mail)."""
    with site.app.extensions["coalition"].engine.connect() as connection:
        text = connection.execute(
            sa.select(outbox.c.text).where(outbox.c.email == email, outbox.c.key.like("email-verify:%"))
        ).scalar_one()
    found = re.search(r"/verify-email/([A-Za-z0-9_-]+)", text)
    assert found, text
    return found.group(1)


class Person:
    """One person's own browser (cookies and all), with the checks every page they see must pass."""

    def __init__(self, browser: Any, site: Site, width: int = 1280) -> None:
        self.site = site
        self.context = browser.new_context(viewport={"width": width, "height": 900}, accept_downloads=True)
        self.context.set_default_timeout(5000)
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.page.on("console", lambda m: self.problems.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.problems.append(str(e)))
        self.page.on("response", lambda r: self.problems.append(f"{r.status} {r.url}") if r.status >= 500 else None)

    def go(self, path: str) -> Any:
        self.page.goto(self.site.url + path)
        return self.page

    def register(self, name: str, email: str) -> None:
        page = self.go("/register")
        page.get_by_label("Your name").fill(name)
        page.get_by_label("E-mail address").fill(email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("main").get_by_role("button", name="Register").click()
        expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()
        self.go(f"/verify-email/{verification_token(self.site, email)}")  # the link mailed to the address
        page.get_by_role("button", name="Confirm my e-mail address").click()
        expect(page.get_by_text(f"Thank you: {email} is verified.")).to_be_visible()
        page.get_by_label("E-mail address").fill(email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("main").get_by_role("button", name="Sign in").click()
        expect(page.get_by_text(f"Signed in as {name}")).to_be_attached()  # on a phone, folded under "Menu"

    def create_organisation(self, name: str, country: str, sector: str) -> str:
        page = self.page
        in_header(page, "My organisations").click()
        page.get_by_label("Name", exact=True).fill(name)
        page.get_by_label("Country").select_option(country)
        page.get_by_label("Sector").select_option(sector)
        page.get_by_label("Mission").fill(f"{name} protects the rivers of the Danube basin.")
        page.get_by_role("button", name="Create the organisation").click()
        expect(page.get_by_role("heading", level=1, name=name)).to_be_visible()
        return page.url.rsplit("/", 1)[1]

    def shot(self, name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"flow-{name}.png"), full_page=True)

    def close(self) -> None:
        assert self.problems == [], self.problems  # no script error, no CSP violation, no 5xx on the way
        self.context.close()


@pytest.fixture
def people(browser: Any, site: Site) -> Iterator[Any]:
    opened: list[Person] = []

    def person(width: int = 1280) -> Person:
        opened.append(Person(browser, site, width))
        return opened[-1]

    yield person
    for p in opened:
        p.close()


def found_coalition(ana: Person) -> str:
    """Ana registers, creates Green Earth and founds the coalition with two objectives; its id."""
    ana.register("Ana Pop", "ana@example.org")
    ana.create_organisation("Green Earth", "RO", "ngo")
    page = ana.page
    in_header(page, "My coalitions").click()
    page.get_by_role("link", name="Found a coalition").click()
    page.get_by_label("Name of the coalition").fill("Danube Rivers Coalition")
    page.get_by_label("Purpose").fill("Cleaner rivers across the Danube basin")
    page.get_by_label("Starts on").fill(datetime.now(UTC).date().isoformat())
    page.get_by_label("How the members cooperate").fill("Monthly calls and a shared work plan")
    page.get_by_label("How the benefits are shared").fill("Joint credit on every publication")
    page.get_by_label("Objective", exact=True).first.fill("Monitor water quality at 40 sites")
    page.get_by_role("button", name="Add another objective").click()
    page.get_by_label("Objective", exact=True).nth(1).fill("Publish a joint policy brief")
    page.get_by_role("button", name="Found the coalition").click()
    expect(page.get_by_text("The coalition was founded")).to_be_visible()
    expect(page.get_by_role("heading", level=1, name="Danube Rivers Coalition")).to_be_visible()
    return page.url.rstrip("/").rsplit("/", 1)[1]


def join_and_approve(ana: Person, bo: Person, coalition: str) -> None:
    """Bo's River Watch (with Bo's own signing mandate) asks to join; Ana approves."""
    bo.register("Bo Nowak", "bo@example.org")
    bo.create_organisation("River Watch", "PL", "community-based")
    page = bo.page
    page.get_by_label("E-mail address of the mandate holder").fill("bo@example.org")
    page.get_by_label("Their title").fill("Director")
    page.get_by_role("button", name="Grant the mandate").click()
    expect(page.get_by_text("Director").first).to_be_visible()
    bo.go("/")
    page.get_by_role("link", name="Open or ask to join").click()
    page.get_by_role("button", name="Ask to join the coalition").click()
    expect(page.get_by_text("asked to join", exact=False).first).to_be_visible()

    ana.go(f"/coalitions/{coalition}/members")
    ana.page.get_by_role("button", name="Approve the request of River Watch").click()
    expect(ana.page.locator("li", has_text="River Watch").get_by_text("active").first).to_be_visible()


def test_from_registering_to_a_signed_withdrawn_statement_and_its_pdf(people: Any, site: Site) -> None:
    ana, bo = people(), people()
    coalition = found_coalition(ana)
    join_and_approve(ana, bo, coalition)

    # Bo pledges for River Watch and records the delivery.
    page = bo.go(f"/coalitions/{coalition}")
    page.get_by_role("link", name="Commitments and tasks").click()
    page.get_by_label("Towards which common objective").select_option(label="1. Monitor water quality at 40 sites")
    page.get_by_label("Kind of contribution").select_option("staff-time")
    page.get_by_label("What will you contribute?").fill("Two field officers for the spring sampling")
    page.get_by_label("Due date").first.fill((datetime.now(UTC).date() + timedelta(days=30)).isoformat())
    page.get_by_role("button", name="Pledge the commitment").click()
    page.get_by_role("link", name="Two field officers for the spring sampling").click()
    page.get_by_label("What was delivered, and where is the evidence?").fill("Sampling report, 12 sites")
    page.get_by_role("button", name="Mark as fulfilled").click()
    expect(page.get_by_text("fulfilled").first).to_be_visible()

    # Ana drafts, translates into Romanian and opens the statement.
    page = ana.go(f"/coalitions/{coalition}")
    page.get_by_role("link", name="Draft a statement").click()
    page.get_by_label("Title", exact=True).fill("Clean rivers now")
    page.get_by_label("Text", exact=True).fill("We call on **governments** to act on river pollution.")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("strong", has_text="governments")).to_be_visible()
    page.get_by_role("button", name="Save the draft").click()
    page.get_by_label("Add a translation into").select_option("ro")
    page.get_by_role("button", name="Translate").click()
    page.get_by_label("Title", exact=True).fill("Râuri curate acum")
    page.get_by_label("Text", exact=True).fill("Cerem **guvernelor** să acționeze împotriva poluării râurilor.")
    page.get_by_role("button", name="Save the translation").click()
    page.get_by_label("Signing closes at (UTC)").fill(
        (datetime.now(UTC) + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    )
    page.get_by_label("Organisations needed to publish").fill("1")
    page.get_by_role("button", name="Open for signature").click()
    expect(page.get_by_text("open for signature").first).to_be_visible()
    statement_path = re.sub(r"^https?://[^/]+", "", page.url).split("?")[0].removesuffix("/edit")

    # Bo signs for River Watch, then withdraws the signature with a reason.
    page = bo.go(f"/coalitions/{coalition}")
    page.get_by_role("link", name="Clean rivers now").first.click()  # also near the top: it awaits Bo
    block = page.locator(".signer-block", has_text="River Watch")
    assert block.get_by_label("Your title").input_value() == "Director"
    block.get_by_role("button", name="Sign this statement").click()
    expect(page.get_by_text("Signed. Thank you.")).to_be_visible()
    assert page.locator(".signatories li.status-signed", has_text="River Watch").count() == 1
    page.locator("details.confirm summary", has_text="Withdraw the signature").click()  # a step to confirm
    page.get_by_label("Why does your organisation withdraw its signature?").fill("Our board asked us to wait")
    page.get_by_role("button", name="Yes, withdraw the signature").click()
    expect(page.get_by_text("The signature was withdrawn.")).to_be_visible()
    assert page.locator(".signatories li.status-withdrawn", has_text="River Watch").count() == 1

    # ... and downloads the sealed PDF, in Romanian too.
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the PDF (Romanian)").click()
    pdf = PdfReader(download.value.path())
    text = "".join(p.extract_text() for p in pdf.pages)
    assert "Râuri curate acum" in text and "River Watch" not in text.split("Certificate")[0]
    assert statement_path.startswith(f"/coalitions/{coalition}/statements/")
    bo.shot("statement-signed-withdrawn")


def test_a_facilitator_filters_the_audit_history_and_exports_it(people: Any, site: Site) -> None:
    ana, bo = people(), people()
    coalition = found_coalition(ana)
    join_and_approve(ana, bo, coalition)

    page = ana.go(f"/coalitions/{coalition}")
    page.get_by_role("link", name="Audit history").first.click()
    page.get_by_label("Organisation", exact=True).select_option(label="River Watch")
    page.get_by_role("button", name="Show matching events").click()
    page.wait_for_url("**organisation_id=*")
    rows = page.locator("table tbody tr")
    expect(rows.first).to_contain_text("River Watch")  # waits for the filtered page (count() does not)
    assert rows.count() >= 2 and all("River Watch" in rows.nth(i).inner_text() for i in range(rows.count()))
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV", exact=True).click()
    with open(download.value.path(), encoding="utf-8") as file:
        table = list(csv.DictReader(file))
    assert len(table) == rows.count()
    assert all("River Watch" in (row["organisation"], row["subject_organisation"]) for row in table)
    assert {row["type"] for row in table} >= {"MembershipRequested", "MembershipApproved"}
    ana.shot("audit-filtered")


def test_the_romanian_interface_speaks_romanian_and_remembers_the_choice(people: Any, site: Site) -> None:
    ana = people(width=360)
    coalition = found_coalition(ana)
    page = ana.page
    choose_language(page, "Română")

    expect(page.get_by_text("Autentificat ca Ana Pop")).to_be_attached()
    expect(in_header(page, "Coalițiile mele")).to_be_visible()
    page.goto(f"{site.url}/coalitions/{coalition}/work")
    assert page.locator("html").get_attribute("lang") == "ro"
    navigation = page.get_by_role("navigation", name="Această coaliție")
    assert navigation.get_by_text("Angajamente și sarcini").is_visible()  # this page, in the coalition's navigation
    expect(page.get_by_role("button", name="Asumați angajamentul")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, "the page scrolls sideways"
    in_header(page, "Ieșire", "button").click()  # the choice is kept in the account, beyond the session
    page.goto(f"{site.url}/login")
    page.get_by_label("Adresă de e-mail").fill("ana@example.org")
    page.get_by_label("Parolă").fill(PASSWORD)
    page.get_by_role("button", name="Autentificare").last.click()
    expect(page.get_by_text("Autentificat ca Ana Pop")).to_be_attached()
    ana.shot("romanian-360")


def test_a_form_posted_without_its_csrf_token_is_refused_and_records_nothing(people: Any, site: Site) -> None:
    ana = people()
    found_coalition(ana)
    head = site.app.extensions["coalition"].store.head()
    page = ana.go("/organisations")
    page.evaluate("document.querySelectorAll('input[name=csrf_token]').forEach(e => e.remove())")
    page.get_by_label("Name", exact=True).fill("Forged Org")
    page.get_by_label("Country").select_option("RO")
    page.get_by_label("Sector").select_option("ngo")
    page.get_by_label("Mission").fill("Should never exist")
    response_status = []
    page.on("response", lambda r: response_status.append(r.status) if r.request.method == "POST" else None)
    page.get_by_role("button", name="Create the organisation").click()

    assert response_status == [400]
    expect(page.get_by_role("heading", level=1, name="This form has expired")).to_be_visible()
    assert site.app.extensions["coalition"].store.head() == head
    ana.problems = [p for p in ana.problems if "400" not in p]  # the refusal itself is expected
    ana.shot("csrf-refused")
