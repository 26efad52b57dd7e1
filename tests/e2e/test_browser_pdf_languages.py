"""The statement PDF in all six languages, downloaded from the statement page in Chromium: each one's text and
certificate in its own language (every label beside its value, `pdftotext -layout`), its letters all drawn
(Cyrillic, ő, ą, ș), and every page rendered to PNG under tests/artifacts to be looked at."""

from __future__ import annotations

import io
from typing import Any

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from coalition.pdf import render
from coalition.pdf.document import PROOF_NAME, Proof
from coalition.web.i18n import LOCALES, language_name
from tests.e2e.browser import ARTIFACTS, Site
from tests.e2e.browser import browser as browser  # noqa: F401  (fixture)
from tests.e2e.test_browser_flows import Person
from tests.e2e.world import PASSWORD, Api, World, build_world
from tests.pdftext import label_beside_or_above, last_page_layout, to_png

TEXTS = {
    "en": ("Clean rivers now", "We call on the *governments* of the Danube basin to act: monitor, publish, restore."),
    "ro": ("Râuri curate acum", "Cerem *guvernelor* din bazinul Dunării să acționeze: ș, ț, ă, î, â."),
    "pl": ("Czyste rzeki teraz", "Wzywamy *rządy* państw dorzecza Dunaju do działania: ą, ć, ę, ł, ń, ś, ź, ż."),
    "fi": ("Puhtaat joet nyt", "Vaadimme Tonavan valuma-alueen *hallituksia* toimimaan: ä, ö, å."),
    "bg": ("Чисти реки сега", "Призоваваме *правителствата* от басейна на Дунав да действат: ъ, щ, ю, я."),
    "hu": ("Tiszta folyókat most", "Felszólítjuk a Duna-medence *kormányait*, hogy cselekedjenek: ő, ű, á, é."),
}


def published_in_six_languages(world: World) -> str:
    """A statement written in English with its five translations, signed by two organisations and published."""
    title, body = TEXTS["en"]
    sid = world.ok("POST", f"{world.path}/statements", "ana", {"title": title, "language": "en", "body": body})["id"]
    path = f"{world.path}/statements/{sid}"
    for code, (title, body) in TEXTS.items():
        if code != "en":
            world.ok("PUT", f"{path}/translations/{code}", "ana", {"title": title, "body": body})
    world.ok("POST", f"{path}/open", "ana", {"threshold": 2})
    world.ok("POST", f"/organisations/{world.green}/mandates", "ana", {"email": world.email("ana"), "title": "Chair"})
    world.ok("POST", f"{path}/signatures", "mo", {"organisation_id": world.river})
    world.ok("POST", f"{path}/signatures", "ana", {"organisation_id": world.green})
    world.ok("POST", f"{path}/close", "ana")
    world.ok("POST", f"{path}/publish", "ana")
    return path


@pytest.fixture
def mo(browser: Any, site: Site) -> Any:
    person = Person(browser, site, 1280)
    yield person
    person.close()


def test_the_six_languages_cover_every_catalogue() -> None:
    assert set(LOCALES) == set(TEXTS) == {"en", "ro", "pl", "fi", "bg", "hu"}


def test_a_member_downloads_the_statement_in_six_languages_each_whole_in_its_own_words(mo: Person, site: Site) -> None:
    world = build_world(Api(site.app.test_client()))
    path = published_in_six_languages(world)
    page = mo.go("/login")
    page.get_by_label("E-mail address").fill(world.email("mo"))
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    page = mo.go(path)
    for code, (title, body) in TEXTS.items():
        with site.app.test_request_context():
            name = language_name(code)
        with page.expect_download() as download:
            page.get_by_role("link", name=f"Download the PDF ({name})").click()
        pdf = download.value.path().read_bytes()
        reader = PdfReader(io.BytesIO(pdf))
        proof = Proof.from_json(reader.attachments[PROOF_NAME][0])
        first = " ".join(reader.pages[0].extract_text().split())
        assert title in first and body.split(":")[-1].strip() in first, (code, first)  # every letter drawn
        words, lines = render.labels(code), last_page_layout(pdf)
        facts = {
            words["statement_id"]: proof.statement_id,
            words["version_hash"]: proof.version_hash,
            words["language"]: code,
            words["head_position"]: str(proof.exported_position),
            words["head_hash"]: proof.head_hash,
        }
        assert not [label for label, value in facts.items() if not label_beside_or_above(lines, label, value)], lines
        assert words["certificate"].replace("\xad", "") in lines
        pictures = to_png(pdf, ARTIFACTS / f"statement-pdf-{code}")
        assert len(pictures) == len(reader.pages) and all(picture.stat().st_size > 5000 for picture in pictures)
    expect(page.get_by_role("heading", level=1, name=TEXTS["en"][0])).to_be_visible()
    assert mo.problems == []
