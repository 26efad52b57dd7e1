"""What waits for a person: statements to sign or re-confirm, tasks to accept, requests to join to answer and
commitments due soon, across every coalition. The domain's rules (`coalition.domain.policy`) asked of projection
rows, in at most five small queries (the page header counts the items once per request).

Each kind and the rule that puts an item in the inbox:
- `signature`: an open statement the person may sign for an organisation they hold a valid mandate of (an active
  member) that has no signature on it (`policy.may_sign`, and not `policy.signed_current`), as the statement page
  offers it (`powers.signing_powers`);
- `reconfirmation`: the same organisation signed an earlier version, and may confirm it (`policy.may_confirm`);
- `task`: a task of an organisation the person acts for, which they may accept (`policy.may_change_task`);
- `join_request`: a request to join a coalition the person facilitates (`policy.is_facilitator`);
- `commitment`: a commitment of an organisation the person administers or is the liaison of (`policy.is_liaison`),
  open and due within `policy.DUE_SOON_DAYS` days or overdue (`policy.due_soon`);
- `evaluation`: an open evaluation round, before its closing date, that an organisation the person administers or is
  the liaison of has not answered yet (`policy.evaluations.responder_refusal`).

Once a coalition has ended, its requests to join, commitments and evaluation rounds wait for no one (its
statements and tasks cannot be open: it closes only without them).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import and_, literal, select, union_all
from sqlalchemy.engine import Connection

from coalition.domain import policy
from coalition.domain.coalition_state import Actor, Member, Role
from coalition.domain.policy.evaluations import responder_refusal
from coalition.reads.access import Held, held_by
from coalition.reads.ending import ended_coalitions
from coalition.reads.powers import signing_powers
from coalition.reads.statements import deadline_of
from projections.coalitions import commitments, memberships, roles, tasks
from projections.evaluations import evaluation_responses, evaluations
from projections.organisations import organisations
from projections.statements import signatures, statements

KINDS = ("signature", "reconfirmation", "task", "join_request", "commitment", "evaluation")


@dataclass(frozen=True, slots=True)
class InboxItem:
    """One thing waiting for the person: its kind, where, what (a statement, task, organisation or commitment id),
    its title (a statement's or task's title, the asking organisation's name, a commitment's description) and when
    it is due (None: no date)."""

    kind: str
    coalition_id: str
    subject_id: str
    title: str
    due: date | None


@dataclass(frozen=True, slots=True)
class _Seen:
    """A coalition as the rules need it here: the person's organisations' membership states and the person's roles
    (a role empowers only for an organisation they act for, so other members' states change no answer)."""

    members: dict[str, Member] = field(default_factory=dict)
    roles: dict[str, Role] = field(default_factory=dict)


def inbox(
    connection: Connection, user_id: str, today: date, now: datetime | None = None, held: Held | None = None
) -> list[InboxItem]:
    """What waits for the user on `today` (`now`: the moment deadlines are compared with; None: noon of `today`),
    by due date (undated last), then title. `held`: what the user holds on `today`, if the caller read it already."""
    held = held if held is not None else held_by(connection, user_id, today)
    if not held.acts_for:
        return []
    me = Actor(user_id, held.acts_for)
    seen, requested = _coalitions(connection, me)
    readable = {c for c, coalition in seen.items() if policy.may_read_coalition(coalition, me)}
    items = {
        *_join_requests(seen, me, requested),
        *_signatures(connection, seen, held, now or datetime.combine(today, time(12), UTC)),
        *_work(connection, {c: seen[c] for c in readable}, me, held, today),
    }
    return sorted(items, key=lambda i: (i.due is None, i.due or date.min, i.title, i.kind, i.subject_id))


def _coalitions(connection: Connection, me: Actor) -> tuple[dict[str, _Seen], dict[str, list[tuple[str, str]]]]:
    """The coalitions the person's organisations are in (with the person's roles there), and the pending requests
    to join (organisation id and name) of those where the person holds a facilitator role: two queries."""
    held_roles: dict[str, dict[str, Role]] = defaultdict(dict)
    r = roles.c
    for held in connection.execute(
        select(r.coalition_id, r.role_id, r.role, r.user_id, r.organisation_id).where(
            r.user_id == me.user_id, r.until_position.is_(None)
        )
    ):
        held_roles[held.coalition_id][held.role_id] = Role(held.role_id, held.role, held.user_id, held.organisation_id)
    facilitating = sorted(c for c, mine in held_roles.items() if any(x.role == "facilitator" for x in mine.values()))
    m = memberships.c
    found = select(m.coalition_id, m.organisation_id, m.state, organisations.c.name).outerjoin(
        organisations, organisations.c.organisation_id == m.organisation_id
    )
    yours = sorted(me.acts_for)
    # The person's organisations' memberships, and the requests to join the coalitions they facilitate: two
    # branches, each found by its own index (one OR of both is a walk of every current membership on PostgreSQL).
    query: Any = found.where(m.until_position.is_(None), m.organisation_id.in_(yours))
    if facilitating:
        asking = found.where(
            m.until_position.is_(None),
            m.state == "requested",
            m.coalition_id.in_(facilitating),
            m.coalition_id.not_in(ended_coalitions()),  # an ended coalition takes no one
            m.organisation_id.not_in(yours),  # the first branch has those
        )
        query = union_all(query, asking)
    seen: dict[str, _Seen] = {}
    requested: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for row in connection.execute(query):
        if row.organisation_id in me.acts_for:
            coalition = seen.setdefault(row.coalition_id, _Seen(roles=held_roles.get(row.coalition_id, {})))
            coalition.members[row.organisation_id] = Member(row.organisation_id, row.state)
        if row.state == "requested" and row.coalition_id in facilitating:
            requested[row.coalition_id].append((row.organisation_id, row.name or row.organisation_id))
    return seen, requested


def _join_requests(
    seen: Mapping[str, _Seen], me: Actor, requested: Mapping[str, list[tuple[str, str]]]
) -> Iterable[InboxItem]:
    for coalition_id, asking in requested.items():
        if coalition_id in seen and policy.is_facilitator(seen[coalition_id], me):
            yield from (InboxItem("join_request", coalition_id, o, name, None) for o, name in asking)


def _signatures(connection: Connection, seen: Mapping[str, _Seen], held: Held, now: datetime) -> Iterable[InboxItem]:
    """Open statements to sign or re-confirm for an organisation the person signs for: one query."""
    mandated = {c: [o for o in coalition.members if o in held.signs_for] for c, coalition in seen.items()}
    where = sorted(c for c, signers in mandated.items() if signers)
    if not where:
        return
    s, g = statements.c, signatures.c
    joined = statements.outerjoin(
        signatures,
        and_(
            g.statement_id == s.statement_id,
            g.until_position.is_(None),
            g.organisation_id.in_(sorted(held.signs_for)),
        ),
    )
    rows = connection.execute(
        select(s.statement_id, s.coalition_id, s.title, s.state, s.deadline, s.version_hash)
        .add_columns(g.organisation_id, g.version_hash.label("signed_version"), g.status)
        .select_from(joined)
        .where(s.until_position.is_(None), s.state == "open", s.coalition_id.in_(where))
    ).mappings()
    found: dict[str, dict[str, Any]] = {}
    signed: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        found.setdefault(row["statement_id"], dict(row))
        if row["organisation_id"] is not None:
            signed[row["statement_id"]].append(
                {
                    "organisation_id": row["organisation_id"],
                    "version_hash": row["signed_version"],
                    "status": row["status"],
                }
            )
    for statement_id, statement in found.items():
        c = statement["coalition_id"]
        powers = signing_powers(seen[c], statement, signed[statement_id], now, mandated[c]).values()
        deadline = deadline_of(statement)
        due = deadline.date() if deadline else None
        if any(p.may_sign for p in powers):
            yield InboxItem("signature", c, statement_id, statement["title"], due)
        if any(p.may_confirm for p in powers):
            yield InboxItem("reconfirmation", c, statement_id, statement["title"], due)


def _work(connection: Connection, seen: Mapping[str, _Seen], me: Actor, held: Held, today: date) -> Iterable[InboxItem]:
    """Tasks to accept, commitments due soon and evaluation rounds to answer, in the coalitions the person reads:
    one query."""
    if not seen:
        return
    liaison = {
        (c, o) for c, coalition in seen.items() for o in coalition.members if policy.is_liaison(coalition, me, o)
    }
    answerable = sorted(held.administers | {o for _, o in liaison})
    t, k = tasks.c, commitments.c
    given = select(
        literal("task").label("kind"), t.coalition_id, t.task_id.label("subject_id"), t.title, t.due_on, t.state
    ).add_columns(t.organisation_id)
    given = given.where(
        t.until_position.is_(None),
        t.coalition_id.in_(sorted(seen)),
        t.organisation_id.in_(sorted(me.acts_for)),
        t.state.not_in(policy.CLOSED_TASK),
    )
    pledged = select(
        literal("commitment").label("kind"),
        k.coalition_id,
        k.commitment_id.label("subject_id"),
        k.description.label("title"),
        k.due_on,
        k.state,
    ).add_columns(k.organisation_id)
    pledged = pledged.where(
        k.until_position.is_(None),
        k.coalition_id.in_(sorted(seen)),
        k.organisation_id.in_(answerable),
        k.state.not_in(policy.CLOSED_COMMITMENT),
        k.coalition_id.not_in(ended_coalitions()),  # an ended coalition's pledges wait for no one
    )
    e, r = evaluations.c, evaluation_responses.c
    answers_for = {  # the organisations the person answers evaluation rounds for, by coalition
        c: {o for o in coalition.members if responder_refusal(coalition, me, o, held.administers) is None}
        for c, coalition in seen.items()
    }
    # each open round before its closing date, once per answer given for one of the person's organisations (or
    # once with no organisation when none answered yet)
    rounds = (
        select(
            literal("evaluation").label("kind"),
            e.coalition_id,
            e.evaluation_id.label("subject_id"),
            e.title,
            e.closes_on.label("due_on"),
            literal("open").label("state"),
        )
        .add_columns(r.organisation_id)
        .select_from(
            evaluations.outerjoin(
                evaluation_responses,
                and_(
                    r.coalition_id == e.coalition_id,
                    r.evaluation_id == e.evaluation_id,
                    r.organisation_id.in_(sorted({o for mine in answers_for.values() for o in mine})),
                ),
            )
        )
        .where(
            e.coalition_id.in_(sorted(c for c, mine in answers_for.items() if mine)),
            e.closed.is_(False),
            e.closes_on >= today,
            e.coalition_id.not_in(ended_coalitions()),  # an ended coalition's rounds are answered no more
        )
    )
    answered: dict[str, set[str]] = defaultdict(set)
    open_rounds: dict[str, Any] = {}
    for row in connection.execute(union_all(given, pledged, rounds)):
        coalition, org = seen[row.coalition_id], row.organisation_id
        if row.kind == "evaluation":
            open_rounds[row.subject_id] = row
            if org is not None:
                answered[row.subject_id].add(org)
            continue
        if row.kind == "task":
            waiting = policy.may_change_task(coalition, me, org, row.state, "accept")
        else:
            mine = org in held.administers or (row.coalition_id, org) in liaison
            waiting = mine and policy.due_soon(row.due_on, row.state, today)
        if waiting:
            yield InboxItem(row.kind, row.coalition_id, row.subject_id, row.title, row.due_on)
    for evaluation_id, row in open_rounds.items():
        if answers_for[row.coalition_id] - answered[evaluation_id]:
            yield InboxItem("evaluation", row.coalition_id, evaluation_id, row.title, row.due_on)
