"""The statement API: a statement from draft to published, and every refusal along the way."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from events import ConcurrencyConflict
from tests.e2e.world import Api, World, error_of

STATEMENT = {
    "title": "Clean rivers now",
    "body": "We call on *governments* to act.\n\n- monitor\n- publish",
    "language": "en",
}
RO = {"title": "Râuri curate acum", "body": "Cerem *guvernelor* să acționeze."}


def draft(world: World, **overrides: Any) -> str:
    """A draft statement by Ana, the facilitator, with a Romanian translation: its path."""
    sid = world.ok("POST", f"{world.path}/statements", "ana", {**STATEMENT, **overrides})["id"]
    path = f"{world.path}/statements/{sid}"
    world.ok("PUT", f"{path}/translations/ro", "ana", RO)
    return path


def opened(world: World, **options: Any) -> str:
    """A draft, opened for signature."""
    path = draft(world)
    world.ok("POST", f"{path}/open", "ana", options)
    return path


def statement(world: World, path: str, person: str = "ana", query: str = "") -> dict[str, Any]:
    return dict(world.ok("GET", path + query, person))


def signatures(world: World, path: str, query: str = "") -> dict[str, str]:
    return {s["organisation_id"]: s["status"] for s in statement(world, path, query=query)["signatures"]}


# -- the whole way through ------------------------------------------------------------------------


def test_a_statement_goes_from_draft_to_published(world: World) -> None:
    path = draft(world)
    world.ok("PATCH", path, "ana", {"body": "We call on all *governments* to act."})
    world.ok("POST", f"{path}/open", "ana", {"threshold": 1})
    first = statement(world, path)["version_hash"]
    world.ok("POST", f"{path}/signatures", "mo", {"organisation_id": world.river})
    world.ok(
        "POST", f"{path}/amend", "ana", {"translations": {"ro": {"title": "Râuri curate, acum", "body": RO["body"]}}}
    )
    assert signatures(world, path) == {world.river: "needs_reconfirmation"}
    world.ok("POST", f"{path}/signatures/{world.river}/confirm", "lia", {})
    world.ok("POST", f"{path}/close", "ana")
    world.ok("POST", f"{path}/publish", "ana")

    body = statement(world, path)
    assert body["state"] == "published"
    assert body["version_number"] == 2 and body["version_hash"] != first
    assert body["summary"] == {"organisations": 1, "countries": 1}
    assert body["signatures"][0]["signer_name"] == "Lia Kowal"
    assert body["signatures"][0]["signer_title"] == "Programme Lead"
    assert [t["language"] for t in body["translations"]] == ["ro"]


def test_drafting_answers_with_the_id_and_the_statement_reads_back(world: World) -> None:
    answer = world.ok("POST", f"{world.path}/statements", "ana", STATEMENT)
    body = statement(world, f"{world.path}/statements/{answer['id']}")

    assert answer["version"] == 1
    assert (body["state"], body["title"], body["language"], body["version_hash"]) == (
        "draft",
        "Clean rivers now",
        "en",
        None,
    )
    listed = world.ok("GET", f"{world.path}/statements", "lia")["statements"]
    assert [s["id"] for s in listed] == [answer["id"]]


def test_opening_records_the_hash_deadline_and_threshold(world: World) -> None:
    deadline = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)
    path = opened(world, deadline=deadline.isoformat(), threshold=2)
    body = statement(world, path)

    assert body["state"] == "open" and len(body["version_hash"]) == 64
    assert datetime.fromisoformat(body["deadline"]) == deadline
    assert (body["threshold"], body["threshold_met"]) == (2, False)


# -- signatures -----------------------------------------------------------------------------------


def test_signing_again_records_nothing_and_answers_the_same(world: World, api: Api) -> None:
    path = opened(world)
    first = world.ok("POST", f"{path}/signatures", "mo", {"organisation_id": world.river, "title": "Director"})
    head = api.head()
    again = world.ok("POST", f"{path}/signatures", "mo", {"organisation_id": world.river})

    assert api.head() == head
    assert again["version"] == first["version"]
    assert statement(world, path)["signatures"][0]["signer_title"] == "Director"


def test_only_mandated_users_of_active_members_sign(world: World) -> None:
    path = opened(world)
    error_of(
        world.api.call("POST", f"{path}/signatures", world.who("bo"), {"organisation_id": world.river}),
        403,
        "forbidden",
    )  # Bo administers River Watch but holds no mandate
    error_of(
        world.api.call("POST", f"{path}/signatures", world.who("olli"), {"organisation_id": world.oak}),
        403,
        "forbidden",
    )
    world.ok("POST", f"/organisations/{world.oak}/mandates", "olli", {"email": world.email("olli"), "title": "Dean"})
    message = error_of(
        world.api.call("POST", f"{path}/signatures", world.who("olli"), {"organisation_id": world.oak}), 409, "conflict"
    )["message"]
    assert "not a member" in message
    error_of(
        world.api.call("POST", f"{path}/signatures", world.who("mo"), {"organisation_id": "nope"}), 404, "not_found"
    )


def test_a_withdrawn_signature_is_gone_now_and_still_there_as_of_before(world: World, api: Api) -> None:
    path = opened(world)
    world.ok("POST", f"{path}/signatures", "mo", {"organisation_id": world.river})
    signed_at = api.head()
    world.ok("POST", f"{path}/signatures/{world.river}/withdraw", "mo", {"reason": "Our board disagreed"})

    now = statement(world, path)["signatures"][0]
    assert (now["status"], now["reason"]) == ("withdrawn", "Our board disagreed")
    assert statement(world, path)["summary"]["organisations"] == 0
    assert signatures(world, path, f"?as_of={signed_at}") == {world.river: "signed"}


def test_withdrawing_needs_a_reason_and_a_signature(world: World) -> None:
    path = opened(world)
    error_of(
        world.api.call("POST", f"{path}/signatures/{world.river}/withdraw", world.who("mo"), {"reason": ""}),
        422,
        "invalid",
    )
    error_of(
        world.api.call(
            "POST", f"{path}/signatures/{world.river}/withdraw", world.who("mo"), {"reason": "changed our mind"}
        ),
        404,
        "not_found",
    )


def test_the_diff_shows_what_an_amendment_changed(world: World) -> None:
    path = opened(world)
    first = statement(world, path)["version_hash"]
    world.ok("POST", f"{path}/amend", "ana", {"body": "We call on *governments* to act today."})
    changed = world.ok("GET", f"{path}/diff?from={first}", "mo")

    assert "-We call on *governments* to act." in changed["languages"]["en"]
    assert "+We call on *governments* to act today." in changed["languages"]["en"]
    assert changed["languages"]["ro"] == ""
    words = changed["words"]["en"]
    assert words["status"] == "changed" and [s["op"] for s in words["title"]] == ["equal"]
    assert {"op": "insert", "text": " today"} in words["body"]
    assert "".join(s["text"] for s in words["body"] if s["op"] != "delete") == "We call on *governments* to act today."
    assert "".join(s["text"] for s in words["body"] if s["op"] != "insert").startswith(
        "We call on *governments* to act."
    )
    assert changed["words"]["ro"]["status"] == "unchanged"
    assert {s["op"] for s in changed["words"]["ro"]["body"]} == {"equal"}
    error_of(world.api.call("GET", f"{path}/diff?from={'0' * 64}", world.who("mo")), 404, "not_found")
    error_of(world.api.call("GET", f"{path}/diff", world.who("mo")), 422, "invalid")


def test_endorsers_endorse_and_others_are_refused(world: World) -> None:
    path = opened(world)
    world.ok(
        "POST",
        f"{world.path}/roles",
        "ana",
        {"email": world.email("mo"), "organisation_id": world.river, "role": "endorser"},
    )
    world.ok("POST", f"{path}/endorsements", "mo", {"title": "Hydrologist"})
    error_of(world.api.call("POST", f"{path}/endorsements", world.who("lia"), {}), 403, "forbidden")

    endorsement = statement(world, path)["endorsements"][0]
    assert (endorsement["name"], endorsement["title"], endorsement["status"]) == (
        "Mo Zielinski",
        "Hydrologist",
        "endorsed",
    )


# -- refusals -------------------------------------------------------------------------------------


def test_publishing_needs_a_closed_statement_that_met_its_threshold(world: World) -> None:
    path = opened(world, threshold=2)
    world.ok("POST", f"{path}/signatures", "mo", {"organisation_id": world.river})
    assert (
        "close it first"
        in error_of(world.api.call("POST", f"{path}/publish", world.who("ana")), 409, "conflict")["message"]
    )
    world.ok("POST", f"{path}/close", "ana")
    assert (
        "needs 2 signing organisations"
        in error_of(world.api.call("POST", f"{path}/publish", world.who("ana")), 409, "conflict")["message"]
    )


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("PATCH", "", {"title": "Mine"}),
        ("PUT", "/translations/pl", {"title": "T", "body": "B"}),
        ("POST", "/open", {}),
        ("POST", "/close", None),
    ],
)
def test_members_without_the_facilitator_role_cannot_run_a_statement(
    world: World, method: str, suffix: str, body: Any
) -> None:
    path = draft(world)
    error_of(world.api.call(method, path + suffix, world.who("lia"), body), 403, "forbidden")


def test_bad_statement_input_says_what_to_fix(world: World, api: Api) -> None:
    head = api.head()
    fields = error_of(
        world.api.call(
            "POST", f"{world.path}/statements", world.who("ana"), {"title": "", "body": "x", "language": "xx"}
        ),
        422,
        "invalid",
    )["fields"]
    assert set(fields) == {"title", "language"}
    path = draft(world)
    error_of(world.api.call("PUT", f"{path}/translations/zz", world.who("ana"), RO), 422, "invalid")
    error_of(world.api.call("POST", f"{path}/open", world.who("ana"), {"deadline": "tomorrow"}), 422, "invalid")
    error_of(
        world.api.call("POST", f"{path}/open", world.who("ana"), {"deadline": "2020-01-01T00:00:00Z"}), 409, "conflict"
    )
    error_of(world.api.call("POST", f"{path}/amend", world.who("ana"), {}), 422, "invalid")
    assert api.head() == head + 2  # the draft and its translation, nothing else


def test_outsiders_cannot_read_statements_and_unknown_ones_are_404(world: World) -> None:
    path = draft(world)
    error_of(world.api.call("GET", path, world.who("olli")), 403, "forbidden")
    error_of(world.api.call("GET", f"{world.path}/statements/nope", world.who("ana")), 404, "not_found")
    error_of(world.api.call("GET", path), 401, "unauthorized")


def test_if_match_on_a_statement_refuses_a_stale_edit(world: World) -> None:
    path = draft(world)
    etag = world.api.call("GET", path, world.who("ana")).headers["ETag"]
    world.ok("PATCH", path, "ana", {"title": "Clean rivers, now"})
    stale = world.api.call("PATCH", path, world.who("ana"), {"title": "Other"}, headers={"If-Match": etag})

    error_of(stale, 409, "conflict")


def test_a_members_user_drafts_and_edits_when_the_agreement_allows_it(world: World) -> None:
    error_of(
        world.api.call(
            "POST", f"{world.path}/statements", world.who("mo"), {**STATEMENT, "organisation_id": world.river}
        ),
        403,
        "forbidden",
    )
    world.ok("PATCH", f"{world.path}/agreement", "ana", {"members_may_draft": True})
    sid = world.ok("POST", f"{world.path}/statements", "mo", {**STATEMENT, "organisation_id": world.river})["id"]
    path = f"{world.path}/statements/{sid}"
    world.ok("PATCH", path, "mo", {"title": "Clean rivers, now"})
    world.ok("PUT", f"{path}/translations/ro", "mo", RO)

    error_of(world.api.call("PATCH", path, world.who("lia"), {"title": "Not mine"}), 403, "forbidden")
    error_of(world.api.call("POST", f"{path}/open", world.who("mo"), {}), 403, "forbidden")
    assert statement(world, path)["title"] == "Clean rivers, now"


def test_the_deadline_closes_the_statement_on_reads_now_and_as_of_later(world: World, api: Api) -> None:
    from tests.e2e.conftest import services

    opened_at = datetime.now(UTC)
    path = opened(world, deadline=(opened_at + timedelta(hours=1)).isoformat())
    position = api.head()
    store = services(api.app).store
    store.clock = lambda: opened_at + timedelta(hours=2)
    later = (opened_at + timedelta(hours=1, minutes=30)).strftime("%Y-%m-%dT%H:%M:%SZ")

    assert statement(world, path)["state"] == "closed"
    assert statement(world, path, query=f"?as_of={position}")["state"] == "open"
    assert statement(world, path, query=f"?as_of={later}")["state"] == "closed"
    refused = world.api.call("POST", f"{path}/signatures", world.who("mo"), {"organisation_id": world.river})
    assert "closed at its deadline" in error_of(refused, 409, "conflict")["message"]


def test_the_audit_history_lists_statement_events_and_filters_by_their_type(world: World) -> None:
    path = opened(world)
    world.ok("POST", f"{path}/signatures", "mo", {"organisation_id": world.river})
    signed = world.ok("GET", f"{world.path}/events?type=StatementSigned", "ana")["events"]

    assert [e["type"] for e in signed] == ["StatementSigned"]
    assert signed[0]["summary"] == "Mo Zielinski, Executive Director, signed “Clean rivers now” for River Watch"
    assert signed[0]["subject_organisation_id"] == world.river


# -- signatures racing each other -----------------------------------------------------------------


def conflicting(api: Api, monkeypatch: pytest.MonkeyPatch, times: int) -> list[str]:
    """Make the next `times` appends fail as if another command had appended to the stream first."""
    services = api.app.extensions["coalition"]
    real, raised = services.append, []

    def append(new_events: Any, **kwargs: Any) -> Any:
        if len(raised) < times:
            raised.append(new_events[0].stream_id)
            raise ConcurrencyConflict(new_events[0].stream_id, 1, 2)
        return real(new_events, **kwargs)

    monkeypatch.setattr(services, "append", append)
    return raised


def test_a_signature_that_met_a_conflict_is_decided_again_and_recorded_once(
    world: World, api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = opened(world)
    raised = conflicting(api, monkeypatch, 1)
    head = api.head()

    world.ok("POST", f"{path}/signatures", "mo", {"organisation_id": world.river, "title": "Director"})

    assert len(raised) == 1
    assert api.head() == head + 1
    assert signatures(world, path) == {world.river: "signed"}


def test_a_signature_that_meets_a_conflict_twice_is_a_409_and_records_nothing(
    world: World, api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = opened(world)
    raised = conflicting(api, monkeypatch, 2)
    head = api.head()

    response = api.call("POST", f"{path}/signatures", "mo", {"organisation_id": world.river})

    assert "reload and try again" in error_of(response, 409, "conflict")["message"]
    assert len(raised) == 2
    assert api.head() == head
    assert signatures(world, path) == {}


@pytest.mark.parametrize("action", ["sign", "withdraw"])
def test_a_retried_signature_request_gets_the_whole_first_answer_again(world: World, api: Api, action: str) -> None:
    path = opened(world)
    if action == "sign":
        url, body = f"{path}/signatures", {"organisation_id": world.river, "title": "Director"}
    else:
        world.ok("POST", f"{path}/signatures", "mo", {"organisation_id": world.river})
        url, body = f"{path}/signatures/{world.river}/withdraw", {"reason": "the board said no"}
    headers = {"Idempotency-Key": f"{action}-once"}

    first = api.call("POST", url, "mo", body, headers)
    head = api.head()
    again = api.call("POST", url, "mo", body, headers)

    assert first.status_code == again.status_code and first.status_code < 300, first.get_data(as_text=True)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json == first.json and first.json["organisation_id"] == world.river
    assert api.head() == head


def test_a_signature_whose_twin_was_recorded_while_it_read_answers_as_the_twin(
    world: World, api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = opened(world)
    url, body = f"{path}/signatures", {"organisation_id": world.river, "title": "Director"}
    headers = {"Idempotency-Key": "sign-river"}
    states = api.app.extensions["coalition"].states
    real, real_peek, twin = states.load, states.peek, []

    def the_twin_signs(stream_id: str) -> None:
        if stream_id.startswith("statement-") and not twin:  # the twin signs before this request reads
            twin.append(None)
            twin[0] = api.call("POST", url, "mo", body, headers)

    def load(store: Any, stream_id: str, *args: Any) -> Any:
        the_twin_signs(stream_id)
        return real(store, stream_id, *args)

    def peek(stream_id: str, *args: Any) -> Any:  # the cached state, taken unread, is this request's read
        the_twin_signs(stream_id)
        return real_peek(stream_id, *args)

    monkeypatch.setattr(states, "load", load)
    monkeypatch.setattr(states, "peek", peek)
    first = api.call("POST", url, "mo", body, headers)

    assert twin[0].status_code == 201 and "Idempotent-Replayed" not in twin[0].headers
    assert first.status_code == 201 and first.headers["Idempotent-Replayed"] == "true"
    assert first.json == twin[0].json
    assert signatures(world, path) == {world.river: "signed"}
