"""What the audit pages read: the coalition's history and who acted in it, chain hashes, work as of a day."""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from coalition.accounts import names_of, shown_name, users
from coalition.reads.standing import Snapshot, responsibilities
from events import Registry
from events.schema import events as events_table
from projections.audit import Entry, Filters, coalition_log, count, history
from projections.coalitions import memberships
from projections.organisations import organisations as organisation_rows
from projections.sets import one_of
from projections.versioned import valid_at

#: The event types of a member's commitments and tasks.
WORK = (
    "CommitmentPledged",
    "CommitmentRescheduled",
    "CommitmentFulfilled",
    "CommitmentWithdrawn",
    "TaskCreated",
    "TaskAccepted",
    "TaskReassigned",
    "TaskCompleted",
    "TaskDropped",
)


def entries(
    connection: Connection,
    registry: Registry,
    coalition_id: str,
    filters: Filters | None = None,
    limit: int | None = None,
    after: int = 0,
    before: int | None = None,
    newest_first: bool = False,
) -> list[Entry]:
    """The coalition's history (replayed from the log), oldest first (or newest first), filtered, between positions
    `after` and `before` (both excluded)."""
    return history(connection, registry, coalition_id, filters or Filters(), limit, after, before, newest_first)


@dataclass(frozen=True, slots=True)
class Page:
    """One page of the history, newest first, and the cursors (log positions) of its neighbours."""

    entries: list[Entry]
    matching: int  # how many events match the filters in all
    newer: int | None  # pass as `after` for the next newer page; None: this page holds the newest
    older: int | None  # pass as `before` for the next older page; None: this page holds the oldest


def page(
    connection: Connection,
    registry: Registry,
    coalition_id: str,
    filters: Filters,
    size: int,
    before: int | None = None,
    after: int | None = None,
) -> Page:
    """The page of `size` matching events just before position `before` (or just after position `after`, or the
    newest), newest first. Keyset paging: the log is append-only, so a page stays the same as events arrive."""
    if after is not None:
        found = history(connection, registry, coalition_id, filters, size, after=after)[::-1]
    else:
        found = history(connection, registry, coalition_id, filters, size, before=before, newest_first=True)

    def beyond(**cursor: int) -> bool:
        return bool(history(connection, registry, coalition_id, filters, 1, newest_first=True, **cursor))

    if found:
        newer = found[0].position if beyond(after=found[0].position) else None
        older = found[-1].position if beyond(before=found[-1].position) else None
    else:  # nothing matches, or a cursor past either end (the page offers the way back to the newest)
        newer, older = None, None
    return Page(found, count(connection, coalition_id, filters), newer, older)


def work_entries(
    connection: Connection, registry: Registry, coalition_id: str, organisation_id: str, until: datetime | None = None
) -> list[Entry]:
    """The history of a member's commitments and tasks, and of what its people did to others' work (oldest first;
    only what was recorded before `until`, when given)."""
    return history(
        connection, registry, coalition_id, Filters(organisation_id=organisation_id, types=WORK, until=until)
    )


def actors(connection: Connection, coalition_id: str, ids: Iterable[str] | None = None) -> dict[str, str]:
    """Everyone who acted in the coalition's history (or those of `ids` who did), with the name people read, by
    id: one query (the people found among those who acted, not their ids sent back in a list of thousands)."""
    acted = select(coalition_log.c.actor_id).where(
        coalition_log.c.coalition_id == coalition_id, coalition_log.c.actor_id.is_not(None)
    )
    query = select(users.c.user_id, users.c.name).where(users.c.user_id.in_(acted))
    if ids is not None:
        query = query.where(one_of(connection, users.c.user_id, sorted(set(ids))))
    return {row.user_id: shown_name(row.name) for row in connection.execute(query)}


