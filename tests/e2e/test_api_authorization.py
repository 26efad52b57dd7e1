"""Who may do what: every mutating endpoint (and the guarded reads) against every kind of person.

For each action, everyone else is refused first on one world (401 anonymous, 403 otherwise, and
the log does not move), then each person allowed does it on a fresh world of their own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.conftest import CopyWorlds
from tests.e2e.world import AGREEMENT, Api, World, build_world

PERSONAS = {
    "anonymous": None,
    "other organisation's user": "olli",
    "member": "bo",
    "mandated user": "mo",
    "liaison": "lia",
    "facilitator": "ana",
}
ACTS_FOR_RIVER = {"member", "mandated user", "liaison"}
WORLDS = ("", *(f"-{number}" for number in range(len(PERSONAS) - 1)))  # one for the refusals, one per allowed person
Request = tuple[str, str, Any]


def _then(setup: Callable[[World], None], request: Callable[[World], Request]) -> Callable[[World], Request]:
    def prepared(w: World) -> Request:
        setup(w)
        return request(w)

    return prepared


def _wound_up(w: World) -> None:
    """The world's open task dropped and its pledged commitment withdrawn: nothing keeps the coalition open."""
    w.ok("POST", f"{w.path}/tasks/{w.task}/drop", "ana", {"reason": "Wrapping up"})
    w.ok("POST", f"{w.path}/commitments/{w.commitment}/withdraw", "bo", {"reason": "Wrapping up"})


def _liaison_role(w: World) -> str:
    return next(r["role_id"] for r in w.ok("GET", w.path, "ana")["roles"] if r["role"] == "liaison")


def _statement(w: World, *steps: str) -> str:
    """A statement of the world's coalition taken through `steps` (open, signed, amended): its path."""
    sid = w.ok("POST", f"{w.path}/statements", "ana", {"title": "Clean rivers", "body": "We ask.", "language": "en"})[
        "id"
    ]
    path = f"{w.path}/statements/{sid}"
    for step in steps:
        if step == "open":
            w.ok("POST", f"{path}/open", "ana", {})
        elif step == "signed":
            w.ok("POST", f"{path}/signatures", "mo", {"organisation_id": w.river})
        elif step == "amended":
            w.ok("POST", f"{path}/amend", "ana", {"title": "Clean rivers now"})
        elif step == "closed":
            w.ok("POST", f"{path}/close", "ana")
        elif step == "endorser":
            w.ok(
                "POST",
                f"{w.path}/roles",
                "ana",
                {"email": w.email("mo"), "organisation_id": w.river, "role": "endorser"},
            )
    return path


def _second_administrator(w: World) -> str:
    """A newcomer Bo made River Watch's second administrator (none of the personas): their id."""
    user_id = w.api.register(w.who("newcomer"), "Nia Newcomer")
    w.ok("POST", f"/organisations/{w.river}/administrators", "bo", {"email": w.email("newcomer")})
    return user_id


def _round(w: World) -> str:
    """An evaluation round of the world's coalition, opened by Ana with the default questions: its path."""
    opened = w.ok("POST", f"{w.path}/evaluations", "ana", {"title": "Spring review", "closes_on": "2099-12-31"})
    return f"{w.path}/evaluations/{opened['id']}"


RATED = [{"question_id": f"q{n}", "rating": 4, "comment": "Fine"} for n in range(1, 5)]
MANDATED_FOR_RIVER = {"mandated user", "liaison"}  # Bo administers River Watch but holds no signing mandate

