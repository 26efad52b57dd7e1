"""Where a statement stands, as its page and the coalition's home show it: the deadline or when signing closed,
"n of m organisations needed", who has not signed yet (members only), the one thing the reader can do, and
confirmations before what cannot be undone. Refusals and dates in the reader's language."""

from __future__ import annotations

import re
from datetime import UTC, timedelta

import pytest
from babel.dates import format_date

from coalition.web.pages import statements as statement_pages
from tests.e2e.conftest import services
from tests.e2e.pages import signed_in, submit, text
from tests.e2e.test_pages_refusals_in_romanian import in_romanian
from tests.e2e.world import World

DEADLINE = "2027-06-30T17:00:00+00:00"


def opened(world: World, threshold: int = 2, deadline: str | None = DEADLINE) -> str:
    """A statement the facilitator drafted and opened for signature; its page's path."""
    sid = world.ok(
        "POST",
        f"{world.path}/statements",
        "ana",
        {"title": "Clean rivers now", "body": "We call on governments to act.", "language": "en"},
    )["id"]
    body: dict[str, object] = {"threshold": threshold}
    if deadline:
        body["deadline"] = deadline
    world.ok("POST", f"{world.path}/statements/{sid}/open", "ana", body)
    return f"{world.path}/statements/{sid}"


def river_signs(world: World, path: str) -> None:
    world.ok("POST", f"{path}/signatures", "mo", {"organisation_id": world.river})


def between(page: str, start: str, end: str) -> str:
    """The part of `page` from the first `start` to the next `end`."""
    i = page.index(start)
    return page[i : page.index(end, i)]


def test_the_page_leads_with_the_deadline_the_count_of_those_needed_and_a_progress_bar(world: World) -> None:
    path = opened(world, threshold=2)
    river_signs(world, path)
    page = text(signed_in(world, "mo").get(path))

    standing = between(page, 'class="statement-standing"', "</div>")
    assert "Signing closes Jun 30, 2027, 5:00" in standing and "UTC." in standing
    assert "1 of 2 organisations needed have signed." in standing
    assert '<progress max="2" value="1"' in standing
    assert page.index("statement-standing") < page.index('class="body"')  # before the text, under the title


def test_members_see_who_has_not_signed_yet_and_the_public_page_does_not(world: World) -> None:
    path = opened(world, threshold=1)
    river_signs(world, path)
    page = text(signed_in(world, "mo").get(path))

    waiting = between(page, 'id="waiting-heading"', "</ul>")
    assert "Not signed yet" in waiting and f"Green Earth{world.tag}" in waiting
    assert "River Watch" not in waiting  # its signature counts
    world.ok("POST", f"{path}/close", "ana")
    world.ok("POST", f"{path}/publish", "ana")
    public = text(world.api.app.test_client().get(f"/public/statements/{path.rsplit('/', 1)[1]}"))
    assert "Clean rivers now" in public and "Not signed yet" not in public and "Green Earth" not in public
    published = between(text(signed_in(world, "mo").get(path)), 'class="statement-standing"', "</div>")
    assert "1 organisation signed (1 needed)." in published and "Signing closed " in published


def test_a_draft_names_nobody_and_a_closed_statement_names_who_did_not_sign(world: World) -> None:
    """`policy.awaits_signatures`: a draft waits for nobody (nobody may sign it); once closed, the members whose
    signature does not count are named as those who did not sign."""
    draft = world.ok(
        "POST", f"{world.path}/statements", "ana", {"title": "Not yet", "body": "A draft.", "language": "en"}
    )["id"]
    page = text(signed_in(world, "ana").get(f"{world.path}/statements/{draft}"))
    assert 'id="waiting-heading"' not in page and "Did not sign" not in page

    path = opened(world, threshold=1)
    river_signs(world, path)
    world.ok("POST", f"{path}/close", "ana")
    closed = text(signed_in(world, "mo").get(path))
    waiting = between(closed, 'id="waiting-heading"', "</ul>")
    assert "Did not sign" in waiting and f"Green Earth{world.tag}" in waiting and "River Watch" not in waiting
    assert "Not signed yet" not in closed


