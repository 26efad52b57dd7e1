"""The organisation pages: my organisations, creating one, and its administrators, mandates and coalitions."""

from __future__ import annotations

import re
from datetime import date, timedelta

from tests.e2e.conftest import services
from tests.e2e.pages import csrf, signed_in, submit, text
from tests.e2e.world import World

NEW = {
    "name": "Delta Friends",
    "country": "RO",
    "sector": "ngo",
    "mission": "Protect the delta",
    "website": "https://delta.example",
}


def river_page(world: World) -> str:
    return f"/organisations/{world.river}"


def today(world: World) -> date:
    return services(world.api.app).store.clock().date()


def people(world: World) -> dict:
    return world.ok("GET", river_page(world), "bo")


def test_my_organisations_lists_those_i_act_for_with_my_role_there(world: World) -> None:
    bo = text(signed_in(world, "bo").get("/organisations"))
    mo = text(signed_in(world, "mo").get("/organisations"))
    olli = text(signed_in(world, "olli").get("/organisations"))

    assert f"/organisations/{world.river}" in bo and "administrator" in bo and "Poland" in bo
    assert "River Watch" in mo and "signing mandate: Executive Director" in mo and ">administrator<" not in mo
    assert "Oak Institute" in olli and "River Watch" not in olli
    assert "Create an organisation" in olli and '<option value="FI">Finland</option>' in olli
    assert '<option value="community-based">Community-based organisation</option>' in olli


def test_creating_an_organisation_records_it_and_opens_its_page(world: World) -> None:
    client = signed_in(world, "lia")
    response = submit(client, "/organisations", "/organisations", NEW)

    assert response.status_code == 302
    organisation_id = response.headers["Location"].rsplit("/", 1)[1]
    read = world.ok("GET", f"/organisations/{organisation_id}", "lia")
    assert (read["name"], read["country"], read["sector"], read["website"]) == (
        "Delta Friends",
        "RO",
        "ngo",
        "https://delta.example",
    )
    assert [a["name"] for a in read["administrators"]] == ["Lia Kowal"]
    page = text(client.get(response.headers["Location"]))
    assert "The organisation was created" in page and "Protect the delta" in page and "Romania" in page
    assert "Delta Friends" in text(client.get("/organisations"))


def test_an_invalid_organisation_is_shown_again_with_what_to_fix_and_nothing_recorded(world: World) -> None:
    client = signed_in(world, "lia")
    head = world.api.head()
    response = submit(
        client,
        "/organisations",
        "/organisations",
        {"name": " ", "country": "XX", "sector": "", "mission": "", "website": "delta"},
    )

    page = text(response)
    assert response.status_code == 400
    assert "Not a valid choice." in page and "Choose a sector." in page
    assert "Enter a full address, such as https://example.org." in page and 'aria-invalid="true"' in page
    assert world.api.head() == head


def test_the_organisation_page_shows_its_profile_people_and_coalitions(world: World) -> None:
    page = text(signed_in(world, "bo").get(river_page(world)))

    assert "<h1>River Watch</h1>" in page and "Poland" in page and "Community-based organisation" in page
    assert "Watch the river" in page and world.email("bo") in page and "Bo Nowak" in page
    assert "Lia Kowal" in page and "Programme Lead" in page and "Executive Director" in page
    assert f'href="/coalitions/{world.coalition}">Danube Rivers Coalition</a>' in page and ">active<" in page
    assert "Add an administrator" in page and "Yes, revoke the mandate of Mo Zielinski from today" in page


def test_mandate_holders_see_the_lists_but_no_forms(world: World) -> None:
    page = text(signed_in(world, "mo").get(river_page(world)))

    assert "Lia Kowal" in page and "Danube Rivers Coalition" in page
    assert "Add an administrator" not in page and "Grant a signing mandate" not in page and "Revoke" not in page


def test_the_page_is_for_the_organisations_people_and_sign_in_comes_first(world: World) -> None:
    assert signed_in(world, "olli").get(river_page(world)).status_code == 403
    assert signed_in(world, "bo").get("/organisations/nope").status_code == 404
    for path in ("/organisations", river_page(world)):
        anonymous = world.api.app.test_client().get(path)
        assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_an_administrator_adds_another_administrator_by_e_mail(world: World) -> None:
    client = signed_in(world, "bo")
    response = submit(
        client, river_page(world), f"{river_page(world)}/administrators", {"administrator_email": world.email("lia")}
    )

    assert response.status_code == 302
    assert "Lia Kowal" in [a["name"] for a in people(world)["administrators"]]
    assert f"{world.email('lia')} is now an administrator." in text(client.get(river_page(world)))


def test_adding_someone_without_an_account_sends_an_invitation_listed_with_a_cancel_button(world: World) -> None:
    client = signed_in(world, "bo")
    head = world.api.head()
    invited = submit(
        client, river_page(world), f"{river_page(world)}/administrators", {"administrator_email": "nobody@example.org"}
    )
    shown = text(client.get(river_page(world)))

    assert invited.status_code == 302 and world.api.head() == head + 1  # InvitationIssued, no grant yet
    assert "Invitation sent to nobody@example.org" in shown
    assert "Cancel the invitation of nobody@example.org" in shown
    action = re.search(r'action="(/organisations/[^"]+/invitations/[^"]+/revoke)"', shown)
    assert action
    assert submit(client, river_page(world), action.group(1), {}).status_code == 302
    after = text(client.get(river_page(world)))
    assert "The invitation was cancelled" in after and "Cancel the invitation of" not in after


