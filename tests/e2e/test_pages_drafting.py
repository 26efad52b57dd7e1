"""The statement editor from the browser: draft, preview, translate, open, amend, close, publish, endorse."""

from __future__ import annotations

import html
import re

import pytest
from werkzeug.test import TestResponse

from tests.e2e.pages import signed_in, submit
from tests.e2e.pages import text as raw
from tests.e2e.world import World

FUTURE = "2099-06-01T12:00"


def text(response: TestResponse) -> str:
    """The page with its character references resolved (a reason's apostrophe arrives as &#39;)."""
    return html.unescape(raw(response))


def draft(world: World, body: str = "We call on *governments* to act.") -> str:
    sid = world.ok(
        "POST", f"{world.path}/statements", "ana", {"title": "Clean rivers now", "body": body, "language": "en"}
    )["id"]
    return f"{world.path}/statements/{sid}"


def opened(world: World, threshold: int | None = None) -> str:
    path = draft(world)
    world.ok("PUT", f"{path}/translations/ro", "ana", {"title": "Râuri curate acum", "body": "Cerem guvernelor."})
    world.ok("POST", f"{path}/open", "ana", {"threshold": threshold} if threshold else {})
    return path


# -- a new statement ------------------------------------------------------------------------------


def test_ana_drafts_a_statement_and_lands_on_its_editor(world: World) -> None:
    client = signed_in(world, "ana")
    page = client.get(f"{world.path}/statements/new")
    assert page.status_code == 200
    assert "Draft a joint statement" in text(page) and "**strong**" in text(page)  # the Markdown hint
    assert '<option selected value="en">English (en)</option>' in text(page)
    assert '<option value="ro">Romanian (ro)</option>' in text(page)

    response = submit(
        client,
        f"{world.path}/statements/new",
        f"{world.path}/statements/new",
        {"title": "Clean rivers now", "body": "We call on *governments* to act.", "language": "en"},
    )

    assert response.status_code == 302 and response.headers["Location"].endswith("/edit")
    listed = world.ok("GET", f"{world.path}/statements", "ana")["statements"]
    assert [(s["title"], s["state"], s["language"]) for s in listed] == [("Clean rivers now", "draft", "en")]
    assert listed[0]["id"] in response.headers["Location"]
    editor = client.get(response.headers["Location"])
    assert editor.status_code == 200 and "The draft was saved" in text(editor) and "Clean rivers now" in text(editor)
    shown = text(client.get(response.headers["Location"].removesuffix("/edit")))
    assert "No organisation has signed yet." in shown and "Signed by 0" not in shown


def test_a_new_statement_without_a_title_is_400_with_the_error_inline(world: World) -> None:
    client = signed_in(world, "ana")
    head = world.api.head()
    response = submit(
        client,
        f"{world.path}/statements/new",
        f"{world.path}/statements/new",
        {"title": "", "body": "Text", "language": "en"},
    )

    assert response.status_code == 400
    assert re.search(r'id="title-errors"><li>This field is required', text(response))
    assert world.api.head() == head


def test_previewing_a_new_statement_renders_it_safely_and_records_nothing(world: World) -> None:
    client = signed_in(world, "ana")
    head = world.api.head()
    response = submit(
        client,
        f"{world.path}/statements/new",
        f"{world.path}/statements/new",
        {
            "title": "Clean rivers",
            "body": "We **demand** action. <script>alert(1)</script>",
            "language": "en",
            "preview": "1",
        },
    )

    assert response.status_code == 200 and world.api.head() == head
    assert "<strong>demand</strong>" in raw(response) and "&lt;script&gt;alert(1)&lt;/script&gt;" in raw(response)
    assert "<script>alert" not in raw(response)


def test_mo_may_not_draft_here_and_a_post_is_refused(world: World) -> None:
    client = signed_in(world, "mo")  # River Watch; the agreement does not let members draft
    page = client.get(f"{world.path}/statements/new")
    assert page.status_code == 200 and "Only the coalition's facilitators may draft" in text(page)
    assert 'name="body"' not in text(page)

    head = world.api.head()
    response = submit(
        client,
        f"{world.path}/statements/new",
        f"{world.path}/statements/new",
        {"title": "Mine", "body": "Text", "language": "en"},
    )
    assert response.status_code == 403 and "only facilitators may draft statements" in text(response)
    assert world.api.head() == head


