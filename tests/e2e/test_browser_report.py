"""The partnership report in a browser: the members' page at desktop and phone widths, downloads in English and
Romanian, publishing, the public page (screenshots under tests/artifacts)."""

from __future__ import annotations

import io
from typing import Any

from playwright.sync_api import expect
from pypdf import PdfReader

from coalition.pdf.document import PROOF_NAME
from tests.e2e.browser import ARTIFACTS, Site
from tests.e2e.browser import browser as browser  # noqa: F401  (fixture)
from tests.e2e.test_browser_flows import Person, found_coalition
from tests.e2e.test_browser_flows import people as people  # noqa: F401  (fixture)


def shot(person: Person, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    person.page.screenshot(path=str(ARTIFACTS / f"report-{name}.png"), full_page=True)


def test_a_facilitator_downloads_the_report_in_both_languages_and_publishes_it(people: Any, site: Site) -> None:
    ana: Person = people()
    coalition = found_coalition(ana)
    page = ana.go(f"/coalitions/{coalition}")
    page.get_by_role("link", name="Partnership report").first.click()
    expect(page.get_by_role("heading", level=1, name="Partnership report")).to_be_visible()
    shot(ana, "page-1280")
    for language, title in (("English", "Partnership report"), ("Romanian", "Raport de parteneriat")):
        with page.expect_download(timeout=60_000) as download:  # a report is built and sealed: seconds under load
            page.get_by_role("link", name=f"Download the PDF in {language}").click()
        pdf = PdfReader(io.BytesIO(download.value.path().read_bytes()))
        assert PROOF_NAME in pdf.attachments and title in pdf.pages[0].extract_text()
    page.get_by_label("Language of the report").select_option("ro")
    page.get_by_role("button", name="Publish the report").click()
    expect(page.get_by_text("The report is published")).to_be_visible()
    expect(page.get_by_role("link", name="Download the PDF in Romanian")).to_be_visible()
    shot(ana, "public-1280")

    phone: Person = people(360)
    phone.go(page.url.removeprefix(site.url))
    expect(phone.page.get_by_role("heading", level=1, name="Partnership report")).to_be_visible()
    shot(phone, "public-360")
    width = phone.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the public report page is {width} px wide on a 360 px phone"
