"""Password resets: a one-time link by e-mail, valid for an hour; using it ends every session and token.

Only the link's SHA-256 is kept. Asking for a link answers the same whether or not the address has an
account (nothing tells a stranger who is registered); for a known address the e-mail is queued in the
outbox in the same transaction as the reset's row. Using the link sets the new password, ends the
person's session records (every browser signed in before is signed out), revokes their API tokens (a reset is
how a person takes their account back: keys made by whoever knew the old password must not outlive it),
and records `PasswordReset` (and one `ApiTokenRevoked` per token) without any secret.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from marshmallow import Schema, fields
from sqlalchemy import Column, ForeignKey, String, Table, delete, insert, select, update
from sqlalchemy.engine import Connection, Engine
from werkzeug.security import generate_password_hash

from coalition.accounts import (
    User,
    _as,
    find_user,
    hash_token,
    is_closed,
    load_user,
    metadata,
    sessions,
    tokens,
    users,
)
from coalition.domain.base import N_, NotFound
from coalition.domain.event_types import registry
from coalition.infra.extensions import Services
from coalition.notify import outbox
from coalition.notify.messages import Rendered, render
from coalition.notify.tables import outbox as outbox_table
from events import Metadata, NewEvent, RecordedEvent
from events.store import format_time

#: How long a reset link works.
VALID_FOR = timedelta(minutes=60)

password_resets = Table(
    "password_resets",
    metadata,
    Column("reset_id", String(64), primary_key=True),
    Column("user_id", String(64), ForeignKey("users.user_id"), nullable=False, index=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", String(32), nullable=False),
    Column("expires_at", String(32), nullable=False),
    Column("used_at", String(32)),
)


@registry.register("PasswordReset")
class PasswordReset(Schema):
    user_id = fields.String(required=True)


class LinkNotValid(NotFound):
    """The reset link is unknown, was used already, or is older than an hour."""


NOT_VALID = N_("this password reset link is unknown, already used or expired: ask for a new one")


def request_reset(services: Services, email: str, fallback_locale: str = "en") -> None:
    """Mail a reset link to the account with this address, if there is one; the same work and answer if not.

    The mail is in the person's language (else `fallback_locale`, the language they asked in). Runs inside
    an app context (the mail is rendered from templates/mail/password_reset.md).
    """
    token, reset_id = secrets.token_urlsafe(32), uuid.uuid4().hex
    user = find_user(services.engine, email)
    if user is not None and is_closed(services.engine, user.user_id):
        user = None  # a closed account takes no new password: answered like an unknown address
    now = services.store.clock()
    locale = (user.locale if user else None) or fallback_locale
    context = {"recipient_name": user.name if user else "", "path": f"/reset/{token}", "minutes": 60}
    zone = user.time_zone if user else None
    rendered = render("password_reset", locale, {**context, "unsubscribe_url": None, "bare": False}, zone)
    if user is None:
        _same_work(services, rendered, now)  # rendered all the same, and written: an unknown address takes as long
        return
    recipient = outbox.Recipient(user.email, locale, user.user_id, user.name, user.time_zone)
    with services.store.transaction(lock=False) as connection:
        connection.execute(
            insert(password_resets),
            {
                "reset_id": reset_id,
                "user_id": user.user_id,
                "token_hash": hash_token(token),
                "created_at": format_time(now),
                "expires_at": format_time(now + VALID_FOR),
            },
        )
        outbox.enqueue(
            connection, [outbox.row(f"password-reset:{reset_id}", "password_reset", recipient, rendered, now)]
        )


def _same_work(services: Services, rendered: Rendered, now: datetime) -> None:
    """For an address without an account: the same durable write transaction as a real request (a message
    queued and taken back before the commit, so nothing remains), so that the answer's timing does not tell
    whether the address has an account."""
    key = f"password-reset:none:{secrets.token_hex(8)}"
    nobody = outbox.Recipient("nobody@invalid", "en")
    with services.store.transaction(lock=False) as connection:
        outbox.enqueue(connection, [outbox.row(key, "password_reset", nobody, rendered, now)])
        connection.execute(delete(outbox_table).where(outbox_table.c.key == key))


def _open(connection: Connection, token: str, now: datetime) -> tuple[str, str] | None:
    """(reset id, user id) of a link that still works at `now`."""
    found = connection.execute(
        select(password_resets.c.reset_id, password_resets.c.user_id).where(
            password_resets.c.token_hash == hash_token(token),
            password_resets.c.used_at.is_(None),
            password_resets.c.expires_at > format_time(now),
        )
    ).first()
    return None if found is None else (found.reset_id, found.user_id)


def end_links(connection: Connection, user_id: str, stamp: str) -> None:
    """Every reset link of the person still unused stops working (marked used at `stamp`)."""
    connection.execute(
        update(password_resets)
        .where(password_resets.c.user_id == user_id, password_resets.c.used_at.is_(None))
        .values(used_at=stamp)
    )


def link_works(engine: Engine, token: str, now: datetime) -> bool:
    """Whether a reset link can still be used (for the page that asks the new password)."""
    with engine.connect() as connection:
        return _open(connection, token, now) is not None


def holder(engine: Engine, token: str, now: datetime) -> User | None:
    """The person a working reset link is for (the password rule judges a new password with their address and name)."""
    with engine.connect() as connection:
        found = _open(connection, token, now)
    return None if found is None else load_user(engine, found[1])


def reset_password(services: Services, token: str, password: str, metadata: Metadata = Metadata()) -> str:
    """Set a new password through a reset link; every session and API token of the person ends. Their id.

    LinkNotValid (a 404 saying to ask again) if the link is unknown, used or expired.
    """
    now = services.store.clock()
    with services.engine.connect() as connection:
        found = _open(connection, token, now)
    if found is None:
        raise LinkNotValid(NOT_VALID)
    reset_id, user_id = found
    stamp = format_time(now)
    new_hash = generate_password_hash(password, services.password_method)
    stream = f"user-{user_id}"

    def apply(connection: Connection, _recorded: Sequence[RecordedEvent]) -> None:
        used = connection.execute(
            update(password_resets)
            .where(password_resets.c.reset_id == reset_id, password_resets.c.used_at.is_(None))
            .values(used_at=stamp)
        )
        if used.rowcount != 1:  # a twin request used it a moment ago: nothing of this one is kept
            raise LinkNotValid(NOT_VALID)
        end_links(connection, user_id, stamp)  # the person's other links end too: this one answered their request
        connection.execute(update(users).where(users.c.user_id == user_id).values(password_hash=new_hash))
        sessions.end_sessions(connection, user_id, now=now)

    with services.holding() as connection:  # the tokens revoked are exactly those the events name
        revoked = tokens.revoke_all(connection, user_id, stamp)
        services.append(
            [NewEvent(stream, "PasswordReset", {"user_id": user_id}), *revoked],
            metadata=_as(metadata, user_id),
            within=apply,
        )
    return user_id