def organisations(connection: Connection, coalition_id: str, ids: Iterable[str] | None = None) -> dict[str, str]:
    """The coalition's organisations (a membership now, in any state), or those of `ids` that are, by id, with
    their names."""
    query = (
        select(memberships.c.organisation_id, organisation_rows.c.name)
        .join(organisation_rows, organisation_rows.c.organisation_id == memberships.c.organisation_id, isouter=True)
        .where(memberships.c.coalition_id == coalition_id, valid_at(memberships, None))
    )
    if ids is not None:
        query = query.where(one_of(connection, memberships.c.organisation_id, sorted(set(ids))))
    return {row.organisation_id: row.name or row.organisation_id for row in connection.execute(query)}


#: Letters that carry their mark in themselves, not as an accent to take away (Łódź = lodz).
_PLAIN = str.maketrans({"ł": "l", "đ": "d", "ø": "o", "æ": "ae", "œ": "oe", "ı": "i", "ð": "d", "þ": "th"})


@functools.lru_cache(maxsize=16384)  # a search folds every candidate's name; the next one finds them folded
def _folded(text: str) -> str:
    """`text` as a name search compares it: case, accents and repeated spaces ignored (Asociația = asociatia)."""
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold().translate(_PLAIN))
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def same_name(typed: str, name: str) -> bool:
    """Whether `typed` is `name`, as a name search compares them."""
    return _folded(typed) == _folded(name)


def named(text: str, names: Mapping[str, str]) -> list[str]:
    """The ids of `names` whose name is `text`, case and accents ignored; when none is, those whose name holds it;
    ordered by name."""
    wanted = _folded(text)
    if not wanted:
        return []
    folded = {key: _folded(name) for key, name in names.items()}
    found = [key for key, name in folded.items() if name == wanted] or [
        key for key, name in folded.items() if wanted in name
    ]
    return sorted(found, key=lambda key: (folded[key], key))


def hashes(connection: Connection, positions: Iterable[int]) -> dict[int, str]:
    """The chain hash of each event at these positions of the log (asked 500 at a time: a whole history's CSV
    stays under the databases' limits on query parameters)."""
    wanted, found = list(positions), {}
    for start in range(0, len(wanted), 500):
        query = select(events_table.c.position, events_table.c.hash).where(
            one_of(connection, events_table.c.position, wanted[start : start + 500])
        )
        found.update({row.position: row.hash for row in connection.execute(query)})
    return found


def work_by_organisation(engine: Engine, snap: Snapshot) -> list[dict[str, Any]]:
    """The shared responsibilities of `snap`, regrouped: each organisation with its commitments and tasks."""
    grid = responsibilities(snap)
    objectives = {o["objective_id"]: o["text"] for o in grid["objectives"]}
    commitments = [*(c for o in grid["objectives"] for c in o["commitments"]), *grid["unlinked"]["commitments"]]
    tasks = [*(t for o in grid["objectives"] for t in o["tasks"]), *grid["unlinked"]["tasks"]]
    served = {c["commitment_id"]: c.get("objective_id") for c in snap.commitments}
    tasked = {t["task_id"]: t["objective_id"] or served.get(t["commitment_id"] or "") for t in snap.tasks}
    goal = {c["commitment_id"]: objectives.get(served.get(c["commitment_id"]) or "") for c in commitments}
    people = names_of(engine, {t["assignee_user_id"] for t in tasks if t["assignee_user_id"]})
    organisations = {o["organisation_id"]: o["name"] for o in grid["organisations"]}
    for row in [*commitments, *tasks]:
        organisations.setdefault(row["organisation_id"], snap.names.get(row["organisation_id"], {}).get("name"))
    return [
        {
            "organisation_id": org,
            "name": name,
            "commitments": [
                {**c, "objective": goal[c["commitment_id"]], "due_on": date.fromisoformat(c["due_on"])}
                for c in commitments
                if c["organisation_id"] == org
            ],
            "tasks": [
                {
                    **t,
                    "objective": objectives.get(tasked.get(t["task_id"]) or ""),
                    "due_on": date.fromisoformat(t["due_on"]),
                    "assignee": people.get(t["assignee_user_id"] or ""),
                }
                for t in tasks
                if t["organisation_id"] == org
            ],
        }
        for org, name in sorted(organisations.items(), key=lambda i: str(i[1]).lower())
    ]
