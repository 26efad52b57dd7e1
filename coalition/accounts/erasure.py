"""Erasing a person: destroy their keys, record `PersonErased`, blank their account, rebuild the read models.

What the log holds of them (their name and titles, the free texts they wrote, the titles of the invitations
they redeemed) was sealed under keys that are destroyed here (`events/personal.py`); it reads as "erased
person" (or empty) from then on, and the hash chain is untouched. What the tables outside the log held
(the account's name, e-mail and password, tokens, reset links, messages waiting for them, answers kept for
retried commands, the e-mail of the invitations sent to them) is blanked or deleted in the same
transaction. The read models are then rebuilt from the log, so no page keeps a name from before, and the
cached PDFs are dropped.

Events recorded before crypto-shredding existed hold personal fields in clear: those cannot be erased.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

from marshmallow import Schema, fields
from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.engine import Connection

from coalition.accounts import ERASED_DOMAIN, BadCredentials, User, api_tokens, authenticate, load_user, users
from coalition.accounts.invitations import invitations
from coalition.accounts.resets import password_resets
from coalition.domain.base import NotFound
from coalition.domain.event_types import registry
from coalition.infra.extensions import Services
from coalition.infra.idempotency import command_answers
from coalition.notify.tables import digest_hours, outbox, preferences
from events import Metadata, NewEvent, RecordedEvent
from events.personal import ERASED
from events.schema import person_keys
from events.store import format_time


@registry.register("PersonErased")
class PersonErased(Schema):
    user_id = fields.String(required=True)


def is_erased(user: User) -> bool:
    """True for an account whose person was erased."""
    return user.email.endswith("@" + ERASED_DOMAIN)


def subjects_of(connection: Connection, user_id: str) -> list[str]:
    """Whose keys erasing this person destroys: their own, and those of the invitations they redeemed."""
    redeemed = connection.execute(select(invitations.c.invitation_id).where(invitations.c.accepted_by == user_id))
    return [user_id, *sorted(row.invitation_id for row in redeemed)]


def erase(services: Services, user_id: str, metadata: Metadata = Metadata(), pdf_cache: str | None = None) -> bool:
    """Erase the person with this account; False if they were erased already, NotFound if there is no such account.

    `pdf_cache`: the directory of cached PDFs, emptied afterwards (they may print the person's name).
    """
    user = load_user(services.engine, user_id)
    if user is None:
        raise NotFound("no such person")
    if is_erased(user):
        return False
    now = format_time(services.store.clock())

    def blank(connection: Connection, _recorded: Sequence[RecordedEvent]) -> None:
        for subject in subjects_of(connection, user_id):
            _destroy_key(connection, services, subject, now)
        connection.execute(
            update(users)
            .where(users.c.user_id == user_id)
            .values(
                name=ERASED,
                email=f"{user_id}@{ERASED_DOMAIN}",
                password_hash="!",  # no password ever matches it
                locale=None,
                session_epoch=users.c.session_epoch + 1,  # every session of theirs ends
            )
        )
        connection.execute(
            update(api_tokens)
            .where(api_tokens.c.user_id == user_id, api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        connection.execute(delete(password_resets).where(password_resets.c.user_id == user_id))
        connection.execute(
            update(invitations)
            .where(or_(invitations.c.accepted_by == user_id, invitations.c.email == user.email))
            .values(email=f"{user_id}@{ERASED_DOMAIN}", details="{}")
        )
        connection.execute(delete(outbox).where(or_(outbox.c.user_id == user_id, outbox.c.email == user.email)))
        connection.execute(delete(preferences).where(preferences.c.user_id == user_id))
        connection.execute(delete(digest_hours).where(digest_hours.c.user_id == user_id))
        connection.execute(delete(command_answers).where(command_answers.c.user_id == user_id))

    services.append(
        [NewEvent(f"user-{user_id}", "PersonErased", {"user_id": user_id})],
        metadata=metadata,
        within=blank,
    )
    services.store.keyring.forget()
    services.states.clear()
    services.runner.rebuild()
    if pdf_cache:
        shutil.rmtree(Path(pdf_cache), ignore_errors=True)
    return True


def erase_self(
    services: Services, user: User, password: str, metadata: Metadata = Metadata(), pdf_cache: str | None = None
) -> None:
    """A signed-in person erases themself, confirming with their password (BadCredentials if it is wrong)."""
    if authenticate(services.engine, user.email, password, services.password_method) is None:
        raise BadCredentials("the password is wrong: nothing was erased")
    erase(services, user.user_id, Metadata(user.user_id, None, metadata.correlation_id), pdf_cache)


def _destroy_key(connection: Connection, services: Services, subject: str, now: str) -> None:
    """Destroy one key, or record that the subject is erased when it never had one (so none is made later)."""
    if not services.store.keyring.erase(connection, subject, now):
        known = connection.execute(select(person_keys.c.subject).where(person_keys.c.subject == subject)).first()
        if known is None:
            connection.execute(insert(person_keys).values(subject=subject, key=None, created_at=now, erased_at=now))
