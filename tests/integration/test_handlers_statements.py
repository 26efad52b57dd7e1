"""The statement handlers on a real store, without HTTP: draft, revise, translate, open, sign, close, publish.

Signing goes the way a page or the API sends it: the handler reads the organisation to find the
signer's mandate, the coalition to find who is a member, and appends relying on both.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete

from coalition.accounts import users
from coalition.domain import statement as st
from coalition.domain.base import NotAllowed, NotFound, RuleBroken
from coalition.handlers import coalitions as coalition_handlers
from coalition.handlers import organisations as organisation_handlers
from coalition.handlers import statements as handlers
from tests.integration.desk import TODAY, Desk, Ids, desk, founded

__all__ = ["desk"]  # the fixture
NOW = datetime(TODAY.year, TODAY.month, TODAY.day, 12, tzinfo=UTC)


def drafted(desk: Desk, ids: Ids) -> str:
    """A statement Ana drafts in English: its id."""
    return str(
        handlers.draft(desk.as_("ana"), ids.coalition, title=" Clean rivers ", body="We ask.", language="en")["id"]
    )


def opened(desk: Desk, ids: Ids, threshold: int | None = 1) -> str:
    """A statement drafted and opened for signature: its id."""
    sid = drafted(desk, ids)
    handlers.open_for_signature(desk.as_("ana"), ids.coalition, sid, threshold=threshold)
    return sid


def statement(desk: Desk, sid: str) -> st.Statement:
    state, _ = desk.as_("ana").load(st.stream(sid), st.evolve)
    assert state is not None
    return state


def test_a_draft_is_revised_and_translated_and_keeps_every_text(desk: Desk) -> None:
    ids = founded(desk)
    sid = drafted(desk, ids)

    handlers.revise(desk.as_("ana"), ids.coalition, sid, body=" We ask, again. ")
    handlers.translate(desk.as_("ana"), ids.coalition, sid, "ro", title="Râuri curate", body="Cerem.")

    state = statement(desk, sid)
    assert (state.state, state.texts["en"].title, state.texts["en"].body) == ("draft", "Clean rivers", "We ask, again.")
    assert state.texts["ro"].title == "Râuri curate"
    assert desk.types()[-3:] == ["StatementDrafted", "DraftRevised", "TranslationSet"]


def test_a_member_without_a_role_may_not_draft_unless_the_agreement_allows(desk: Desk) -> None:
    ids = founded(desk)
    body = {"title": "Ours", "body": "We ask.", "language": "en", "organisation_id": ids.river}

    desk.refused(NotAllowed, lambda: handlers.draft(desk.as_("mo"), ids.coalition, **body))
    coalition_handlers.amend_agreement(desk.as_("ana"), ids.coalition, {"members_may_draft": True})
    assert handlers.draft(desk.as_("mo"), ids.coalition, **body)["id"]


def test_only_a_facilitator_opens_and_the_open_text_is_frozen(desk: Desk) -> None:
    ids = founded(desk)
    sid = drafted(desk, ids)

    desk.refused(NotAllowed, lambda: handlers.open_for_signature(desk.as_("lia"), ids.coalition, sid))
    handlers.open_for_signature(desk.as_("ana"), ids.coalition, sid, threshold=1)

    assert statement(desk, sid).state == "open" and statement(desk, sid).version_hash
    desk.refused(RuleBroken, lambda: handlers.revise(desk.as_("ana"), ids.coalition, sid, body="Changed"))


def test_a_mandated_person_signs_for_their_organisation_once(desk: Desk) -> None:
    ids = founded(desk)
    sid = opened(desk, ids)

    signed = handlers.sign(desk.as_("mo", now=NOW), ids.coalition, sid, organisation_id=ids.river)
    again = handlers.sign(desk.as_("mo", now=NOW), ids.coalition, sid, organisation_id=ids.river)

    [event] = [e for e in desk.services.store.read_all() if e.type == "StatementSigned"]
    assert signed["organisation_id"] == ids.river and again["version"] == signed["version"]
    assert statement(desk, sid).signatures[ids.river].user_id == desk.users["mo"]
    assert event.payload["signer_title"] == "Officer"  # the mandate's title, since Mo gave none
    assert desk.types().count("StatementSigned") == 1


def test_a_signer_is_printed_under_the_account_name_authentication_read_or_else_the_accounts_row(
    desk: Desk,
) -> None:
    ids = founded(desk)
    first, second = opened(desk, ids), opened(desk, ids)
    registered = desk.services.store.read_stream(f"user-{desk.users['mo']}")[0].payload["name"]

    handlers.sign(desk.as_("mo", now=NOW), ids.coalition, first, organisation_id=ids.river)  # a script: no name
    handlers.sign(desk.as_("mo", now=NOW, name="Mo, as read"), ids.coalition, second, organisation_id=ids.river)

    signatures = [e.payload["signer_name"] for e in desk.services.store.read_all() if e.type == "StatementSigned"]
    assert registered and signatures == [registered, "Mo, as read"]  # the accounts row is the log's UserRegistered


def test_a_person_without_an_accounts_row_signs_under_the_name_their_stream_records(desk: Desk) -> None:
    ids = founded(desk)
    sid = opened(desk, ids)
    registered = desk.services.store.read_stream(f"user-{desk.users['mo']}")[0].payload["name"]
    with desk.services.engine.begin() as connection:  # as after an import of the log without the accounts
        connection.execute(delete(users).where(users.c.user_id == desk.users["mo"]))

    handlers.sign(desk.as_("mo", now=NOW, verified=True), ids.coalition, sid, organisation_id=ids.river)

    [event] = [e for e in desk.services.store.read_all() if e.type == "StatementSigned"]
    assert registered and event.payload["signer_name"] == registered


def test_signing_without_a_mandate_or_for_a_non_member_is_refused(desk: Desk) -> None:
    ids = founded(desk)
    sid = opened(desk, ids)
    organisation_handlers.grant_mandate(desk.as_("olli"), ids.oak, email=desk.email("olli"), title="Dean")

    desk.refused(NotAllowed, lambda: handlers.sign(desk.as_("olli"), ids.coalition, sid, organisation_id=ids.river))
    error = desk.refused(
        RuleBroken, lambda: handlers.sign(desk.as_("olli"), ids.coalition, sid, organisation_id=ids.oak)
    )
    assert "only active members may sign" in str(error)
    desk.refused(NotFound, lambda: handlers.sign(desk.as_("mo"), ids.coalition, sid, organisation_id="nope"))


def test_an_amendment_asks_for_reconfirmation_and_a_withdrawal_keeps_the_reason(desk: Desk) -> None:
    ids = founded(desk)
    sid = opened(desk, ids)
    handlers.sign(desk.as_("mo"), ids.coalition, sid, organisation_id=ids.river)

    handlers.amend(desk.as_("ana"), ids.coalition, sid, body="We ask, amended.")
    handlers.confirm(desk.as_("lia"), ids.coalition, sid, ids.river)
    handlers.withdraw(desk.as_("lia"), ids.coalition, sid, ids.river, reason=" Board said no ")

    assert desk.types()[-3:] == ["StatementAmended", "SignatureConfirmed", "SignatureWithdrawn"]


def test_signing_after_the_deadline_is_refused(desk: Desk) -> None:
    ids = founded(desk)
    sid = drafted(desk, ids)
    handlers.open_for_signature(desk.as_("ana", now=NOW), ids.coalition, sid, deadline=NOW + timedelta(hours=1))

    late = desk.as_("mo", now=NOW + timedelta(hours=2))
    error = desk.refused(RuleBroken, lambda: handlers.sign(late, ids.coalition, sid, organisation_id=ids.river))
    assert "deadline" in str(error)


def test_publishing_needs_a_closed_statement_that_met_its_threshold(desk: Desk) -> None:
    ids = founded(desk)
    short = opened(desk, ids, threshold=2)
    met = opened(desk, ids, threshold=1)
    handlers.sign(desk.as_("mo"), ids.coalition, met, organisation_id=ids.river)

    desk.refused(RuleBroken, lambda: handlers.publish(desk.as_("ana"), ids.coalition, met))  # still open
    desk.refused(NotAllowed, lambda: handlers.close(desk.as_("bo"), ids.coalition, met))
    for sid in (short, met):
        handlers.close(desk.as_("ana"), ids.coalition, sid)
    desk.refused(RuleBroken, lambda: handlers.publish(desk.as_("ana"), ids.coalition, short))
    handlers.publish(desk.as_("ana"), ids.coalition, met)

    assert (statement(desk, short).state, statement(desk, met).state) == ("closed", "published")


def test_a_statement_of_an_unknown_coalition_is_not_found(desk: Desk) -> None:
    founded(desk)

    desk.refused(NotFound, lambda: handlers.draft(desk.as_("ana"), "nope", title="x", body="y", language="en"))
