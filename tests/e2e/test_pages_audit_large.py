"""The audit pages of a coalition too large to list everyone in a menu: the history's filters by who take a name to
type (and offer the ones it fits when it fits several), and the standing as of a day comes a page at a time.

The world has two members (Green Earth, River Watch) and two people who acted (Ana Pop, Bo Nowak), so the limit
is lowered to one (`coalition.web.forms.LISTED`, as `audit` reads it) to make it "large"."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from coalition.web.pages import audit
from tests.e2e.conftest import CopyWorlds
from tests.e2e.pages import signed_in, text
from tests.e2e.test_api_coalitions import at
from tests.e2e.test_pages_audit import DAY, audit_page, summaries
from tests.e2e.world import World


@pytest.fixture
def world(worlds: CopyWorlds, monkeypatch: pytest.MonkeyPatch) -> World:
    """The audit pages' world, in a coalition counted as too large for menus."""
    monkeypatch.setattr(audit, "LISTED", 1)
    return worlds(built_on=DAY)[""]


def refused(world: World, query: str) -> str:
    response = signed_in(world, "ana").get(f"{world.path}/audit{query}")
    assert response.status_code == 400, text(response)
    return text(response)


def test_the_filters_by_who_are_names_to_type_not_menus(world: World) -> None:
    page = audit_page(world)

    assert 'name="organisation"' in page and 'name="person"' in page
    assert 'name="organisation_id"' not in page and 'name="actor"' not in page
    assert "<option" not in page.split('name="type"')[0]  # no menu of organisations or people before the types
    assert "Type the organisation's name, or part of it." in page
    assert 'action="/coalitions/' + world.coalition + '/audit/member"' not in page  # no picker listing everyone
    assert "To open an organisation's commitment history, filter the history by it." in page


def test_a_typed_name_filters_as_choosing_the_organisation_did(world: World) -> None:
    by_id = summaries(audit_page(world, f"?organisation_id={world.river}"))

    page = audit_page(world, "?organisation=river")

    assert summaries(page) == by_id and by_id
    assert 'value="River Watch"' in page  # the field now shows the name it found
    history = f'href="/coalitions/{world.coalition}/members/{world.river}/history"'
    assert history in page and "Commitment history of River Watch" in page
    assert f"audit.csv?organisation_id={world.river}" in page  # links name it by id, as the menu did


def test_a_whole_name_is_found_before_the_names_that_hold_it_case_and_spaces_ignored(world: World) -> None:
    assert 'value="Green Earth"' in audit_page(world, "?organisation=GREEN++earth")


def test_a_name_that_fits_several_offers_them_keeping_the_other_filters(world: World) -> None:
    page = refused(world, "?organisation=e&type=RoleAssigned")

    assert "“e” fits 2 organisations: choose one, or type more of the name." in page
    for organisation, name in ((world.green, "Green Earth"), (world.river, "River Watch")):
        link = f"/coalitions/{world.coalition}/audit?type=RoleAssigned&amp;organisation_id={organisation}"
        assert f'<a href="{link}">{name}</a>' in page
    assert '<table class="audit-log">' not in page  # nothing shown as if it had filtered


def test_a_name_that_fits_no_one_says_so(world: World) -> None:
    page = refused(world, "?organisation=zz")

    assert "No organisation here has “zz” in its name. Check the spelling, or type less." in page


def test_a_link_naming_an_organisation_outside_the_coalition_says_to_type_the_name(world: World) -> None:
    page = refused(world, f"?organisation_id={world.oak}")  # Oak Institute never joined

    assert "The link names an organisation that is not in this coalition. Type its name instead." in page


def test_people_are_found_by_name_too(world: World) -> None:
    by_id = summaries(audit_page(world, f"?actor={world.users['bo']}"))

    assert summaries(audit_page(world, "?person=nowak")) == by_id and by_id
    several = refused(world, "?person=o")
    assert "“o” fits 2 people: choose one, or type more of the name." in several
    assert f"actor={world.users['ana']}" in several and f"actor={world.users['bo']}" in several
    assert "No one who acted here has “Olli” in their name." in refused(world, "?person=Olli")  # never acted
    assert "The link names a person who has not acted in this coalition." in refused(world, "?actor=someone")


