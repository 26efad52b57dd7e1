"""The members page and a statement's signatories a page at a time: a "next page" link naming the last one shown
(`?after=`), the count of all of them, and a page after the last that lists the rest."""

from __future__ import annotations

import re

import pytest

from coalition.web.pages import statements
from coalition.web.pages.membership import members
from tests.e2e.pages import signed_in, submit, text
from tests.e2e.test_pages_statements import open_statement
from tests.e2e.world import World


def _next(page: str) -> str | None:
    found = re.search(r'<a href="([^"]+)" rel="next">Next page</a>', page)
    return found.group(1).replace("&amp;", "&") if found else None


def test_the_members_page_lists_a_page_at_a_time_and_links_the_next(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(members, "PAGE_SIZE", 1)
    client = signed_in(world, "ana")

    first = text(client.get(f"/coalitions/{world.coalition}/members"))
    following = _next(first)
    assert following is not None and re.search(f"after=2-({world.green}|{world.river})", following)
    second = text(client.get(str(following)))

    assert "1 shown of 2." in first and "1 shown of 2." in second
    assert ("Green Earth" in first) != ("Green Earth" in second)
    assert ("River Watch" in first) != ("River Watch" in second)
    assert _next(second) is None and "First page" in second and "First page" not in first


def test_a_small_list_shows_no_pager(world: World) -> None:
    page = text(signed_in(world, "ana").get(f"/coalitions/{world.coalition}/members"))

    assert "Green Earth" in page and "River Watch" in page
    assert "shown of" not in page and "Next page" not in page


def test_the_statement_page_lists_its_signatories_a_page_at_a_time(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(statements, "PAGE_SIZE", 1)
    path = open_statement(world)
    world.ok("POST", f"{path}/signatures", "mo", {"organisation_id": world.river})
    world.ok("POST", f"/organisations/{world.green}/mandates", "ana", {"email": world.email("ana"), "title": "Chair"})
    world.ok("POST", f"{path}/signatures", "ana", {"organisation_id": world.green})
    client = signed_in(world, "mo")

    first = text(client.get(path))
    following = _next(first)
    assert following is not None and "#signatories-heading" in following
    second = text(client.get(following))

    assert "Signed by 2 organisations" in first and "Signed by 2 organisations" in second  # the summary counts all
    assert "1 shown of 2." in first and "1 shown of 2." in second
    signatory = re.compile(r'<li class="status-signed"><strong>([^<]+)</strong>')
    assert sorted(signatory.findall(first) + signatory.findall(second)) == ["Green Earth", "River Watch"]
    assert _next(second) is None
    in_romanian = _next(text(client.get(f"{path}?lang=ro")))
    assert in_romanian is not None and "lang=ro" in in_romanian  # the next page keeps the text's language


def test_the_coalition_home_lists_a_page_of_members_and_links_them_all(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from coalition.web.pages import coalitions

    monkeypatch.setattr(coalitions, "HOME_MEMBERS", 1)

    page = text(signed_in(world, "mo").get(f"/coalitions/{world.coalition}"))

    assert "River Watch" in page  # the reader's own organisation comes first
    assert "1 shown of 2: your organisations first" in page
    assert f'href="/coalitions/{world.coalition}/members">All members</a>' in page


def test_a_member_whose_state_changes_between_pages_makes_no_one_drop_out(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(members, "PAGE_SIZE", 1)
    world.ok("POST", f"{world.path}/members", "olli", {"organisation_id": world.oak})  # requested: listed first
    ana, page = signed_in(world, "ana"), f"/coalitions/{world.coalition}/members"
    first = text(ana.get(page))
    assert "Approve the request of Oak Institute" in first
    world.ok("POST", f"{world.path}/members/{world.oak}/approve", "ana", {})  # Oak moves among the active ones

    seen, following = [first], _next(first)
    while following is not None and len(seen) < 5:
        seen.append(text(ana.get(following)))
        following = _next(seen[-1])
    shown = " ".join(seen)
    assert all(name in shown for name in ("Green Earth", "River Watch", "Oak Institute"))  # none skipped


def test_a_refused_form_on_a_later_page_is_shown_beside_its_member(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(members, "PAGE_SIZE", 1)
    ana, page = signed_in(world, "ana"), f"/coalitions/{world.coalition}/members"
    assert "River Watch" not in text(ana.get(page)).split("<main", 1)[1]  # Green Earth's page comes first

    refused = submit(ana, page, f"{world.path}/members/{world.river}/suspend", {"reason": "  "})

    assert refused.status_code == 400
    shown = text(refused)
    assert "River Watch" in shown and "This field is required." in shown and 'aria-invalid="true"' in shown


def test_a_signatory_who_withdraws_and_signs_again_between_pages_makes_no_one_drop_out(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(statements, "PAGE_SIZE", 1)
    path = open_statement(world)
    world.ok("POST", f"{path}/signatures", "mo", {"organisation_id": world.river})
    world.ok("POST", f"/organisations/{world.green}/mandates", "ana", {"email": world.email("ana"), "title": "Chair"})
    world.ok("POST", f"{path}/signatures", "ana", {"organisation_id": world.green})
    client = signed_in(world, "mo")
    first = text(client.get(path))
    following = _next(first)
    assert following is not None and "River Watch" in first and "Green Earth" not in first

    # River Watch withdraws and signs again: it is now the last to have first signed, after Green Earth.
    world.ok("POST", f"{path}/signatures/{world.river}/withdraw", "mo", {"reason": "A mistake"})
    world.ok("POST", f"{path}/signatures", "mo", {"organisation_id": world.river})
    second = text(client.get(following))

    assert "Green Earth" in second  # the page after the one the reader saw, not after River Watch's new place
    third = _next(second)
    assert third is not None and "River Watch" in text(client.get(third))


def test_a_next_link_that_is_not_a_signatory_key_shows_the_first_page(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(statements, "PAGE_SIZE", 1)
    path = open_statement(world)
    world.ok("POST", f"{path}/signatures", "mo", {"organisation_id": world.river})

    answer = signed_in(world, "mo").get(f"{path}?after={world.river}")

    assert answer.status_code == 200 and "River Watch" in text(answer)
