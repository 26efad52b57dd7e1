"""The webhooks page: for a coalition's facilitators only; add (the secret shown once), list, remove."""

from __future__ import annotations

import re

from tests.e2e.conftest import services
from tests.e2e.pages import csrf, signed_in, submit, text
from tests.e2e.world import World


def test_the_page_renders_for_a_facilitator_and_is_linked_from_the_nav(world: World) -> None:
    client = signed_in(world, "ana")
    response = client.get(f"{world.path}/webhooks")
    assert response.status_code == 200
    assert "This coalition has no webhook." in text(response)
    assert f'href="{world.path}/webhooks"' in text(client.get(world.path))


def test_others_get_403_and_an_unknown_coalition_404(world: World) -> None:
    for person in ("bo", "lia", "olli"):
        client = signed_in(world, person)
        assert client.get(f"{world.path}/webhooks").status_code == 403, person
        assert f'href="{world.path}/webhooks"' not in text(client.get(f"{world.path}/members"))
    assert signed_in(world, "ana").get("/coalitions/nope/webhooks").status_code == 404


def test_adding_shows_the_secret_once_and_removing_takes_it_away(world: World) -> None:
    services(world.api.app).allow_private_webhooks = True
    client = signed_in(world, "ana")
    page = f"{world.path}/webhooks"
    response = submit(client, page, page, {"url": "http://127.0.0.1:9/in", "events": ["TaskCreated", "MemberLeft"]})
    assert response.status_code == 201
    assert "whsec_" in text(response) and response.headers["Cache-Control"] == "no-store"
    listed = text(client.get(page))
    assert "http://127.0.0.1:9/in" in listed and "whsec_" not in listed
    hook = world.ok("GET", f"{world.path}/webhooks", "ana")["webhooks"][0]
    removed = submit(client, page, f"{page}/{hook['id']}/remove", {})
    assert removed.status_code == 302
    assert "This coalition has no webhook." in text(client.get(page))


def test_a_bad_url_is_shown_on_the_form_in_romanian(world: World) -> None:
    client = signed_in(world, "ana")
    page = f"{world.path}/webhooks"
    response = submit(client, page, page, {"url": "http://127.0.0.1/in", "events": ["TaskCreated"]})
    assert response.status_code == 422 and "private, local or reserved" in text(response)
    client.post("/language", data={"csrf_token": csrf(client, "/"), "locale": "ro", "next": "/"})
    response = submit(client, page, page, {"url": "ftp://x.example/in", "events": ["TaskCreated"]})
    assert response.status_code == 422 and "trebuie să înceapă cu http:// sau https://" in text(response)
    assert "Adaugă webhook-ul" in text(response)
    assert world.ok("GET", f"{world.path}/webhooks", "ana")["webhooks"] == []


def test_the_event_boxes_are_a_fieldset_and_none_is_required_on_its_own(world: World) -> None:
    """A `required` on every box would make a browser refuse the form unless every kind were ticked."""
    page = text(signed_in(world, "ana").get(f"{world.path}/webhooks"))
    boxes = re.findall(r'<input[^>]*name="events"[^>]*>', page)
    assert boxes and not [box for box in boxes if "required" in box]
    assert "<legend>The events to send it</legend>" in page
    assert "InvitationIssued</label>" not in page and "Invitation sent by e-mail</label>" in page


def test_ticking_no_event_is_refused_on_the_form(world: World) -> None:
    services(world.api.app).allow_private_webhooks = True
    client = signed_in(world, "ana")
    page = f"{world.path}/webhooks"
    response = submit(client, page, page, {"url": "http://127.0.0.1:9/in"})
    assert response.status_code == 400 and 'id="events-errors"' in text(response)
    assert "Choose at least one kind of event." in text(response)
    assert world.ok("GET", f"{world.path}/webhooks", "ana")["webhooks"] == []
