"""One organisation per name and per registration number in a country: the impersonation of issue 16 fails."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from coalition.infra.db import upgrade
from tests.e2e.conftest import services
from tests.e2e.pages import csrf, signed_in, submit, text
from tests.e2e.test_api_invitations import NEW, link_of, mails, register_through
from tests.e2e.world import Api, World, error_of
from tests.mail import SmtpServer

ORIGINAL = "Asociația Râuri Curate"


def organisation(name: str, country: str = "RO", **extra: Any) -> dict[str, Any]:
    return {"name": name, "country": country, "sector": "ngo", "mission": "Clean rivers", **extra}


@pytest.fixture
def two(api: Api) -> Api:
    """Ioana registered the real association; Mallory, anyone at all, registered too."""
    api.register("ioana", "Ioana Popescu")
    api.register("mallory", "Mallory Bad")
    return api


def create(api: Api, person: str, body: dict[str, Any]) -> Any:
    return api.call("POST", "/organisations", person, body)


def claims(api: Api) -> list[tuple[str, str, str]]:
    """The claims held: (kind, country, organisation)."""
    with services(api.app).engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT kind, country, organisation_id FROM organisation_claims ORDER BY kind, organisation_id")
        )
        return [tuple(row) for row in rows]


def test_the_impersonation_of_the_issue_is_refused_with_409_naming_the_existing_organisation(two: Api) -> None:
    existing = two.ok("POST", "/organisations", "ioana", organisation(ORIGINAL))["id"]
    before = two.head()
    error = error_of(create(two, "mallory", organisation("Asociatia Rauri Curate")), 409, "conflict")
    assert ORIGINAL in error["message"] and existing in error["message"]
    assert f"/organisations/{existing}" in error["message"]
    assert "RO" in error["message"]
    assert two.head() == before, "nothing is recorded"
    assert claims(two) == [("name", "RO", existing)]


LOOK_ALIKES = [
    ("Cyrillic а for the Latin a", "Asoci\u0430ția Râuri Cur\u0430te"),
    ("a zero-width space", "Asociația\u200b Râuri Curate"),
    ("no-break spaces", "Asociația\u00a0Râuri\u00a0Curate"),
    ("capitals", "ASOCIAȚIA RÂURI CURATE"),
    ("cedillas and no diacritics", "Asociaţia Rauri Curate"),
    ("a soft hyphen", "Asocia\u00adția Râuri Curate"),
    ("spaces around and doubled", "  Asociația   Râuri Curate "),
]


@pytest.mark.parametrize(("case", "name"), LOOK_ALIKES, ids=[c for c, _ in LOOK_ALIKES])
def test_a_look_alike_name_is_refused_in_the_same_country(two: Api, case: str, name: str) -> None:
    two.ok("POST", "/organisations", "ioana", organisation(ORIGINAL))
    before = two.head()
    assert ORIGINAL in error_of(create(two, "mallory", organisation(name)), 409, "conflict")["message"]
    assert two.head() == before


def test_a_right_to_left_override_in_a_name_is_refused_before_any_comparison(two: Api) -> None:
    """Bidirectional controls never reach the name key: names refuse them outright (422), look-alike or not."""
    two.ok("POST", "/organisations", "ioana", organisation(ORIGINAL))
    before = two.head()
    refused = error_of(create(two, "mallory", organisation("\u202eAsociația Râuri Curate")), 422, "invalid")
    assert "bidirectional" in refused["fields"]["name"][0]
    assert two.head() == before


def test_the_same_name_in_another_country_is_another_organisation(two: Api) -> None:
    two.ok("POST", "/organisations", "ioana", organisation(ORIGINAL))
    assert create(two, "mallory", organisation(ORIGINAL, "MD")).status_code == 201


def test_a_name_that_differs_in_a_word_is_accepted(two: Api) -> None:
    two.ok("POST", "/organisations", "ioana", organisation(ORIGINAL))
    assert create(two, "mallory", organisation(ORIGINAL + " Nord")).status_code == 201


def test_the_registration_number_is_kept_shown_and_unique_per_country(two: Api) -> None:
    created = two.ok("POST", "/organisations", "ioana", organisation(ORIGINAL, registration_number=" 12/2005 "))["id"]
    assert two.ok("GET", f"/organisations/{created}", "mallory")["registration_number"] == "12/2005"
    before = two.head()
    error = error_of(
        create(two, "mallory", organisation("Another Name", registration_number="12 / 2005")), 409, "conflict"
    )
    assert "12 / 2005" in error["message"] and ORIGINAL in error["message"] and created in error["message"]
    assert two.head() == before
    assert create(two, "mallory", organisation("Another Name", "MD", registration_number="12/2005")).status_code == 201


def test_an_organisation_without_a_registration_number_claims_only_its_name(two: Api) -> None:
    created = two.ok("POST", "/organisations", "ioana", organisation(ORIGINAL))["id"]
    assert two.ok("GET", f"/organisations/{created}", "ioana")["registration_number"] is None
    assert claims(two) == [("name", "RO", created)]


@pytest.mark.parametrize(
    ("field", "value"),
    [("registration_number", "---"), ("registration_number", "12\n34"), ("registration_number", "x" * 101)],
)
def test_a_registration_number_without_letters_or_digits_or_on_two_lines_is_refused(
    two: Api, field: str, value: str
) -> None:
    response = create(two, "ioana", organisation(ORIGINAL, **{field: value}))
    assert response.status_code in (409, 422), response.json
    assert response.status_code != 500
    assert two.head() == 2 * 3  # each person's registration, verified address and token: nothing else


def test_a_name_of_invisible_characters_only_is_refused(two: Api) -> None:
    response = create(two, "ioana", organisation("\u200b\u2060"))
    assert response.status_code == 422, response.json
    assert two.head() == 2 * 3


def test_two_at_the_same_moment_one_wins(two: Api) -> None:
    """Two requests for look-alike names at once: exactly one organisation holds the name."""
    barrier = threading.Barrier(2)
    answers: dict[str, int] = {}

    def claim(person: str, name: str) -> None:
        client = two.app.test_client()
        barrier.wait()
        response = client.post(
            "/api/v1/organisations",
            json=organisation(name),
            headers={"Authorization": f"Bearer {two.tokens[person]}"},
        )
        answers[person] = response.status_code

    threads = [
        threading.Thread(target=claim, args=("ioana", ORIGINAL)),
        threading.Thread(target=claim, args=("mallory", "Asociatia Rauri Curate")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers.values()) == [201, 409]
    assert len(claims(two)) == 1
    with services(two.app).engine.connect() as connection:
        created = connection.execute(sa.text("SELECT count(*) FROM events WHERE type = 'OrganisationCreated'"))
        assert created.scalar_one() == 1


def test_an_invited_organisation_goes_through_the_same_check(world: World, smtp: SmtpServer) -> None:
    """A facilitator's invitation that creates the organisation cannot take a name either (the page says who has it)."""
    world.api.call("POST", f"{world.path}/invitations", world.who("ana"), {"email": NEW})
    link = link_of(mails(world, smtp)[0])
    client = world.api.app.test_client()
    register_through(client, link)
    before = world.api.head()
    taken = {"name": "GREEN EARTH", "country": "RO", "sector": "ngo", "mission": "Rivers"}
    refused = client.post(link, data={"csrf_token": csrf(client, link), **taken})
    assert refused.status_code == 409
    assert "Green Earth" in text(refused) and world.green in text(refused)
    assert world.api.head() == before


