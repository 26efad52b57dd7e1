"""Invitations of people who have no account yet: a row per invitation, a link with a single-use token.

The token goes out in the e-mail only; the table keeps its SHA-256. The log records who invited whom
to what (`InvitationIssued`, `InvitationRevoked`, `InvitationRedeemed` on the stream `invitation-<id>`),
never the e-mail address nor the message: those stay in the table, outside the log.

When an invitation is used, the grant it promised (AdministratorAdded, MandateGranted, or the new
organisation and its join) is appended together with `InvitationRedeemed`, relying on version 1 of
the invitation's stream: a revocation or a second use in between is a conflict, never a second grant.
The grant's metadata names the invitee as actor and `invitation-<id>` as its cause.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from marshmallow import Schema, fields, validate
from sqlalchemy import Column, Index, String, Table, Text, insert, select, update
from sqlalchemy.engine import Connection, Engine

from coalition.accounts import hash_token, metadata
from coalition.domain.base import DomainError, NotFound
from coalition.domain.event_types import registry
from events.store import format_time

#: How long an invitation's link works.
VALID_FOR = timedelta(days=14)
KINDS = ("administrator", "mandate", "organisation")

invitations = Table(
    "invitations",
    metadata,
    Column("invitation_id", String(64), primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("email", String(320), nullable=False),
    Column("kind", String(20), nullable=False),  # administrator | mandate | organisation
    Column("organisation_id", String(64)),  # administrator, mandate: the organisation granting
    Column("coalition_id", String(64)),  # organisation: the coalition inviting
    Column("details", Text, nullable=False),  # JSON: title, valid_from, valid_until, name, message
    Column("invited_by", String(64), nullable=False),
    Column("locale", String(8), nullable=False),  # the inviter's language: the mail's and the landing page's
    Column("created_at", String(32), nullable=False),
    Column("expires_at", String(32), nullable=False),
    Column("accepted_at", String(32)),
    Column("accepted_by", String(64)),
    Column("revoked_at", String(32)),
    Index("invitations_organisation", "organisation_id"),
    Index("invitations_coalition", "coalition_id"),
)


@registry.register("InvitationIssued")
class InvitationIssued(Schema):
    invitation_id = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    organisation_id = fields.String()
    coalition_id = fields.String()
    invited_by = fields.String(required=True)
    title = fields.String()  # a mandate's title: what the grant will say, already public to the organisation
    expires_at = fields.String(required=True)


@registry.register("InvitationRevoked")
class InvitationRevoked(Schema):
    invitation_id = fields.String(required=True)
    revoked_by = fields.String(required=True)


@registry.register("InvitationRedeemed")
class InvitationRedeemed(Schema):
    invitation_id = fields.String(required=True)
    user_id = fields.String(required=True)  # the invitee, now with an account
    invited_by = fields.String(required=True)


class Gone(DomainError):
    """The invitation was used, revoked or has expired (410 on the pages)."""

    kind = "gone"


def stream(invitation_id: str) -> str:
    """The stream holding one invitation's events."""
    return f"invitation-{invitation_id}"


def new_token() -> str:
    """A link's secret: 256 random bits."""
    return secrets.token_urlsafe(32)


@dataclass(frozen=True, slots=True)
class Invitation:
    """One invitation as stored (never its token)."""

    invitation_id: str
    email: str
    kind: str
    organisation_id: str | None
    coalition_id: str | None
    details: dict[str, Any]
    invited_by: str
    locale: str
    created_at: str
    expires_at: str
    accepted_at: str | None = None
    accepted_by: str | None = None
    revoked_at: str | None = None

    def state(self, now: datetime) -> str:
        """pending, accepted, revoked or expired."""
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        return "expired" if self.expires_at <= format_time(now) else "pending"

    def view(self) -> dict[str, Any]:
        """What the API answers of it: {id, email, kind, expires_at, ...details}."""
        return {
            "id": self.invitation_id,
            "email": self.email,
            "kind": self.kind,
            "organisation_id": self.organisation_id,
            "coalition_id": self.coalition_id,
            "created_at": self.created_at,
            "expires_at": self.expires_at,
            **{k: v for k, v in self.details.items() if v is not None and k not in ("place", "inviter")},
        }


