"""The partnership report in all six languages it is printed in, downloaded from the report page in Chromium: each
one's title, section headings, chart words and certificate in its own language (every label beside its value,
`pdftotext -layout`), its letters all drawn (Cyrillic, ő, ą, ș), verified as current, and every page rendered to PNG
under tests/artifacts to be looked at. The world has progress recorded (so a chart is drawn) and a closed
evaluation round (so the evaluation is printed)."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from coalition.pdf import report
from coalition.pdf.document import PROOF_NAME
from coalition.pdf.report_proof import ReportProof
from coalition.web.i18n import LOCALES, language_name
from coalition.web.report_download import REPORT_LANGUAGES
from tests.e2e.browser import ARTIFACTS, Site
from tests.e2e.browser import browser as browser  # noqa: F401  (fixture)
from tests.e2e.test_browser_flows import Person
from tests.e2e.test_browser_progress import measured_world
from tests.e2e.world import PASSWORD, World
from tests.pdftext import label_beside_or_above, last_page_layout, to_png

SUMMARY = "Monitoring is on track; the tasks weigh on River Watch."
HEADINGS = ("report", "agreement", "members", "tasks", "progress", "statements", "evaluation", "certificate")


def evaluated(site: Site) -> World:
    """The measured world (o1 from 0 to 40 sites) with three values recorded and an evaluation round answered by
    both members and closed with a summary."""
    world = measured_world(site)
    today = site.app.extensions["coalition"].store.clock().date()
    for days_ago, value, who in ((80, 4, "ana"), (45, 11, "lia"), (5, 19, "lia")):
        as_of = (today - timedelta(days=days_ago)).isoformat()
        body = {"value": value, "as_of": as_of, "note": "Sampling round"}
        if who == "lia":
            body["organisation_id"] = world.river
        world.ok("POST", f"{world.path}/objectives/o1/progress", who, body)
    closes = (today + timedelta(days=10)).isoformat()
    round_id = world.ok("POST", f"{world.path}/evaluations", "ana", {"title": "Spring review", "closes_on": closes})
    path = f"{world.path}/evaluations/{round_id['id']}"
    for who, organisation, ratings in (("lia", world.river, (4, 3, 2, 5)), ("ana", world.green, (3, 4, 4, 2))):
        answers = [{"question_id": f"q{n}", "rating": r, "comment": "Fine"} for n, r in enumerate(ratings, 1)]
        world.ok("POST", f"{path}/responses", who, {"organisation_id": organisation, "answers": answers})
    world.ok("POST", f"{path}/close", "ana", {"summary": SUMMARY, "lessons": "Share the plan a week ahead."})
    return world


def flat(text: str) -> str:
    """Text with soft hyphens dropped and every run of white space one space."""
    return " ".join(text.replace("\xad", "").split())


@pytest.fixture
def ana(browser: Any, site: Site) -> Any:
    person = Person(browser, site, 1280)
    yield person
    person.close()


def test_the_report_is_printed_in_the_six_languages_of_the_pages() -> None:
    assert set(REPORT_LANGUAGES) == set(LOCALES) == {"en", "ro", "pl", "fi", "bg", "hu"}


def test_a_facilitator_downloads_the_report_in_six_languages_each_whole_in_its_own_words(
    ana: Person, site: Site
) -> None:
    world = evaluated(site)
    page = ana.go("/login")
    page.get_by_label("E-mail address").fill(world.email("ana"))
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    page = ana.go(world.path)
    page.get_by_role("navigation", name="This coalition").get_by_role("link", name="Partnership report").click()
    expect(page.get_by_role("heading", level=1, name="Partnership report")).to_be_visible()
    english = report.labels("en")
    for code in REPORT_LANGUAGES:
        with site.app.test_request_context():
            name = language_name(code)
        with page.expect_download(timeout=60_000) as download:  # a report is built and sealed: seconds under load
            page.get_by_role("link", name=f"Download the PDF in {name}").click()
        pdf = download.value.path().read_bytes()
        (ARTIFACTS / f"report-{code}.pdf").write_bytes(pdf)  # to look at when a check below fails
        reader = PdfReader(io.BytesIO(pdf))
        proof = ReportProof.from_json(reader.attachments[PROOF_NAME][0])
        assert proof.language == code and proof.coalition_id == world.coalition
        words, chart = report.labels(code), report.progress_labels(code, "")
        text = flat(" ".join(p.extract_text() for p in reader.pages))
        missing = [k for k in HEADINGS if flat(words[k]) not in text]
        assert not missing, (code, missing, text[:1500])  # every letter drawn: Cyrillic, ő, ą, ș as written
        if code != "en":
            assert not [k for k in HEADINGS if flat(english[k]) in text and words[k] != english[k]], (code, text)
        assert flat(chart.planned) in text and flat(chart.target) in text, (code, text)  # the chart, in its words
        assert SUMMARY in text and "Spring review" in text, (code, text)
        average = words["question_average"](3.5, 2)  # q1's (4 and 3), its decimal mark the language's: "3,5"
        assert average in text and ("3,5" in average) == (code != "en"), (code, average, text)
        lines = [flat(line) for line in last_page_layout(pdf)]
        facts = {
            words["coalition_id"]: "Danube Rivers Coalition",
            words["position"]: str(proof.position),
            words["head_hash"]: proof.head_hash,
            words["day"]: proof.day.isoformat(),
            words["content_hash"]: proof.content_hash,
            words["language"]: code,
        }
        assert not [label for label, value in facts.items() if not label_beside_or_above(lines, flat(label), value)], (
            code,
            lines,
        )
        assert flat(words["certificate"]) in lines and proof.coalition_id in lines, (code, lines)
        verdict = site.app.test_client().post(
            "/api/v1/verify", data={"file": (io.BytesIO(pdf), "report.pdf")}, content_type="multipart/form-data"
        )
        assert verdict.status_code == 200 and verdict.json["verdict"] == "current", (code, verdict.json)
        assert verdict.json["report"]["kind"] == "partnership_report"
        pictures = to_png(pdf, ARTIFACTS / f"report-pdf-{code}")
        assert len(pictures) == len(reader.pages) and all(picture.stat().st_size > 5000 for picture in pictures)
    expect(page.get_by_role("heading", level=1, name="Partnership report")).to_be_visible()
    assert ana.problems == []
