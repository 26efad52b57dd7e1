"""Each person's choices of what reaches them: the API and the page round-trip them, the reactor follows them,
and a mail's one-click unsubscribe (RFC 8058) works without signing in, while a GET of its link changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from markupsafe import escape
from sqlalchemy import select

from coalition import accounts
from coalition.domain import zones
from coalition.notify.compose import unsubscribe_token
from coalition.notify.digest import DEFAULT_HOUR
from coalition.notify.kinds import KINDS
from coalition.notify.tables import outbox
from coalition.notify.worker import Notifier
from tests.e2e.conftest import services
from tests.e2e.notices import only_new_events
from tests.e2e.pages import signed_in, submit, text
from tests.e2e.test_api_statements import opened
from tests.e2e.world import World, error_of
from tests.mail import SmtpServer

ONE_CLICK = "List-Unsubscribe=One-Click"


@pytest.fixture(autouse=True)
def news_only(world: World) -> None:
    """The reactor starts past the world's own events: these tests count the messages of what they do."""
    only_new_events(world)


def chosen(world: World, person: str = "lia") -> dict[str, Any]:
    return dict(world.ok("GET", "/me/notifications", person))


def choose(world: World, body: dict[str, Any], person: str = "lia") -> Any:
    return world.api.call("PUT", "/me/notifications", world.who(person), body)


def deliver(world: World, smtp: SmtpServer, at: datetime | None = None) -> None:
    world.api.app.config["MAIL_URL"] = smtp.url
    Notifier(world.api.app, (lambda: at) if at else None).turn()


def statuses(world: World) -> dict[str, str]:
    """Each outbox row's status, by recipient e-mail and kind."""
    with services(world.api.app).engine.connect() as connection:
        rows = connection.execute(select(outbox.c.email, outbox.c.kind, outbox.c.status))
        return {f"{r.email} {r.kind}": r.status for r in rows}


def token(world: World, kind: str = "statement_opened", person: str = "lia") -> str:
    return unsubscribe_token(str(world.api.app.config["SECRET_KEY"]), world.users[person], kind)


# -- the API ------------------------------------------------------------------------------------------


def test_every_kind_is_listed_immediate_by_default_with_the_default_digest_hour(world: World) -> None:
    assert chosen(world) == {"kinds": dict.fromkeys(KINDS, "immediate"), "digest_hour": DEFAULT_HOUR}