def test_adding_an_administrator_twice_or_a_bad_address_is_refused(world: World) -> None:
    client = signed_in(world, "bo")
    head = world.api.head()
    again = submit(
        client, river_page(world), f"{river_page(world)}/administrators", {"administrator_email": world.email("bo")}
    )
    invalid = submit(
        client, river_page(world), f"{river_page(world)}/administrators", {"administrator_email": "not an address"}
    )

    assert again.status_code == 409 and "already an administrator" in text(again)
    assert invalid.status_code == 400 and "Invalid email address." in text(invalid)
    assert world.api.head() == head


def test_an_administrator_grants_a_mandate_with_dates(world: World) -> None:
    client = signed_in(world, "bo")
    start, end = today(world) + timedelta(days=10), today(world) + timedelta(days=400)
    response = submit(
        client,
        river_page(world),
        f"{river_page(world)}/mandates",
        {
            "holder_email": world.email("olli"),
            "title": "Scientific Adviser",
            "valid_from": start.isoformat(),
            "valid_until": end.isoformat(),
        },
    )

    assert response.status_code == 302
    granted = next(m for m in people(world)["mandates"] if m["title"] == "Scientific Adviser")
    assert (granted["name"], granted["valid_from"], granted["valid_until"]) == (
        "Olli Virtanen",
        start.isoformat(),
        end.isoformat(),
    )
    page = text(client.get(river_page(world)))
    assert "The signing mandate was granted to" in page and "not yet valid" in page


def test_a_mandate_that_ends_before_it_starts_or_a_bad_date_is_refused(world: World) -> None:
    client = signed_in(world, "bo")
    head = world.api.head()
    backwards = submit(
        client,
        river_page(world),
        f"{river_page(world)}/mandates",
        {
            "holder_email": world.email("olli"),
            "title": "Adviser",
            "valid_from": "2027-05-01",
            "valid_until": "2027-04-01",
        },
    )
    malformed = submit(
        client,
        river_page(world),
        f"{river_page(world)}/mandates",
        {"holder_email": world.email("olli"), "title": "", "valid_from": "31/02/2027"},
    )

    assert backwards.status_code == 409 and "a mandate cannot end before it starts" in text(backwards)
    assert malformed.status_code == 400
    assert "Not a valid date value." in text(malformed) and "This field is required." in text(malformed)
    assert world.api.head() == head


def test_an_administrator_revokes_a_mandate_and_its_holder_no_longer_acts_for_the_organisation(world: World) -> None:
    client = signed_in(world, "bo")
    revoke = f"{river_page(world)}/mandates/{world.mandates['mo']}/revoke"
    response = submit(client, river_page(world), revoke, {})

    assert response.status_code == 302
    mandate = next(m for m in people(world)["mandates"] if m["id"] == world.mandates["mo"])
    assert mandate["revoked_on"] == today(world).isoformat() and mandate["valid_today"] is False
    assert "revoked on" in text(client.get(river_page(world)))
    assert signed_in(world, "mo").get(river_page(world)).status_code == 403
    head = world.api.head()
    twice = submit(client, river_page(world), revoke, {})
    unknown = submit(client, river_page(world), f"{river_page(world)}/mandates/nope/revoke", {})
    assert twice.status_code == 409 and "already revoked" in text(twice)
    assert unknown.status_code == 404 and "no such mandate" in text(unknown)
    assert world.api.head() == head


def test_a_mandate_holder_may_not_manage_the_organisations_people(world: World) -> None:
    client = signed_in(world, "mo")
    head = world.api.head()
    posts = [
        (f"{river_page(world)}/administrators", {"administrator_email": world.email("mo")}),
        (f"{river_page(world)}/mandates", {"holder_email": world.email("olli"), "title": "Adviser"}),
        (f"{river_page(world)}/mandates/{world.mandates['lia']}/revoke", {}),
    ]

    for action, data in posts:
        response = submit(client, river_page(world), action, data)
        assert response.status_code == 403, action
        assert "only administrators of River Watch may do this" in text(response)
    assert world.api.head() == head
    assert len(people(world)["administrators"]) == 1


def test_outsiders_posting_get_403_and_nothing_is_recorded(world: World) -> None:
    client = signed_in(world, "olli")
    head = world.api.head()
    response = submit(
        client, "/organisations", f"{river_page(world)}/administrators", {"administrator_email": world.email("olli")}
    )

    assert response.status_code == 403 and "You may not do this" in text(response)
    assert world.api.head() == head


def test_forms_posted_without_a_csrf_token_are_refused(world: World) -> None:
    client = signed_in(world, "bo")
    head = world.api.head()
    posts = [
        ("/organisations", NEW),
        (f"{river_page(world)}/administrators", {"administrator_email": world.email("lia")}),
        (f"{river_page(world)}/mandates", {"holder_email": world.email("olli"), "title": "Adviser"}),
        (f"{river_page(world)}/mandates/{world.mandates['mo']}/revoke", {}),
    ]

    for action, data in posts:
        assert client.post(action, data=data).status_code == 400, action
    assert world.api.head() == head
    assert csrf(client, river_page(world))  # the page still renders its forms
