"""Statements: opened, amended, deadlines coming, closed, published.

The deadline reminders go to the mandate holders of the active members that have not signed the current
version: `statement_deadline_3` on the day three days before the deadline's date (UTC), `statement_deadline_1`
on the day before. Each fires on that one day only, so a person hears of it once per statement and kind
however often the loop runs (a statement opened two days before its deadline gets only the one-day reminder).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

from sqlalchemy.engine import Connection

from coalition.notify.messages import Notice
from coalition.notify.reactor import reacts_to, recipients, reminder
from coalition.reads import due, people
from coalition.reads.amendments import amendment
from coalition.reads.statements import counted
from events import RecordedEvent
from projections.statement_rows import StatementView, view

#: Days left before the deadline (by date, UTC) on which each reminder kind goes out.
DEADLINE_REMINDERS = {3: "statement_deadline_3", 1: "statement_deadline_1"}


def _about(found: StatementView) -> dict[str, Any]:
    """What every statement message shows: its titles by language, its coalition, where to read it."""
    own = found.statement
    return {
        "title": own["title"],
        "titles": {language: text["title"] for language, text in found.texts().items()},
        "deadline": own["deadline"],
        "threshold": own["threshold"],
        "path": f"/coalitions/{own['coalition_id']}/statements/{own['statement_id']}",
    }


def _to_signers(
    connection: Connection,
    organisation_ids: Iterable[str],
    today: date,
    kind: str,
    found: StatementView,
    template: str | None = None,
    **more: Any,
) -> Iterator[Notice]:
    """One notice per person holding a valid mandate of any of these organisations (once each)."""
    context = {**_about(found), **more}
    seen: set[str] = set()
    for holders in people.signers(connection, organisation_ids, today).values():
        seen |= holders
    for user_id in sorted(seen):
        yield Notice(kind, user_id, template or kind, context, found.statement["statement_id"])


@reacts_to("StatementOpened")
def opened(connection: Connection, event: RecordedEvent, today: date) -> Iterator[Notice]:
    """Every mandate holder of every active member may now sign for their organisation."""
    found = view(connection, event.payload["statement_id"], event.position)
    if found is None:
        return
    members = people.active_members(connection, found.statement["coalition_id"])
    yield from _to_signers(connection, members, today, "statement_opened", found)


@reacts_to("StatementAmended")
def amended(connection: Connection, event: RecordedEvent, today: date) -> Iterator[Notice]:
    """The mandate holders of the members whose signature was on the version just replaced: confirm it."""
    found = view(connection, event.payload["statement_id"], event.position)
    if found is None:
        return
    members = people.to_reconfirm(connection, found, event.payload["previous_hash"])
    changes = _what_changed(
        connection, event.payload["statement_id"], event.payload["previous_hash"], event.payload["version_hash"]
    )
    yield from _to_signers(
        connection, members, today, "statement_amended", found, version=event.payload["version"], changes=changes
    )


#: How much of what changed an amendment's message quotes: passages, and characters of each side of one.
QUOTED_PASSAGES = 6
QUOTED_CHARACTERS = 400


def _shortened(text: str) -> str:
    return text if len(text) <= QUOTED_CHARACTERS else text[: QUOTED_CHARACTERS - 1].rstrip() + "…"


def _what_changed(connection: Connection, statement_id: str, older: str, newer: str) -> dict[str, Any]:
    """For the message: by language changed, the passages that changed as plain text before and after (the
    first `QUOTED_PASSAGES` of them, each side cut at `QUOTED_CHARACTERS`), and whether any was left out or cut."""
    found = amendment(connection, statement_id, older, newer)
    languages, quoted, left_out = [], 0, False
    for change in found["languages"] if found else []:
        if change.status == "unchanged":
            continue
        kept = change.passages[: max(QUOTED_PASSAGES - quoted, 0)]
        passages = [[_shortened(b), _shortened(a)] for b, a in kept]
        left_out = left_out or len(kept) < len(change.passages) or [*map(list, kept)] != passages
        quoted += len(passages)
        languages.append({"language": change.language, "status": change.status, "passages": passages})
    return {"languages": languages, "more": left_out}


@reminder
def deadlines(connection: Connection, today: date) -> Iterator[Notice]:
    """Three days and one day before an open statement's deadline: the members that have not signed yet."""
    for coming in due.statement_deadlines(connection, today):
        kind = DEADLINE_REMINDERS.get(coming.days_left)
        if kind is None:
            continue
        found = view(connection, coming.statement["statement_id"])
        if found is None:
            continue
        unsigned = people.not_signed(connection, found)
        yield from _to_signers(connection, unsigned, today, kind, found, "statement_deadline", days=coming.days_left)


@reacts_to("StatementClosed")
def closed(connection: Connection, event: RecordedEvent, today: date) -> Iterator[Notice]:
    """The people who signed (their signature counts) and the facilitators: signing is over."""
    found = view(connection, event.payload["statement_id"], event.position)
    if found is None:
        return
    signers = people.signed_by(connection, found, event.position)
    facilitators = people.facilitators(connection, found.statement["coalition_id"], today)
    context = {**_about(found), "signatures": len(counted(connection, found, event.position))}
    for user_id in sorted(signers | facilitators):
        yield Notice("statement_closed", user_id, "statement_closed", context, found.statement["statement_id"])


@reacts_to("StatementPublished")
def published(connection: Connection, event: RecordedEvent, today: date) -> Iterator[Notice]:
    """Every person whose signature is on the published statement, with its sealed PDF in their language
    (the statement's own language when it has no translation into theirs)."""
    found = view(connection, event.payload["statement_id"], event.position)
    if found is None:
        return
    statement_id = found.statement["statement_id"]
    languages = found.texts()
    signers = recipients(connection, people.signed_by(connection, found, event.position))
    context = {**_about(found), "path": f"/public/statements/{statement_id}", "signatures": event.payload["signatures"]}
    for user_id, person in sorted(signers.items()):
        language = person.locale if person.locale in languages else found.statement["language"]
        yield Notice(
            "statement_published",
            user_id,
            "statement_published",
            context,
            statement_id,
            attachment=f"statement-pdf:{statement_id}:{language}",
        )
