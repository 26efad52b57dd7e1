"""Each person's choices: how each kind of message reaches them (immediately, in the daily digest, or not at
all) and the hour of their digest; and the one-click unsubscribe of a kind (RFC 8058).

A kind without a stored choice is immediate (only other choices are stored); a person without a stored
hour gets the digest at `digest.DEFAULT_HOUR`. Turning a kind off also drops its messages still held for
today's digest, so that "off" holds from the moment it is chosen.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Connection

from coalition.notify.digest import DEFAULT_HOUR
from coalition.notify.kinds import KINDS
from coalition.notify.reactor import MODES
from coalition.notify.tables import digest_hours, preferences
from coalition.notify.tables import outbox as outbox_table
from projections.base import insert_missing

__all__ = ["DIGEST", "MODES", "Choices", "choices", "choose", "unsubscribe"]

#: The kind an unsubscribe link in a digest names: it turns off every kind the person gets daily.
DIGEST = "digest"


@dataclass(frozen=True, slots=True)
class Choices:
    """How a person receives each kind (every kind of `KINDS`, in its order), and their digest hour (UTC)."""

    kinds: dict[str, str]
    digest_hour: int


def choices(connection: Connection, user_id: str) -> Choices:
    """A person's choices, every kind listed (immediate unless they chose otherwise)."""
    stored = dict(
        connection.execute(select(preferences.c.kind, preferences.c.mode).where(preferences.c.user_id == user_id)).all()
    )
    hour = connection.execute(select(digest_hours.c.hour).where(digest_hours.c.user_id == user_id)).scalar()
    return Choices({kind: stored.get(kind, "immediate") for kind in KINDS}, DEFAULT_HOUR if hour is None else int(hour))


def choose(connection: Connection, user_id: str, kinds: Mapping[str, str], digest_hour: int | None = None) -> None:
    """Store the modes of the kinds named (others keep theirs) and, if given, the digest hour.

    The caller has checked them: each kind in `KINDS`, each mode in `MODES`, the hour 0 to 23.
    """
    for kind, mode in kinds.items():
        if kind not in KINDS or mode not in MODES:
            raise ValueError(f"no kind {kind!r} or mode {mode!r}")
        connection.execute(delete(preferences).where(preferences.c.user_id == user_id, preferences.c.kind == kind))
        if mode != "immediate":
            insert_missing(
                connection, preferences, [{"user_id": user_id, "kind": kind, "mode": mode}], key=("user_id", "kind")
            )
    off = [kind for kind, mode in kinds.items() if mode == "off"]
    if off:
        connection.execute(
            update(outbox_table)
            .where(
                outbox_table.c.user_id == user_id,
                outbox_table.c.kind.in_(off),
                outbox_table.c.status == "held",
            )
            .values(status="dropped")
        )
    if digest_hour is not None:
        if not 0 <= digest_hour <= 23:
            raise ValueError(f"no hour {digest_hour}")
        connection.execute(delete(digest_hours).where(digest_hours.c.user_id == user_id))
        insert_missing(connection, digest_hours, [{"user_id": user_id, "hour": digest_hour}], key=("user_id",))


def unsubscribe(connection: Connection, user_id: str, kind: str) -> list[str]:
    """Turn off what an unsubscribe link names: one kind, or (`digest`) every kind now daily. The kinds turned off.

    ValueError for a kind a person cannot turn off (not in `KINDS`).
    """
    if kind == DIGEST:
        daily = [k for k, mode in choices(connection, user_id).kinds.items() if mode == "daily"]
        choose(connection, user_id, dict.fromkeys(daily, "off"))
        return daily
    if kind not in KINDS:
        raise ValueError(f"no kind {kind!r} to turn off")
    choose(connection, user_id, {kind: "off"})
    return [kind]
