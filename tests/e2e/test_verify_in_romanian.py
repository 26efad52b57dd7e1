"""The verifier's reasons are message ids with parameters: the Romanian /verify page shows every verdict and its
reasons in Romanian, and the API gives them as `reason_details` in the language Accept-Language asks for."""

from __future__ import annotations

import pytest

from coalition.pdf import sandbox
from coalition.pdf.reasons import Reason
from coalition.web.errors import reason_details
from tests.e2e.pages import csrf
from tests.e2e.test_statement_pdf import Published, download, published
from tests.e2e.test_verifier import outdated_pdf, page, posted
from tests.e2e.world import Api, World


@pytest.fixture
def statement(world: World) -> Published:
    return published(world)


def in_romanian(api: Api) -> None:
    client = api.client
    client.post("/language", data={"csrf_token": csrf(client, "/"), "locale": "ro", "next": "/"})


def test_a_not_genuine_verdict_gives_its_reasons_in_romanian(world: World, api: Api, statement: Published) -> None:
    in_romanian(api)
    pdf = bytearray(download(world, statement.path).data)
    where = pdf.index(b"/Type /Page") + 2  # inside the sealed range: the seal breaks
    pdf[where] = ord("X") if pdf[where] != ord("X") else ord("Y")

    shown = page(api.client, bytes(pdf))

    assert "Nu este autentic" in shown
    assert "Sigiliul este rupt: fișierul a fost modificat după ce a fost sigilat." in shown
    assert "the seal is broken" not in shown.lower()


def test_a_reason_with_parameters_is_translated_with_them(world: World, api: Api, statement: Published) -> None:
    in_romanian(api)
    other = bytes(download(world, statement.path).data).replace(b"%PDF-", b"%PDX-", 1)

    shown = page(api.client, other)

    assert "Fișierul nu este un PDF." in shown and "not a PDF" not in shown


def test_an_outdated_verdict_says_what_changed_in_romanian(world: World, api: Api) -> None:
    old, _, _ = outdated_pdf(world)
    in_romanian(api)

    shown = page(api.client, old)

    assert "Autentic, dar depășit" in shown and "De la export" in shown
    assert "Textul nu s-a schimbat." in shown and "1 semnătură adăugată" in shown and "0 retrase" in shown
    for english in ("Genuine", "signature added", "withdrawn", "The text has not changed"):
        assert english not in shown


def test_an_unreadable_verdict_is_in_romanian(world: World, api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sandbox, "inspect", lambda certificate, pdf: None)  # as when a limit ended the check
    in_romanian(api)

    shown = page(api.client, b"%PDF-1.7 anything")

    assert "Nu a putut fi verificat" in shown and "Could not be checked" not in shown and "Reading this" not in shown


POSITION = "the PDF names log position %(position)d, but this platform's log ends at %(head)d"


def test_the_api_keeps_its_reasons_in_english_and_adds_their_ids_and_parameters(
    world: World, api: Api, statement: Published
) -> None:
    bad = bytes(download(world, statement.path).data).replace(b"%PDF-", b"%PDX-", 1)
    answer = posted(api.client, "/api/v1/verify", bad).json
    assert answer["reasons"] == ["the file is not a PDF"]  # English, as every API error is
    assert answer["reason_details"] == [
        {"message": "the file is not a PDF", "params": {}, "text": "the file is not a PDF"}
    ]
    with api.app.test_request_context(headers={"Accept-Language": "ro"}):
        details = reason_details([Reason(POSITION, position=9, head=4)])
    assert details == [
        {
            "message": POSITION,
            "params": {"position": 9, "head": 4},
            "text": "PDF-ul indică poziția 9 din jurnal, dar jurnalul acestei platforme se termină la 4",
        }
    ]


def test_the_api_answers_in_romanian_when_asked(world: World, api: Api, statement: Published) -> None:
    bad = bytes(download(world, statement.path).data).replace(b"%PDF-", b"%PDX-", 1)
    api.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ro"
    try:
        answer = posted(api.client, "/api/v1/verify", bad).json
    finally:
        del api.client.environ_base["HTTP_ACCEPT_LANGUAGE"]
    assert answer["reasons"] == ["the file is not a PDF"]
    assert answer["reason_details"][0]["text"] == "fișierul nu este un PDF"


def test_a_reason_survives_the_checkers_child_process() -> None:
    reason = Reason("the PDF carries %(count)d signatures, but a statement carries only the platform's seal", count=3)
    back = Reason.from_plain(reason.plain())
    assert (back, back.message, back.params) == (reason, reason.message, {"count": 3})
    assert str(back) == "the PDF carries 3 signatures, but a statement carries only the platform's seal"