def test_when_members_may_draft_mo_drafts_for_river_watch_and_edits_it(world: World) -> None:
    world.ok("PATCH", f"{world.path}/agreement", "ana", {"members_may_draft": True})
    client = signed_in(world, "mo")
    page = text(client.get(f"{world.path}/statements/new"))
    assert "Drafted for" in page and f'<option value="{world.river}">River Watch</option>' in page

    response = submit(
        client,
        f"{world.path}/statements/new",
        f"{world.path}/statements/new",
        {"title": "From the river", "body": "Text", "language": "en", "organisation_id": world.river},
    )
    assert response.status_code == 302
    editor = text(client.get(response.headers["Location"]))
    assert 'name="body"' in editor and "Open for signature" not in editor  # edits; only facilitators open
    assert "Only the coalition's facilitators and the statement's drafter" in text(
        signed_in(world, "lia").get(response.headers["Location"])
    )  # another person of the same member


def test_an_unknown_language_is_400_inline(world: World) -> None:
    client = signed_in(world, "ana")
    head = world.api.head()
    response = submit(
        client,
        f"{world.path}/statements/new",
        f"{world.path}/statements/new",
        {"title": "T", "body": "B", "language": "xx"},
    )
    assert response.status_code == 400 and "Not a valid choice" in text(response) and world.api.head() == head


# -- the editor -----------------------------------------------------------------------------------


def test_revising_and_previewing_the_draft(world: World) -> None:
    path = draft(world)
    client = signed_in(world, "ana")
    head = world.api.head()
    preview = submit(
        client,
        f"{path}/edit",
        f"{path}/edit",
        {"title": "Clean rivers now", "body": "A *new* call.", "language": "en", "preview": "1"},
    )
    assert preview.status_code == 200 and "<em>new</em>" in text(preview) and "Not saved yet" in text(preview)
    assert world.api.head() == head and world.ok("GET", path, "ana")["body"] == "We call on *governments* to act."

    saved = submit(
        client,
        f"{path}/edit",
        f"{path}/edit",
        {"title": "Clean rivers today", "body": "A *new* call.", "language": "en"},
    )
    assert saved.status_code == 302
    assert (world.ok("GET", path, "ana")["title"], world.ok("GET", path, "ana")["body"]) == (
        "Clean rivers today",
        "A *new* call.",
    )


def test_a_revision_that_changes_nothing_is_refused_with_the_reason(world: World) -> None:
    path = draft(world)
    client = signed_in(world, "ana")
    head = world.api.head()
    response = submit(
        client,
        f"{path}/edit",
        f"{path}/edit",
        {"title": "Clean rivers now", "body": "We call on *governments* to act.", "language": "en"},
    )
    assert response.status_code == 409 and "nothing to change" in text(response) and world.api.head() == head


def test_translating_into_romanian_with_preview(world: World) -> None:
    path = draft(world)
    client = signed_in(world, "ana")
    chosen = client.get(f"{path}/translations?language=ro")
    assert chosen.status_code == 302 and chosen.headers["Location"].endswith(f"{path}/translations/ro")
    page = client.get(f"{path}/translations/ro")
    assert page.status_code == 200 and "<em>governments</em>" in text(page)  # the original, to translate from
    assert '<option selected value="ro">' in text(page) and 'value="en">' not in text(page)

    head = world.api.head()
    preview = submit(
        client,
        f"{path}/translations/ro",
        f"{path}/translations/ro",
        {"language": "ro", "title": "Râuri curate", "body": "Cerem *guvernelor*.", "preview": "1"},
    )
    assert preview.status_code == 200 and "<em>guvernelor</em>" in text(preview) and world.api.head() == head

    saved = submit(
        client,
        f"{path}/translations/ro",
        f"{path}/translations/ro",
        {"language": "ro", "title": "Râuri curate", "body": "Cerem *guvernelor*."},
    )
    assert saved.status_code == 302
    assert world.ok("GET", path, "ana")["translations"] == [
        {"language": "ro", "title": "Râuri curate", "body": "Cerem *guvernelor*."}
    ]
    editor = text(client.get(f"{path}/edit"))
    assert f'href="{path}/translations/ro"' in editor and "Râuri curate" in editor


