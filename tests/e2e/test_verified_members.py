"""A facilitator's verified mark (API and pages), shown on the members list, the organisation, the public page and
the sealed PDF; and the name printed for a signer is their account's, never one typed when signing."""

from __future__ import annotations

import io
from typing import Any

from pypdf import PdfReader

from tests.e2e.conftest import services
from tests.e2e.pages import csrf, signed_in, text
from tests.e2e.world import World, error_of


def verification(w: World) -> str:
    return f"{w.path}/members/{w.river}/verification"


def events_of(world: World, kind: str) -> list[Any]:
    return [e for e in services(world.api.app).store.read_all() if e.type == kind]


def test_a_facilitator_marks_river_watch_verified_then_withdraws_the_mark(world: World) -> None:
    answer = world.ok("POST", verification(world), "ana")
    assert answer["verified"] is True and answer["id"] == world.river
    [marked] = events_of(world, "MemberVerified")
    assert marked.payload == {
        "coalition_id": world.coalition,
        "organisation_id": world.river,
        "verified_by": world.users["ana"],
    }
    members = {m["organisation_id"]: m for m in world.ok("GET", world.path, "bo")["members"]}
    assert members[world.river]["verified"] is True
    assert members[world.river]["verified_by"] == world.users["ana"] and members[world.river]["verified_at"]
    assert members[world.green]["verified"] is False
    profile = world.ok("GET", f"/organisations/{world.river}", "olli")
    assert [(v["coalition"], v["verified_by"]) for v in profile["verified_in"]] == [
        ("Danube Rivers Coalition", "Ana Pop")
    ]

    assert world.ok("DELETE", verification(world), "ana")["verified"] is False
    assert [e.payload["withdrawn_by"] for e in events_of(world, "MemberVerificationWithdrawn")] == [world.users["ana"]]
    members = {m["organisation_id"]: m for m in world.ok("GET", world.path, "bo")["members"]}
    assert members[world.river]["verified"] is False
    assert world.ok("GET", f"/organisations/{world.river}", "olli")["verified_in"] == []


def test_each_refusal_is_a_clear_4xx_and_records_nothing(world: World) -> None:
    api = world.api
    before = api.head()
    checks = [
        (api.call("POST", verification(world), world.who("bo")), 403, "only facilitators may mark members verified"),
        (api.call("DELETE", verification(world), world.who("ana")), 409, "no mark to withdraw"),
        (api.call("POST", f"{world.path}/members/{world.oak}/verification", world.who("ana")), 404, "not a member"),
        (api.call("POST", verification(world)), 401, ""),
    ]
    for response, status, words in checks:
        assert response.status_code == status, response.json
        assert words in response.json["error"]["message"]
    assert api.head() == before
    world.ok("POST", verification(world), "ana")
    again = error_of(api.call("POST", verification(world), world.who("ana")), 409, "conflict")
    assert "already marked verified" in again["message"]


def _statement(world: World) -> str:
    """A statement signed by River Watch (Mo) and Green Earth (Ana), closed and published: its path."""
    w = world
    sid = w.ok("POST", f"{w.path}/statements", "ana", {"title": "Clean rivers", "body": "We ask.", "language": "en"})[
        "id"
    ]
    path = f"{w.path}/statements/{sid}"
    w.ok("POST", f"{path}/open", "ana", {})
    w.ok("POST", f"/organisations/{w.green}/mandates", "ana", {"email": w.email("ana"), "title": "Coordinator"})
    w.ok("POST", f"{path}/signatures", "mo", {"organisation_id": w.river, "title": "Director"})
    w.ok("POST", f"{path}/signatures", "ana", {"organisation_id": w.green})
    w.ok("POST", f"{path}/close", "ana")
    w.ok("POST", f"{path}/publish", "ana")
    return path


def _pdf_text(world: World, path: str) -> tuple[bytes, str]:
    response = world.api.call("GET", f"{path}.pdf", world.who("mo"))
    assert response.status_code == 200, response.get_data(as_text=True)
    pdf = response.data
    return pdf, "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_public_page_and_the_pdf_show_verified_or_not_and_the_pdf_still_verifies(world: World) -> None:
    path = _statement(world)
    world.ok("POST", verification(world), "ana")
    statement = world.ok("GET", path, "mo")
    shown = {s["organisation"]: s["verified"] for s in statement["signatures"]}
    assert shown == {"River Watch": True, "Green Earth": False}

    public = world.api.client.get(f"/public/statements/{statement['id']}")
    assert public.status_code == 200
    page = text(public)
    river, green = page.index("River Watch"), page.index("Green Earth")
    assert "verified" in page[river : river + 400] and "not verified" in page[green : green + 400]

    pdf, words = _pdf_text(world, path)
    flat = " ".join(words.split())
    assert "River Watch (@example.org) verified by the coalition's facilitators" in flat
    assert "Green Earth (@example.org) not verified" in flat
    assert "Poland" in flat and "Romania" in flat  # the countries head their groups of signatories
    checked = world.api.client.post(
        "/api/v1/verify", data={"file": (io.BytesIO(pdf), "s.pdf")}, content_type="multipart/form-data"
    )
    assert checked.status_code == 200 and checked.json["valid"] is True, checked.json

    world.ok("DELETE", verification(world), "ana")
    _, words = _pdf_text(world, path)
    assert "River Watch (@example.org) not verified" in " ".join(words.split())


