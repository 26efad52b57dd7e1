"""Time zones from the outside: a person's (account page, browser, API), deadlines entered on their clock,
e-mails on the recipient's clock, and a coalition's zone through founding and amending, shown in its PDF."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from coalition.accounts import set_time_zone, users
from coalition.domain.base import RuleBroken
from tests.e2e.conftest import services
from tests.e2e.notices import mail_to, notifier, only_new_events
from tests.e2e.pages import signed_in, submit
from tests.e2e.pages import text as raw
from tests.e2e.test_api_statements import draft
from tests.e2e.test_statement_pdf import download, text_of
from tests.e2e.world import AGREEMENT, World, error_of
from tests.mail import SmtpServer, body

BUCHAREST = "Europe/Bucharest"


def text(response: object) -> str:
    return html.unescape(raw(response))  # type: ignore[arg-type]


def stored(world: World, person: str) -> str | None:
    with services(world.api.app).engine.connect() as connection:
        zone = connection.execute(select(users.c.time_zone).where(users.c.user_id == world.users[person])).scalar()
    return None if zone is None else str(zone)


def chosen(world: World, person: str, zone: str) -> None:
    world.ok("PATCH", "/me", person, {"time_zone": zone})


# -- a person's zone ------------------------------------------------------------------------------------


def test_the_account_page_sets_the_zone_and_refuses_one_not_in_the_list(world: World) -> None:
    client = signed_in(world, "ana")
    page = text(client.get("/account"))
    assert '<option selected value="UTC">UTC</option>' in page and "It is now" in page

    changed = submit(client, "/account", "/account/time-zone", {"zone-time_zone": BUCHAREST})
    assert changed.status_code == 302 and stored(world, "ana") == BUCHAREST
    page = text(client.get("/account"))
    assert f'<option selected value="{BUCHAREST}">{BUCHAREST}</option>' in page
    assert f"Times are now shown in {BUCHAREST}." in page and f"{BUCHAREST}" in page

    refused = submit(client, "/account", "/account/time-zone", {"zone-time_zone": "Mars/Olympus"})
    assert refused.status_code == 400 and stored(world, "ana") == BUCHAREST
    assert re.search(r'id="zone-time_zone-errors"><li>Choose a time zone from the list', text(refused))


def test_the_browsers_zone_is_used_until_one_is_chosen_and_never_over_a_choice(world: World) -> None:
    client = signed_in(world, "bo")
    assert 'data-browser-zone=""' in text(client.get("/account")) and stored(world, "bo") is None
    client.set_cookie("tz", "America/New_York")
    page = text(client.get("/account"))
    assert 'data-browser-zone="America/New_York"' in page and "/static/time-zone.js" in page
    assert stored(world, "bo") == "America/New_York"  # stored once a page saw it, so e-mails use it too
    client.set_cookie("tz", "Asia/Tokyo")
    client.get("/account")
    assert stored(world, "bo") == "America/New_York"  # the account's zone stays
    client.set_cookie("tz", "Not/A_Zone")
    assert 'data-browser-zone=""' in text(client.get("/"))  # a cookie that names no zone is ignored


def test_the_api_reads_and_sets_the_zone_and_refuses_an_unknown_one_naming_the_field(world: World) -> None:
    assert world.ok("GET", "/me", "olli")["time_zone"] is None
    assert world.ok("PATCH", "/me", "olli", {"time_zone": "Europe/Helsinki"}) == {"time_zone": "Europe/Helsinki"}
    assert world.ok("GET", "/me", "olli")["time_zone"] == "Europe/Helsinki"
    error = error_of(world.api.call("PATCH", "/me", world.who("olli"), {"time_zone": "Helsinki"}), 422, "invalid")
    assert "IANA" in error["fields"]["time_zone"][0]
    error_of(world.api.call("PATCH", "/me", world.who("olli"), {}), 422, "invalid")
    assert stored(world, "olli") == "Europe/Helsinki"


def test_storing_a_zone_not_in_the_database_is_refused(world: World) -> None:
    with pytest.raises(RuleBroken, match="IANA"):
        set_time_zone(services(world.api.app).engine, world.users["mo"], "Nowhere/Town")
    assert stored(world, "mo") is None


# -- deadlines on the reader's clock -------------------------------------------------------------------


def test_a_deadline_entered_in_bucharest_time_is_recorded_in_utc_and_shown_back_in_bucharest(world: World) -> None:
    chosen(world, "ana", BUCHAREST)
    path = draft(world)
    client = signed_in(world, "ana")
    editor = text(client.get(f"{path}/edit"))
    assert f"Signing closes at ({BUCHAREST})" in editor and f"In your time zone, {BUCHAREST}" in editor

    response = submit(client, f"{path}/edit", f"{path}/open", {"deadline": "2099-06-01T12:00", "threshold": "1"})

    assert response.status_code == 302
    assert world.ok("GET", path, "ana")["deadline"] == "2099-06-01T09:00:00+00:00"  # summer: UTC+3
    assert f"Signing closes Jun 1, 2099, 12:00\u202fPM {BUCHAREST}." in text(client.get(path))
    assert "Signing closes Jun 1, 2099, 9:00\u202fAM UTC." in text(signed_in(world, "mo").get(path))


def test_a_deadline_at_a_time_the_clocks_skip_is_read_before_the_change(world: World) -> None:
    chosen(world, "ana", BUCHAREST)
    path = draft(world)
    client = signed_in(world, "ana")
    submit(client, f"{path}/edit", f"{path}/open", {"deadline": "2099-03-29T03:30", "threshold": "1"})
    assert world.ok("GET", path, "ana")["deadline"] == "2099-03-29T01:30:00+00:00"  # fold=0: on +02:00


def test_the_api_takes_deadlines_with_their_offset_whatever_the_persons_zone(world: World) -> None:
    chosen(world, "ana", BUCHAREST)
    path = draft(world)
    world.ok("POST", f"{path}/open", "ana", {"deadline": "2099-06-01T12:00:00+02:00"})
    assert world.ok("GET", path, "ana")["deadline"] == "2099-06-01T12:00:00+02:00"  # kept as written


# -- e-mails on the recipient's clock ---------------------------------------------------------------


def test_the_opening_mail_shows_the_deadline_on_each_recipients_clock(world: World, smtp: SmtpServer) -> None:
    only_new_events(world)
    chosen(world, "lia", BUCHAREST)
    path = draft(world)
    world.ok("POST", f"{path}/open", "ana", {"deadline": "2099-12-20T17:00:00Z"})
    notifier(world, smtp).turn()
    assert f"December 20, 2099, 19:00 {BUCHAREST}" in body(mail_to(world, smtp, "lia"))
    assert "December 20, 2099, 17:00 UTC" in body(mail_to(world, smtp, "mo"))


# -- the coalition's zone ---------------------------------------------------------------------------


def test_a_coalition_founded_and_amended_with_a_zone_and_an_unknown_zone_refused(world: World) -> None:
    assert world.ok("GET", world.path, "ana")["agreement"]["time_zone"] == "UTC"  # founded with none: UTC
    founded = world.ok("POST", "/coalitions", "ana", {**AGREEMENT, "name": "Zoned", "organisation_id": world.green})
    path = f"/coalitions/{founded['id']}"
    assert world.ok("GET", path, "ana")["agreement"]["time_zone"] == "UTC"
    for body_, where in (({**AGREEMENT, "organisation_id": world.green, "time_zone": "Bucharest"}, "/coalitions"),):
        error = error_of(world.api.call("POST", where, world.who("ana"), body_), 422, "invalid")
        assert "IANA" in error["fields"]["time_zone"][0]
    world.ok("PATCH", f"{path}/agreement", "ana", {"time_zone": BUCHAREST})
    assert world.ok("GET", path, "ana")["agreement"]["time_zone"] == BUCHAREST
    head = world.api.head()
    refused = world.api.call("PATCH", f"{path}/agreement", world.who("ana"), {"time_zone": "Mars/Base"})
    assert "time_zone" in error_of(refused, 422, "invalid")["fields"] and world.api.head() == head


def test_the_agreement_pages_offer_the_zone_the_founders_by_default(world: World) -> None:
    chosen(world, "ana", BUCHAREST)
    client = signed_in(world, "ana")
    assert f'<option selected value="{BUCHAREST}">' in text(client.get("/coalitions/new"))
    assert '<option selected value="UTC">UTC</option>' in text(client.get(f"{world.path}/agreement"))
    world.ok("PATCH", f"{world.path}/agreement", "ana", {"time_zone": "Europe/Helsinki"})
    assert '<option selected value="Europe/Helsinki">' in text(client.get(f"{world.path}/agreement"))


def test_the_statement_pdf_shows_the_deadline_in_utc_and_in_the_coalitions_zone(world: World) -> None:
    world.ok("PATCH", f"{world.path}/agreement", "ana", {"time_zone": BUCHAREST})
    path = draft(world)
    world.ok("POST", f"{path}/open", "ana", {"deadline": "2099-12-20T17:00:00Z"})
    pdf = text_of(download(world, path).data)
    flat = " ".join(pdf.split())
    assert f"Signing closes December 20, 2099, 17:00 UTC (19:00 {BUCHAREST})" in flat
    assert f"Coalition's time zone {BUCHAREST}" in flat


def test_the_partnership_report_shows_when_it_was_made_in_utc_and_in_the_coalitions_zone(world: World) -> None:
    world.ok("PATCH", f"{world.path}/agreement", "ana", {"time_zone": BUCHAREST})
    response = signed_in(world, "ana").get(f"{world.path}/report.pdf?lang=en")
    assert response.status_code == 200
    flat = " ".join(text_of(response.data).split())
    assert re.search(r"\d\d:\d\d UTC \((?:[^()]*, )?\d\d:\d\d Europe/Bucharest\)", flat), flat
    assert f"Coalition's time zone {BUCHAREST}" in flat


def test_the_audit_history_heads_its_times_with_the_readers_zone(world: World) -> None:
    client = signed_in(world, "ana")
    assert "When (UTC)" in text(client.get(f"{world.path}/audit"))
    chosen(world, "ana", BUCHAREST)
    page = text(client.get(f"{world.path}/audit"))
    assert f"When ({BUCHAREST})" in page and re.search(r"<time datetime=\"[^\"]+\">\w{3} \d+, \d{4}, \d+:\d\d", page)
