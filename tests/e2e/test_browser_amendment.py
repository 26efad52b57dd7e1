"""Re-confirming an amended statement in Chromium: each language's earlier and later text side by side on a
wide screen, one above the other on a phone, with the changes struck through and underlined."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from coalition import demo
from coalition.accounts import find_user
from coalition.demo import PASSWORD, PEOPLE
from coalition.handlers import Context
from coalition.handlers import statements as st
from tests.e2e.browser import ARTIFACTS, Site

BODY = """We call on the authorities to *pause* the dredging plan until an impact assessment is published.

- publish the sediment data
- consult the riverside communities

Read [the scientists' letter](https://example.org/letter)."""

BODY_RO = """Cerem autorităților să *suspende* planul de dragare până la publicarea unui studiu de impact.

- publicarea datelor despre sedimente
- consultarea comunităților riverane"""


def amended(site: Site) -> str:
    """The demo, plus a statement in English and Romanian that Fundacja Czysta Wisła (Marta) signed, then
    amended in both languages: the path of its page."""
    services = site.app.extensions["coalition"]
    ids = demo.load(services, date.today())
    user = {key: find_user(services.engine, PEOPLE[key][0]) for key in ("ioana", "marta")}
    ioana, marta = (Context(services, user[key].user_id, date.today()) for key in ("ioana", "marta"))  # type: ignore[union-attr]
    coalition_id = ids["coalition"]
    title = "Statement on the Lower Danube dredging plan"
    sid = st.draft(ioana, coalition_id, title=title, body=BODY, language="en")["id"]
    st.translate(ioana, coalition_id, sid, "ro", title="Declarație privind planul de dragare", body=BODY_RO)
    st.open_for_signature(ioana, coalition_id, sid, threshold=2)
    st.sign(marta, coalition_id, sid, organisation_id=ids["pl"], title="Programme Coordinator")
    st.amend(
        ioana,
        coalition_id,
        sid,
        title=title + " and the delta",
        body=BODY.replace("an impact assessment", "an **independent** impact assessment").replace(
            "- consult the riverside communities", "- hold public hearings in the riverside communities"
        )
        + "\n\nSigned in Tulcea.",
        translations={
            "ro": {
                "title": "Declarație privind planul de dragare și delta",
                "body": BODY_RO.replace("unui studiu", "unui studiu **independent**"),
            }
        },
    )
    return f"/coalitions/{coalition_id}/statements/{sid}"


def sign_in(page: Any, site: Site, person: str) -> None:
    page.goto(site.url + "/login")
    form = page.locator("main form").filter(has=page.locator("input[name='password']"))
    form.locator("input[name='email']").fill(PEOPLE[person][0])
    form.locator("input[name='password']").fill(PASSWORD)
    form.locator("button[type='submit']").click()
    page.wait_for_load_state()


def boxes(page: Any, language: str) -> tuple[dict[str, float], dict[str, float]]:
    section = page.locator(f".amendment-language[lang='{language}']")
    before = section.locator(".amendment-before").bounding_box()
    after = section.locator(".amendment-after").bounding_box()
    assert before is not None and after is not None
    return before, after


@pytest.mark.parametrize("width", [1280, 360])
def test_the_signer_reads_the_changes_side_by_side_or_stacked(browser: Any, site: Site, width: int) -> None:
    from playwright.sync_api import expect

    path = amended(site)
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        sign_in(page, site, "marta")
        page.goto(site.url + path)
        sign = page.locator("section[aria-labelledby='sign-heading']")
        expect(sign.get_by_role("button", name="Confirm the new version")).to_be_visible()
        for language, name in (("en", "English"), ("ro", "Romanian")):
            region = sign.get_by_role("region", name=f"Changes in {name}")
            expect(region.get_by_role("heading", name=name)).to_be_visible()
            expect(region).to_have_attribute("lang", language)  # the texts are read in their own language
        ARTIFACTS.mkdir(exist_ok=True)
        sign.screenshot(path=str(ARTIFACTS / f"amendment-reconfirm-{width}.png"))
        before, after = boxes(page, "en")
        if width >= 1000:
            assert abs(before["y"] - after["y"]) < 2 and after["x"] > before["x"] + before["width"] - 1
        else:
            assert abs(before["x"] - after["x"]) < 2 and after["y"] >= before["y"] + before["height"] - 1
        text = sign.inner_text()
        assert "+++" not in text and "@@" not in text and "*" not in text
        assert (
            "independent" in sign.locator(".amendment-after ins strong, .amendment-after strong ins").first.inner_text()
        )
        struck = sign.locator(".amendment-before del").first
        assert "line-through" in struck.evaluate("e => getComputedStyle(e).textDecorationLine")
        underlined = sign.locator(".amendment-after ins").first
        assert "underline" in underlined.evaluate("e => getComputedStyle(e).textDecorationLine")
        assert page.evaluate("document.documentElement.scrollWidth") <= width, "the page scrolls sideways"
    finally:
        context.close()


def test_the_reconfirmation_and_the_amend_preview_in_romanian(browser: Any, site: Site) -> None:
    path = amended(site)
    context = browser.new_context(viewport={"width": 360, "height": 900}, locale="ro-RO")
    page = context.new_page()
    try:
        sign_in(page, site, "marta")
        page.goto(site.url + path)
        sign = page.locator("section[aria-labelledby='sign-heading']")
        assert sign.get_by_role("region", name="Modificări în română").is_visible()
        assert "Versiunea 1, pe care ați semnat-o" in sign.inner_text()
        sign.screenshot(path=str(ARTIFACTS / "amendment-reconfirm-ro-360.png"))
    finally:
        context.close()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        sign_in(page, site, "ioana")
        page.goto(site.url + path + "/amend")
        page.locator("textarea[name='body']").fill(BODY + "\n\nA new closing line.")
        page.get_by_role("button", name="Preview").click()
        page.wait_for_load_state()
        changes = page.locator("section[aria-labelledby='changes-heading']")
        assert changes.get_by_role("region", name="Changes in English").is_visible()
        assert "Your amendment" in changes.inner_text()
        changes.screenshot(path=str(ARTIFACTS / "amendment-preview-1280.png"))
    finally:
        context.close()