def test_choices_round_trip_and_kinds_left_out_keep_theirs(world: World) -> None:
    answer = choose(world, {"kinds": {"statement_opened": "daily"}, "digest_hour": 18})

    assert answer.status_code == 200 and answer.json["kinds"]["statement_opened"] == "daily"
    assert chosen(world) == {
        "kinds": {**dict.fromkeys(KINDS, "immediate"), "statement_opened": "daily"},
        "digest_hour": 18,
    }
    assert choose(world, {"digest_hour": 6}).json["kinds"]["statement_opened"] == "daily"
    assert choose(world, {"kinds": {"statement_opened": "immediate"}}).json["digest_hour"] == 6
    assert chosen(world, "mo")["kinds"]["statement_opened"] == "immediate"  # one person's choice only


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kinds": {"bogus_kind": "off"}}, "kinds"),
        ({"kinds": {"statement_opened": "sometimes"}}, "kinds"),
        ({"kinds": {"password_reset": "off"}}, "kinds"),  # always sent: not a choice
        ({"kinds": {"statement_opened\r\n": "off"}}, "kinds"),
        ({"digest_hour": 24}, "digest_hour"),
        ({"digest_hour": -1}, "digest_hour"),
        ({"digest_hour": "7"}, "digest_hour"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_unknown_kinds_modes_and_hours_are_a_422_naming_them_and_change_nothing(
    world: World, body: dict[str, Any], field: str
) -> None:
    fields = error_of(choose(world, {**body}), 422, "invalid")["fields"]

    assert field in fields
    if "kinds" in body:
        assert next(iter(body["kinds"])) in fields["kinds"]  # the kind that is wrong, or whose mode is
    assert chosen(world) == {"kinds": dict.fromkeys(KINDS, "immediate"), "digest_hour": DEFAULT_HOUR}


def test_the_choices_need_a_token(world: World) -> None:
    error_of(world.api.call("GET", "/me/notifications"), 401, "unauthorized")
    error_of(world.api.call("PUT", "/me/notifications", body={"digest_hour": 3}), 401, "unauthorized")


# -- what the reactor sends ---------------------------------------------------------------------------


def test_a_kind_turned_off_is_not_sent(world: World, smtp: SmtpServer) -> None:
    choose(world, {"kinds": {"statement_opened": "off"}})
    opened(world)
    deliver(world, smtp)

    assert smtp.to(world.email("lia")) == [] and len(smtp.to(world.email("mo"))) == 1


def test_a_daily_kind_comes_in_the_digest_at_the_persons_hour(world: World, smtp: SmtpServer) -> None:
    choose(world, {"kinds": {"statement_opened": "daily"}, "digest_hour": 0})
    opened(world)
    deliver(world, smtp)  # held: today's midnight has passed, the next digest is tomorrow's
    assert smtp.to(world.email("lia")) == []
    tomorrow = datetime.combine(datetime.now(UTC).date() + timedelta(days=1), time(0, 5), UTC)
    deliver(world, smtp, at=tomorrow)

    [digest] = smtp.to(world.email("lia"))
    assert digest["Subject"] == "Coalition: 1 update today"
    assert "/unsubscribe/" in str(digest["List-Unsubscribe"])
    assert smtp.to(world.email("mo"))[0]["Subject"].startswith("Sign for your organisation")


def test_the_digest_hour_is_on_the_persons_clock(world: World, smtp: SmtpServer) -> None:
    """Lia lives in Bucharest (UTC+2 in winter): her 07:00 digest goes out at 05:00 UTC, not at 07:00 UTC."""
    accounts.set_time_zone(services(world.api.app).engine, world.users["lia"], "Europe/Bucharest")
    choose(world, {"kinds": {"statement_opened": "daily"}, "digest_hour": 7})
    opened(world)
    day = datetime.now(UTC).date() + timedelta(days=1)
    while zones.utc_to_local(datetime.combine(day, time(12), UTC), "Europe/Bucharest").utcoffset() != timedelta(
        hours=2
    ):
        day += timedelta(days=30)  # a winter day, whatever the date the suite runs on
    deliver(world, smtp, at=datetime.combine(day, time(4, 55), UTC))  # 06:55 in Bucharest: held
    assert smtp.to(world.email("lia")) == []
    deliver(world, smtp, at=datetime.combine(day, time(5, 5), UTC))  # 07:05 there
    assert [m["Subject"] for m in smtp.to(world.email("lia"))] == ["Coalition: 1 update today"]
    deliver(world, smtp, at=datetime.combine(day, time(7, 5), UTC))  # 07:05 UTC: nothing more that day
    assert len(smtp.to(world.email("lia"))) == 1


# -- the page -----------------------------------------------------------------------------------------


def test_the_page_shows_every_kind_and_saves_the_choices(world: World) -> None:
    client = signed_in(world, "lia")
    page = text(client.get("/account/notifications"))
    assert 'href="/account/notifications"' in text(client.get("/"))  # in the account menu
    for description in KINDS.values():
        assert str(escape(str(description))) in page  # as Jinja escapes it
    fields = {f"kind_{kind}": "immediate" for kind in KINDS}

    saved = submit(
        client,
        "/account/notifications",
        "/account/notifications",
        {**fields, "kind_statement_opened": "off", "digest_hour": "21"},
    )
    assert saved.status_code == 302
    assert "Your choices are saved." in text(client.get("/account/notifications"))
    assert chosen(world) == {
        "kinds": {**dict.fromkeys(KINDS, "immediate"), "statement_opened": "off"},
        "digest_hour": 21,
    }
    assert '<option selected value="off">' in text(client.get("/account/notifications"))


def test_the_page_refuses_a_mode_or_hour_it_does_not_offer_and_changes_nothing(world: World) -> None:
    client = signed_in(world, "lia")
    fields = {f"kind_{kind}": "immediate" for kind in KINDS}
    refused = submit(
        client,
        "/account/notifications",
        "/account/notifications",
        {**fields, "kind_statement_opened": "sometimes", "digest_hour": "25"},
    )

    assert refused.status_code == 400 and "Not a valid choice" in text(refused)
    assert chosen(world) == {"kinds": dict.fromkeys(KINDS, "immediate"), "digest_hour": DEFAULT_HOUR}


def test_the_page_describes_the_kinds_in_romanian(world: World) -> None:
    client = signed_in(world, "lia")
    page = text(client.get("/account/notifications", headers={"Accept-Language": "ro"}))

    assert (
        "Notificări" in page and "O declarație se deschide pentru semnături" in page and "În rezumatul zilnic" in page
    )


def test_the_page_needs_a_sign_in(world: World) -> None:
    assert world.api.app.test_client().get("/account/notifications").status_code == 302


# -- one-click unsubscribe ----------------------------------------------------------------------------


def unsubscribe_link(mail: EmailMessage) -> str:
    header = str(mail["List-Unsubscribe"]).strip()
    assert header.startswith("<http://127.0.0.1:5000/unsubscribe/") and mail["List-Unsubscribe-Post"] == ONE_CLICK
    return header.strip("<>").removeprefix("http://127.0.0.1:5000")


def test_the_one_click_post_of_a_mails_link_turns_the_kind_off_without_a_session(
    world: World, smtp: SmtpServer
) -> None:
    opened(world)
    deliver(world, smtp)
    link = unsubscribe_link(smtp.to(world.email("lia"))[0])

    answer = world.api.app.test_client().post(link, data=ONE_CLICK, content_type="application/x-www-form-urlencoded")
    assert answer.status_code == 200 and "You are unsubscribed" in text(answer)
    assert chosen(world)["kinds"]["statement_opened"] == "off"
    assert chosen(world, "mo")["kinds"]["statement_opened"] == "immediate"
    opened(world)
    deliver(world, smtp)
    assert len(smtp.to(world.email("lia"))) == 1 and len(smtp.to(world.email("mo"))) == 2


def test_a_get_of_the_link_only_shows_the_button(world: World) -> None:
    page = world.api.app.test_client().get(f"/unsubscribe/{token(world)}")

    assert page.status_code == 200
    assert 'name="List-Unsubscribe" value="One-Click"' in text(page) and "A statement opens for signatures" in text(
        page
    )
    assert 'href="/account/notifications"' in text(page)
    assert chosen(world)["kinds"]["statement_opened"] == "immediate"


@pytest.mark.parametrize(
    ("link", "data"),
    [
        ("/unsubscribe/forged-token", ONE_CLICK),
        ("/unsubscribe/{lia}", ""),  # not the RFC 8058 body
        ("/unsubscribe/{lia}", "List-Unsubscribe=Yes"),
        ("/unsubscribe/{other}", ONE_CLICK),  # a kind nobody can turn off
    ],
)
def test_a_bad_token_or_body_is_a_400_and_changes_nothing(world: World, link: str, data: str) -> None:
    path = link.format(lia=token(world), other=token(world, "password_reset"))
    client = world.api.app.test_client()
    answer = client.post(path, data=data, content_type="application/x-www-form-urlencoded")

    assert answer.status_code == 400
    assert chosen(world)["kinds"]["statement_opened"] == "immediate"
    if "forged" in link:
        assert client.get(path).status_code == 400 and "This link does not work" in text(client.get(path))


def test_unsubscribing_from_the_digest_turns_off_every_daily_kind_and_drops_what_it_held(
    world: World, smtp: SmtpServer
) -> None:
    choose(world, {"kinds": {"statement_opened": "daily"}, "digest_hour": 23})
    early = datetime.now(UTC).replace(hour=1)
    opened(world)
    deliver(world, smtp, early)
    assert statuses(world)[f"{world.email('lia')} statement_opened"] == "held"

    answer = world.api.app.test_client().post(
        f"/unsubscribe/{token(world, 'digest')}", data=ONE_CLICK, content_type="application/x-www-form-urlencoded"
    )
    assert answer.status_code == 200 and "The daily digest" in text(answer)
    assert chosen(world)["kinds"]["statement_opened"] == "off"
    assert statuses(world)[f"{world.email('lia')} statement_opened"] == "dropped"
    deliver(world, smtp, early.replace(hour=23))
    assert smtp.to(world.email("lia")) == []


def test_unsubscribing_from_the_digest_leaves_immediate_kinds_alone(world: World) -> None:
    answer = world.api.app.test_client().post(
        f"/unsubscribe/{token(world, 'digest')}", data=ONE_CLICK, content_type="application/x-www-form-urlencoded"
    )

    assert answer.status_code == 200
    assert chosen(world)["kinds"] == dict.fromkeys(KINDS, "immediate")
