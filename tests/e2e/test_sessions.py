"""Server-side sessions: signing out ends the session record, so a copied cookie gets the sign-in page; my sessions
listed and ended on a page and through the API; idle sessions end; a reset or a new generation ends them all."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask.testing import FlaskClient
from flask_login.utils import encode_cookie
from sqlalchemy import select, update

from coalition.accounts import users
from coalition.accounts.sessions import end_sessions, ip_prefix, user_sessions
from tests.e2e.conftest import services
from tests.e2e.pages import csrf, signed_in, submit, text
from tests.e2e.world import PASSWORD, World, error_of

PAGE = "/account/sessions"
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def copy_of(world: World, client: FlaskClient) -> FlaskClient:
    """Another browser holding a copy of `client`'s session cookie (as someone who copied it would)."""
    cookie = client.get_cookie("session")
    assert cookie is not None
    thief = world.api.app.test_client()
    thief.set_cookie("session", cookie.value)
    return thief


def signed_in_now(client: FlaskClient) -> bool:
    """Whether the browser is signed in: a page for signed-in people answers instead of sending it to sign in."""
    response = client.get(PAGE)
    if response.status_code == 302:
        assert "/login" in response.headers["Location"]
        return False
    assert response.status_code == 200
    return True


def rows(world: World, person: str) -> list[dict]:
    with services(world.api.app).engine.connect() as connection:
        query = select(user_sessions).where(user_sessions.c.user_id == world.users[person])
        return [dict(r) for r in connection.execute(query.order_by(user_sessions.c.created_at)).mappings()]


def at(world: World, moment: datetime) -> None:
    services(world.api.app).store.clock = lambda: moment


def test_a_copied_cookie_gets_the_sign_in_page_after_sign_out(world: World) -> None:
    browser = signed_in(world, "bo")
    thief = copy_of(world, browser)
    assert signed_in_now(thief)  # the copy works while the session does

    assert submit(browser, "/", "/logout", {}).status_code == 302

    response = thief.get("/account/tokens")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert "Sign in" in text(thief.get(response.headers["Location"]))
    assert "Signed in as" not in text(thief.get("/"))
    assert rows(world, "bo")[-1]["ended_at"] is not None


def test_each_sign_in_is_a_session_record_with_the_browser_and_network_but_no_secret(world: World) -> None:
    client = world.api.app.test_client()
    client.environ_base.update({"REMOTE_ADDR": "198.51.100.77", "HTTP_USER_AGENT": FIREFOX})
    client.post("/login", data={"csrf_token": csrf(client, "/login"), "email": world.email("mo"), "password": PASSWORD})
    [row] = rows(world, "mo")
    cookie = client.get_cookie("session")

    assert (row["user_agent"], row["ip_prefix"], row["ended_at"]) == ("Firefox 128 · Linux", "198.51.100.0/24", None)
    assert row["created_at"] == row["last_seen_at"] and len(row["secret_hash"]) == 64
    assert cookie is not None and row["secret_hash"] not in cookie.value and row["session_id"] not in cookie.value
    page = text(client.get(PAGE))
    assert "Firefox 128 · Linux" in page and "198.51.100.0/24" in page and "this browser" in page


def test_the_network_is_kept_as_a_prefix_never_the_address() -> None:
    assert ip_prefix("203.0.113.9") == "203.0.113.0/24"
    assert ip_prefix("2001:db8:abcd:12:1:2:3:4") == "2001:db8:abcd::/48"
    assert ip_prefix("::ffff:192.0.2.44") == "192.0.2.0/24"
    assert ip_prefix(None) == ip_prefix("not an address") == ""


def test_ending_another_session_signs_that_browser_out_and_keeps_mine(world: World) -> None:
    laptop, phone = signed_in(world, "lia"), signed_in(world, "lia")
    phone_id = rows(world, "lia")[-1]["session_id"]

    response = submit(laptop, PAGE, f"{PAGE}/{phone_id}/end", {})

    assert response.status_code == 302 and "The session ended" in text(laptop.get(PAGE))
    assert not signed_in_now(phone) and signed_in_now(laptop)
    again = submit(laptop, PAGE, f"{PAGE}/{phone_id}/end", {})
    assert again.status_code == 404 and "no such session of yours" in text(again)


def test_nobody_ends_another_persons_session(world: World) -> None:
    theirs = signed_in(world, "mo")
    mine = signed_in(world, "bo")
    their_id = rows(world, "mo")[-1]["session_id"]

    assert submit(mine, PAGE, f"{PAGE}/{their_id}/end", {}).status_code == 404
    assert signed_in_now(theirs)
    assert mine.post(f"{PAGE}/{their_id}/end").status_code == 400  # no CSRF token: refused before anything


def test_ending_my_own_session_from_the_list_signs_me_out(world: World) -> None:
    client = signed_in(world, "bo")
    mine = rows(world, "bo")[-1]["session_id"]

    response = submit(client, PAGE, f"{PAGE}/{mine}/end", {})

    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert not signed_in_now(client)


def test_end_every_other_session(world: World) -> None:
    first, second, here = signed_in(world, "ana"), signed_in(world, "ana"), signed_in(world, "ana")

    response = submit(here, PAGE, f"{PAGE}/end-others", {})

    assert response.status_code == 302
    assert "Every other session ended (2)" in text(here.get(PAGE))
    assert [signed_in_now(c) for c in (first, second, here)] == [False, False, True]