CASES: dict[str, tuple[Callable[[World], Request], set[str]]] = {
    "create an organisation": (
        lambda w: (
            "POST",
            "/organisations",
            # each allowed person creates it in a world of their own, all in one database: names are unique
            {"name": f"New Org{w.tag}", "country": "HU", "sector": "private", "mission": "Anything"},
        ),
        set(PERSONAS) - {"anonymous"},
    ),
    "add an administrator": (
        lambda w: ("POST", f"/organisations/{w.river}/administrators", {"email": w.email("mo")}),
        {"member"},
    ),
    "remove an administrator": (
        lambda w: ("DELETE", f"/organisations/{w.river}/administrators/{_second_administrator(w)}", None),
        {"member"},
    ),
    "grant a mandate": (
        lambda w: ("POST", f"/organisations/{w.river}/mandates", {"email": w.email("olli"), "title": "Adviser"}),
        {"member"},
    ),
    "invite an address without an account to administer": (
        lambda w: ("POST", f"/organisations/{w.river}/administrators", {"email": f"new{w.tag}@example.org"}),
        {"member"},
    ),
    "list an organisation's pending invitations": (
        lambda w: ("GET", f"/organisations/{w.river}/invitations", None),
        {"member"},
    ),
    "cancel an organisation's invitation": (
        lambda w: (
            "DELETE",
            f"/organisations/{w.river}/invitations/"
            + w.ok("POST", f"/organisations/{w.river}/administrators", "bo", {"email": f"new{w.tag}@example.org"})[
                "invitation"
            ]["id"],
            None,
        ),
        {"member"},
    ),
    "invite an organisation by e-mail": (
        lambda w: ("POST", f"{w.path}/invitations", {"email": f"contact{w.tag}@example.org"}),
        {"facilitator"},
    ),
    "list a coalition's pending invitations": (
        lambda w: ("GET", f"{w.path}/invitations", None),
        {"facilitator"},
    ),
    "cancel a coalition's invitation": (
        lambda w: (
            "DELETE",
            f"{w.path}/invitations/"
            + w.ok("POST", f"{w.path}/invitations", "ana", {"email": f"contact{w.tag}@example.org"})["invitation"][
                "id"
            ],
            None,
        ),
        {"facilitator"},
    ),
    "revoke a mandate": (
        lambda w: ("DELETE", f"/organisations/{w.river}/mandates/{w.mandates['mo']}", None),
        {"member"},
    ),
    "found a coalition for River Watch": (
        lambda w: ("POST", "/coalitions", {**AGREEMENT, "organisation_id": w.river}),
        ACTS_FOR_RIVER,
    ),
    "amend the agreement": (
        lambda w: ("PATCH", f"{w.path}/agreement", {"purpose": "Even cleaner rivers"}),
        {"facilitator"},
    ),
    "ask Oak Institute in (request or invitation)": (
        lambda w: ("POST", f"{w.path}/members", {"organisation_id": w.oak}),
        {"other organisation's user", "facilitator"},
    ),
    "approve Oak Institute's request": (
        _then(
            lambda w: w.ok("POST", f"{w.path}/members", "olli", {"organisation_id": w.oak}),
            lambda w: ("POST", f"{w.path}/members/{w.oak}/approve", {}),
        ),
        {"facilitator"},
    ),
    "accept the invitation to Oak Institute": (
        _then(
            lambda w: w.ok("POST", f"{w.path}/members", "ana", {"organisation_id": w.oak}),
            lambda w: ("POST", f"{w.path}/members/{w.oak}/accept", {}),
        ),
        {"other organisation's user"},
    ),
    "suspend River Watch": (
        lambda w: ("POST", f"{w.path}/members/{w.river}/suspend", {"reason": "Missed 3 calls"}),
        {"facilitator"},
    ),
    "reinstate River Watch": (
        _then(
            lambda w: w.ok("POST", f"{w.path}/members/{w.river}/suspend", "ana", {"reason": "Missed 3 calls"}),
            lambda w: ("POST", f"{w.path}/members/{w.river}/reinstate", {"reason": "Back on track"}),
        ),
        {"facilitator"},
    ),
    "River Watch leaves": (
        lambda w: (
            "POST",
            f"{w.path}/members/{w.river}/leave",
            {
                "dispositions": [
                    {"item": w.commitment, "action": "withdraw", "reason": "We merge"},
                    {"item": w.task, "action": "drop", "reason": "No one else can"},
                ]
            },
        ),
        ACTS_FOR_RIVER,
    ),
    "close the coalition": (
        _then(
            _wound_up,
            lambda w: ("POST", f"{w.path}/close", {"reason": "Our work is done"}),
        ),
        {"facilitator"},
    ),
    "mark River Watch verified": (
        lambda w: ("POST", f"{w.path}/members/{w.river}/verification", None),
        {"facilitator"},
    ),
    "withdraw River Watch's verified mark": (
        _then(
            lambda w: w.ok("POST", f"{w.path}/members/{w.river}/verification", "ana"),
            lambda w: ("DELETE", f"{w.path}/members/{w.river}/verification", None),
        ),
        {"facilitator"},
    ),
    "assign a role": (
        lambda w: ("POST", f"{w.path}/roles", {"email": w.email("mo"), "organisation_id": w.river, "role": "endorser"}),
        {"facilitator"},
    ),
    "remove a role": (lambda w: ("DELETE", f"{w.path}/roles/{_liaison_role(w)}", None), {"facilitator"}),
    "pledge for River Watch": (
        lambda w: (
            "POST",
            f"{w.path}/commitments",
            {"organisation_id": w.river, "kind": "funding", "description": "Lab fees", "due_on": "2027-05-01"},
        ),
        ACTS_FOR_RIVER,
    ),
    "fulfil River Watch's commitment": (
        lambda w: (
            "POST",
            f"{w.path}/commitments/{w.commitment}/fulfil",
            {"note": "Officers hired, contracts on file"},
        ),
        ACTS_FOR_RIVER | {"facilitator"},
    ),
    "withdraw River Watch's commitment": (
        lambda w: ("POST", f"{w.path}/commitments/{w.commitment}/withdraw", {"reason": "Budget cut"}),
        ACTS_FOR_RIVER | {"facilitator"},
    ),
    "reschedule River Watch's commitment": (
        lambda w: (
            "POST",
            f"{w.path}/commitments/{w.commitment}/reschedule",
            {"due_on": "2027-06-30", "reason": "Late hiring"},
        ),
        ACTS_FOR_RIVER | {"facilitator"},
    ),
    "give River Watch a task": (
        lambda w: (
            "POST",
            f"{w.path}/tasks",
            {
                "title": "Draft the brief",
                "description": "Five pages",
                "organisation_id": w.river,
                "due_on": "2027-02-01",
            },
        ),
        {"facilitator", "liaison"},
    ),
    "accept River Watch's task": (lambda w: ("POST", f"{w.path}/tasks/{w.task}/accept", {}), ACTS_FOR_RIVER),
    "complete River Watch's task": (
        lambda w: ("POST", f"{w.path}/tasks/{w.task}/complete", {"note": "Done"}),
        ACTS_FOR_RIVER,
    ),
    "reassign River Watch's task": (
        lambda w: ("POST", f"{w.path}/tasks/{w.task}/reassign", {"organisation_id": w.green, "reason": "Capacity"}),
        {"facilitator"},
    ),
    "drop River Watch's task": (
        lambda w: ("POST", f"{w.path}/tasks/{w.task}/drop", {"reason": "No longer needed"}),
        {"facilitator"},
    ),
    "draft a statement": (
        lambda w: ("POST", f"{w.path}/statements", {"title": "T", "body": "B", "language": "en"}),
        {"facilitator"},
    ),
    "edit a draft": (lambda w: ("PATCH", _statement(w), {"title": "Clean rivers!"}), {"facilitator"}),
    "translate a draft": (
        lambda w: ("PUT", f"{_statement(w)}/translations/ro", {"title": "Râuri", "body": "Cerem."}),
        {"facilitator"},
    ),
    "open a statement": (lambda w: ("POST", f"{_statement(w)}/open", {}), {"facilitator"}),
    "amend a statement": (
        lambda w: ("POST", f"{_statement(w, 'open')}/amend", {"body": "We ask again."}),
        {"facilitator"},
    ),
    "close a statement": (lambda w: ("POST", f"{_statement(w, 'open')}/close", None), {"facilitator"}),
    "publish a statement": (
        lambda w: ("POST", f"{_statement(w, 'open', 'signed', 'closed')}/publish", None),
        {"facilitator"},
    ),
    "sign for River Watch": (
        lambda w: ("POST", f"{_statement(w, 'open')}/signatures", {"organisation_id": w.river}),
        MANDATED_FOR_RIVER,
    ),
    "confirm River Watch's signature": (
        lambda w: ("POST", f"{_statement(w, 'open', 'signed', 'amended')}/signatures/{w.river}/confirm", {}),
        MANDATED_FOR_RIVER,
    ),
    "withdraw River Watch's signature": (
        lambda w: (
            "POST",
            f"{_statement(w, 'open', 'signed')}/signatures/{w.river}/withdraw",
            {"reason": "Board said no"},
        ),
        MANDATED_FOR_RIVER,
    ),
    "endorse a statement": (
        lambda w: ("POST", f"{_statement(w, 'open', 'endorser')}/endorsements", {}),
        {"mandated user"},
    ),
    "read a statement": (lambda w: ("GET", _statement(w), None), ACTS_FOR_RIVER | {"facilitator"}),
    "read the audit history": (lambda w: ("GET", f"{w.path}/events", None), {"facilitator"}),
    "open an evaluation round": (
        lambda w: ("POST", f"{w.path}/evaluations", {"title": "Spring review", "closes_on": "2099-12-31"}),
        {"facilitator"},
    ),
    "answer an evaluation round for River Watch": (
        lambda w: ("POST", f"{_round(w)}/responses", {"organisation_id": w.river, "answers": RATED}),
        {"member", "liaison"},  # its administrator or its liaison, not any mandated person
    ),
    "close an evaluation round": (
        lambda w: ("POST", f"{_round(w)}/close", {"summary": "We are on track", "lessons": "Meet monthly"}),
        {"facilitator"},
    ),
    "read the evaluation rounds": (lambda w: ("GET", f"{w.path}/evaluations", None), ACTS_FOR_RIVER | {"facilitator"}),
    "read an evaluation round": (lambda w: ("GET", _round(w), None), ACTS_FOR_RIVER | {"facilitator"}),
    "read the standing": (lambda w: ("GET", f"{w.path}/standing", None), ACTS_FOR_RIVER | {"facilitator"}),
    "download the partnership report": (
        lambda w: ("GET", f"{w.path}/report.pdf", None),
        ACTS_FOR_RIVER | {"facilitator"},
    ),
    "list the published partnership reports": (
        lambda w: ("GET", f"{w.path}/reports", None),
        ACTS_FOR_RIVER | {"facilitator"},
    ),
    "publish the partnership report": (lambda w: ("POST", f"{w.path}/reports", {}), {"facilitator"}),
    "read the objectives' progress": (
        lambda w: ("GET", f"{w.path}/objectives", None),
        ACTS_FOR_RIVER | {"facilitator"},
    ),
    "record progress on an objective": (
        lambda w: ("POST", f"{w.path}/objectives/o1/progress", {"value": 12, "as_of": "2026-06-01"}),
        {"facilitator", "liaison"},
    ),
    "read the responsibilities": (
        lambda w: ("GET", f"{w.path}/responsibilities", None),
        ACTS_FOR_RIVER | {"facilitator"},
    ),
}


