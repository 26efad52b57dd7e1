"""Registering, without telling a stranger who is registered, and changing one's password.

Registration of an address that already has an account answers exactly as a new registration does (the
same status, the same shape of answer, the same page) after the same work (the password hashed, a message
queued in a write transaction); the owner is mailed a notice instead ("someone tried to register with your
address: sign in, or reset your password"). A new account gets a verification link by e-mail in the
transaction that creates it; registering through an invitation's link (which went to that address) makes
the address verified at once.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from marshmallow import Schema, fields
from sqlalchemy import update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from werkzeug.security import generate_password_hash

from coalition import accounts
from coalition.accounts import User, _as, find_user, normalise_email, sessions, users
from coalition.accounts import emails as addresses
from coalition.domain.event_types import registry
from coalition.infra.extensions import Services
from coalition.notify import outbox
from events import Metadata, NewEvent, RecordedEvent
from events.store import format_time


@registry.register("PasswordChanged")
class PasswordChanged(Schema):
    user_id = fields.String(required=True)


def register(
    services: Services,
    email: str,
    password: str,
    name: str,
    locale: str = "en",
    metadata: Metadata = Metadata(),
    *,
    verified: bool = False,
) -> str:
    """Create an account and mail its verification link: an id. For an address already registered, an id like
    a new one's (naming nobody) and a notice to the owner. `verified`: the address was shown to be theirs."""
    email = normalise_email(email)
    owner = find_user(services.engine, email)
    now = services.store.clock()
    if owner is not None:
        generate_password_hash(password, services.password_method)  # the work a new account costs
        return _notice(services, owner, locale, now)

    def send_link(connection: Connection, recorded: Sequence[RecordedEvent]) -> None:
        if not verified:
            user_id = str(recorded[0].payload["user_id"])
            addresses.send_verification(connection, user_id, email, name.strip(), locale, now)

    try:
        return accounts.register(
            services,
            email,
            password,
            name,
            metadata,
            within=send_link,
            also=lambda user_id: [addresses.verified_event(user_id, email)] if verified else [],
            verified_at=format_time(now) if verified else None,
        )
    except IntegrityError:  # a twin registration of the same address won the race: answered as a known address
        owner = find_user(services.engine, email)
        if owner is None:
            raise
        return _notice(services, owner, locale, now)


def _notice(services: Services, owner: User, locale: str, now: datetime) -> str:
    """Mail the owner of an address someone tried to register again; an id like a new account's, naming nobody."""
    recipient = outbox.Recipient(owner.email, owner.locale or locale, owner.user_id, owner.name, owner.time_zone)
    with services.store.transaction(lock=False) as connection:
        addresses.mail(connection, f"register-attempt:{uuid.uuid4().hex}", "account_address_used", recipient, {}, now)
    return uuid.uuid4().hex


def change_password(
    services: Services, user: User, current: str, new: str, metadata: Metadata = Metadata(), keep: str | None = None
) -> None:
    """Set a new password, the current one given: every session of the person but `keep` (the session id of the
    browser that asked, if one did) ends, in the same transaction, and `PasswordChanged` is recorded. API tokens
    stay. The password rule is the caller's to apply."""
    addresses.check_password(services, user.user_id, current)
    new_hash = generate_password_hash(new, services.password_method)
    now = services.store.clock()

    def apply(connection: Connection, _recorded: Sequence[RecordedEvent]) -> None:
        connection.execute(update(users).where(users.c.user_id == user.user_id).values(password_hash=new_hash))
        sessions.end_sessions(connection, user.user_id, keep=keep, now=now)

    services.append(
        [NewEvent(f"user-{user.user_id}", "PasswordChanged", {"user_id": user.user_id})],
        metadata=_as(metadata, user.user_id),
        within=apply,
    )
