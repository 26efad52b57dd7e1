"""The statement page: members read the exact text and hash, mandated users sign, re-confirm and withdraw."""

from __future__ import annotations

import re

from tests.e2e.pages import csrf, signed_in
from tests.e2e.world import World


def read_version(world: World, path: str) -> str:
    """The version hash the statement page shows now (what a signer reads)."""
    return str(world.ok("GET", path, "ana")["version_hash"])


def open_statement(world: World) -> str:
    sid = world.ok(
        "POST",
        f"{world.path}/statements",
        "ana",
        {"title": "Clean rivers now", "body": "We call on *governments* to act.", "language": "en"},
    )["id"]
    world.ok("POST", f"{world.path}/statements/{sid}/open", "ana", {})
    return f"{world.path}/statements/{sid}"


def test_a_mandated_member_sees_the_text_the_hash_and_a_form_for_their_organisation(world: World) -> None:
    path = open_statement(world)
    version_hash = world.ok("GET", path, "mo")["version_hash"]
    page = signed_in(world, "mo").get(path).get_data(as_text=True)

    assert "Clean rivers now" in page and "<em>governments</em>" in page and version_hash in page
    assert "River Watch" in page and "Sign this statement" in page
    assert 'value="Executive Director"' in page  # the mandate's title, to confirm or edit


def test_signing_from_the_page_records_the_signature_with_the_confirmed_name_and_title(world: World) -> None:
    path = open_statement(world)
    client = signed_in(world, "mo")
    response = client.post(
        f"{path}/sign",
        data={
            "csrf_token": csrf(client, path),
            "organisation_id": world.river,
            "title": "Director",
            "version_hash": read_version(world, path),
        },
    )

    assert response.status_code == 302
    signature = world.ok("GET", path, "mo")["signatures"][0]
    assert (signature["signer_name"], signature["signer_title"], signature["status"]) == (
        "Mo Zielinski",
        "Director",
        "signed",
    )
    assert "Signed by Mo Zielinski, Director" in client.get(path).get_data(as_text=True)


def test_after_an_amendment_the_page_shows_the_diff_and_confirms(world: World) -> None:
    path = open_statement(world)
    world.ok("POST", f"{path}/signatures", "mo", {"organisation_id": world.river})
    world.ok("POST", f"{path}/amend", "ana", {"body": "We call on *governments* to act today."})
    client = signed_in(world, "mo")
    page = client.get(path).get_data(as_text=True)

    assert "Confirm the new version" in page and "+++" not in page and "@@" not in page
    assert "*governments*" not in page  # the Markdown is rendered, emphasis kept on both sides
    assert page.count("<em>governments</em>") >= 3  # the statement itself, then before and after
    assert "Version 1, which you signed" in page and "Version 2, to confirm" in page
    assert '<ins><span class="visually-hidden" lang="en">inserted: </span>today' in page
    client.post(
        f"{path}/sign",
        data={
            "csrf_token": csrf(client, path),
            "organisation_id": world.river,
            "confirm": "1",
            "title": "Executive Director",
            "version_hash": read_version(world, path),
        },
    )
    assert world.ok("GET", path, "mo")["signatures"][0]["status"] == "signed"


def test_withdrawing_from_the_page_needs_a_reason(world: World) -> None:
    path = open_statement(world)
    world.ok("POST", f"{path}/signatures", "mo", {"organisation_id": world.river})
    client = signed_in(world, "mo")
    token = csrf(client, path)

    empty = client.post(f"{path}/withdraw", data={"csrf_token": token, "organisation_id": world.river, "reason": ""})
    assert empty.status_code == 400
    client.post(
        f"{path}/withdraw", data={"csrf_token": token, "organisation_id": world.river, "reason": "Our board disagreed"}
    )
    assert world.ok("GET", path, "mo")["signatures"][0]["status"] == "withdrawn"


def test_a_refused_signature_shows_the_reason_and_records_nothing(world: World) -> None:
    path = open_statement(world)
    client = signed_in(world, "bo")  # administers River Watch, holds no mandate
    head = world.api.head()
    response = client.post(
        f"{path}/sign",
        data={
            "csrf_token": csrf(client, path),
            "organisation_id": world.river,
            "title": "Admin",
            "version_hash": read_version(world, path),
        },
    )

    assert response.status_code == 403 and "valid signing mandate" in response.get_data(as_text=True)
    assert world.api.head() == head
    assert "You hold no signing mandate" in client.get(path).get_data(as_text=True)


def test_outsiders_get_403_strangers_are_sent_to_sign_in_and_unknown_statements_404(world: World) -> None:
    path = open_statement(world)

    assert signed_in(world, "olli").get(path).status_code == 403
    anonymous = world.api.app.test_client().get(path)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert signed_in(world, "mo").get(f"{world.path}/statements/nope").status_code == 404