def test_the_members_page_asks_before_marking_and_shows_who_marked(world: World) -> None:
    client = signed_in(world, "ana")
    page = client.get(f"/coalitions/{world.coalition}/members")
    assert "Mark River Watch verified…" in text(page)
    assert "Yes, mark River Watch verified" in text(page)
    token = csrf(client, f"/coalitions/{world.coalition}/members")
    marked = client.post(
        f"/coalitions/{world.coalition}/members/{world.river}/verification", data={"csrf_token": token}
    )
    assert marked.status_code == 302
    page = text(client.get(f"/coalitions/{world.coalition}/members"))
    assert "The organisation is marked verified." in page and "verified by Ana Pop" in page
    assert "Withdraw the verified mark of River Watch…" in page
    token = csrf(client, f"/coalitions/{world.coalition}/members")
    withdrawn = client.post(
        f"/coalitions/{world.coalition}/members/{world.river}/verification/withdraw", data={"csrf_token": token}
    )
    assert withdrawn.status_code == 302
    assert "The verified mark was withdrawn." in text(client.get(f"/coalitions/{world.coalition}/members"))


def test_a_member_who_is_not_a_facilitator_sees_no_button_and_is_refused_in_romanian(world: World) -> None:
    client = signed_in(world, "bo")
    assert "Mark River Watch verified" not in text(client.get(f"/coalitions/{world.coalition}/members"))
    token = csrf(client, f"/coalitions/{world.coalition}/members")
    before = world.api.head()
    refused = client.post(
        f"/coalitions/{world.coalition}/members/{world.river}/verification",
        data={"csrf_token": token},
        headers={"Accept-Language": "ro"},
    )
    assert refused.status_code == 403
    assert "marcarea membrilor ca verificați este rezervată facilitatorilor" in text(refused)
    assert world.api.head() == before


def test_the_organisation_page_shows_its_registration_number_and_its_marks(world: World) -> None:
    world.ok("POST", verification(world), "ana")
    client = signed_in(world, "bo")
    page = text(client.get(f"/organisations/{world.river}"))
    assert "No registration number given." in page
    assert "by Ana Pop, facilitator of Danube Rivers Coalition" in page


# -- the signer's name ----------------------------------------------------------------------------


def test_a_name_typed_when_signing_is_refused_by_the_api_and_nothing_is_recorded(world: World) -> None:
    sid = world.ok("POST", f"{world.path}/statements", "ana", {"title": "T", "body": "B", "language": "en"})["id"]
    path = f"{world.path}/statements/{sid}"
    world.ok("POST", f"{path}/open", "ana", {})
    before = world.api.head()
    body = {"organisation_id": world.river, "name": "Ioana Popescu"}
    refused = error_of(world.api.call("POST", f"{path}/signatures", world.who("mo"), body), 422, "invalid")
    assert "name of your account" in str(refused["fields"]["name"])
    assert world.api.head() == before
    world.ok("POST", f"{path}/signatures", "mo", {"organisation_id": world.river})
    [signed] = events_of(world, "StatementSigned")
    assert signed.payload["signer_name"] == "Mo Zielinski"
    assert [s["signer_name"] for s in world.ok("GET", path, "mo")["signatures"]] == ["Mo Zielinski"]


def test_the_signing_form_shows_the_account_name_and_ignores_a_typed_one(world: World) -> None:
    sid = world.ok("POST", f"{world.path}/statements", "ana", {"title": "T", "body": "B", "language": "en"})["id"]
    path = f"{world.path}/statements/{sid}"
    world.ok("POST", f"{path}/open", "ana", {})
    client = signed_in(world, "mo")
    page = f"/coalitions/{world.coalition}/statements/{sid}"
    shown = text(client.get(page))
    assert "Your name, as it will appear: Mo Zielinski (your account's name)." in shown
    assert 'name="name"' not in client.get(page).get_data(as_text=True)
    version = world.ok("GET", path, "mo")["version_hash"]
    client.post(
        f"{page}/sign",
        data={
            "csrf_token": csrf(client, page),
            "organisation_id": world.river,
            "version_hash": version,
            "name": "Ioana Popescu",
            "title": "Director",
        },
    )
    [signed] = events_of(world, "StatementSigned")
    assert (signed.payload["signer_name"], signed.payload["signer_title"]) == ("Mo Zielinski", "Director")
