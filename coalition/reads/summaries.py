"""One human line per coalition event, for the audit history (pages, JSON and CSV), in the reader's language."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import Table, select
from sqlalchemy.engine import Connection

from coalition.accounts import shown_name, users
from projections.audit import Entry
from projections.base import IN_LIST
from projections.coalitions import agreements, commitments, roles, tasks
from projections.organisations import organisations
from projections.sets import one_of
from projections.statements import statements
from projections.versioned import valid_at

LINES = {
    "CoalitionFounded": _l("%(actor)s founded the coalition “%(name)s” for %(organisation)s"),
    "AgreementAmended": _l("%(actor)s amended the partnership agreement"),
    "CoalitionClosed": _l("%(actor)s closed the coalition: %(reason)s"),
    "MembershipRequested": _l("%(organisation)s asked to join"),
    "MemberInvited": _l("%(actor)s invited %(organisation)s to join"),
    "MembershipApproved": _l("%(actor)s approved the request of %(organisation)s to join"),
    "MembershipDeclined": _l("%(actor)s declined the request of %(organisation)s to join: %(reason)s"),
    "InvitationAccepted": _l("%(organisation)s accepted the invitation to join"),
    "MemberSuspended": _l("%(actor)s suspended %(organisation)s: %(reason)s"),
    "MemberReinstated": _l("%(actor)s reinstated %(organisation)s: %(reason)s"),
    "MemberLeft": _l("%(organisation)s left the coalition"),
    "MemberVerified": _l("%(actor)s marked %(organisation)s verified"),
    "MemberVerificationWithdrawn": _l("%(actor)s withdrew the verified mark of %(organisation)s"),
    "RoleAssigned": _l("%(actor)s made %(user)s %(role)s for %(organisation)s"),
    "RoleRemoved": _l("%(actor)s removed the %(role)s role of %(user)s"),
    "CommitmentPledged": _l("%(organisation)s pledged %(kind)s: “%(description)s”, due %(due_on)s"),
    "CommitmentFulfilled": _l("%(actor)s recorded “%(description)s” of %(organisation)s as fulfilled: %(note)s"),
    "CommitmentWithdrawn": _l("%(actor)s withdrew “%(description)s” of %(organisation)s: %(reason)s"),
    "CommitmentRescheduled": _l("%(actor)s moved “%(description)s” of %(organisation)s to %(due_on)s: %(reason)s"),
    "TaskCreated": _l("%(actor)s gave %(organisation)s the task “%(title)s”, due %(due_on)s"),
    "TaskAccepted": _l("%(organisation)s accepted the task “%(title)s”"),
    "TaskCompleted": _l("%(organisation)s completed the task “%(title)s”"),
    "TaskReassigned": _l("%(actor)s reassigned the task “%(title)s” to %(organisation)s"),
    "TaskDropped": _l("%(actor)s dropped the task “%(title)s”: %(reason)s"),
    "ObjectiveProgressRecorded": _l("%(actor)s recorded %(value)s on objective “%(objective)s” as of %(as_of)s"),
    "StatementDrafted": _l("%(actor)s drafted the statement “%(statement)s”"),
    "DraftRevised": _l("%(actor)s revised the draft of “%(statement)s”"),
    "TranslationSet": _l("%(actor)s set the %(language)s translation of “%(statement)s”"),
    "StatementOpened": _l("%(actor)s opened “%(statement)s” for signature (version %(short_hash)s)"),
    "StatementAmended": _l("%(actor)s amended “%(statement)s” (version %(version)s, %(short_hash)s)"),
    "StatementSigned": _l("%(signer_name)s, %(signer_title)s, signed “%(statement)s” for %(organisation)s"),
    "SignatureConfirmed": _l(
        "%(signer_name)s confirmed the signature of %(organisation)s on version %(short_hash)s of “%(statement)s”"
    ),
    "SignatureWithdrawn": _l("%(actor)s withdrew the signature of %(organisation)s from “%(statement)s”: %(reason)s"),
    "StatementEndorsed": _l("%(name)s endorsed “%(statement)s”"),
    "StatementClosed": _l("“%(statement)s” closed for signature (%(closed_by)s)"),
    "EvaluationOpened": _l("%(actor)s opened the evaluation round “%(title)s”, answers until %(closes_on)s"),
    "EvaluationResponded": _l("%(actor)s answered an evaluation round for %(organisation)s"),
    "EvaluationClosed": _l("%(actor)s closed an evaluation round: %(summary)s"),
}
#: The words for roles and kinds of contribution inside a sentence; an unknown one is shown as recorded.
ROLES = {"facilitator": _l("facilitator"), "liaison": _l("liaison"), "endorser": _l("endorser")}
KINDS = {
    "funding": _l("funding"),
    "staff-time": _l("staff time"),
    "in-kind": _l("in kind"),
    "expertise": _l("expertise"),
    "event-hosting": _l("event hosting"),
    "outreach": _l("outreach"),
}


@dataclass
class Names:
    """The names an audit page needs, fetched once for all its entries."""

    people: dict[str, str] = field(default_factory=dict)
    organisations: dict[str, str] = field(default_factory=dict)
    roles: dict[str, tuple[str, str]] = field(default_factory=dict)  # role id -> (role, user id)
    work: dict[str, str] = field(default_factory=dict)  # commitment or task id -> description or title
    statements: dict[str, str] = field(default_factory=dict)  # statement id -> its latest title
    objectives: dict[str, str] = field(default_factory=dict)  # objective id -> its text in the current agreement

    @classmethod
    def load(
        cls, connection: Connection, coalition_id: str, entries: list[Entry], objectives: list[Any] | None = None
    ) -> Names:
        """Everything the entries mention, in a handful of queries, each reading only the rows the entries name (a
        page of entries reads as much in a coalition of thousands of members, commitments and tasks as in one of
        three). A role, commitment or task is named as its latest version says. `objectives`: the agreement's now,
        where the caller holds them (else read)."""
        names = cls()
        mentioned: dict[str, set[str]] = {key: set() for key in ("role_id", "commitment_id", "task_id", "statement_id")}
        for entry in entries:
            for key, ids in mentioned.items():
                if isinstance(entry.payload.get(key), str):
                    ids.add(entry.payload[key])
        people = {e.actor_id for e in entries if e.actor_id} | {
            e.payload["user_id"] for e in entries if "user_id" in e.payload
        }
        given = _latest(connection, coalition_id, roles, "role_id", mentioned["role_id"], roles.c.role, roles.c.user_id)
        for role in given:
            names.roles[role.role_id] = (role.role, role.user_id)
            people.add(role.user_id)
        if people:
            names.people = {
                row.user_id: shown_name(row.name)
                for row in connection.execute(
                    select(users.c.user_id, users.c.name).where(one_of(connection, users.c.user_id, sorted(people)))
                )
            }
        orgs = {e.organisation_id for e in entries} | {e.subject_organisation_id for e in entries}
        orgs.discard(None)
        if orgs:
            names.organisations = dict(
                connection.execute(
                    select(organisations.c.organisation_id, organisations.c.name).where(
                        one_of(connection, organisations.c.organisation_id, sorted(orgs))
                    )
                ).all()
            )
        for table, key, text in ((commitments, "commitment_id", "description"), (tasks, "task_id", "title")):
            names.work.update(
                (row[0], row[1]) for row in _latest(connection, coalition_id, table, key, mentioned[key], table.c[text])
            )
        names.statements.update(
            (row[0], row[1])
            for row in _latest(
                connection, coalition_id, statements, "statement_id", mentioned["statement_id"], statements.c.title
            )
        )
        if objectives is None:
            agreement = connection.execute(
                select(agreements.c.objectives).where(
                    agreements.c.coalition_id == coalition_id, valid_at(agreements, None)
                )
            ).scalar()
            objectives = json.loads(agreement or "[]")
        names.objectives = {o["objective_id"]: o["text"] for o in objectives}
        return names

    def person(self, user_id: str | None) -> str:
        """A user's name, or a neutral word when unknown."""
        if user_id in self.people:
            return self.people[user_id]
        return str(gettext("someone"))

    def organisation(self, organisation_id: str | None) -> str:
        """An organisation's name, or its id when unknown."""
        if organisation_id in self.organisations:
            return self.organisations[organisation_id]
        if organisation_id:
            return organisation_id
        return str(gettext("an organisation"))


