"""What members and facilitators read: standing, shared responsibilities and the audit history."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask import Response, g, jsonify, request
from flask.typing import ResponseReturnValue
from marshmallow import Schema, ValidationError, fields
from sqlalchemy import select
from sqlalchemy.engine import Connection

from coalition.accounts import find_user, names_of
from coalition.api import bp
from coalition.api.auth import authenticated
from coalition.api.edge import documented, query_args, today
from coalition.api.schemas import AsOfQuery, EventsQuery
from coalition.domain.base import NotAllowed, NotFound
from coalition.domain.coalition import Actor, Agreement, Coalition, Member, Role, is_facilitator
from coalition.extensions import services
from coalition.summaries import Names, summary
from projections.audit import AuditLog, Entry, Filters, history
from projections.coalitions import agreements, reads_as_member
from projections.organisations import acts_for
from projections.standing import BadMoment, Moment, Snapshot, resolve, responsibilities, snapshot, span, standing
from projections.versioned import valid_at

CSV_COLUMNS = ("position", "recorded_at", "type", "actor_id", "actor", "organisation_id", "organisation",
               "subject_organisation_id", "subject_organisation", "summary")


def _reader(connection: Connection, snap: Snapshot) -> Actor:
    """The signed-in user, with the organisations they act for today."""
    return Actor(g.user.user_id, frozenset(acts_for(connection, g.user.user_id, today())))


def as_domain(snap: Snapshot) -> Coalition:
    """The domain's view of the coalition from the read model: its agreement, members and roles, enough for the
    domain's rules on who may act (`is_facilitator`, `holds`, `may_draft`) to be asked of a read."""
    a = snap.agreement or {}
    agreement = Agreement(a["name"], a["purpose"], (), a["starts_on"], a["cooperation_mechanism"],
                          a["benefit_sharing"], a.get("ends_on"), bool(a.get("members_may_draft")))
    return Coalition(a["coalition_id"], agreement,
                     {m["organisation_id"]: Member(m["organisation_id"], m["state"]) for m in snap.members},
                     {r["role_id"]: Role(r["role_id"], r["role"], r["user_id"], r["organisation_id"])
                      for r in snap.roles})


def facilitates(snap: Snapshot, actor: Actor) -> bool:
    """The domain's rule on the read model: does `actor` facilitate the coalition now."""
    return snap.agreement is not None and is_facilitator(as_domain(snap), actor)


def require_member_reader(connection: Connection, coalition_id: str) -> None:
    """Refuse unless the coalition exists and the user acts for one of its active or suspended members now."""
    if connection.execute(select(agreements.c.coalition_id).where(
            agreements.c.coalition_id == coalition_id, valid_at(agreements, None))).first() is None:
        raise NotFound(f"no such coalition: {coalition_id}")
    if not reads_as_member(connection, coalition_id, acts_for(connection, g.user.user_id, today())):
        raise NotAllowed("only the people of member organisations may read this")


def member_moment(connection: Connection, coalition_id: str, as_of: str | None) -> Moment:
    """The moment `as_of` names, for a user who acts for one of the coalition's members."""
    try:
        moment = resolve(connection, as_of, today())
    except BadMoment as error:
        raise ValidationError({"as_of": [str(error)]}) from None
    require_member_reader(connection, coalition_id)
    return moment


def snapshot_for_member(connection: Connection, coalition_id: str, as_of: str | None) -> Snapshot:
    """The coalition at `as_of`, if the user acts for one of its active or suspended members."""
    return snapshot(connection, coalition_id, member_moment(connection, coalition_id, as_of))


def _moment(snap: Snapshot) -> dict[str, Any]:
    return {"as_of": snap.moment.day.isoformat(), "position": snap.moment.position}


class Figure(Schema):
    count = fields.Integer(required=True)
    positions = fields.List(fields.Integer(), required=True)


class StandingView(Schema):
    as_of = fields.String(required=True)
    position = fields.Integer(allow_none=True, metadata={"description": "the log position read; null: now"})
    members = fields.List(fields.Dict(), required=True, metadata={"description": (
        "per organisation: membership {state, since, position}, roles, commitments {pledged, fulfilled, overdue, "
        "withdrawn}, tasks {open, done, overdue} and statements {opened (while a member), signed} as {count, "
        "positions}, level good|attention|lapsed, reason")})


class ResponsibilitiesView(Schema):
    as_of = fields.String(required=True)
    position = fields.Integer(allow_none=True)
    objectives = fields.List(fields.Dict(), required=True)
    organisations = fields.List(fields.Dict(), required=True)
    unlinked = fields.Dict(required=True)
    uncovered = fields.List(fields.String(), required=True)


class EventView(Schema):
    position = fields.Integer(required=True)
    recorded_at = fields.String(required=True)
    type = fields.String(required=True)
    actor_id = fields.String(allow_none=True)
    actor = fields.String(allow_none=True)
    organisation_id = fields.String(allow_none=True)
    organisation = fields.String(allow_none=True)
    subject_organisation_id = fields.String(allow_none=True)
    subject_organisation = fields.String(allow_none=True)
    summary = fields.String(required=True)
    payload = fields.Dict(required=True)


