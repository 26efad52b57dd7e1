"""Answers kept per Idempotency-Key, so that a retried command gets its first answer back.

A row is written in the same transaction as the command's events; the key is scoped to the user,
and the request's fingerprint (method, path and body) tells a true retry from a reused key.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, MetaData, String, Table, Text, bindparam, insert, select
from sqlalchemy.engine import Connection, Engine

from events import driver
from events.store import format_time, utc_now

metadata = MetaData()

command_answers = Table(
    "command_answers",
    metadata,
    Column("user_id", String(64), primary_key=True),
    Column("idempotency_key", String(200), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("answer", Text, nullable=False),
    Column("created_at", String(32), nullable=False),
)


@dataclass(frozen=True, slots=True)
class Kept:
    """The first answer to a keyed request, and the fingerprint of that request."""

    fingerprint: str
    answer: dict[str, Any]


def fingerprint(method: str, path: str, body: bytes) -> str:
    """What makes two requests the same request: method, path and exact body."""
    return hashlib.sha256(b"\n".join([method.encode(), path.encode(), body])).hexdigest()


_KEEP = insert(command_answers)


def remember(connection: Connection, user_id: str, key: str, fingerprint: str, answer: dict[str, Any]) -> None:
    """Keep the answer to a keyed request, inside the command's transaction."""
    driver.send(
        connection,
        _KEEP,
        {
            "user_id": user_id,
            "idempotency_key": key,
            "fingerprint": fingerprint,
            "answer": json.dumps(answer, sort_keys=True),
            "created_at": format_time(utc_now()),
        },
    )


_a = command_answers.c
_RECALL = select(_a.fingerprint, _a.answer).where(
    _a.user_id == bindparam("user_id"), _a.idempotency_key == bindparam("idempotency_key")
)


def recall(engine: Engine, user_id: str, key: str) -> Kept | None:
    """The kept answer to the user's request with this key, if there was one."""
    row = driver.lookup(engine, _RECALL, {"user_id": user_id, "idempotency_key": key})
    return None if row is None else Kept(row["fingerprint"], json.loads(row["answer"]))