def test_a_translation_without_a_body_is_400_and_unknown_languages_404(world: World) -> None:
    path = draft(world)
    client = signed_in(world, "ana")
    head = world.api.head()
    response = submit(
        client, f"{path}/translations/ro", f"{path}/translations/ro", {"language": "ro", "title": "Râuri", "body": ""}
    )
    assert response.status_code == 400 and 'id="body-errors"' in text(response) and world.api.head() == head
    assert client.get(f"{path}/translations/zz").status_code == 404
    unchosen = client.get(f"{path}/translations?language=", follow_redirects=True)
    assert unchosen.request.path == f"{path}/edit" and "Choose the language of the translation" in text(unchosen)
    assert client.get(f"{path}/translations/en").status_code == 302  # the original is edited in the editor


def test_mo_sees_the_draft_editor_without_its_forms_and_cannot_translate(world: World) -> None:
    path = draft(world)
    client = signed_in(world, "mo")
    page = text(client.get(f"{path}/edit"))
    assert "Only the coalition's facilitators and the statement's drafter may edit" in page
    assert 'name="body"' not in page and "Open for signature" not in page

    head = world.api.head()
    response = submit(
        client, f"{path}/translations/ro", f"{path}/edit", {"language": "ro", "title": "Râuri", "body": "Text"}
    )
    assert response.status_code == 403 and "only facilitators and the statement's drafter" in text(response)
    assert world.api.head() == head


# -- opening --------------------------------------------------------------------------------------


def test_ana_opens_the_statement_with_a_deadline_and_threshold(world: World) -> None:
    path = draft(world)
    client = signed_in(world, "ana")
    editor = text(client.get(f"{path}/edit"))
    assert 'type="datetime-local"' in editor and "UTC" in editor

    response = submit(client, f"{path}/edit", f"{path}/open", {"deadline": FUTURE, "threshold": "1"})

    assert response.status_code == 302 and response.headers["Location"].endswith(path)
    read = world.ok("GET", path, "ana")
    assert (read["state"], read["deadline"], read["threshold"]) == ("open", "2099-06-01T12:00:00+00:00", 1)
    assert "The statement is open for signature" in text(client.get(path))


def test_mo_cannot_open_the_statement(world: World) -> None:
    path = draft(world)
    client = signed_in(world, "mo")
    head = world.api.head()
    response = submit(client, path, f"{path}/open", {"deadline": FUTURE, "threshold": "1"})

    assert response.status_code == 403 and "only facilitators may open a statement" in text(response)
    assert world.api.head() == head and world.ok("GET", path, "mo")["state"] == "draft"


def test_an_invalid_deadline_is_400_inline_and_a_past_one_is_refused(world: World) -> None:
    path = draft(world)
    client = signed_in(world, "ana")
    head = world.api.head()
    invalid = submit(client, f"{path}/edit", f"{path}/open", {"deadline": "next friday", "threshold": "1"})
    assert invalid.status_code == 400 and re.search(r'id="deadline-errors"><li>Not a valid datetime', text(invalid))
    zero = submit(client, f"{path}/edit", f"{path}/open", {"deadline": "", "threshold": "0"})
    assert zero.status_code == 400 and 'id="threshold-errors"' in text(zero)
    past = submit(client, f"{path}/edit", f"{path}/open", {"deadline": "2001-01-01T00:00", "threshold": "1"})
    assert past.status_code == 409 and "the deadline must be in the future" in text(past)
    assert world.api.head() == head


def test_the_editor_of_an_open_statement_points_to_amending(world: World) -> None:
    path = opened(world)
    page = text(signed_in(world, "ana").get(f"{path}/edit"))
    assert "its text can no longer be edited" in page and f'href="{path}/amend"' in page and 'name="body"' not in page


# -- amending -------------------------------------------------------------------------------------


def test_amending_asks_for_reconfirmation_of_earlier_signatures(world: World) -> None:
    path = opened(world)
    world.ok("POST", f"{path}/signatures", "mo", {"organisation_id": world.river})
    client = signed_in(world, "ana")
    page = client.get(f"{path}/amend")
    assert page.status_code == 200
    assert "We call on *governments* to act." in text(page) and "Cerem guvernelor." in text(page)  # prefilled

    head = world.api.head()
    fields = {
        "title": "Clean rivers now",
        "body": "We call on *governments* to act today.",
        "title_ro": "Râuri curate acum",
        "body_ro": "Cerem guvernelor azi.",
    }
    preview = submit(client, f"{path}/amend", f"{path}/amend", {**fields, "preview": "1"})
    assert preview.status_code == 200 and "<em>governments</em> to act today." in text(preview)
    assert world.api.head() == head
    shown = text(preview)  # what changes, word by word, per language, against version 1
    assert "What the amendment changes" in shown and "Version 1, signed now" in shown and "Your amendment" in shown
    assert 'aria-label="Changes in English"' in shown and 'aria-label="Changes in Romanian"' in shown
    assert '<ins><span class="visually-hidden" lang="en">inserted: </span>today' in shown
    assert '<ins><span class="visually-hidden" lang="en">inserted: </span>azi' in shown
    assert "+++" not in shown and "@@" not in shown and "*governments*" not in shown.split("</textarea>")[-1]

    response = submit(client, f"{path}/amend", f"{path}/amend", fields)
    assert response.status_code == 302
    read = world.ok("GET", path, "mo")
    assert read["version_number"] == 2 and read["translations"][0]["body"] == "Cerem guvernelor azi."
    assert read["signatures"][0]["status"] == "needs_reconfirmation"