def test_the_table_covers_every_mutating_endpoint(api: Api, worlds: CopyWorlds) -> None:
    mutating = {
        (method, rule.rule)
        for rule in api.app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
        for method in rule.methods & {"POST", "PUT", "PATCH", "DELETE"}
    }
    assert {method for method, _ in mutating} == {"POST", "PUT", "PATCH", "DELETE"}  # every kind is looked at
    unguarded = {
        ("POST", "/api/v1/users"),
        ("POST", "/api/v1/tokens"),
        ("DELETE", "/api/v1/tokens/<token_id>"),
        # one's own account, sessions and closing: tests/e2e/test_sessions.py, test_close_account.py
        ("DELETE", "/api/v1/me/sessions"),
        ("DELETE", "/api/v1/me/sessions/<session_id>"),
        ("POST", "/api/v1/me/close"),
        ("POST", "/api/v1/verify"),  # open to anyone: it checks a PDF and records nothing
        # open to anyone by design (the link is the authority): tests/e2e/test_password_resets.py
        ("POST", "/api/v1/password-resets"),
        ("POST", "/api/v1/password-resets/<token>"),
        # the e-mailed link is the authority, or the person's own account: tests/e2e/test_email_verification.py
        # and tests/e2e/test_account_changes.py (each answers only its own person, 401 without a token)
        ("POST", "/api/v1/email-verifications/<token>"),
        ("POST", "/api/v1/me/email-verification"),
        ("POST", "/api/v1/me/password"),
        ("POST", "/api/v1/me/email"),
        ("PATCH", "/api/v1/me"),
        ("PUT", "/api/v1/me/notifications"),  # one's own choices: tests/e2e/test_notification_preferences.py
        # facilitators only, but kept outside the log (no head to see move): tests/e2e/test_webhooks_api.py
        ("POST", "/api/v1/coalitions/<coalition_id>/webhooks"),
        ("DELETE", "/api/v1/coalitions/<coalition_id>/webhooks/<webhook_id>"),
    }
    covered = set()
    for prepare, _ in CASES.values():
        method, path, _body = prepare(worlds()[""])  # a fresh copy of the world for each case
        adapter = api.app.url_map.bind("localhost")
        endpoint, _args = adapter.match(f"/api/v1{path}", method=method)
        covered |= {(method, rule.rule) for rule in api.app.url_map.iter_rules(endpoint)}
    assert mutating - unguarded <= covered