class EventsView(Schema):
    events = fields.List(fields.Nested(EventView), required=True)
    next_after = fields.Integer(allow_none=True, metadata={"description": "pass as `after` for the next page"})


@bp.get("/coalitions/<coalition_id>/standing")
@authenticated
@documented(query=AsOfQuery, response=StandingView)
def read_standing(coalition_id: str) -> ResponseReturnValue:
    """Each member's standing now, or as of a past position, date or date-time."""
    with services().engine.connect() as connection:
        snap = snapshot_for_member(connection, coalition_id, query_args(AsOfQuery()).get("as_of"))
        members = standing(snap)
    people = names_of(services().engine, {r["user_id"] for m in members for r in m["roles"]})
    for member in members:
        for role in member["roles"]:
            role["name"] = people.get(role["user_id"])
    return jsonify(StandingView().dump({**_moment(snap), "members": members}))


@bp.get("/coalitions/<coalition_id>/responsibilities")
@authenticated
@documented(query=AsOfQuery, response=ResponsibilitiesView)
def read_responsibilities(coalition_id: str) -> ResponseReturnValue:
    """Objectives by organisations: who committed what, who does which task by when; gaps flagged."""
    with services().engine.connect() as connection:
        snap = snapshot_for_member(connection, coalition_id, query_args(AsOfQuery()).get("as_of"))
    return jsonify(ResponsibilitiesView().dump({**_moment(snap), **responsibilities(snap)}))


def _bound(text: str | None, name: str, end: bool) -> datetime | None:
    """A date or date-time filter, both ends inclusive: `until` a date includes that whole day."""
    if text is None:
        return None
    try:
        covered = span(text)
    except ValueError:
        raise ValidationError({name: ["use an ISO date (2026-03-31) or date-time (2026-03-31T17:00:00Z) "
                                      "between the years 1 and 9998"]}) from None
    return covered.end if end else covered.start


def parse_filters(args: Mapping[str, Any]) -> Filters:
    """The history filters named by `args` (organisation_id, actor, type, since, until); ValidationError if unusable."""
    types = tuple(t.strip() for t in args.get("type", "").split(",") if t.strip())
    unknown = sorted(set(types) - AuditLog.types)
    if unknown:
        raise ValidationError({"type": [f"unknown event types: {', '.join(unknown)}; "
                                        f"known: {', '.join(sorted(AuditLog.types))}"]})
    actor = args.get("actor")
    if actor and "@" in actor:
        user = find_user(services().engine, actor)
        actor = user.user_id if user else f"unknown:{actor}"  # nobody by that address: an empty history
    return Filters(args.get("organisation_id"), actor, types, _bound(args.get("since"), "since", False),
                   _bound(args.get("until"), "until", True))


@bp.get("/coalitions/<coalition_id>/events")
@bp.get("/coalitions/<coalition_id>/events.csv", defaults={"as_csv": True})
@authenticated
@documented(query=EventsQuery, response=EventsView)
def read_events(coalition_id: str, as_csv: bool = False) -> ResponseReturnValue:
    """The coalition's history (facilitators); CSV with `Accept: text/csv`, `?format=csv` or `/events.csv`."""
    args = query_args(EventsQuery())
    filters = parse_filters(args)
    as_csv = as_csv or args.get("format") == "csv" or (
        request.accept_mimetypes.best_match(["application/json", "text/csv"]) == "text/csv"
        and "format" not in args)
    with services().engine.connect() as connection:
        snap = snapshot(connection, coalition_id, resolve(connection, None, today()))
        if snap.agreement is None:
            raise NotFound(f"no such coalition: {coalition_id}")
        if not facilitates(snap, _reader(connection, snap)):
            raise NotAllowed("only facilitators may read the audit history")
        limit = None if as_csv else args["limit"]
        entries = history(connection, services().store.registry, coalition_id, filters, limit, args.get("after", 0))
        rows = event_rows(connection, coalition_id, entries)
    if as_csv:
        return csv_response(rows, f"coalition-{coalition_id}-history.csv")
    next_after = rows[-1]["position"] if limit is not None and len(rows) == limit else None
    return jsonify(EventsView().dump({"events": rows, "next_after": next_after}))


def _cell(value: Any) -> str:
    """A CSV cell that a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def event_rows(connection: Connection, coalition_id: str, entries: list[Entry]) -> list[dict[str, Any]]:
    """The history entries as the API, the CSV export and the audit page show them: names and a summary each."""
    names = Names.load(connection, coalition_id, entries)
    return [{"position": e.position, "recorded_at": e.recorded_at, "type": e.type, "actor_id": e.actor_id,
             "actor": names.person(e.actor_id) if e.actor_id else None, "organisation_id": e.organisation_id,
             "organisation": names.organisation(e.organisation_id) if e.organisation_id else None,
             "subject_organisation_id": e.subject_organisation_id,
             "subject_organisation": names.organisation(e.subject_organisation_id)
             if e.subject_organisation_id else None,
             "summary": summary(e, names), "payload": e.payload} for e in entries]


def csv_response(rows: list[dict[str, Any]], filename: str) -> Response:
    """The rows of `event_rows` as a CSV attachment, one column per `CSV_COLUMNS`."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    writer.writerows([_cell(row[column]) for column in CSV_COLUMNS] for row in rows)
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