def test_amending_needs_every_text_and_a_facilitator(world: World) -> None:
    path = opened(world)
    head = world.api.head()
    missing = submit(
        signed_in(world, "ana"),
        f"{path}/amend",
        f"{path}/amend",
        {"title": "T", "body": "B", "title_ro": "T", "body_ro": ""},
    )
    assert missing.status_code == 400 and 'id="body_ro-errors"' in text(missing)
    mo = signed_in(world, "mo")
    assert "Only the coalition's facilitators may amend" in text(mo.get(f"{path}/amend"))
    refused = submit(mo, path, f"{path}/amend", {"title": "T", "body": "B", "title_ro": "T", "body_ro": "B"})
    assert refused.status_code == 403 and "only facilitators may amend" in text(refused)
    assert world.api.head() == head


# -- closing, publishing, endorsing and the statement page -----------------------------------------


def test_close_then_publish_below_the_threshold_shows_the_reason(world: World) -> None:
    path = opened(world, threshold=2)
    world.ok("POST", f"{path}/signatures", "mo", {"organisation_id": world.river})
    client = signed_in(world, "ana")
    assert "Close signing now" in text(client.get(path))

    closed = submit(client, path, f"{path}/close", {})
    assert closed.status_code == 302 and world.ok("GET", path, "ana")["state"] == "closed"
    page = text(client.get(path))
    # No Publish button below the threshold: the reason instead (a request sent anyway is refused the same way).
    assert "Publish the statement</button>" not in page and "Signatures that count: 1; needed to publish: 2." in page
    assert "It cannot be published: the statement needs 2 signing organisations to be published and has 1" in page

    head = world.api.head()
    refused = submit(client, path, f"{path}/publish", {})
    assert refused.status_code == 409
    assert "the statement needs 2 signing organisations to be published and has 1" in text(refused)
    assert world.api.head() == head and world.ok("GET", path, "ana")["state"] == "closed"


def test_publishing_a_closed_statement_that_met_its_threshold(world: World) -> None:
    path = opened(world, threshold=1)
    world.ok("POST", f"{path}/signatures", "mo", {"organisation_id": world.river})
    world.ok("POST", f"{path}/close", "ana", {})
    response = submit(signed_in(world, "ana"), path, f"{path}/publish", {})
    assert response.status_code == 302 and world.ok("GET", path, "ana")["state"] == "published"


def test_only_facilitators_see_the_lifecycle_buttons_and_mo_is_refused(world: World) -> None:
    path = opened(world)
    mo = signed_in(world, "mo")
    page = text(mo.get(path))
    assert "Manage this statement" not in page and "Close signing now" not in page
    head = world.api.head()
    refused = submit(mo, path, f"{path}/close", {})
    assert refused.status_code == 403 and "only facilitators may close a statement" in text(refused)
    assert world.api.head() == head


def test_the_statement_page_of_a_draft_links_to_the_editor_for_its_editors(world: World) -> None:
    path = draft(world)
    ana = text(signed_in(world, "ana").get(path))
    assert f'href="{path}/edit"' in ana and f'href="{path}/edit#open"' in ana
    assert f'href="{path}/edit"' not in text(signed_in(world, "mo").get(path))
    assert "Signatures over time" not in ana  # nothing to count before it opens


