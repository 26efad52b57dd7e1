"""Browser sessions kept on the server: each sign-in is a record, and a cookie works only while its record does.

The session cookie (Flask-Login's) carries a random secret; the table keeps its SHA-256, the person, when it
began and was last seen (written at most once a minute), a short description of the browser and the
network it came from (the first three bytes of an IPv4 address, the first six of an IPv6 one), and when
it ended. A request whose record is unknown, ended, idle for too long, or from an older session
generation (`users.session_epoch`) is signed out. Signing out ends the record, so a copy of the cookie
stops working too. Sessions are not events: signing in is not a coalition fact, and the log keeps no
addresses.
"""

from __future__ import annotations

import ipaddress
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Column, ForeignKey, Integer, String, Table, bindparam, insert, select, update
from sqlalchemy.engine import Connection, Engine

from coalition.accounts import USER_COLUMNS, User, hash_token, metadata, users
from coalition.accounts.browsers import describe
from events import driver
from events.store import format_time

#: A session's last-seen time is written again only when the one kept is older than this.
TOUCH_EVERY = timedelta(minutes=1)
#: How long a session may stay unused before it ends by itself, unless SESSION_IDLE_DAYS says otherwise.
IDLE_DAYS = 30
PREFIX = "s1."  # the form of the id Flask-Login keeps: a session secret, not a person's id

user_sessions = Table(
    "user_sessions",
    metadata,
    Column("session_id", String(64), primary_key=True),  # shown on the page and in the API; not the secret
    Column("user_id", String(64), ForeignKey("users.user_id"), nullable=False, index=True),
    Column("secret_hash", String(64), nullable=False, unique=True),
    Column("epoch", Integer, nullable=False, server_default="0"),  # users.session_epoch when it began
    Column("created_at", String(32), nullable=False),
    Column("last_seen_at", String(32), nullable=False),
    Column("ended_at", String(32)),
    Column("user_agent", String(200), nullable=False, server_default=""),
    Column("ip_prefix", String(64), nullable=False, server_default=""),
)


@dataclass(frozen=True)
class SessionUser(User):
    """A person signed in through a browser session: Flask-Login keeps the session's secret as their id."""

    secret: str = ""
    session_id: str = ""

    def get_id(self) -> str:
        """The id Flask-Login keeps in the cookie: the session's secret."""
        return PREFIX + self.secret


def ip_prefix(address: str | None) -> str:
    """The network a request came from, never the address itself: 192.0.2.0/24, 2001:db8:1::/48."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return ""
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    bits = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{bits}", strict=False))


def start(connection: Connection, user: User, now: datetime, user_agent: str, address: str | None) -> SessionUser:
    """Record a new session for `user` (signed in at `now`): the person as the browser's session knows them."""
    secret, session_id = secrets.token_urlsafe(32), uuid.uuid4().hex
    stamp = format_time(now)
    epoch = connection.execute(select(users.c.session_epoch).where(users.c.user_id == user.user_id)).scalar_one()
    connection.execute(
        insert(user_sessions),
        {
            "session_id": session_id,
            "user_id": user.user_id,
            "secret_hash": hash_token(secret),
            "epoch": epoch,
            "created_at": stamp,
            "last_seen_at": stamp,
            "user_agent": describe(user_agent)[:200],
            "ip_prefix": ip_prefix(address),
        },
    )
    return SessionUser(
        user.user_id,
        user.email,
        user.name,
        user.locale,
        epoch,
        user.verified,
        user.time_zone,
        secret=secret,
        session_id=session_id,
    )


_s, _u = user_sessions.c, users.c
#: A going session and its person, by the secret's SHA-256, seen since a time (built once; sent on the driver's cursor).
_GOING = (
    select(_s.session_id, _s.last_seen_at, *USER_COLUMNS)
    .select_from(user_sessions.join(users, _u.user_id == _s.user_id))
    .where(
        _s.secret_hash == bindparam("secret_hash"),
        _s.ended_at.is_(None),
        _s.epoch == _u.session_epoch,
        _u.closed_at.is_(None),
        _s.last_seen_at > bindparam("since"),
    )
)


class _Going(NamedTuple):
    session_id: str
    last_seen_at: str
    user_id: str
    email: str
    name: str
    locale: str | None
    session_epoch: int
    email_verified_at: str | None
    time_zone: str | None


def resume(engine: Engine, kept_id: str, now: datetime, idle: timedelta) -> SessionUser | None:
    """The person of the session whose secret the cookie kept, if it is still going at `now` (its use noted)."""
    if not kept_id.startswith(PREFIX):
        return None  # an id from before sessions were kept (`user_id:epoch`), or not ours: signed out
    secret = kept_id.removeprefix(PREFIX)
    s = user_sessions.c
    found = driver.lookup(engine, _GOING, {"secret_hash": hash_token(secret), "since": format_time(now - idle)})
    if found is None:
        return None
    row = _Going(**found)
    stamp = format_time(now)
    if row.last_seen_at <= format_time(now - TOUCH_EVERY):
        with engine.begin() as connection:
            connection.execute(
                update(user_sessions)
                .where(s.session_id == row.session_id, s.last_seen_at < stamp)
                .values(last_seen_at=stamp)
            )
    verified = row.email_verified_at is not None
    return SessionUser(
        row.user_id,
        row.email,
        row.name,
        row.locale,
        row.session_epoch,
        verified,
        row.time_zone,
        secret=secret,
        session_id=row.session_id,
    )


def sessions_of(engine: Engine, user_id: str, now: datetime, idle: timedelta) -> list[dict[str, Any]]:
    """A person's sessions still going at `now`, the most recently seen first (never their secrets)."""
    s = user_sessions.c
    query = (
        select(s.session_id, s.created_at, s.last_seen_at, s.user_agent, s.ip_prefix)
        .join(users, users.c.user_id == s.user_id)
        .where(
            s.user_id == user_id,
            s.ended_at.is_(None),
            s.epoch == users.c.session_epoch,
            s.last_seen_at > format_time(now - idle),
        )
        .order_by(s.last_seen_at.desc(), s.session_id)
    )
    with engine.connect() as connection:
        return [dict(row) for row in connection.execute(query).mappings()]


def end_session(engine: Engine, user_id: str, session_id: str, now: datetime) -> bool:
    """End one of the person's sessions (sign out, or "end this session"): False if it is not theirs or ended."""
    s = user_sessions.c
    with engine.begin() as connection:
        ended = connection.execute(
            update(user_sessions)
            .where(s.session_id == session_id, s.user_id == user_id, s.ended_at.is_(None))
            .values(ended_at=format_time(now))
        )
    return bool(ended.rowcount)


def end_sessions(
    engine: Engine | Connection, user_id: str, keep: str | None = None, now: datetime | None = None
) -> int:
    """End every session of the person but `keep` (a session id: the browser asking), how many ended.

    For a password change (keep the current session), a reset or a closed account (keep none). Pass a
    `Connection` to end them in the transaction that changes the password; `now` defaults to the wall clock.
    """
    s = user_sessions.c
    condition = [s.user_id == user_id, s.ended_at.is_(None)]
    if keep is not None:
        condition.append(s.session_id != keep)
    statement = update(user_sessions).where(*condition).values(ended_at=format_time(now or datetime.now(UTC)))
    if isinstance(engine, Connection):
        return int(engine.execute(statement).rowcount)
    with engine.begin() as connection:
        return int(connection.execute(statement).rowcount)