def test_end_sessions_keeps_the_one_named_for_other_lanes_password_change(world: World) -> None:
    keep, other = signed_in(world, "olli"), signed_in(world, "olli")
    kept = rows(world, "olli")[0]["session_id"]

    assert end_sessions(services(world.api.app).engine, world.users["olli"], keep=kept) == 1
    assert signed_in_now(keep) and not signed_in_now(other)
    assert end_sessions(services(world.api.app).engine, world.users["olli"]) == 1
    assert not signed_in_now(keep)


def test_end_sessions_joins_the_transaction_it_is_given(world: World) -> None:
    client = signed_in(world, "mo")
    engine = services(world.api.app).engine

    with pytest.raises(RuntimeError), engine.begin() as connection:
        assert end_sessions(connection, world.users["mo"]) == 1
        raise RuntimeError("the password change failed: nothing of it is kept")

    assert signed_in_now(client)


def test_an_idle_session_ends_after_the_configured_days_and_use_keeps_it_going(world: World) -> None:
    start = datetime(2026, 12, 1, 9, tzinfo=UTC)
    at(world, start)
    client = signed_in(world, "mo")
    at(world, start + timedelta(days=29))
    assert signed_in_now(client)  # seen again: the idle clock starts over
    at(world, start + timedelta(days=29 + 29))
    assert signed_in_now(client)
    at(world, start + timedelta(days=29 + 29 + 31))
    assert not signed_in_now(client)


def test_the_idle_limit_is_configurable(world: World) -> None:
    world.api.app.config["SESSION_IDLE_DAYS"] = 1
    start = datetime(2026, 12, 1, 9, tzinfo=UTC)
    at(world, start)
    client = signed_in(world, "mo")
    at(world, start + timedelta(hours=25))
    assert not signed_in_now(client)


def test_last_seen_is_written_at_most_once_a_minute(world: World) -> None:
    start = datetime(2026, 12, 1, 9, tzinfo=UTC)
    at(world, start)
    client = signed_in(world, "mo")
    at(world, start + timedelta(seconds=50))
    client.get(PAGE)
    assert rows(world, "mo")[-1]["last_seen_at"].startswith("2026-12-01T09:00:00")
    at(world, start + timedelta(seconds=61))
    client.get(PAGE)
    assert rows(world, "mo")[-1]["last_seen_at"].startswith("2026-12-01T09:01:01")


def test_a_new_session_generation_ends_every_session_made_before(world: World) -> None:
    client = signed_in(world, "lia")
    with services(world.api.app).engine.begin() as connection:
        connection.execute(
            update(users).where(users.c.user_id == world.users["lia"]).values(session_epoch=users.c.session_epoch + 1)
        )

    assert not signed_in_now(client)
    assert signed_in_now(signed_in(world, "lia"))  # a session begun afterwards is of the new generation


def test_a_remember_cookie_works_only_while_its_session_does(world: World) -> None:
    browser = signed_in(world, "bo")
    with browser.session_transaction() as kept:
        kept_id = kept["_user_id"]
    submit(browser, "/", "/logout", {})
    with world.api.app.app_context():
        remember = encode_cookie(kept_id)
    forged = world.api.app.test_client()
    forged.set_cookie("remember_token", remember)

    assert not signed_in_now(forged)


def test_a_cookie_from_before_session_records_signs_nobody_in(world: World) -> None:
    client = world.api.app.test_client()
    with client.session_transaction() as kept:
        kept["_user_id"] = f"{world.users['bo']}:0"  # the id the session carried before session records
        kept["_fresh"] = True

    assert not signed_in_now(client)


def test_signing_in_again_after_sign_out_starts_a_new_session(world: World) -> None:
    client = signed_in(world, "bo")
    submit(client, "/", "/logout", {})
    assert not signed_in_now(client)

    again = signed_in(world, "bo")

    assert signed_in_now(again) and len(rows(world, "bo")) == 2


def test_the_page_is_in_romanian(world: World) -> None:
    client = signed_in(world, "bo")
    client.post("/language", data={"csrf_token": csrf(client, "/"), "locale": "ro", "next": "/"})
    page = text(client.get(PAGE))

    assert "<h1>Sesiunile mele</h1>" in page and "Încheie toate celelalte sesiuni" not in page  # only one session
    assert "acest browser" in page


# -- the API ----------------------------------------------------------------------------------------


def test_the_api_lists_my_browser_sessions_and_ends_them(world: World) -> None:
    laptop, phone = signed_in(world, "ana"), signed_in(world, "ana")
    listed = world.ok("GET", "/me/sessions", "ana")["sessions"]
    ids = [s["session_id"] for s in rows(world, "ana")]

    assert sorted(s["id"] for s in listed) == sorted(ids)
    assert set(listed[0]) == {"id", "created_at", "last_seen_at", "user_agent", "ip_prefix"}
    assert world.api.call("DELETE", f"/me/sessions/{ids[0]}", world.who("ana")).status_code == 204
    assert not signed_in_now(laptop) and signed_in_now(phone)
    error_of(world.api.call("DELETE", f"/me/sessions/{ids[0]}", world.who("ana")), 404, "not_found")
    assert world.ok("DELETE", "/me/sessions", "ana") == {"ended": 1}
    assert not signed_in_now(phone) and world.ok("GET", "/me/sessions", "ana") == {"sessions": []}


def test_the_api_ends_nobody_elses_session(world: World) -> None:
    theirs = signed_in(world, "mo")
    their_id = rows(world, "mo")[-1]["session_id"]

    error_of(world.api.call("DELETE", f"/me/sessions/{their_id}", world.who("bo")), 404, "not_found")
    assert signed_in_now(theirs) and world.ok("GET", "/me/sessions", "bo") == {"sessions": []}
    error_of(world.api.call("GET", "/me/sessions"), 401, "unauthorized")