@pytest.mark.parametrize("action", list(CASES))
def test_exactly_the_allowed_people_may_act(worlds: CopyWorlds, action: str) -> None:
    prepare, allowed = CASES[action]
    copied = worlds(tags=WORLDS)  # recorded once per session, like build_world(api, tag) for each tag
    world = copied[""]
    api = world.api
    method, path, body = prepare(world)
    before = api.head()
    for persona in PERSONAS.keys() - allowed:
        person = PERSONAS[persona]
        response = api.call(method, path, person and world.who(person), body)
        expected = (401, "unauthorized") if persona == "anonymous" else (403, "forbidden")
        assert (response.status_code, response.json["error"]["code"]) == expected, (persona, response.json)
        assert api.head() == before, f"{persona} was refused, yet the log moved"
    for number, persona in enumerate(sorted(allowed)):
        world = copied[f"-{number}"]  # each allowed person acts on a world of their own
        method, path, body = prepare(world)
        before = api.head()
        response = api.call(method, path, world.who(str(PERSONAS[persona])), body)
        assert response.status_code < 300, (persona, response.get_data(as_text=True))
        assert (api.head() > before) == (method != "GET"), f"{persona}'s {method} should append exactly when it changes"


def test_a_role_empowers_only_while_its_holder_acts_for_an_active_member(api: Api) -> None:
    w = build_world(api)
    w.ok("POST", f"{w.path}/roles", "ana", {"email": w.email("lia"), "organisation_id": w.river, "role": "facilitator"})
    assert w.api.call("GET", f"{w.path}/events", w.who("lia")).status_code == 200

    w.ok("DELETE", f"/organisations/{w.river}/mandates/{w.mandates['lia']}", "bo")
    before = api.head()
    for method, path, body in (
        ("POST", f"{w.path}/members", {"organisation_id": w.oak}),
        ("POST", f"{w.path}/tasks/{w.task}/drop", {"reason": "x"}),
        ("GET", f"{w.path}/events", None),
        ("GET", f"{w.path}/standing", None),
    ):
        assert api.call(method, path, w.who("lia"), body).status_code == 403, (method, path)
    assert api.head() == before

    suspended = build_world(api, tag="-s")
    suspended.ok(
        "POST",
        f"{suspended.path}/roles",
        "ana",
        {"email": suspended.email("bo"), "organisation_id": suspended.river, "role": "facilitator"},
    )
    suspended.ok("POST", f"{suspended.path}/members/{suspended.river}/suspend", "ana", {"reason": "Quiet"})
    assert api.call("GET", f"{suspended.path}/events", suspended.who("bo")).status_code == 403
    assert (
        api.call("POST", f"{suspended.path}/members/{suspended.oak}/approve", suspended.who("bo"), {}).status_code
        == 403
    )
