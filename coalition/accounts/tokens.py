"""API tokens: created with an expiry, refused once expired or revoked, their last use kept, listed and revoked.

Only a token's SHA-256 is kept. Creating and revoking one are events without secrets (`ApiTokenCreated`
carries the expiry); the last use is a plain column, written at most once a minute per token so that a
busy program costs one small write a minute, not one per request.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import bindparam, insert, or_, select, update
from sqlalchemy.engine import Connection, Engine

from coalition.accounts import (
    USER_COLUMNS,
    BadCredentials,
    User,
    _as,
    _user,
    api_tokens,
    authenticate,
    hash_token,
    users,
)
from coalition.domain.base import Invalid, NotFound, RuleBroken
from coalition.infra.extensions import Services
from events import Metadata, NewEvent, RecordedEvent, driver
from events.store import format_time

#: A new token's lifetime unless its maker chooses (days), and the longest they may choose.
DEFAULT_DAYS = 90
MAX_DAYS = 365
#: A token's last use is written again only when the one kept is older than this.
TOUCH_EVERY = timedelta(minutes=1)


class NewToken(NamedTuple):
    """A token just made: its id, the token itself (shown once) and when it expires."""

    id: str
    token: str
    expires_at: str


@dataclass(frozen=True)
class Refused:
    """Why a bearer token does not authenticate: `why` is unknown, revoked or expired, `on` the day it happened."""

    why: str
    on: str = ""


def create_token(
    services: Services, email: str, password: str, metadata: Metadata = Metadata(), days: int = DEFAULT_DAYS
) -> NewToken:
    """Check the password and return a new token's id and the token, shown once; only its hash is kept."""
    user = authenticate(services.engine, email, password, services.password_method)
    if user is None:
        raise BadCredentials("the e-mail address or the password is wrong")
    return issue_token(services, user, metadata, days)


def check_days(days: int) -> None:
    """Refuse a lifetime outside 1 to `MAX_DAYS` days."""
    if not 1 <= days <= MAX_DAYS:
        raise Invalid("a token lives 1 to %(most)s days: choose a number in that range", most=MAX_DAYS)


def issue_token(services: Services, user: User, metadata: Metadata = Metadata(), days: int = DEFAULT_DAYS) -> NewToken:
    """A new token for a user already signed in, valid `days` days: its id, the token (shown once), its expiry."""
    check_days(days)
    token, token_id = secrets.token_urlsafe(32), uuid.uuid4().hex
    now = services.store.clock()
    row = {
        "token_id": token_id,
        "user_id": user.user_id,
        "token_hash": hash_token(token),
        "created_at": format_time(now),
        "expires_at": format_time(now + timedelta(days=days)),
    }

    def insert_token(connection: Connection, _recorded: Sequence[RecordedEvent]) -> None:
        connection.execute(insert(api_tokens), row)

    payload = {"user_id": user.user_id, "token_id": token_id, "expires_at": row["expires_at"]}
    services.append(
        [NewEvent(f"user-{user.user_id}", "ApiTokenCreated", payload)],
        metadata=_as(metadata, user.user_id),
        within=insert_token,
    )
    return NewToken(token_id, token, row["expires_at"])


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


def revoke_all(connection: Connection, user_id: str, stamp: str) -> list[NewEvent]:
    """Mark every token of the person still usable as revoked at `stamp`; the events that say so, to append."""
    tokens = api_tokens.c
    revoked = list(
        connection.execute(
            select(tokens.token_id)
            .where(tokens.user_id == user_id, tokens.revoked_at.is_(None))
            .order_by(tokens.token_id)
        ).scalars()
    )
    if revoked:
        connection.execute(update(api_tokens).where(tokens.token_id.in_(revoked)).values(revoked_at=stamp))
    return [NewEvent(f"user-{user_id}", "ApiTokenRevoked", {"user_id": user_id, "token_id": t}) for t in revoked]


def tokens_of(engine: Engine, user_id: str) -> list[dict[str, str | None]]:
    """A user's API tokens, newest first: id, created, expires, last used and revoked (never the token or its hash)."""
    tokens = api_tokens.c
    with engine.connect() as connection:
        rows = (
            connection.execute(
                select(tokens.token_id, tokens.created_at, tokens.expires_at, tokens.last_used_at, tokens.revoked_at)
                .where(tokens.user_id == user_id)
                .order_by(tokens.created_at.desc(), tokens.token_id)
            )
            .mappings()
            .all()
        )
    return [dict(row) for row in rows]


def state(token: dict[str, str | None], now: datetime) -> str:
    """A listed token's state at `now`: revoked, expired or active."""
    if token["revoked_at"]:
        return "revoked"
    return "expired" if str(token["expires_at"]) <= format_time(now) else "active"


@dataclass
class Touch:
    """A token's last use, to note: in a command's append transaction if it has one (`write`), else alone."""

    token_id: str
    stamp: str
    done: bool = False

    def write(self, connection: Connection) -> None:
        """Note it in `connection`'s transaction (never moving it back, if a request with a later clock did)."""
        driver.send(connection, _TOUCH, {"k_token_id": self.token_id, "v_stamp": self.stamp})

    def write_alone(self, services: Services) -> None:
        """Note it in a transaction of its own that need not wait for the disk: a last use lost in a crash
        is noted again by the next use."""
        if not self.done:
            with services.store.transaction(lock=False, durable=False) as connection:
                self.write(connection)
            self.done = True


#: Built once (it runs with most commands): the last use moved on, never back.
_TOUCH = (
    update(api_tokens)
    .where(
        api_tokens.c.token_id == bindparam("k_token_id"),
        or_(api_tokens.c.last_used_at.is_(None), api_tokens.c.last_used_at < bindparam("v_stamp")),
    )
    .values(last_used_at=bindparam("v_stamp"))
)

_u, _t = users.c, api_tokens.c
#: A bearer token's user and state, by the token's SHA-256 (built once; sent on the driver's cursor).
_BY_HASH = (
    select(*USER_COLUMNS, _t.token_id, _t.expires_at, _t.revoked_at, _t.last_used_at)
    .select_from(api_tokens.join(users, _u.user_id == _t.user_id))
    .where(_t.token_hash == bindparam("token_hash"))
)


class _Found(NamedTuple):
    user_id: str
    email: str
    name: str
    locale: str | None
    session_epoch: int
    email_verified_at: str | None
    time_zone: str | None
    token_id: str
    expires_at: str
    revoked_at: str | None
    last_used_at: str | None


def lookup_token(engine: Engine, token: str, now: datetime) -> tuple[User, Touch | None] | Refused:
    """The user a bearer token belongs to at `now` and its last use to note (None: noted less than
    `TOUCH_EVERY` ago), or why it is refused. One query, on the token's SHA-256, sent to the driver directly."""
    found = driver.lookup(engine, _BY_HASH, {"token_hash": hash_token(token)})
    if found is None:
        return Refused("unknown")
    row = _Found(**found)
    if row.revoked_at is not None:
        return Refused("revoked", row.revoked_at[:10])
    stamp = format_time(now)
    if row.expires_at <= stamp:
        return Refused("expired", row.expires_at[:10])
    touch = None
    if row.last_used_at is None or row.last_used_at <= format_time(now - TOUCH_EVERY):
        touch = Touch(row.token_id, stamp)
    return _user(row), touch