def test_a_name_too_long_is_refused_by_its_field(world: World) -> None:
    page = refused(world, "?organisation=" + "x" * 201)

    assert "200 characters" in page


def test_the_csv_takes_a_typed_name_as_the_page_does(world: World) -> None:
    response = signed_in(world, "ana").get(f"{world.path}/audit.csv?organisation=river")

    assert response.status_code == 200
    assert "River Watch pledged staff time" in response.get_data(as_text=True)


def test_the_standing_as_of_a_day_comes_a_page_at_a_time_by_name(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(audit, "PAGE_SIZE", 1)
    at(world.api, datetime(2027, 6, 1, tzinfo=UTC))
    client = signed_in(world, "ana")

    first = text(client.get(f"{world.path}/audit/as-of?date=2027-04-01"))
    next_link = f"/coalitions/{world.coalition}/audit/as-of?date=2027-04-01&amp;after={world.green}"
    second = text(client.get(next_link.replace("&amp;", "&")))

    assert "<strong>Green Earth</strong>" in first and "<strong>River Watch</strong>" not in first
    assert "1 shown of 2." in first and f'href="{next_link}"' in first and "First page" not in first
    assert "<strong>River Watch</strong>" in second and "<strong>Green Earth</strong>" not in second
    assert "needs attention" in second  # River Watch's overdue pledge, as it stood then
    assert "First page" in second and "Next page" not in second
    assert "Two field officers" in second and "Two field officers" not in first  # its work, on its page
    # a page whose organisations had no work says so once, with no heading for each of them
    assert "No organisation on this page had a commitment or task then." in first and "<h3" not in first
    assert "No organisation on this page" not in second and "Without a commitment or task" not in second


def test_sending_the_form_again_keeps_the_organisation_chosen_among_namesakes(world: World) -> None:
    about = {"name": "River Watch", "country": "RO", "sector": "ngo", "mission": "Another river"}
    namesake = world.ok("POST", "/organisations", "olli", about)["id"]
    world.ok("POST", f"{world.path}/members", "olli", {"organisation_id": namesake})
    world.ok("POST", f"{world.path}/members/{namesake}/approve", "ana", {})

    several = refused(world, "?organisation=river+watch")
    chosen = audit_page(world, f"?organisation_id={world.river}")  # the link of one of them
    again = audit_page(world, f"?organisation=River+Watch&organisation_id={world.river}")  # that form, sent again
    other = audit_page(world, f"?organisation=green+earth&organisation_id={world.river}")  # a new name typed over it

    assert "“river watch” fits 2 organisations" in several
    assert f'<input type="hidden" name="organisation_id" value="{world.river}">' in chosen
    assert summaries(again) == summaries(chosen) and "pledged staff time" in again
    assert 'value="Green Earth"' in other and f'value="{world.green}"' in other


def test_a_choice_link_keeps_the_other_name_typed_that_chose_no_one_yet(world: World) -> None:
    page = refused(world, "?organisation=e&person=o")

    assert "“e” fits 2 organisations" in page and "“o” fits 2 people" in page
    assert f"/audit?person=o&amp;organisation_id={world.green}" in page
    assert f"/audit?organisation=e&amp;actor={world.users['ana']}" in page


def test_a_name_typed_is_shown_escaped_in_the_refusal(world: World) -> None:
    page = refused(world, "?organisation=%3Cb%3Ebold%3C/b%3E")

    assert "<b>bold</b>" not in page
    assert "No organisation here has “&lt;b&gt;bold&lt;/b&gt;” in its name." in page


def test_few_organisations_with_more_people_than_a_menu_holds_list_the_organisations_and_type_the_people(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The people's menu is decided by how many people acted, not by how many organisations there are."""
    monkeypatch.setattr(audit, "LISTED", 2)  # the two organisations fit a menu; the three who acted do not
    world.ok("POST", f"{world.path}/tasks/{world.task}/accept", "lia", {})  # a third person acts

    page = audit_page(world)

    assert 'name="organisation_id"' in page and 'name="organisation"' not in page
    assert 'name="person"' in page and 'name="actor"' not in page
    assert summaries(audit_page(world, "?person=bo+nowak")) == summaries(
        audit_page(world, f"?actor={world.users['bo']}")
    )