def test_an_endorser_endorses_from_the_statement_page(world: World) -> None:
    path = opened(world)
    world.ok(
        "POST",
        f"{world.path}/roles",
        "ana",
        {"email": world.email("mo"), "organisation_id": world.river, "role": "endorser"},
    )
    client = signed_in(world, "mo")
    assert "Endorse this statement" in text(client.get(path))

    head = world.api.head()
    too_long = submit(client, path, f"{path}/endorse", {"endorse-title": "x" * 201})
    assert too_long.status_code == 400 and 'id="endorse-title-errors"' in text(too_long) and world.api.head() == head
    assert "Your name, as it will appear: Mo Zielinski" in text(client.get(path))

    # the name listed is the account's: a name typed into the request is not read
    response = submit(client, path, f"{path}/endorse", {"endorse-name": "Ioana Popescu", "endorse-title": "Director"})
    assert response.status_code == 302
    endorsement = world.ok("GET", path, "mo")["endorsements"][0]
    assert (endorsement["name"], endorsement["title"], endorsement["status"]) == (
        "Mo Zielinski",
        "Director",
        "endorsed",
    )
    page = text(client.get(path))
    assert "You endorsed this version." in page and "Personal endorsements" in page


def test_someone_without_the_endorser_role_sees_no_form_and_is_refused(world: World) -> None:
    path = opened(world)
    client = signed_in(world, "lia")
    assert "Endorse this statement" not in text(client.get(path))
    head = world.api.head()
    response = submit(client, path, f"{path}/endorse", {"endorse-title": "Lead"})
    assert response.status_code == 403 and "only the coalition's endorsers" in text(response)
    assert world.api.head() == head


def test_the_chart_counts_signatures_and_withdrawals(world: World) -> None:
    path = opened(world)
    client = signed_in(world, "mo")
    empty = text(client.get(path))
    assert "Signatures over time" in empty and "No signatures yet" in empty

    world.ok("POST", f"/organisations/{world.green}/mandates", "ana", {"email": world.email("ana"), "title": "Chair"})
    world.ok("POST", f"{path}/signatures", "mo", {"organisation_id": world.river})
    world.ok("POST", f"{path}/signatures", "ana", {"organisation_id": world.green})
    page = text(client.get(path))
    assert re.search(r'class="chart-line"[^>]*data-counts="2"', page)
    assert re.search(r'class="chart-now"[^>]*>2</text>', page)

    world.ok("POST", f"{path}/signatures/{world.river}/withdraw", "mo", {"reason": "Board said no"})
    page = text(client.get(path))
    assert re.search(r'class="chart-line"[^>]*data-counts="1"', page)  # one day: its last count
    assert re.search(r'class="chart-now"[^>]*>1</text>', page)


def test_an_amendment_drops_the_count_until_reconfirmed(world: World) -> None:
    path = opened(world)
    world.ok("POST", f"{path}/signatures", "mo", {"organisation_id": world.river})
    world.ok("POST", f"{path}/amend", "ana", {"body": "We call on governments to act today."})
    page = text(signed_in(world, "ana").get(path))
    assert re.search(r'class="chart-now"[^>]*>0</text>', page)


# -- who may see the pages, and forms without their token ------------------------------------------


@pytest.mark.parametrize(
    "page",
    ["/statements/new", "/statements/{sid}/edit", "/statements/{sid}/translations/ro", "/statements/{sid}/amend"],
)
def test_pages_need_a_member_and_a_known_statement(world: World, page: str) -> None:
    path = draft(world)
    sid = path.rsplit("/", 1)[1]
    url = world.path + page.format(sid=sid)
    anonymous = world.api.app.test_client().get(url)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert signed_in(world, "olli").get(url).status_code == 403
    assert signed_in(world, "ana").get(url).status_code == 200
    unknown = url.replace(sid, "nope") if "{sid}" in page else url.replace(world.coalition, "nope")
    assert signed_in(world, "ana").get(unknown).status_code == 404


@pytest.mark.parametrize(
    "action",
    [
        "/statements/new",
        "/statements/{sid}/edit",
        "/statements/{sid}/open",
        "/statements/{sid}/translations/ro",
        "/statements/{sid}/amend",
        "/statements/{sid}/close",
        "/statements/{sid}/publish",
        "/statements/{sid}/endorse",
    ],
)
def test_a_form_posted_without_its_csrf_token_is_400_and_records_nothing(world: World, action: str) -> None:
    path = draft(world)
    client = signed_in(world, "ana")
    head = world.api.head()
    response = client.post(
        world.path + action.format(sid=path.rsplit("/", 1)[1]),
        data={"title": "T", "body": "B", "language": "en", "threshold": "1"},
    )
    assert response.status_code == 400 and world.api.head() == head
