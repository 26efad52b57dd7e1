"""Accounts: registration and password sign-in; API tokens (`tokens`), sessions (`sessions`), closing (`closing`).

Credentials live in ordinary tables, never in the log; registering and creating or revoking a
token are recorded as events without secrets, in the same transaction as the table rows.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext
from flask_login import UserMixin
from marshmallow import Schema, fields
from sqlalchemy import Column, ForeignKey, Integer, MetaData, String, Table, insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql.elements import ColumnElement
from werkzeug.security import check_password_hash, generate_password_hash

from coalition.domain import zones
from coalition.domain.base import DomainError, RuleBroken
from coalition.domain.event_types import registry
from coalition.infra.extensions import Services
from events import Metadata, NewEvent, RecordedEvent
from events.personal import ERASED
from events.store import WithinAppend, format_time
from projections.sets import one_of

metadata = MetaData()

users = Table(
    "users",
    metadata,
    Column("user_id", String(64), primary_key=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("password_hash", String(256), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("locale", String(8)),  # the language the person chose for the pages, if they did
    # The IANA time zone pages and e-mails show them times in (`coalition.domain.zones`); None: not known yet.
    Column("time_zone", String(64)),
    # The session generation: every session record keeps the number it began in, and bumping it ends them all
    # (`sessions.end_sessions` is the finer tool: one person's sessions, all but one).
    Column("session_epoch", Integer, nullable=False, server_default="0"),
    Column("closed_at", String(32)),  # set when the person closed their account (`closing`): no sign-in after
    # When the address in `email` was shown to be theirs (a link opened); None until then (coalition.accounts.emails).
    Column("email_verified_at", String(32)),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("token_id", String(64), primary_key=True),
    Column("user_id", String(64), ForeignKey("users.user_id"), nullable=False, index=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", String(32), nullable=False),
    Column("revoked_at", String(32)),
    Column("expires_at", String(32), nullable=False),  # chosen at creation (`tokens.DEFAULT_DAYS`)
    Column("last_used_at", String(32)),  # updated at most once a minute (`tokens.TOUCH_EVERY`)
)


@registry.register("UserRegistered")
class UserRegistered(Schema):
    user_id = fields.String(required=True)
    name = fields.String(required=True)


@registry.register("ApiTokenCreated")
class ApiTokenCreated(Schema):
    user_id = fields.String(required=True)
    token_id = fields.String(required=True)
    expires_at = fields.String()  # absent from tokens made before tokens expired


@registry.register("ApiTokenRevoked")
class ApiTokenRevoked(Schema):
    user_id = fields.String(required=True)
    token_id = fields.String(required=True)


class BadCredentials(DomainError):
    """The e-mail address or the password is wrong (the answer does not say which)."""

    kind = "unauthorized"


class ClosedAccount(DomainError):
    """The password is right, but the person closed this account: it signs in no more."""

    kind = "forbidden"


@dataclass(frozen=True)
class User(UserMixin):  # type: ignore[misc]  # Flask-Login ships no type information
    """A signed-in person, as Flask-Login and the handlers see them."""

    user_id: str
    email: str
    name: str
    locale: str | None = None
    epoch: int = 0  # the session generation (`users.session_epoch`) this user was read at
    verified: bool = False  # whether `email` was verified by a link (needed to sign or hold a mandate)
    time_zone: str | None = None  # the zone they chose or their browser reported (`users.time_zone`), if any

    def get_id(self) -> str:
        """Flask-Login keeps a session record's secret, never a person's id (`sessions.SessionUser` has it)."""
        raise TypeError("a browser signs in with a session record: use coalition.web.signin.sign_in(user)")


def normalise_email(email: str) -> str:
    """E-mail addresses compare without case or surrounding spaces."""
    return email.strip().lower()


def hash_token(token: str) -> str:
    """How a token is stored: its SHA-256 (tokens are long and random, so no slow hash is needed)."""
    return hashlib.sha256(token.encode()).hexdigest()


def register(
    services: Services,
    email: str,
    password: str,
    name: str,
    metadata: Metadata = Metadata(),
    *,
    within: WithinAppend | None = None,
    also: Callable[[str], Sequence[NewEvent]] = lambda _user_id: (),
    verified_at: str | None = None,
) -> str:
    """Create a user (row and UserRegistered event, one transaction); RuleBroken if the e-mail is taken.

    `within` writes rows that belong with it (a verification link, its e-mail), `also` gives more events of the
    new user's stream (by their id), `verified_at` marks the address verified (registering through an e-mailed
    link shows it is theirs). The password rule (`coalition.accounts.passwords`) is the caller's to apply.
    """
    email = normalise_email(email)
    if email.endswith("@" + ERASED_DOMAIN):
        raise RuleBroken("addresses at %(domain)s cannot be used: choose another", domain=ERASED_DOMAIN)
    if find_user(services.engine, email) is not None:
        raise RuleBroken("an account with this e-mail address already exists: sign in instead")
    user_id = uuid.uuid4().hex
    row = {
        "user_id": user_id,
        "email": email,
        "name": name.strip(),
        "password_hash": generate_password_hash(password, services.password_method),
        "created_at": format_time(services.store.clock()),
        "email_verified_at": verified_at,
    }

    def insert_user(connection: Connection, recorded: Sequence[RecordedEvent]) -> None:
        connection.execute(insert(users), row)
        if within is not None:
            within(connection, recorded)

    services.append(
        [NewEvent(f"user-{user_id}", "UserRegistered", {"user_id": user_id, "name": row["name"]}), *also(user_id)],
        expected={f"user-{user_id}": 0},
        metadata=_as(metadata, user_id),
        within=insert_user,
    )
    return user_id


#: What a signed-in person is read with (`_user` makes the User of a row of them).
USER_COLUMNS = tuple(
    users.c[name] for name in ("user_id", "email", "name", "locale", "session_epoch", "email_verified_at", "time_zone")
)


def _user_where(engine: Engine, condition: ColumnElement[bool], *joins: Table) -> User | None:
    """The one user matching `condition` (over `users` and any joined tables), if any."""
    query = select(*USER_COLUMNS)
    for table in joins:
        query = query.join(table, table.c.user_id == users.c.user_id)
    with engine.connect() as connection:
        row = connection.execute(query.where(condition)).first()
    return None if row is None else _user(row)


#: The domain of the address an erased person's account keeps (`coalition/accounts/erasure.py`); mail never reaches it.
ERASED_DOMAIN = "erased.invalid"


def find_user(engine: Engine, email: str) -> User | None:
    """The user with this e-mail address, if any (never an erased person's account)."""
    if normalise_email(email).endswith("@" + ERASED_DOMAIN):
        return None
    return _user_where(engine, users.c.email == normalise_email(email))


def load_user(engine: Engine, user_id: str) -> User | None:
    """The user with this id, if any (Flask-Login's user loader)."""
    return _user_where(engine, users.c.user_id == user_id)


def shown_name(name: str) -> str:
    """A name as people read it: an erased person's stand-in in the reader's language."""
    return str(gettext("erased person")) if name == ERASED else name


def names_of(engine: Engine, user_ids: set[str]) -> dict[str, str]:
    """The display names of these users, by id ("erased person" for an erased one)."""
    if not user_ids:
        return {}
    with engine.connect() as connection:
        rows = connection.execute(
            select(users.c.user_id, users.c.name).where(one_of(connection, users.c.user_id, sorted(user_ids)))
        )
        return {row.user_id: shown_name(row.name) for row in rows}


def emails_of(engine: Engine, user_ids: set[str]) -> dict[str, str]:
    """The e-mail addresses of these users, by id."""
    if not user_ids:
        return {}
    with engine.connect() as connection:
        return dict(
            connection.execute(
                select(users.c.user_id, users.c.email).where(one_of(connection, users.c.user_id, sorted(user_ids)))
            ).all()
        )


@functools.cache
def _stand_in_hash(method: str) -> str:
    """A hash made once per method, checked when nobody has the e-mail, so that costs one check like a real sign-in."""
    return generate_password_hash(secrets.token_urlsafe(16), method)


def authenticate(engine: Engine, email: str, password: str, method: str = "scrypt") -> User | None:
    """The user if the password matches; None otherwise (the same answer, after the same work, for an unknown e-mail).

    ClosedAccount if the password matches an account its owner closed.

    `method` is how the passwords are hashed (`Services.password_method`).
    """
    with engine.connect() as connection:
        row = connection.execute(select(users).where(users.c.email == normalise_email(email))).first()
    if row is None:
        check_password_hash(_stand_in_hash(method), password)
        return None
    if not check_password_hash(row.password_hash, password):
        return None
    if row.closed_at is not None:  # only to whoever knows the password: the account existed, and is closed
        raise ClosedAccount(
            "this account was closed on %(day)s: it can no longer sign in or use the API", day=row.closed_at[:10]
        )
    return _user(row)


def _user(row: Any) -> User:
    """A user from a row of `users`."""
    return User(
        row.user_id,
        row.email,
        row.name,
        row.locale,
        row.session_epoch,
        row.email_verified_at is not None,
        time_zone=row.time_zone,
    )


def is_closed(engine: Engine, user_id: str) -> bool:
    """Whether the person closed their account."""
    with engine.connect() as connection:
        found = connection.execute(select(users.c.closed_at).where(users.c.user_id == user_id)).scalar()
    return found is not None


def set_locale(engine: Engine, user_id: str, locale: str) -> None:
    """Remember the language a person chose for the pages (a preference, not an event)."""
    with engine.begin() as connection:
        connection.execute(update(users).where(users.c.user_id == user_id).values(locale=locale))


def set_time_zone(engine: Engine, user_id: str, zone: str, *, only_if_unset: bool = False) -> None:
    """Remember the zone a person's times are shown in (a preference, not an event); RuleBroken if it is not a
    zone we take. `only_if_unset`: only when none is stored yet (the browser's report, never over a choice)."""
    if not zones.is_zone(zone):
        raise RuleBroken("use a time zone name from the IANA database, such as Europe/Bucharest or UTC")
    where = users.c.user_id == user_id
    if only_if_unset:
        where = where & users.c.time_zone.is_(None)
    with engine.begin() as connection:
        connection.execute(update(users).where(where).values(time_zone=zone))


def _as(metadata: Metadata, user_id: str) -> Metadata:
    """The request's metadata with the acting user filled in."""
    return Metadata(
        metadata.actor_id or user_id,
        metadata.organisation_id,
        metadata.correlation_id,
        metadata.causation_id,
        metadata.request_id,
    )