def test_members_download_the_sealed_pdf_from_the_page(world: World) -> None:
    path = open_statement(world)
    response = signed_in(world, "mo").get(f"{path}.pdf?lang=en")

    assert response.status_code == 200 and response.mimetype == "application/pdf"


def test_the_statement_is_shown_in_the_readers_language_where_it_has_a_translation(world: World) -> None:
    sid = world.ok(
        "POST",
        f"{world.path}/statements",
        "ana",
        {"title": "Clean rivers now", "body": "We call on governments to act.", "language": "en"},
    )["id"]
    world.ok(
        "PUT",
        f"{world.path}/statements/{sid}/translations/ro",
        "ana",
        {"title": "Râuri curate acum", "body": "Cerem guvernelor să acționeze."},
    )
    path = f"{world.path}/statements/{sid}"
    client = signed_in(world, "mo")

    assert "<h1>Clean rivers now</h1>" in client.get(path).get_data(as_text=True)
    client.post("/language", data={"csrf_token": csrf(client, path), "locale": "ro", "next": path})
    assert "<h1>Râuri curate acum</h1>" in client.get(path).get_data(as_text=True)
    assert "<h1>Clean rivers now</h1>" in client.get(f"{path}?lang=en").get_data(as_text=True)


def test_a_signature_goes_only_on_the_version_the_signer_read(world: World) -> None:
    path = open_statement(world)
    client = signed_in(world, "mo")
    page = client.get(path).get_data(as_text=True)
    read = re.search(r'name="version_hash" value="([0-9a-f]{64})"', page)
    assert read and read.group(1) == read_version(world, path)
    world.ok("POST", f"{path}/amend", "ana", {"body": "We call on *governments* to act today."})
    head = world.api.head()

    response = client.post(
        f"{path}/sign",
        data={
            "csrf_token": csrf(client, path),
            "organisation_id": world.river,
            "title": "Director",
            "version_hash": read.group(1),
        },
    )

    assert response.status_code == 409 and "the text was amended after you read it" in response.get_data(as_text=True)
    assert world.api.head() == head and world.ok("GET", path, "mo")["signatures"] == []


def test_the_api_refuses_a_signature_on_a_version_that_is_no_longer_current(world: World) -> None:
    path = open_statement(world)
    read = read_version(world, path)
    world.ok("POST", f"{path}/amend", "ana", {"body": "We call on *governments* to act today."})

    stale = world.api.call(
        "POST", f"{path}/signatures", world.who("mo"), {"organisation_id": world.river, "version_hash": read}
    )
    current = world.api.call(
        "POST",
        f"{path}/signatures",
        world.who("mo"),
        {"organisation_id": world.river, "version_hash": read_version(world, path)},
    )

    assert stale.status_code == 409 and "amended after you read it" in stale.json["error"]["message"]
    assert current.status_code == 201


# Which forms the page shows is the domain's (`policy.may_sign`, `may_confirm`, `may_withdraw`), per organisation.
# Withdrawing asks to confirm: its button is the confirmation inside a disclosure.
SIGN, CONFIRM, WITHDRAW = "Sign this statement", "Confirm the new version", "Yes, withdraw the signature"


def forms_on(page: str) -> set[str]:
    """The signing forms a statement page offers."""
    return {label for label in (SIGN, CONFIRM, WITHDRAW) if f">{label}</button>" in page}


def test_a_member_whose_signature_counts_sees_withdraw_and_not_sign(world: World) -> None:
    path = open_statement(world)
    world.ok("POST", f"{path}/signatures", "mo", {"organisation_id": world.river})

    assert forms_on(signed_in(world, "mo").get(path).get_data(as_text=True)) == {WITHDRAW}


def test_after_an_amendment_the_signer_sees_confirm_and_withdraw(world: World) -> None:
    path = open_statement(world)
    world.ok("POST", f"{path}/signatures", "mo", {"organisation_id": world.river})
    world.ok("POST", f"{path}/amend", "ana", {"body": "We call on *governments* to act today."})
    client = signed_in(world, "mo")

    assert forms_on(client.get(path).get_data(as_text=True)) == {CONFIRM, WITHDRAW}
    response = client.post(
        f"{path}/withdraw",
        data={"csrf_token": csrf(client, path), "organisation_id": world.river, "reason": "Not this text"},
    )
    assert response.status_code == 302
    assert world.ok("GET", path, "mo")["signatures"][0]["status"] == "withdrawn"
    assert forms_on(client.get(path).get_data(as_text=True)) == {SIGN}


