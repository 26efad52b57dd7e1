"""Accounts: registration, password sign-in and API tokens.

Credentials live in ordinary tables, never in the log; registering and creating or revoking a
token are recorded as events without secrets, in the same transaction as the table rows.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from flask_login import UserMixin
from marshmallow import Schema, fields
from sqlalchemy import Column, ForeignKey, Integer, MetaData, String, Table, insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql.elements import ColumnElement
from werkzeug.security import check_password_hash, generate_password_hash

from coalition.domain.base import DomainError, NotFound, RuleBroken
from coalition.domain.event_types import registry
from coalition.infra.extensions import Services
from events import Metadata, NewEvent, RecordedEvent
from events.store import format_time

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
    # Bumped when the password is reset: every session signed in before then carries an older number and ends.
    Column("session_epoch", Integer, nullable=False, server_default="0"),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("token_id", String(64), primary_key=True),
    Column("user_id", String(64), ForeignKey("users.user_id"), nullable=False, index=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", String(32), nullable=False),
    Column("revoked_at", String(32)),
)


@registry.register("UserRegistered")
class UserRegistered(Schema):
    user_id = fields.String(required=True)
    name = fields.String(required=True)


@registry.register("ApiTokenCreated")
class ApiTokenCreated(Schema):
    user_id = fields.String(required=True)
    token_id = fields.String(required=True)


@registry.register("ApiTokenRevoked")
class ApiTokenRevoked(Schema):
    user_id = fields.String(required=True)
    token_id = fields.String(required=True)


class BadCredentials(DomainError):
    """The e-mail address or the password is wrong (the answer does not say which)."""

    kind = "unauthorized"


@dataclass(frozen=True)
class User(UserMixin):  # type: ignore[misc]  # Flask-Login ships no type information
    """A signed-in person, as Flask-Login and the handlers see them."""

    user_id: str
    email: str
    name: str
    locale: str | None = None
    epoch: int = 0  # the session generation (`users.session_epoch`) this user was read at

    def get_id(self) -> str:
        """The id Flask-Login keeps in the session: the user and the session generation, `user_id:epoch`."""
        return f"{self.user_id}:{self.epoch}"


def normalise_email(email: str) -> str:
    """E-mail addresses compare without case or surrounding spaces."""
    return email.strip().lower()


def hash_token(token: str) -> str:
    """How a token is stored: its SHA-256 (tokens are long and random, so no slow hash is needed)."""
    return hashlib.sha256(token.encode()).hexdigest()


def register(services: Services, email: str, password: str, name: str, metadata: Metadata = Metadata()) -> str:
    """Create a user (row and UserRegistered event, one transaction); RuleBroken if the e-mail is taken."""
    email = normalise_email(email)
    if find_user(services.engine, email) is not None:
        raise RuleBroken("an account with this e-mail address already exists: sign in instead")
    user_id = uuid.uuid4().hex
    row = {
        "user_id": user_id,
        "email": email,
        "name": name.strip(),
        "password_hash": generate_password_hash(password, services.password_method),
        "created_at": format_time(services.store.clock()),
    }

    def insert_user(connection: Connection, _recorded: Sequence[RecordedEvent]) -> None:
        connection.execute(insert(users), row)

    services.append(
        [NewEvent(f"user-{user_id}", "UserRegistered", {"user_id": user_id, "name": row["name"]})],
        expected={f"user-{user_id}": 0},
        metadata=_as(metadata, user_id),
        within=insert_user,
    )
    return user_id


def create_token(services: Services, email: str, password: str, metadata: Metadata = Metadata()) -> tuple[str, str]:
    """Check the password and return a new token's id and the token, shown once; only its hash is kept."""
    user = authenticate(services.engine, email, password, services.password_method)
    if user is None:
        raise BadCredentials("the e-mail address or the password is wrong")
    return issue_token(services, user, metadata)


def issue_token(services: Services, user: User, metadata: Metadata = Metadata()) -> tuple[str, str]:
    """A new token for a user already signed in (the pages' session): its id and the token, shown once."""
    token, token_id = secrets.token_urlsafe(32), uuid.uuid4().hex
    row = {
        "token_id": token_id,
        "user_id": user.user_id,
        "token_hash": hash_token(token),
        "created_at": format_time(services.store.clock()),
    }

    def insert_token(connection: Connection, _recorded: Sequence[RecordedEvent]) -> None:
        connection.execute(insert(api_tokens), row)

    services.append(
        [NewEvent(f"user-{user.user_id}", "ApiTokenCreated", {"user_id": user.user_id, "token_id": token_id})],
        metadata=_as(metadata, user.user_id),
        within=insert_token,
    )
    return token_id, token


