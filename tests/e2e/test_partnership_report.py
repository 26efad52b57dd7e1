"""The partnership report: a sealed PDF drawn from the log as of a moment, verified, cached, published."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from pypdf import PdfReader

from coalition.pdf.document import PROOF_NAME
from coalition.pdf.report_proof import ReportProof
from tests.e2e.test_api_coalitions import at
from tests.e2e.world import Api, World, error_of


def download(world: World, query: str = "", person: str = "mo") -> Any:
    response = world.api.call("GET", f"{world.path}/report.pdf{query}", world.who(person))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/pdf"
    return response


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def proof_of(pdf: bytes) -> ReportProof:
    return ReportProof.from_json(PdfReader(io.BytesIO(pdf)).attachments[PROOF_NAME][0])


def verify(api: Api, pdf: bytes) -> dict[str, Any]:
    response = api.client.post(
        "/api/v1/verify", data={"file": (io.BytesIO(pdf), "report.pdf")}, content_type="multipart/form-data"
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return dict(response.json)


@pytest.fixture
def busy(world: World) -> World:
    """The world with a published statement signed by River Watch, a fulfilled and a withdrawn commitment."""
    w = world
    drafted = {"title": "Clean rivers now", "body": "We ask.", "language": "en"}
    sid = w.ok("POST", f"{w.path}/statements", "ana", drafted)["id"]
    path = f"{w.path}/statements/{sid}"
    w.ok("PUT", f"{path}/translations/ro", "ana", {"title": "Râuri curate acum", "body": "Cerem."})
    w.ok("POST", f"{path}/open", "ana", {})
    w.ok("POST", f"{path}/signatures", "mo", {"organisation_id": w.river})
    w.ok("POST", f"{path}/close", "ana")
    w.ok("POST", f"{path}/publish", "ana")
    fulfil, withdraw = (
        w.ok(
            "POST",
            f"{w.path}/commitments",
            "bo",
            {"organisation_id": w.river, "kind": "in-kind", "description": description, "due_on": "2027-01-31"},
        )["id"]
        for description in ("Lab analysis", "Printing")
    )
    w.ok("POST", f"{w.path}/commitments/{fulfil}/fulfil", "bo", {"note": "Done"})
    w.ok("POST", f"{w.path}/commitments/{withdraw}/withdraw", "bo", {"reason": "No budget"})
    return w


def test_the_report_shows_the_agreement_members_work_and_statements(busy: World) -> None:
    text = text_of(download(busy).data)

    assert "Partnership report" in text and "Danube Rivers Coalition" in text
    assert "Cleaner rivers across the Danube basin" in text and "Monthly calls and a shared work plan" in text
    assert "Joint credit on every publication" in text and "Jan 1, 2026 – Dec 31, 2028" in text
    assert "Green Earth" in text and "River Watch" in text and "Oak Institute" not in text
    assert "Sample ten sites" in text
    assert "Clean rivers now · 1 signature" in text
    assert "No evaluation has been closed." in text
    for language, period in (("ro", "1 ian. 2026 – 31 dec. 2028"), ("hu", "2026. jan. 1. – 2028. dec. 31.")):
        assert period in text_of(download(busy, f"?lang={language}").data)  # each language's one way to write a day


def test_the_proof_carries_the_figures_from_the_log(busy: World) -> None:
    pdf = download(busy).data
    proof = proof_of(pdf)
    members = {row[1]: row for row in proof.figures["members"]}

    assert proof.coalition_id == busy.coalition and proof.position == busy.api.head()
    # River Watch: the world's commitment, one fulfilled, one withdrawn; nothing overdue yet.
    assert members["River Watch"][7:11] == [3, 1, 1, 0]
    assert [s[2] for s in proof.figures["statements"]] == [1]
    assert proof.head_hash in text_of(pdf).replace("\n", "")


def test_the_romanian_report_is_in_romanian(busy: World) -> None:
    text = text_of(download(busy, "?lang=ro").data)

    assert "Raport de parteneriat" in text and "Râuri curate acum" in text
    assert "Partnership report" not in text


def test_a_report_as_of_an_earlier_position_shows_the_log_then(busy: World) -> None:
    coalition = busy.ok("GET", busy.path, "ana")
    founded = coalition["founded_position"] if "founded_position" in coalition else None
    events = busy.ok("GET", f"{busy.path}/events", "ana")["events"]
    approved = next(e["position"] for e in events if e["type"] == "MembershipApproved")
    proof = proof_of(download(busy, f"?as_of={approved - 1}").data)

    assert founded is None or founded <= approved
    assert proof.position == approved - 1
    assert [row[2] for row in proof.figures["members"]] == ["active", "requested"]
    assert proof.figures["statements"] == [] and proof.figures["tasks"] == []


def test_a_genuine_report_verifies_as_current(busy: World, api: Api) -> None:
    answer = verify(api, download(busy).data)

    assert answer["valid"] is True and answer["verdict"] == "current", answer["reasons"]
    assert answer["report"]["kind"] == "partnership_report"
    assert answer["report"]["coalition"] == {"id": busy.coalition, "name": "Danube Rivers Coalition"}
    assert answer["report"]["position"] == busy.api.head()
    assert answer["changes_since"]["changed"] is False and answer["statement"] is None


def test_an_outdated_report_says_what_changed(busy: World, api: Api) -> None:
    pdf = download(busy).data
    busy.ok("POST", f"{busy.path}/tasks/{busy.task}/drop", "ana", {"reason": "Not needed"})
    answer = verify(api, pdf)

    assert answer["valid"] is True and answer["verdict"] == "outdated"
    assert answer["changes_since"]["sections"] == ["tasks"]


def test_a_tampered_report_is_not_genuine(busy: World, api: Api) -> None:
    pdf = bytearray(download(busy).data)
    where = pdf.index(b"/Type /Page") + 2
    pdf[where] = ord("X") if pdf[where] != ord("X") else ord("Y")
    answer = verify(api, bytes(pdf))

    assert answer["valid"] is False and answer["verdict"] == "not_genuine" and answer["reasons"]


def test_a_report_whose_figures_were_edited_before_sealing_does_not_match_the_log(
    busy: World, api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    from coalition.reads import partnership

    original = partnership.Partnership.figures

    def inflated(self: partnership.Partnership) -> dict[str, Any]:
        figures = original(self)
        figures["statements"] = [[*row[:2], 99, row[3]] for row in figures["statements"]]
        return figures

    monkeypatch.setattr(partnership.Partnership, "figures", inflated)
    pdf = download(busy, "?lang=ro").data
    monkeypatch.setattr(partnership.Partnership, "figures", original)
    answer = verify(api, pdf)

    assert (
        answer["valid"] is False
        and "the report's figures are not what the log held at its position" in answer["reasons"]
    )


def test_the_second_download_comes_from_the_cache(busy: World) -> None:
    first, second = download(busy), download(busy)

    assert (first.headers["X-Cache"], second.headers["X-Cache"]) == ("miss", "hit")
    assert first.data == second.data
    busy.ok("POST", f"{busy.path}/tasks/{busy.task}/accept", "lia", {})
    assert download(busy).headers["X-Cache"] == "miss"


def test_an_unrelated_event_keeps_the_cached_report(busy: World) -> None:
    download(busy)
    busy.ok("POST", "/organisations", "olli", {"name": "Elm", "country": "FI", "sector": "ngo", "mission": "Trees"})

    assert download(busy).headers["X-Cache"] == "hit"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?as_of=yesterday", "as_of"),
        ("?as_of=2999-01-01", "as_of"),
        ("?as_of=2020-01-01", "as_of"),
        ("?as_of=1", "as_of"),
        ("?lang=xx", "lang"),
        ("?lang=de", "lang"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(world: World, query: str, field: str) -> None:
    response = world.api.call("GET", f"{world.path}/report.pdf{query}", world.who("mo"))

    assert field in error_of(response, 422, "invalid")["fields"]


def test_who_may_download(world: World) -> None:
    assert world.api.call("GET", f"{world.path}/report.pdf", None).status_code == 401
    assert error_of(world.api.call("GET", f"{world.path}/report.pdf", world.who("olli")), 403, "forbidden")
    assert error_of(world.api.call("GET", "/coalitions/nope/report.pdf", world.who("mo")), 404, "not_found")
    assert world.api.call("GET", f"{world.path}/report.pdf", world.who("ana")).status_code == 200


def test_a_facilitator_publishes_a_report_anyone_downloads(busy: World, api: Api) -> None:
    before = busy.api.head()
    published = busy.ok("POST", f"{busy.path}/reports", "ana", {"language": "ro"})
    listed = busy.ok("GET", f"{busy.path}/reports", "mo")["reports"]
    page = api.client.get(published["url"])
    pdf = api.client.get(f"{published['url']}.pdf")

    assert published["position"] == before and listed[0]["report_id"] == published["id"]
    assert published["version"] == busy.ok("GET", busy.path, "ana")["version"]  # as every command answers
    assert page.status_code == 200 and "Danube Rivers Coalition" in page.get_data(as_text=True)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    proof = proof_of(pdf.data)
    assert (proof.report_id, proof.position, proof.language) == (published["id"], before, "ro")
    answer = verify(api, pdf.data)
    assert answer["verdict"] == "current" and answer["report"]["url"] == published["url"]


def test_only_facilitators_publish_and_nothing_is_recorded_otherwise(world: World) -> None:
    before = world.api.head()

    assert error_of(world.api.call("POST", f"{world.path}/reports", world.who("mo"), {}), 403, "forbidden")
    assert error_of(world.api.call("POST", f"{world.path}/reports", world.who("olli"), {}), 403, "forbidden")
    bad = world.api.call("POST", f"{world.path}/reports", world.who("ana"), {"as_of": "2999-01-01"})
    assert "as_of" in error_of(bad, 422, "invalid")["fields"]
    assert world.api.head() == before


def test_an_unknown_published_report_is_a_404(api: Api) -> None:
    assert api.client.get("/public/reports/nope").status_code == 404
    assert api.client.get("/public/reports/nope.pdf").status_code == 404


def test_the_proof_is_json_naming_its_format(busy: World) -> None:
    raw = json.loads(PdfReader(io.BytesIO(download(busy).data)).attachments[PROOF_NAME][0])

    assert raw["format"] == "coalition-report-proof/1" and len(raw["content_hash"]) == 64


def test_standing_gives_its_reasons_and_counts_what_is_overdue_on_the_day(busy: World) -> None:
    at(busy.api, datetime(2027, 5, 20, 12, tzinfo=UTC))  # past the task's and the first commitment's due dates
    busy.ok("POST", "/organisations", "olli", {"name": "Oak", "country": "FI", "sector": "ngo", "mission": "x"})
    busy.ok("POST", f"{busy.path}/members", "olli", {"organisation_id": busy.oak})
    busy.ok("POST", f"{busy.path}/members/{busy.oak}/approve", "ana", {})
    busy.ok("POST", f"{busy.path}/members/{busy.oak}/suspend", "ana", {"reason": "Missed three calls"})
    pdf = download(busy).data
    text = text_of(pdf).replace("\n", " ")
    ro = text_of(download(busy, "?lang=ro").data).replace("\n", " ")
    members = {row[1]: row for row in proof_of(pdf).figures["members"]}

    assert members["River Watch"][3] == "lapsed" and members["River Watch"][10] == 1  # one commitment overdue
    assert "suspended: Missed three calls" in text and "Oak Institute" in text
    assert "Sample ten sites — River Watch · due Apr 30, 2027 · open (overdue by 20 days)" in text
    assert "suspendat: Missed three calls" in ro and "în întârziere de 20 de zile" in ro


def test_the_latest_closed_evaluation_is_summed_up(busy: World, api: Api) -> None:
    w = busy
    before = download(w).data
    assert "No evaluation has been closed." in text_of(before)
    opened = {"title": "First year", "closes_on": "2099-01-31", "questions": ["How?"]}
    round_id = w.ok("POST", f"{w.path}/evaluations", "ana", opened)["id"]
    question = w.ok("GET", f"{w.path}/evaluations/{round_id}", "ana")["question_list"][0]["question_id"]
    answer = {"organisation_id": w.river, "answers": [{"question_id": question, "rating": 4, "comment": "Fine"}]}
    w.ok("POST", f"{w.path}/evaluations/{round_id}/responses", "bo", answer)
    w.ok("POST", f"{w.path}/evaluations/{round_id}/close", "ana", {"summary": "Calls work", "lessons": "Plan earlier"})
    pdf = download(w).data
    text = text_of(pdf).replace("\n", " ")

    assert "First year" in text and "Calls work" in text and "Plan earlier" in text
    assert "How? — average 4 of 5, from 1 answer" in text and "1 answers" not in text
    assert proof_of(pdf).figures["evaluation"][1:5] == ["First year", 1, "Calls work", "Plan earlier"]
    assert verify(api, before)["changes_since"]["sections"] == ["evaluation"]


def test_a_closed_coalitions_report_is_its_final_one(busy: World, api: Api) -> None:
    w = busy
    w.ok("POST", f"{w.path}/tasks/{w.task}/drop", "ana", {"reason": "Not needed"})
    w.ok("POST", f"{w.path}/commitments/{w.commitment}/withdraw", "bo", {"reason": "Not needed"})
    closed = w.ok("POST", f"{w.path}/close", "ana", {"reason": "The work is done"})
    w.ok("POST", "/organisations", "olli", {"name": "Elm", "country": "FI", "sector": "ngo", "mission": "Trees"})
    proof = proof_of(download(w).data)

    assert proof.position == closed["final_position"] < w.api.head()
    assert proof.day.isoformat() == closed["ended_on"]
    before = w.api.head()
    earlier = w.api.call("POST", f"{w.path}/reports", w.who("ana"), {"as_of": str(closed["final_position"] - 1)})
    assert error_of(earlier, 409, "conflict")["message"] == f"the coalition has ended on {closed['ended_on']}"
    assert w.api.head() == before  # nothing recorded
    published = w.api.call("POST", f"{w.path}/reports", w.who("ana"), {})  # the final report may still be published
    assert published.status_code == 201, published.get_data(as_text=True)
    assert published.json["position"] == closed["final_position"]


def test_objective_progress_is_drawn_from_the_points_recorded_by_the_position(busy: World, api: Api) -> None:
    w = busy
    w.ok(
        "PATCH",
        f"{w.path}/agreement",
        "ana",
        {
            "objectives": [
                {
                    "id": "o1",
                    "text": "Monitor water quality at 40 sites",
                    "unit": "sites",
                    "baseline": 0,
                    "target": 40,
                    "target_date": "2027-06-30",
                },
                {"id": "o2", "text": "Publish a joint policy brief"},
            ]
        },
    )
    w.ok("POST", f"{w.path}/objectives/o1/progress", "lia", {"value": 12, "as_of": "2026-06-01"})
    before = download(w).data
    w.ok("POST", f"{w.path}/objectives/o1/progress", "lia", {"value": 20, "as_of": "2026-09-01"})
    pdf = download(w).data
    text = text_of(pdf).replace("\n", " ")
    o1, o2 = proof_of(pdf).figures["objectives"]

    assert "latest 20 sites on Sep 1, 2026" in text and "50% of the way to 40 sites" in text
    assert "Progress towards the target" in text or "Recorded" in text  # the chart's legend
    assert [p[1:3] for p in o1[10]] == [["2026-06-01", 12], ["2026-09-01", 20]] and o2[10] == []
    assert (o1[5], o1[6], o1[7]) == ("sites", 0, 40)
    assert verify(api, before)["changes_since"]["sections"] == ["objectives"]
    ro = text_of(download(w, "?lang=ro").data)
    assert "Nu a fost înregistrat niciun progres." in ro  # o2


def test_a_crafted_report_whose_proof_has_a_strange_shape_is_not_genuine_and_says_so(api: Api) -> None:
    from pypdf import PdfWriter

    proof = ReportProof(
        "c-1", "en", 1, "0" * 64, datetime(2026, 1, 1).date(), datetime(2026, 1, 1, tzinfo=UTC), {"agreement": []}
    )
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.add_attachment(PROOF_NAME, proof.to_json())
    crafted = io.BytesIO()
    writer.write(crafted)

    answer = verify(api, crafted.getvalue())
    anonymous = api.app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', anonymous.get("/verify").get_data(as_text=True))
    assert token
    page = anonymous.post(
        "/verify",
        data={"csrf_token": token.group(1), "file": (io.BytesIO(crafted.getvalue()), "report.pdf")},
        content_type="multipart/form-data",
    )
    html = page.get_data(as_text=True)

    assert answer["valid"] is False and answer["verdict"] == "not_genuine" and answer["reasons"]
    assert answer["report"]["coalition"] == {"id": "c-1", "name": ""} and answer["changes_since"] is None
    assert page.status_code == 200 and "Not genuine" in html
    assert "The file claims to be the partnership report of c-1" in html and "Partnership report of" not in html


def test_a_final_report_stays_current_after_the_coalition_ended(busy: World, api: Api) -> None:
    w = busy
    objective = {"id": "o1", "text": "Monitor water quality at 40 sites", "unit": "sites", "baseline": 0, "target": 40}
    w.ok("PATCH", f"{w.path}/agreement", "ana", {"objectives": [{**objective, "target_date": "2027-06-30"}]})
    w.ok("POST", f"{w.path}/objectives/o1/progress", "lia", {"value": 12, "as_of": "2026-06-01"})
    w.ok("POST", f"{w.path}/tasks/{w.task}/drop", "ana", {"reason": "Not needed"})
    w.ok("POST", f"{w.path}/commitments/{w.commitment}/withdraw", "bo", {"reason": "Not needed"})
    w.ok("POST", f"{w.path}/close", "ana", {"reason": "The work is done"})
    pdf = download(w).data
    at(w.api, datetime(2027, 7, 20, 12, tzinfo=UTC))  # counted on this day, the objective would be overdue
    answer = verify(api, pdf)

    assert answer["valid"] is True and answer["verdict"] == "current", answer["changes_since"]
    assert answer["changes_since"]["day"] == proof_of(pdf).day.isoformat()


def test_a_log_altered_after_the_reports_position_is_not_genuine(busy: World, api: Api) -> None:
    import sqlalchemy as sa

    from tests.e2e.conftest import services
    from tests.e2e.test_log_checkpoints import tamper

    pdf = download(busy).data
    busy.ok("POST", f"{busy.path}/tasks/{busy.task}/drop", "ana", {"reason": "Not needed"})
    head = busy.api.head()
    with services(busy.api.app).engine.connect() as connection:
        payload = connection.execute(sa.text("SELECT payload FROM events WHERE position = :p"), {"p": head}).scalar()
    assert '"reason":{' in str(payload)
    forged = str(payload).replace('"reason":{', '"reason": {')  # the same fields, other bytes
    tamper(busy.api.app, ("UPDATE events SET payload = :pl WHERE position = :p", {"pl": forged, "p": head}))
    answer = verify(api, pdf)

    assert answer["valid"] is False and answer["verdict"] == "not_genuine"
    assert f"the log's events at positions {head} do not match their hashes: the log was altered" in answer["reasons"]