def test_a_suspended_members_signer_sees_and_uses_the_withdraw_form(world: World) -> None:
    path = open_statement(world)
    world.ok("POST", f"{path}/signatures", "mo", {"organisation_id": world.river})
    world.ok("POST", f"{world.path}/members/{world.river}/suspend", "ana", {"reason": "Missed 3 calls"})
    client = signed_in(world, "mo")
    page = client.get(path).get_data(as_text=True)

    assert forms_on(page) == {WITHDRAW} and f'name="organisation_id" value="{world.river}"' in page
    response = client.post(
        f"{path}/withdraw",
        data={"csrf_token": csrf(client, path), "organisation_id": world.river, "reason": "Our board disagreed"},
    )
    assert response.status_code == 302
    assert world.ok("GET", path, "ana")["signatures"][0]["status"] == "withdrawn"
    # Withdrawn, a suspended member may not sign again: nothing is offered, and the page says why, naming it.
    after = client.get(path).get_data(as_text=True)
    assert forms_on(after) == set() and 'class="refused"' in after
    assert "only active members may sign for it: organisation River Watch is suspended" in after


def test_a_person_without_a_mandate_sees_no_signing_form(world: World) -> None:
    path = open_statement(world)
    world.ok("POST", f"{path}/signatures", "mo", {"organisation_id": world.river})
    page = signed_in(world, "bo").get(path).get_data(as_text=True)  # administers River Watch, holds no mandate

    assert forms_on(page) == set() and "You hold no signing mandate" in page
    assert f'{path}/withdraw"' not in page and f'{path}/sign"' not in page


def amended_in_two_languages(world: World) -> str:
    """An opened statement in English and Romanian that River Watch signed, then amended in both languages
    (and its title) with a hostile line added."""
    from tests.e2e.test_api_statements import opened

    path = opened(world)
    world.ok("POST", f"{path}/signatures", "mo", {"organisation_id": world.river})
    world.ok(
        "POST",
        f"{path}/amend",
        "ana",
        {
            "title": "Clean rivers, now",
            "body": "We call on *all governments* to act today.\n\n- monitor\n- publish\n- report\n\n"
            "<script>alert(1)</script>",
            "translations": {
                "ro": {"title": "Râuri curate acum", "body": "Cerem **tuturor** guvernelor să acționeze."}
            },
        },
    )
    return path


def test_the_reconfirmation_shows_each_language_labelled_rendered_and_marked(world: World) -> None:
    path = amended_in_two_languages(world)
    page = signed_in(world, "mo").get(path).get_data(as_text=True)
    shown = page.split('id="sign-heading"')[1].split('id="signatories-heading"')[0]

    assert 'aria-label="Changes in English"' in shown and 'aria-label="Changes in Romanian"' in shown
    assert '<h4 class="amendment-heading" lang="en">English</h4>' in shown
    assert shown.index("Changes in English") < shown.index("Changes in Romanian")  # the statement's language first
    assert shown.count('class="amendment-side amendment-before"') == 2 and shown.count("amendment-after") == 2
    assert "+++" not in shown and "@@" not in shown and "*" not in shown.replace("**", "")
    assert "<em><ins>" in shown and "<strong><ins>" in shown  # the formatting kept around the inserted words
    assert '<li><ins><span class="visually-hidden" lang="en">inserted: </span>report' in shown
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown and "<script>alert" not in shown
    assert '<del><span class="visually-hidden" lang="en">deleted: </span>now' not in shown  # the title: "now" stayed
    hidden = '<span class="visually-hidden" lang="en">'
    comma = f"{hidden}inserted: </span>,{hidden} end of insertion</span>"
    assert f"Clean rivers<ins>{comma}</ins> now" in shown


def test_the_reconfirmation_reads_in_romanian(world: World) -> None:
    path = amended_in_two_languages(world)
    client = signed_in(world, "mo")
    client.post("/language", data={"csrf_token": csrf(client, "/"), "locale": "ro", "next": "/"})
    shown = client.get(path).get_data(as_text=True)

    assert "Versiunea 1, pe care ați semnat-o" in shown and "Versiunea 2, de confirmat" in shown
    assert 'aria-label="Modificări în engleză"' in shown and 'aria-label="Modificări în română"' in shown
    assert '<h4 class="amendment-heading" lang="ro">română</h4>' in shown
    assert "<del>Tăiat</del>: eliminat · <ins>Subliniat</ins>: adăugat" in shown  # the legend
    assert '<span class="visually-hidden" lang="ro">inserat: </span>tuturor' in shown and "sfârșitul inserării" in shown


def test_an_added_translation_is_labelled_and_an_unchanged_language_left_out(world: World) -> None:
    path = open_statement(world)  # English only
    world.ok("POST", f"{path}/signatures", "mo", {"organisation_id": world.river})
    world.ok(
        "POST",
        f"{path}/amend",
        "ana",
        {"translations": {"fr": {"title": "Rivières propres", "body": "Nous appelons les *gouvernements*."}}},
    )
    shown = signed_in(world, "mo").get(path).get_data(as_text=True)

    assert 'aria-label="Changes in French"' in shown and "translation added" in shown
    assert "(no text in this language)" in shown
    assert 'aria-label="Changes in English"' not in shown  # the English text did not change