def revoke_token(services: Services, user: User, token_id: str, metadata: Metadata = Metadata()) -> None:
    """Revoke one of the user's own tokens; NotFound for anyone else's or an unknown one."""
    with services.engine.connect() as connection:
        owner = connection.execute(
            select(api_tokens.c.user_id, api_tokens.c.revoked_at).where(api_tokens.c.token_id == token_id)
        ).first()
    if owner is None or owner.user_id != user.user_id:
        raise NotFound("no such token")
    if owner.revoked_at is not None:
        raise RuleBroken("this token is already revoked")
    revoked_at = format_time(services.store.clock())

    def mark_revoked(connection: Connection, _recorded: Sequence[RecordedEvent]) -> None:
        connection.execute(update(api_tokens).where(api_tokens.c.token_id == token_id).values(revoked_at=revoked_at))

    services.append(
        [NewEvent(f"user-{user.user_id}", "ApiTokenRevoked", {"user_id": user.user_id, "token_id": token_id})],
        metadata=_as(metadata, user.user_id),
        within=mark_revoked,
    )


def tokens_of(engine: Engine, user_id: str) -> list[dict[str, str | None]]:
    """A user's API tokens, newest first: id, created_at and revoked_at (never the token or its hash)."""
    tokens = api_tokens.c
    with engine.connect() as connection:
        rows = (
            connection.execute(
                select(tokens.token_id, tokens.created_at, tokens.revoked_at)
                .where(tokens.user_id == user_id)
                .order_by(tokens.created_at.desc(), tokens.token_id)
            )
            .mappings()
            .all()
        )
    return [dict(row) for row in rows]


def _user_where(engine: Engine, condition: ColumnElement[bool], *joins: Table) -> User | None:
    """The one user matching `condition` (over `users` and any joined tables), if any."""
    query = select(users.c.user_id, users.c.email, users.c.name, users.c.locale, users.c.session_epoch)
    for table in joins:
        query = query.join(table, table.c.user_id == users.c.user_id)
    with engine.connect() as connection:
        row = connection.execute(query.where(condition)).first()
    return None if row is None else User(row.user_id, row.email, row.name, row.locale, row.session_epoch)


def find_user(engine: Engine, email: str) -> User | None:
    """The user with this e-mail address, if any."""
    return _user_where(engine, users.c.email == normalise_email(email))


def load_user(engine: Engine, user_id: str) -> User | None:
    """The user with this id, if any (Flask-Login's user loader)."""
    return _user_where(engine, users.c.user_id == user_id)


def session_user(engine: Engine, session_id: str) -> User | None:
    """The user a session's id (`user_id:epoch`) names, unless their password was reset since it was made.

    An id without an epoch (a session from before generations existed) counts as generation 0.
    """
    user_id, _, epoch = session_id.partition(":")
    user = load_user(engine, user_id)
    if user is None or str(user.epoch) != (epoch or "0"):
        return None
    return user


def names_of(engine: Engine, user_ids: set[str]) -> dict[str, str]:
    """The display names of these users, by id."""
    if not user_ids:
        return {}
    with engine.connect() as connection:
        return dict(
            connection.execute(select(users.c.user_id, users.c.name).where(users.c.user_id.in_(sorted(user_ids)))).all()
        )


def emails_of(engine: Engine, user_ids: set[str]) -> dict[str, str]:
    """The e-mail addresses of these users, by id."""
    if not user_ids:
        return {}
    with engine.connect() as connection:
        return dict(
            connection.execute(
                select(users.c.user_id, users.c.email).where(users.c.user_id.in_(sorted(user_ids)))
            ).all()
        )


@functools.cache
def _stand_in_hash(method: str) -> str:
    """A hash made once per method, checked when nobody has the e-mail, so that costs one check like a real sign-in."""
    return generate_password_hash(secrets.token_urlsafe(16), method)


def authenticate(engine: Engine, email: str, password: str, method: str = "scrypt") -> User | None:
    """The user if the password matches; None otherwise (the same answer, after the same work, for an unknown e-mail).

    `method` is how the passwords are hashed (`Services.password_method`).
    """
    with engine.connect() as connection:
        row = connection.execute(select(users).where(users.c.email == normalise_email(email))).first()
    if row is None:
        check_password_hash(_stand_in_hash(method), password)
        return None
    if not check_password_hash(row.password_hash, password):
        return None
    return User(row.user_id, row.email, row.name, row.locale, row.session_epoch)


def set_locale(engine: Engine, user_id: str, locale: str) -> None:
    """Remember the language a person chose for the pages (a preference, not an event)."""
    with engine.begin() as connection:
        connection.execute(update(users).where(users.c.user_id == user_id).values(locale=locale))


def user_for_token(engine: Engine, token: str) -> User | None:
    """The user a bearer token belongs to, unless it is unknown or revoked."""
    return _user_where(
        engine, (api_tokens.c.token_hash == hash_token(token)) & api_tokens.c.revoked_at.is_(None), api_tokens
    )


def _as(metadata: Metadata, user_id: str) -> Metadata:
    """The request's metadata with the acting user filled in."""
    return Metadata(
        metadata.actor_id or user_id,
        metadata.organisation_id,
        metadata.correlation_id,
        metadata.causation_id,
        metadata.request_id,
    )
