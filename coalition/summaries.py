"""One human line per coalition event, for the audit history (pages, JSON and CSV)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from coalition.accounts import users
from projections.audit import Entry
from projections.coalitions import commitments, roles, tasks
from projections.organisations import organisations
from projections.statements import statements

LINES = {
    "CoalitionFounded": "{actor} founded the coalition “{name}” for {organisation}",
    "AgreementAmended": "{actor} amended the partnership agreement",
    "MembershipRequested": "{organisation} asked to join",
    "MemberInvited": "{actor} invited {organisation} to join",
    "MembershipApproved": "{actor} approved the request of {organisation} to join",
    "InvitationAccepted": "{organisation} accepted the invitation to join",
    "MemberSuspended": "{actor} suspended {organisation}: {reason}",
    "MemberReinstated": "{actor} reinstated {organisation}: {reason}",
    "MemberLeft": "{organisation} left the coalition",
    "RoleAssigned": "{actor} made {user} {role} for {organisation}",
    "RoleRemoved": "{actor} removed the {role} role of {user}",
    "CommitmentPledged": "{organisation} pledged {kind}: “{description}”, due {due_on}",
    "CommitmentFulfilled": "{actor} recorded “{description}” of {organisation} as fulfilled: {note}",
    "CommitmentWithdrawn": "{actor} withdrew “{description}” of {organisation}: {reason}",
    "CommitmentRescheduled": "{actor} moved “{description}” of {organisation} to {due_on}: {reason}",
    "TaskCreated": "{actor} gave {organisation} the task “{title}”, due {due_on}",
    "TaskAccepted": "{organisation} accepted the task “{title}”",
    "TaskCompleted": "{organisation} completed the task “{title}”",
    "TaskReassigned": "{actor} reassigned the task “{title}” to {organisation}",
    "TaskDropped": "{actor} dropped the task “{title}”: {reason}",
    "StatementDrafted": "{actor} drafted the statement “{statement}”",
    "DraftRevised": "{actor} revised the draft of “{statement}”",
    "TranslationSet": "{actor} set the {language} translation of “{statement}”",
    "StatementOpened": "{actor} opened “{statement}” for signature (version {short_hash})",
    "StatementAmended": "{actor} amended “{statement}” (version {version}, {short_hash})",
    "StatementSigned": "{signer_name}, {signer_title}, signed “{statement}” for {organisation}",
    "SignatureConfirmed": "{signer_name} confirmed the signature of {organisation} on version {short_hash} of “{statement}”",
    "SignatureWithdrawn": "{actor} withdrew the signature of {organisation} from “{statement}”: {reason}",
    "StatementEndorsed": "{name} endorsed “{statement}”",
    "StatementClosed": "“{statement}” closed for signature ({closed_by})",
    "StatementPublished": "{actor} published “{statement}” with {signatures} signatures",
}


@dataclass
class Names:
    """The names an audit page needs, fetched once for all its entries."""

    people: dict[str, str] = field(default_factory=dict)
    organisations: dict[str, str] = field(default_factory=dict)
    roles: dict[str, tuple[str, str]] = field(default_factory=dict)  # role id -> (role, user id)
    work: dict[str, str] = field(default_factory=dict)  # commitment or task id -> description or title
    statements: dict[str, str] = field(default_factory=dict)  # statement id -> its latest title

    @classmethod
    def load(cls, connection: Connection, coalition_id: str, entries: list[Entry]) -> Names:
        """Everything the entries mention, in a handful of queries."""
        names = cls()
        people = {e.actor_id for e in entries if e.actor_id} | {e.payload["user_id"] for e in entries
                                                                 if "user_id" in e.payload}
        for role in connection.execute(select(roles.c.role_id, roles.c.role, roles.c.user_id)
                                       .where(roles.c.coalition_id == coalition_id)):
            names.roles[role.role_id] = (role.role, role.user_id)
            people.add(role.user_id)
        if people:
            names.people = dict(connection.execute(select(users.c.user_id, users.c.name)
                                                   .where(users.c.user_id.in_(sorted(people)))).all())
        orgs = {e.organisation_id for e in entries} | {e.subject_organisation_id for e in entries}
        orgs.discard(None)
        if orgs:
            names.organisations = dict(connection.execute(select(organisations.c.organisation_id, organisations.c.name)
                                                          .where(organisations.c.organisation_id.in_(sorted(orgs)))).all())
        for table, key, text in ((commitments, "commitment_id", "description"), (tasks, "task_id", "title")):
            names.work.update(connection.execute(select(table.c[key], table.c[text])
                                                 .where(table.c.coalition_id == coalition_id)).all())
        names.statements.update(connection.execute(
            select(statements.c.statement_id, statements.c.title)
            .where(statements.c.coalition_id == coalition_id, statements.c.until_position.is_(None))).all())
        return names

    def person(self, user_id: str | None) -> str:
        """A user's name, or a neutral word when unknown."""
        return self.people.get(user_id or "", "someone")

    def organisation(self, organisation_id: str | None) -> str:
        """An organisation's name, or its id when unknown."""
        return self.organisations.get(organisation_id or "", organisation_id or "an organisation")


def summary(entry: Entry, names: Names) -> str:
    """The entry in one line a facilitator can read."""
    p = entry.payload
    role, role_user = names.roles.get(p.get("role_id", ""), (p.get("role", "a"), p.get("user_id")))
    values: dict[str, Any] = {
        **p, "actor": names.person(entry.actor_id), "organisation": names.organisation(entry.subject_organisation_id),
        "user": names.person(p.get("user_id", role_user)), "role": p.get("role", role),
        "description": p.get("description", names.work.get(p.get("commitment_id", ""), "a commitment")),
        "title": p.get("title", names.work.get(p.get("task_id", ""), "a task")),
        "kind": str(p.get("kind", "")).replace("-", " "), "reason": p.get("reason", "no reason given"),
        "statement": p.get("title", names.statements.get(p.get("statement_id", ""), "a statement")),
        "short_hash": str(p.get("version_hash", ""))[:12],
        "closed_by": "its deadline passed" if p.get("reason") == "deadline" else "closed by a facilitator",
    }
    line = LINES.get(entry.type)
    if entry.type == "RoleAssigned" and p.get("user_id") == entry.actor_id:
        line = "{actor} became {role} for {organisation}"
    return line.format(**values) if line else entry.type