def _latest(
    connection: Connection, coalition_id: str, table: Table, key: str, ids: set[str], *columns: Any
) -> list[Any]:
    """The key and `columns` of each of the coalition's rows of `table` whose `key` is one of `ids`, oldest version
    first (a dict made of them holds each one's latest); none when `ids` is empty."""
    found: list[Any] = []
    listed = sorted(ids)
    for start in range(0, len(listed), IN_LIST):  # within both databases' limits on parameters
        chosen = one_of(connection, table.c[key], listed[start : start + IN_LIST])
        query = select(table.c[key], *columns).where(table.c.coalition_id == coalition_id, chosen)
        found += connection.execute(query.order_by(table.c.from_position)).all()
    return found


def summary(entry: Entry, names: Names) -> str:
    """The entry in one line a facilitator can read, in the current locale: the reader's language during a request
    (`coalition.web.i18n.select_locale`), English outside one (a command, a background job) unless the caller
    chooses one with `flask_babel.force_locale`."""
    return _line(entry, names)


def _line(entry: Entry, names: Names) -> str:
    """The entry's sentence in the current locale, its blanks filled from the payload and the names."""
    p = entry.payload
    role, role_user = names.roles.get(p.get("role_id", ""), (p.get("role", "a"), p.get("user_id")))
    role = p.get("role", role)
    kind = str(p.get("kind", ""))
    statement = names.statements.get(p.get("statement_id", ""), gettext("a statement"))
    values: dict[str, Any] = {
        **p,
        **{k: shown_name(p[k]) for k in ("signer_name", "name") if isinstance(p.get(k), str)},
        "actor": names.person(entry.actor_id),
        "organisation": names.organisation(entry.subject_organisation_id),
        "user": names.person(p.get("user_id", role_user)),
        "role": ROLES.get(role, role),
        "description": p.get("description", names.work.get(p.get("commitment_id", ""), gettext("a commitment"))),
        "title": p.get("title", names.work.get(p.get("task_id", ""), gettext("a task"))),
        "kind": KINDS.get(kind, kind.replace("-", " ")),
        "reason": p.get("reason", gettext("no reason given")),
        # an endorsement's title is the endorser's own, not the statement's
        "statement": statement if entry.type == "StatementEndorsed" else p.get("title", statement),
        "short_hash": str(p.get("version_hash", ""))[:12],
        # an objective by its words (the agreement's current ones), not its id; the id when no longer in it
        "objective": names.objectives.get(p.get("objective_id", ""), p.get("objective_id", "")),
        "closed_by": gettext("its deadline passed")
        if p.get("reason") == "deadline"
        else gettext("closed by a facilitator"),
    }
    if entry.type == "StatementPublished":
        return str(
            ngettext(
                "%(actor)s published “%(statement)s” with %(num)d signature",
                "%(actor)s published “%(statement)s” with %(num)d signatures",
                int(p.get("signatures", 0)),
                **values,
            )
        )
    if entry.type == "RoleAssigned" and p.get("user_id") == entry.actor_id:
        return str(gettext("%(actor)s became %(role)s for %(organisation)s", **values))
    line = LINES.get(entry.type)
    return str(line) % values if line else entry.type
