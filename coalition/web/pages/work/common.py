"""What the work pages ask alike: the coalition and its reader, people's names."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import abort
from sqlalchemy.engine import Connection

from coalition.accounts import names_of
from coalition.domain.coalition import Actor
from coalition.infra.extensions import services
from coalition.reads import work
from coalition.reads.standing import Moment, Snapshot, snapshot
from coalition.web.pages import actor, require_member
from coalition.web.reading import today


def current(
    connection: Connection, coalition_id: str, whole: bool = False, also: Iterable[str] = ()
) -> tuple[Snapshot, Actor]:
    """The coalition now (404 if there is none) and the reader, who must act for one of its members (403): narrowed
    to the reader's organisations and `also` (those holding the work the page shows: `work.of_work`), or `whole`
    (every member's rows)."""
    if whole:
        snap = snapshot(connection, coalition_id, Moment(None, today()))
    else:
        snap = work.of_work(connection, coalition_id, actor(connection), today(), also)
    if snap.agreement is None:
        abort(404)
    return snap, require_member(connection, coalition_id)


def people(*user_ids: Any) -> dict[str, str]:
    """The names of these people (None ignored), by user id."""
    return names_of(services().engine, {u for u in user_ids if u})
