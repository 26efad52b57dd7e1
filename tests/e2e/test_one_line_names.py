"""Names and titles are one line: they go into e-mail subjects and headers, PDFs and lists. A line break in
one (CR, LF, or a Unicode line separator) is refused with a 422 or a form error, and nothing is recorded."""

from __future__ import annotations

import pytest

from tests.e2e.pages import csrf, signed_in, text
from tests.e2e.world import PASSWORD, World, error_of

BREAKS = ["Green\r\nBcc: everyone@example.org", "Green\nEarth", "Green\u2028Earth"]


@pytest.mark.parametrize("name", BREAKS)
def test_registering_with_a_name_of_two_lines_is_refused(world: World, name: str) -> None:
    head = world.api.head()
    answer = world.api.call("POST", "/users", body={"email": "new@example.org", "password": PASSWORD, "name": name})
    assert error_of(answer, 422, "invalid")["fields"]["name"] == ["must be one line, without line breaks"]
    assert world.api.head() == head


@pytest.mark.parametrize("name", BREAKS)
def test_an_organisation_named_on_two_lines_is_refused(world: World, name: str) -> None:
    head = world.api.head()
    body = {"name": name, "country": "RO", "sector": "ngo", "mission": "Rivers"}
    answer = world.api.call("POST", "/organisations", world.who("ana"), body)
    assert "fields" in error_of(answer, 422, "invalid") and world.api.head() == head


def test_a_statement_title_or_a_task_title_on_two_lines_is_refused(world: World) -> None:
    head = world.api.head()
    statement = {"title": "Clean\r\nrivers", "body": "We ask.", "language": "en"}
    error_of(world.api.call("POST", f"{world.path}/statements", world.who("ana"), statement), 422, "invalid")
    task = {"title": "Count\nfish", "description": "d", "organisation_id": world.river, "due_on": "2027-10-01"}
    error_of(world.api.call("POST", f"{world.path}/tasks", world.who("ana"), task), 422, "invalid")
    assert world.api.head() == head


def test_the_registration_page_says_to_write_the_name_on_one_line(world: World) -> None:
    client = world.api.app.test_client()
    head = world.api.head()
    form = {"email": "new@example.org", "name": "Ana\r\nBcc: x@example.org", "password": PASSWORD}
    page = client.post("/register", data={**form, "csrf_token": csrf(client, "/register")})
    assert page.status_code == 400
    assert "Write it on one line, without line breaks." in text(page)
    assert world.api.head() == head


def test_the_organisation_page_form_refuses_a_name_on_two_lines(world: World) -> None:
    client = signed_in(world, "olli")
    head = world.api.head()
    form = {"name": "Oak\nTwo", "country": "FI", "sector": "ngo", "mission": "m"}
    page = client.post("/organisations", data={**form, "csrf_token": csrf(client, "/organisations")})
    assert "Write it on one line, without line breaks." in text(page)
    assert world.api.head() == head