def _of(row: Mapping[Any, Any]) -> Invitation:
    values = {str(k): v for k, v in row.items() if k not in ("token_hash", "details")}
    return Invitation(**values, details=json.loads(row["details"]))


def row_for(
    invitation_id: str,
    token: str,
    email: str,
    kind: str,
    target: tuple[str | None, str | None],
    details: Mapping[str, Any],
    invited_by: str,
    locale: str,
    now: datetime,
) -> dict[str, Any]:
    """The table row of a new invitation (target: its organisation id and coalition id, one of them None)."""
    return {
        "invitation_id": invitation_id,
        "token_hash": hash_token(token),
        "email": email,
        "kind": kind,
        "organisation_id": target[0],
        "coalition_id": target[1],
        "details": json.dumps(dict(details), sort_keys=True, default=str),
        "invited_by": invited_by,
        "locale": locale,
        "created_at": format_time(now),
        "expires_at": format_time(now + VALID_FOR),
    }


def insert_row(connection: Connection, row: Mapping[str, Any]) -> None:
    """Keep a new invitation (inside the append that records it)."""
    connection.execute(insert(invitations), dict(row))


def by_token(engine: Engine, token: str) -> Invitation | None:
    """The invitation a link's token names, whatever its state; None for a token we never made."""
    with engine.connect() as connection:
        row = connection.execute(select(invitations).where(invitations.c.token_hash == hash_token(token))).first()
    return None if row is None else _of(row._mapping)


def by_id(engine: Engine, invitation_id: str) -> Invitation | None:
    """The invitation with this id, if any."""
    with engine.connect() as connection:
        row = connection.execute(select(invitations).where(invitations.c.invitation_id == invitation_id)).first()
    return None if row is None else _of(row._mapping)


def pending(
    engine: Engine, now: datetime, *, organisation_id: str | None = None, coalition_id: str | None = None
) -> list[Invitation]:
    """The invitations of an organisation or a coalition still waiting for an answer, oldest first."""
    table = invitations.c
    query = select(invitations).where(
        table.accepted_at.is_(None), table.revoked_at.is_(None), table.expires_at > format_time(now)
    )
    if organisation_id is not None:
        query = query.where(table.organisation_id == organisation_id, table.kind != "organisation")
    if coalition_id is not None:
        query = query.where(table.coalition_id == coalition_id, table.kind == "organisation")
    with engine.connect() as connection:
        rows = connection.execute(query.order_by(table.created_at, table.invitation_id)).mappings().all()
    return [_of(r) for r in rows]


def mark_accepted(connection: Connection, invitation_id: str, user_id: str, now: datetime) -> None:
    """Record the use of a pending invitation; Gone (rolling the append back) if it was used or revoked meanwhile."""
    done = connection.execute(
        update(invitations)
        .where(
            invitations.c.invitation_id == invitation_id,
            invitations.c.accepted_at.is_(None),
            invitations.c.revoked_at.is_(None),
        )
        .values(accepted_at=format_time(now), accepted_by=user_id)
    )
    if done.rowcount != 1:
        raise Gone("this invitation was already used or revoked")


def mark_revoked(connection: Connection, invitation_id: str, now: datetime) -> None:
    """Record that an invitation was cancelled."""
    connection.execute(
        update(invitations)
        .where(invitations.c.invitation_id == invitation_id, invitations.c.accepted_at.is_(None))
        .values(revoked_at=format_time(now))
    )


def usable(invitation: Invitation | None, now: datetime) -> Invitation:
    """The invitation if its link still works; NotFound (unknown) or Gone (used, revoked, expired) otherwise."""
    if invitation is None:
        raise NotFound("this invitation link is not known: check that it was copied whole")
    state = invitation.state(now)
    if state == "accepted":
        raise Gone("this invitation was already used: sign in to continue")
    if state == "revoked":
        raise Gone("this invitation was cancelled: ask the person who invited you for a new one")
    if state == "expired":
        raise Gone("this invitation has expired: ask the person who invited you for a new one")
    return invitation
