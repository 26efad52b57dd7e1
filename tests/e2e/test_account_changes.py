"""Changing one's password (the current one required, the rule applied, every other session ended) and one's
e-mail address (a link to the new address, a notice to the old, nothing changed until the link is opened)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from coalition.notify.tables import outbox
from tests.e2e.conftest import services
from tests.e2e.pages import csrf, signed_in
from tests.e2e.test_email_verification import confirm, events, link_for
from tests.e2e.world import PASSWORD, World, error_of

NEW = "tangerine glacier oboe"


def change_password(world: World, person: str, current: str, new: str) -> Any:
    return world.api.call("POST", "/me/password", world.who(person), {"current_password": current, "password": new})


def token_works(world: World, person: str, password: str) -> bool:
    answer = world.api.call("POST", "/tokens", body={"email": world.email(person), "password": password})
    return answer.status_code == 201


def keys(world: World) -> list[tuple[str, str, str]]:
    with services(world.api.app).engine.connect() as connection:
        rows = connection.execute(sa.select(outbox.c.key, outbox.c.email, outbox.c.subject)).all()
    return [tuple(r) for r in rows]


def test_the_password_changes_with_the_current_one_and_every_browser_session_ends(world: World) -> None:
    browser = signed_in(world, "lia")
    assert browser.get("/account").status_code == 200

    answer = change_password(world, "lia", PASSWORD, NEW)

    assert answer.status_code == 204
    assert token_works(world, "lia", NEW) and not token_works(world, "lia", PASSWORD)
    assert browser.get("/account").status_code == 302  # the session from before ends: sent to sign in
    assert world.api.call("GET", "/me", world.who("lia")).status_code == 200  # API tokens stay
    [changed] = events(world.api, "PasswordChanged")
    assert changed.payload == {"user_id": world.users["lia"]} and NEW not in str(changed)


def test_a_wrong_current_password_or_a_weak_new_one_changes_nothing(world: World) -> None:
    head = world.api.head()

    wrong = error_of(change_password(world, "lia", "not my password", NEW), 403, "forbidden")
    weak = error_of(change_password(world, "lia", PASSWORD, "aaaaaaaaaa"), 422, "invalid")
    mine = error_of(change_password(world, "lia", PASSWORD, "lia@example.org"), 422, "invalid")
    long = error_of(change_password(world, "lia", PASSWORD, "x" * 1025), 422, "invalid")

    assert wrong["message"] == "the current password is wrong: nothing was changed"
    assert weak["fields"]["password"][0].startswith("This password is too easy to guess. Repeats like")
    assert "Do not build your password from your name or e-mail address." in mine["fields"]["password"][0]
    assert long["fields"]["password"] == ["use at least 10 and at most 1024 characters"]
    assert world.api.head() == head and token_works(world, "lia", PASSWORD)


def test_the_page_changes_the_password_keeps_this_session_and_ends_the_others(world: World) -> None:
    here, elsewhere = signed_in(world, "lia"), signed_in(world, "lia")
    form = {"csrf_token": csrf(here, "/account"), "password-current": PASSWORD, "password-again": NEW}

    weak = here.post(
        "/account/password", data={**form, "password-password": "qwertyuiop", "password-again": "qwertyuiop"}
    )
    wrong = here.post("/account/password", data={**form, "password-current": "nope nope", "password-password": NEW})
    done = here.post("/account/password", data={**form, "password-password": NEW}, follow_redirects=True)

    assert weak.status_code == 400 and "This is a top-100 common password." in weak.get_data(as_text=True)
    assert wrong.status_code == 403 and "That is not your current password." in wrong.get_data(as_text=True)
    assert done.status_code == 200 and "Every other session signed in as you has ended." in done.get_data(as_text=True)
    assert here.get("/account").status_code == 200 and elsewhere.get("/account").status_code == 302
    assert len(events(world.api, "PasswordChanged")) == 1


def test_the_password_rule_is_shown_in_romanian(world: World) -> None:
    here = signed_in(world, "lia")
    here.post("/language", data={"csrf_token": csrf(here, "/"), "locale": "ro", "next": "/"})
    form = {"csrf_token": csrf(here, "/account"), "password-current": PASSWORD}

    weak = here.post(
        "/account/password", data={**form, "password-password": "aaaaaaaaaa", "password-again": "aaaaaaaaaa"}
    )

    said = weak.get_data(as_text=True)
    assert (
        "Această parolă este prea ușor de ghicit." in said and "Repetițiile precum „aaa” sunt ușor de ghicit." in said
    )


def test_the_address_changes_only_when_the_link_to_the_new_one_is_opened(world: World) -> None:
    w = world
    before = set(keys(w))

    asked = w.api.call("POST", "/me/email", w.who("lia"), {"current_password": PASSWORD, "email": " Lia@Kowal.PL "})

    assert asked.status_code == 202
    sent = {(k.split(":")[0], e, s) for k, e, s in set(keys(w)) - before}
    assert sent == {
        ("email-change", "lia@kowal.pl", "Coalition: confirm your new e-mail address"),
        ("email-changing", "lia@example.org", "Coalition: a change of your e-mail address was asked for"),
    }
    assert w.api.call("GET", "/me", w.who("lia")).json["email"] == "lia@example.org"
    assert confirm(w.api, link_for(w.api, "lia@kowal.pl", "email-change:")).json == {
        "email": "lia@kowal.pl",
        "changed": True,
    }
    me = w.api.call("GET", "/me", w.who("lia")).json
    assert (me["email"], me["email_verified"]) == ("lia@kowal.pl", True)
    assert events(w.api, "EmailVerified")[-1].payload == {"user_id": w.users["lia"], "domain": "kowal.pl"}
    signs_in = w.api.call("POST", "/tokens", body={"email": "lia@kowal.pl", "password": PASSWORD})
    assert signs_in.status_code == 201 and not token_works(w, "lia", PASSWORD)


def test_an_address_another_account_holds_is_answered_the_same_and_its_owner_told(world: World) -> None:
    w = world
    before, head = set(keys(w)), w.api.head()

    asked = w.api.call("POST", "/me/email", w.who("lia"), {"current_password": PASSWORD, "email": w.email("mo")})

    assert asked.status_code == 202 and w.api.head() == head
    sent = {(k.split(":")[0], e) for k, e, _ in set(keys(w)) - before}
    assert sent == {("email-taken", w.email("mo")), ("email-changing", w.email("lia"))}
    with services(w.api.app).engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM email_links WHERE purpose = 'change'")).scalar() == 0


def test_an_address_change_needs_the_password_and_a_new_valid_address(world: World) -> None:
    w = world
    before = set(keys(w))

    wrong = w.api.call("POST", "/me/email", w.who("lia"), {"current_password": "nope nope", "email": "x@y.org"})
    same = w.api.call("POST", "/me/email", w.who("lia"), {"current_password": PASSWORD, "email": w.email("lia")})
    bad = w.api.call("POST", "/me/email", w.who("lia"), {"current_password": PASSWORD, "email": "not an address"})

    assert error_of(wrong, 403, "forbidden")["message"] == "the current password is wrong: nothing was changed"
    assert error_of(same, 409, "conflict")["message"] == "lia@example.org is already your e-mail address"
    assert set(error_of(bad, 422, "invalid")["fields"]) == {"email"}
    assert set(keys(w)) == before


def test_a_change_link_fails_if_another_account_took_the_address_meanwhile(world: World) -> None:
    w = world
    w.api.call("POST", "/me/email", w.who("lia"), {"current_password": PASSWORD, "email": "nia@example.org"})
    token = link_for(w.api, "nia@example.org", "email-change:")
    w.api.register("nia", "Nia Newcomer", verify=False)
    head = w.api.head()

    taken = error_of(confirm(w.api, token), 409, "conflict")

    assert taken["message"] == "another account uses nia@example.org now: nothing was changed"
    assert w.api.head() == head and w.api.call("GET", "/me", w.who("lia")).json["email"] == "lia@example.org"


def test_the_page_asks_for_a_new_address(world: World) -> None:
    here = signed_in(world, "lia")
    form = {"csrf_token": csrf(here, "/account"), "email-current": PASSWORD, "email-email": "lia@kowal.pl"}

    wrong = here.post("/account/email", data={**form, "email-current": "nope nope"})
    done = here.post("/account/email", data=form, follow_redirects=True)

    assert wrong.status_code == 403
    page = done.get_data(as_text=True)
    assert (
        "A link is on its way to lia@kowal.pl" in page
        and "Waiting for you to open the link sent to lia@kowal.pl" in page
    )
