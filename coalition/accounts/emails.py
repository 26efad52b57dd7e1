"""A person's e-mail address: verified by a link mailed to it, and changed only through a link to the new one.

A link is random, works once and for `VALID_FOR`; only its SHA-256 is kept (`email_links`). Opening a
verification link sets `users.email_verified_at` and records `EmailVerified {user_id, domain}` on the
person's stream in one transaction (the domain only: an address is personal, its organisation's domain is
what a statement's reader needs). Changing the address mails a link to the new one and a notice to the
old one; until the link is opened the old address stays, and opening it records a new `EmailVerified`
with the new domain. Every mail is queued in the outbox in the transaction that made its link, and goes
out whatever the person's notification choices (kind `account`).
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from marshmallow import Schema, fields
from sqlalchemy import Column, ForeignKey, String, Table, insert, select, update
from sqlalchemy.engine import Connection, Engine
from werkzeug.security import check_password_hash

from coalition.accounts import User, _as, find_user, hash_token, load_user, metadata, normalise_email, users
from coalition.domain.base import N_, DomainError, NotFound, RuleBroken
from coalition.domain.event_types import registry
from coalition.infra.extensions import Services
from coalition.notify import outbox
from coalition.notify.messages import render
from events import Metadata, NewEvent, RecordedEvent
from events.store import format_time

#: How long a verification or change link works.
VALID_FOR = timedelta(hours=48)
KIND = "account"  # the notification kind of every message here: always sent (coalition.notify.compose)

email_links = Table(
    "email_links",
    metadata,
    Column("link_id", String(64), primary_key=True),
    Column("user_id", String(64), ForeignKey("users.user_id"), nullable=False, index=True),
    Column("purpose", String(12), nullable=False),  # "verify" the address held, or "change" to `email`
    Column("email", String(320), nullable=False),  # the address the link was sent to
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", String(32), nullable=False),
    Column("expires_at", String(32), nullable=False),
    Column("used_at", String(32)),
)


@registry.register("EmailVerified")
class EmailVerified(Schema):
    user_id = fields.String(required=True)
    domain = fields.String(required=True)


class LinkNotValid(NotFound):
    """The link is unknown, was used already, is too old, or names an address the account no longer asks for."""


class WrongPassword(DomainError):
    """The current password, asked before a change to the account, is not the person's."""

    kind = "forbidden"


NOT_VALID = N_("this e-mail link is unknown, already used or expired: ask for a new one on your account page")
WRONG_PASSWORD = N_("the current password is wrong: nothing was changed")


@dataclass(frozen=True, slots=True)
class Confirmed:
    """What opening a link did: whose address, which one, and whether it was a change."""

    user_id: str
    email: str
    changed: bool


def domain_of(email: str) -> str:
    """The part of an address after its last @, in lower case."""
    return normalise_email(email).rpartition("@")[2]


def verified_event(user_id: str, email: str) -> NewEvent:
    """The event that records a person's address verified: only its domain enters the log."""
    return NewEvent(f"user-{user_id}", "EmailVerified", {"user_id": user_id, "domain": domain_of(email)})


def mail(
    connection: Connection,
    key: str,
    template: str,
    recipient: outbox.Recipient,
    context: Mapping[str, Any],
    now: datetime,
) -> None:
    """Queue one account message (rendered from templates/mail/<template>.md in the recipient's language)."""
    values = {"recipient_name": recipient.name, **context, "unsubscribe_url": None, "bare": False}
    rendered = render(template, recipient.locale, values, recipient.time_zone)
    outbox.enqueue(connection, [outbox.row(key, KIND, recipient, rendered, now)])


def _new_link(user_id: str, purpose: str, email: str, now: datetime) -> tuple[str, dict[str, Any]]:
    token, link_id = secrets.token_urlsafe(32), uuid.uuid4().hex
    row = {
        "link_id": link_id,
        "user_id": user_id,
        "purpose": purpose,
        "email": normalise_email(email),
        "token_hash": hash_token(token),
        "created_at": format_time(now),
        "expires_at": format_time(now + VALID_FOR),
    }
    return token, row


