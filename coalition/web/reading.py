"""What pages and the API ask alike before a read: the store's clock, the moment a request names, the history
filters its query parameters name. The read layer (`coalition.reads`) takes these as arguments; asking the
app's services or turning a bad parameter into a 422 (`marshmallow.ValidationError`) happens here, at the edge."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import Any

from marshmallow import ValidationError
from sqlalchemy.engine import Connection

from coalition.accounts import find_user
from coalition.domain import zones
from coalition.domain.coalition_state import Actor
from coalition.infra.extensions import services
from coalition.reads import reports
from coalition.reads.reports import AuditLog, Filters
from coalition.reads.standing import BadMoment, Moment, Snapshot, span


def now() -> datetime:
    """This moment, by the store's clock (the one clock commands are decided and reads answered by)."""
    return services().store.clock()


def today() -> date:
    """Today, by the store's clock."""
    return now().date()


def member_moment(connection: Connection, coalition_id: str, as_of: str | None, reader: Actor) -> Moment:
    """The moment `as_of` names (422 if it names none), for a reader who acts for one of the coalition's members."""
    try:
        return reports.member_moment(connection, coalition_id, as_of, reader, today())
    except BadMoment as error:
        raise ValidationError({"as_of": [str(error)]}) from None


def snapshot_for_member(
    connection: Connection, coalition_id: str, as_of: str | None, reader: Actor, whole: bool = True
) -> Snapshot:
    """The coalition at `as_of` (422 if it names no moment), if the reader acts for one of its active or suspended
    members; every member's rows, or (not `whole`) the reader's organisations' only."""
    try:
        return reports.snapshot_for_member(connection, coalition_id, as_of, reader, today(), whole)
    except BadMoment as error:
        raise ValidationError({"as_of": [str(error)]}) from None


def _bound(text: str | None, name: str, end: bool, zone: str = zones.DEFAULT) -> datetime | None:
    """A date or date-time filter, both ends inclusive: `until` a date includes that whole day, the day as the
    clocks of `zone` count it (the pages: the reader's, as their times are shown; the API: UTC)."""
    if text is None:
        return None
    try:
        covered = span(text)
        if zone != zones.DEFAULT and covered.end - covered.start == timedelta(days=1):  # a day, not an instant
            midnight = datetime.combine(covered.day, time())
            covered = replace(
                covered,
                start=zones.local_to_utc(midnight, zone),
                end=zones.local_to_utc(midnight + timedelta(days=1), zone),
            )
    except (ValueError, OverflowError):
        raise ValidationError(
            {name: ["use an ISO date (2026-03-31) or date-time (2026-03-31T17:00:00Z) between the years 1 and 9998"]}
        ) from None
    return covered.end if end else covered.start


def parse_filters(args: Mapping[str, Any], zone: str = zones.DEFAULT) -> Filters:
    """The history filters named by `args` (organisation_id, actor, type, since, until; days as `zone` counts them);
    ValidationError if unusable."""
    types = tuple(t.strip() for t in args.get("type", "").split(",") if t.strip())
    unknown = sorted(set(types) - AuditLog.types)
    if unknown:
        raise ValidationError(
            {"type": [f"unknown event types: {', '.join(unknown)}; known: {', '.join(sorted(AuditLog.types))}"]}
        )
    actor = args.get("actor")
    if actor and "@" in actor:
        user = find_user(services().engine, actor)
        actor = user.user_id if user else f"unknown:{actor}"  # nobody by that address: an empty history
    return Filters(
        args.get("organisation_id"),
        actor,
        types,
        _bound(args.get("since"), "since", False, zone),
        _bound(args.get("until"), "until", True, zone),
    )