def test_the_members_not_signed_yet_are_named_a_page_at_a_time_by_name(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A statement opened to thousands names a page of those who have not signed, with how many there are and a
    link to the next page (here a page is one member); the list of signatories keeps its own place."""
    monkeypatch.setattr(statement_pages, "WAITING_PAGE", 1)
    path = opened(world, threshold=1)
    browser = signed_in(world, "mo")

    first = text(browser.get(path))
    waiting = between(first, 'id="waiting-heading"', 'class="signatories waiting"')
    listed = between(first, 'class="signatories waiting"', "</ul>")
    pager = between(first, 'class="signatories waiting"', "</section>")
    assert "Not signed yet" in waiting
    assert f"Green Earth{world.tag}" in listed and "River Watch" not in listed
    assert "1 shown of 2." in pager and "First page" not in pager
    found = re.search(r'href="([^"]*waiting_after=[^"#]*)#waiting-heading" rel="next"', pager)
    assert found is not None

    second = text(browser.get(found.group(1).replace("&amp;", "&")))
    listed = between(second, 'class="signatories waiting"', "</ul>")
    pager = between(second, 'class="signatories waiting"', "</section>")
    assert f"River Watch{world.tag}" in listed and "Green Earth" not in listed
    assert "First page" in pager and 'rel="next"' not in pager

    river_signs(world, path)
    after = text(browser.get(path))
    listed = between(after, 'class="signatories waiting"', "</ul>")
    assert f"Green Earth{world.tag}" in listed and "River Watch" not in listed
    assert "1 shown of 1." not in after  # one page of one: no pager


def test_the_signer_is_told_their_one_action_in_plain_words_and_the_hash_is_a_technical_detail(world: World) -> None:
    path = opened(world)
    client = signed_in(world, "mo")
    page = text(client.get(path))

    assert "not signed yet. Read the text, then sign." in between(page, 'class="statement-yours"', "</ul>")
    assert "You sign the text above, as it reads now, on behalf of River Watch." in page
    version_hash = world.ok("GET", path, "mo")["version_hash"]
    assert version_hash in between(page, '<details class="technical"', "</details>")
    assert f"({version_hash[:12]})" not in page
    river_signs(world, path)
    assert "signed on " in between(text(client.get(path)), 'class="statement-yours"', "</ul>")


def test_a_statement_below_its_threshold_offers_no_publish_button_and_says_why(world: World) -> None:
    path = opened(world, threshold=2)
    river_signs(world, path)
    world.ok("POST", f"{path}/close", "ana")
    page = text(signed_in(world, "ana").get(path))

    assert f"{path}/publish" not in page and "Publish the statement</button>" not in page
    assert "It cannot be published: the statement needs 2 signing organisations to be published and has 1" in page


def test_a_statement_that_reached_its_threshold_offers_publish(world: World) -> None:
    path = opened(world, threshold=1)
    river_signs(world, path)
    world.ok("POST", f"{path}/close", "ana")
    page = text(signed_in(world, "ana").get(path))

    assert f'action="{path}/publish"' in page and "It cannot be published" not in page


def test_publishing_below_the_threshold_anyway_is_refused_in_romanian(world: World) -> None:
    path = opened(world, threshold=2)
    river_signs(world, path)
    world.ok("POST", f"{path}/close", "ana")
    client = in_romanian(world, "ana")
    head = world.api.head()

    page = text(client.get(path))
    assert "Nu poate fi publicată: pentru a fi publicată, declarația are nevoie de 2 organizații" in page
    response = submit(client, path, f"{path}/publish", {})

    assert response.status_code == 409
    flashed = between(text(response), 'class="flash refused"', "</p>")
    assert "declarația are nevoie de 2 organizații" in flashed and "the statement needs" not in flashed
    assert world.api.head() == head


def test_a_suspended_members_signer_reads_why_in_romanian(world: World) -> None:
    path = opened(world)
    world.ok("POST", f"{world.path}/members/{world.river}/suspend", "ana", {"reason": "Missed 3 calls"})
    page = text(in_romanian(world, "mo").get(path))

    assert "Sign this statement" not in page and "Semnați această declarație" not in page
    refusal = between(page, 'class="refused"', "</p>")
    assert "River Watch" in refusal and "only active members" not in refusal


def test_closing_signing_asks_for_confirmation_inside_a_disclosure(world: World) -> None:
    path = opened(world)
    client = signed_in(world, "ana")
    page = text(client.get(path))

    confirm = between(page, '<details class="confirm">', "</details>")
    assert "<summary>Close signing now</summary>" in confirm and "It cannot be undone." in confirm
    assert f'action="{path}/close"' in confirm and "Yes, close signing</button>" in confirm
    assert page.count(f'action="{path}/close"') == 1  # no one-click button outside it
    assert submit(client, path, f"{path}/close", {}).status_code == 302


def test_withdrawing_a_signature_asks_for_confirmation_inside_a_disclosure(world: World) -> None:
    path = opened(world)
    river_signs(world, path)
    page = text(signed_in(world, "mo").get(path))

    confirm = between(page, '<details class="confirm">', "</details>")
    assert "<summary>Withdraw the signature</summary>" in confirm
    assert f'action="{path}/withdraw"' in confirm and "Yes, withdraw the signature</button>" in confirm
    assert page.count(f'action="{path}/withdraw"') == 1


def test_revoking_ones_own_mandate_asks_for_confirmation(world: World) -> None:
    mandate = world.ok(
        "POST", f"/organisations/{world.river}/mandates", "bo", {"email": world.email("bo"), "title": "Chair"}
    )["id"]
    page = text(signed_in(world, "bo").get(f"/organisations/{world.river}"))
    action = f'action="/organisations/{world.river}/mandates/{mandate}/revoke"'

    confirm = re.findall(r'<details class="confirm">.*?</details>', page, re.S)
    mine = [c for c in confirm if action in c]
    assert len(mine) == 1 and "<summary>Revoke your own mandate</summary>" in mine[0]
    assert "From today you will no longer be able to sign for the organisation." in mine[0]
    assert page.count(action) == 1


def test_signing_closed_early_shows_when_it_closed_not_the_old_deadline(world: World) -> None:
    now = services(world.api.app).store.clock()
    deadline = (now + timedelta(days=18)).replace(hour=17, minute=0, second=0, microsecond=0)
    path = opened(world, threshold=1, deadline=deadline.isoformat())
    world.ok("POST", f"{path}/close", "ana")

    page = text(signed_in(world, "mo").get(path))
    when = between(page, 'class="statement-when"', "</p>")
    assert f"Signing closed {format_date(now.astimezone(UTC), 'medium', locale='en')}," in when
    assert format_date(deadline, "medium", locale="en") not in when
    assert not re.search(r"\d+/\d+/\d+", when)  # no US short date
    ro = text(in_romanian(world, "mo").get(path))
    assert f"Semnarea s-a încheiat {format_date(now.astimezone(UTC), 'medium', locale='ro')}," in ro


def test_dates_are_written_in_one_medium_format_per_language(world: World) -> None:
    path = opened(world, deadline="2027-06-30T17:00:00+00:00")
    english = between(text(signed_in(world, "mo").get(path)), 'class="statement-when"', "</p>")
    romanian = between(text(in_romanian(world, "mo").get(path)), 'class="statement-when"', "</p>")

    assert "Jun 30, 2027" in english and "6/30/27" not in english
    assert "30 iun. 2027, 17:00 UTC" in romanian


def test_the_coalition_home_lists_deadline_and_count_and_puts_what_awaits_me_first(world: World) -> None:
    path = opened(world, threshold=2)
    client = signed_in(world, "mo")
    home = text(client.get(world.path))

    awaiting = between(home, 'id="awaiting-heading"', "</section>")
    assert "Clean rivers now" in awaiting and "0 of 2 organisations needed." in awaiting
    assert home.index("awaiting-heading") < home.index("objectives-heading")  # near the top, on phones too
    listed = between(home, 'id="statements-heading"', "</section>")
    assert "Signing closes Jun 30, 2027" in listed and "0 of 2 organisations needed." in listed
    assert "Awaiting your signature for River Watch" in listed

    river_signs(world, path)
    after = text(client.get(world.path))
    assert "awaiting-heading" not in after
    assert "1 of 2 organisations needed." in between(after, 'id="statements-heading"', "</section>")


def test_why_a_member_needs_attention_is_text_on_the_page_not_only_a_tooltip(world: World) -> None:
    world.ok("POST", f"{world.path}/members/{world.river}/suspend", "ana", {"reason": "Missed 3 calls"})
    home = text(signed_in(world, "ana").get(world.path))

    assert re.search(r'class="meta standing-reason">suspended: Missed 3 calls<', home)


def test_a_refusal_naming_the_deadline_writes_it_in_the_readers_date_format(world: World) -> None:
    now = services(world.api.app).store.clock()
    deadline = (now + timedelta(hours=2)).replace(minute=0, second=0, microsecond=0)
    path = opened(world, threshold=1, deadline=deadline.isoformat())
    client = in_romanian(world, "mo")
    form = {"organisation_id": world.river, "title": "Director", "version_hash": read_hash(world, path)}
    assert f'action="{path}/sign"' in text(client.get(path))  # the form, read while signing is open
    services(world.api.app).store.clock = lambda: deadline + timedelta(minutes=5)

    refused = submit(client, path, f"{path}/sign", form)

    assert refused.status_code == 409
    flashed = between(text(refused), 'class="flash refused"', "</p>")
    written = f"{format_date(deadline.astimezone(UTC), 'medium', locale='ro')}, {deadline.astimezone(UTC):%H:%M} UTC"
    assert written in flashed and deadline.isoformat()[:16] not in flashed


def read_hash(world: World, path: str) -> str:
    return str(world.ok("GET", path, "ana")["version_hash"])