def send_verification(connection: Connection, user_id: str, email: str, name: str, locale: str, now: datetime) -> None:
    """Make a verification link for the address an account holds and queue it, inside the caller's transaction."""
    token, row = _new_link(user_id, "verify", email, now)
    connection.execute(insert(email_links), row)
    recipient = outbox.Recipient(row["email"], locale, user_id, name)
    hours = int(VALID_FOR.total_seconds() // 3600)
    mail(
        connection,
        f"email-verify:{row['link_id']}",
        "account_verify",
        recipient,
        {"path": f"/verify-email/{token}", "hours": hours},
        now,
    )


def resend(services: Services, user: User, fallback_locale: str = "en") -> None:
    """A new verification link for a signed-in person whose address is not verified yet (RuleBroken if it is)."""
    if user.verified:
        raise RuleBroken("your e-mail address is already verified")
    with services.store.transaction(lock=False) as connection:
        send_verification(
            connection, user.user_id, user.email, user.name, user.locale or fallback_locale, services.store.clock()
        )


def mark_verified(services: Services, user_id: str, metadata: Metadata = Metadata()) -> None:
    """Record a person's current address as verified, when something else showed it is theirs (an invitation's
    link opened, the demo's people)."""
    user = load_user(services.engine, user_id)
    if user is None:
        raise NotFound("no such user")
    if user.verified:
        return
    now = services.store.clock()

    def apply(connection: Connection, _recorded: Sequence[RecordedEvent]) -> None:
        mark_row_verified(connection, user_id, now)

    services.append([verified_event(user_id, user.email)], metadata=_as(metadata, user_id), within=apply)


def mark_row_verified(connection: Connection, user_id: str, now: datetime) -> None:
    """The account row's half of a verification (the caller appends `verified_event` in the same transaction)."""
    connection.execute(update(users).where(users.c.user_id == user_id).values(email_verified_at=format_time(now)))


def _open(connection: Connection, token: str, now: datetime) -> Any:
    return connection.execute(
        select(email_links).where(
            email_links.c.token_hash == hash_token(token),
            email_links.c.used_at.is_(None),
            email_links.c.expires_at > format_time(now),
        )
    ).first()


def link_works(engine: Engine, token: str, now: datetime) -> bool:
    """Whether a link can still be used (for the page that asks to confirm it)."""
    with engine.connect() as connection:
        return _open(connection, token, now) is not None


def confirm(services: Services, token: str, metadata: Metadata = Metadata()) -> Confirmed:
    """Open a verification or change link: the address becomes the account's, verified, with `EmailVerified`.

    LinkNotValid if the link is unknown, used, expired, or verifies an address the account no longer holds;
    RuleBroken if another account took the new address meanwhile.
    """
    now = services.store.clock()
    with services.engine.connect() as connection:
        link = _open(connection, token, now)
    if link is None:
        raise LinkNotValid(NOT_VALID)
    user = load_user(services.engine, link.user_id)
    if user is None or (link.purpose == "verify" and user.email != link.email):
        raise LinkNotValid(NOT_VALID)
    taken = find_user(services.engine, link.email)
    if taken is not None and taken.user_id != user.user_id:
        raise RuleBroken("another account uses %(email)s now: nothing was changed", email=link.email)
    stamp = format_time(now)

    def apply(connection: Connection, _recorded: Sequence[RecordedEvent]) -> None:
        used = connection.execute(
            update(email_links)
            .where(email_links.c.link_id == link.link_id, email_links.c.used_at.is_(None))
            .values(used_at=stamp)
        )
        if used.rowcount != 1:  # a twin request used it a moment ago
            raise LinkNotValid(NOT_VALID)
        connection.execute(  # the person's other links of this kind end too: this one answered them
            update(email_links)
            .where(
                email_links.c.user_id == user.user_id,
                email_links.c.purpose == link.purpose,
                email_links.c.used_at.is_(None),
            )
            .values(used_at=stamp)
        )
        connection.execute(
            update(users).where(users.c.user_id == user.user_id).values(email=link.email, email_verified_at=stamp)
        )

    services.append([verified_event(user.user_id, link.email)], metadata=_as(metadata, user.user_id), within=apply)
    return Confirmed(user.user_id, link.email, link.purpose == "change")


def check_password(services: Services, user_id: str, password: str) -> None:
    """WrongPassword unless `password` is the person's current one."""
    with services.engine.connect() as connection:
        stored = connection.execute(select(users.c.password_hash).where(users.c.user_id == user_id)).scalar()
    if stored is None or not check_password_hash(stored, password):
        raise WrongPassword(WRONG_PASSWORD)


def request_change(services: Services, user: User, password: str, new_email: str, fallback_locale: str = "en") -> None:
    """Ask to move the account to another address: a link to the new address, a notice to the old one.

    The current password is required. The old address stays the account's until the link is opened. An address
    another account holds is answered the same (nothing tells who is registered): its owner gets a notice instead.
    """
    check_password(services, user.user_id, password)
    new_email = normalise_email(new_email)
    if new_email == user.email:
        raise RuleBroken("%(email)s is already your e-mail address", email=new_email)
    owner = find_user(services.engine, new_email)
    now, locale = services.store.clock(), user.locale or fallback_locale
    token, row = _new_link(user.user_id, "change", new_email, now)
    hours = int(VALID_FOR.total_seconds() // 3600)
    with services.store.transaction(lock=False) as connection:
        if owner is None:
            connection.execute(insert(email_links), row)
            to_new = outbox.Recipient(new_email, locale, user.user_id, user.name, user.time_zone)
            context = {"path": f"/verify-email/{token}", "hours": hours, "old": user.email}
            mail(connection, f"email-change:{row['link_id']}", "account_email_change", to_new, context, now)
        else:
            to_owner = outbox.Recipient(owner.email, owner.locale or locale, owner.user_id, owner.name, owner.time_zone)
            mail(connection, f"email-taken:{row['link_id']}", "account_address_used", to_owner, {}, now)
        to_old = outbox.Recipient(user.email, locale, user.user_id, user.name, user.time_zone)
        context = {"new": new_email, "hours": hours}
        mail(connection, f"email-changing:{row['link_id']}", "account_email_changing", to_old, context, now)


def pending_change(engine: Engine, user_id: str, now: datetime) -> str | None:
    """The address a person asked to move to, while its link still works (for their account page)."""
    with engine.connect() as connection:
        return connection.execute(
            select(email_links.c.email)
            .where(
                email_links.c.user_id == user_id,
                email_links.c.purpose == "change",
                email_links.c.used_at.is_(None),
                email_links.c.expires_at > format_time(now),
            )
            .order_by(email_links.c.created_at.desc())
            .limit(1)
        ).scalar()