def test_an_imported_log_claims_its_organisations_names_again(
    two: Api, open_api: Callable[[str], Api], other_database_url: str, tmp_path: Path
) -> None:
    """`flask events import` rebuilds the read models, then the claims from them: the rule holds on the copy."""
    two.ok("POST", "/organisations", "ioana", organisation(ORIGINAL, registration_number="12/2005"))
    exported = two.app.test_cli_runner().invoke(args=["events", "export", str(tmp_path / "log.jsonl")])
    assert exported.exit_code == 0, exported.output
    copy = open_api(other_database_url)
    upgrade(services(copy.app).engine)
    imported = copy.app.test_cli_runner().invoke(args=["events", "import", str(tmp_path / "log.jsonl")])
    assert imported.exit_code == 0, imported.output
    assert claims(copy) == claims(two) and len(claims(copy)) == 2


def test_the_organisation_form_says_which_organisation_has_the_name_in_english_and_romanian(world: World) -> None:
    client = signed_in(world, "olli")
    before = world.api.head()
    form = {"name": "Green\u200b Earth", "country": "RO", "sector": "ngo", "mission": "Rivers"}
    refused = submit(client, "/organisations", "/organisations", form)
    assert refused.status_code == 409
    assert "an organisation named Green Earth" in text(refused) and world.green in text(refused)
    client.post("/language", data={"csrf_token": csrf(client, "/organisations"), "locale": "ro"})
    refused = submit(client, "/organisations", "/organisations", {**form, "registration_number": "1/2020"})
    assert refused.status_code == 409 and "o organizație numită Green Earth" in text(refused)
    assert world.api.head() == before
    created = submit(client, "/organisations", "/organisations", {**form, "name": "Green Earth Moldova"})
    assert created.status_code == 302
