"""Reports of a coalition: its standing, its responsibilities and its history (JSON and CSV)."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue
from marshmallow import Schema, fields, validate

from coalition.accounts import names_of
from coalition.domain.base import NotAllowed, NotFound
from coalition.infra.extensions import services
from coalition.reads.access import readers_snapshot
from coalition.reads.audit import entries as history
from coalition.reads.audit import hashes
from coalition.reads.grid import page_of_responsibilities
from coalition.reads.reports import CSV_COLUMNS, event_rows, facilitates
from coalition.reads.standing import Snapshot, page_of_standing, resolve, responsibilities
from coalition.web.api.auth import authenticated
from coalition.web.api.blueprint import bp
from coalition.web.api.checked import ID
from coalition.web.api.edge import documented, query_args, reader
from coalition.web.api.schemas import AsOfQuery, OptionalPage
from coalition.web.reading import member_moment, parse_filters, snapshot_for_member, today
from coalition.web.request import csv_response

#: Members per page of the standing by default: a coalition of thousands is read a page at a time.
STANDING_PAGE = 100
#: Events per page of the history by default (a page of 100 is about 60 kB; clients page on with `next_after`).
EVENTS_PAGE = 100


def _moment(snap: Snapshot) -> dict[str, Any]:
    return {"as_of": snap.moment.day.isoformat(), "position": snap.moment.position}


class EventsQuery(Schema):
    organisation_id = fields.String(validate=ID)
    actor = fields.String(
        validate=validate.Length(min=1, max=320), metadata={"description": "a user id or e-mail address"}
    )
    type = fields.String(
        validate=validate.Length(min=1, max=1000),
        metadata={"description": "one event type, or several separated by commas"},
    )
    since = fields.String(metadata={"description": "ISO date or date-time, inclusive"})
    until = fields.String(metadata={"description": "ISO date or date-time, inclusive"})
    format = fields.String(validate=validate.OneOf(("json", "csv")))
    after = fields.Integer(
        validate=validate.Range(min=0, max=2**62), metadata={"description": "the last position already seen"}
    )
    before = fields.Integer(
        validate=validate.Range(min=1, max=2**62),
        metadata={"description": "only events before this position (with order=newest: the last position seen)"},
    )
    order = fields.String(
        validate=validate.OneOf(("oldest", "newest")),
        load_default="oldest",
        metadata={
            "description": "oldest first (the default, paged with `after`) or newest first (paged with `before`)"
        },
    )
    limit = fields.Integer(
        validate=validate.Range(min=1, max=10_000),
        load_default=EVENTS_PAGE,
        metadata={"description": f"events per page (default {EVENTS_PAGE}, at most 10,000); CSV: every event"},
    )


class StandingQuery(AsOfQuery):
    after = fields.String(validate=ID, metadata={"description": "the last organisation_id already seen"})
    limit = fields.Integer(
        validate=validate.Range(min=1, max=1000),
        load_default=STANDING_PAGE,
        metadata={"description": f"members per page (default {STANDING_PAGE}), ordered by organisation_id"},
    )


class ResponsibilitiesQuery(AsOfQuery, OptionalPage):
    limit = fields.Integer(
        validate=validate.Range(min=1, max=1000),
        metadata={
            "description": "organisations per page, ordered by organisation_id: each page holds their commitments "
            "and tasks, and whether each objective is taken on by anyone; without it, every organisation at once"
        },
    )


class Figure(Schema):
    count = fields.Integer(required=True)
    positions = fields.List(fields.Integer(), required=True)


class StandingView(Schema):
    as_of = fields.String(required=True)
    position = fields.Integer(allow_none=True, metadata={"description": "the log position read; null: now"})
    total = fields.Integer(required=True, metadata={"description": "members on every page together"})
    next_after = fields.String(
        allow_none=True, metadata={"description": "pass as `after` for the next page; null: this is the last"}
    )
    members = fields.List(
        fields.Dict(),
        required=True,
        metadata={
            "description": (
                "per organisation: membership {state, since, position}, roles, "
                "commitments {pledged, fulfilled, overdue, withdrawn}, tasks {open, done, overdue} "
                "and statements {opened (while a member), signed} as {count, positions}, "
                "level good|attention|lapsed, reason"
            )
        },
    )


class ResponsibilitiesView(Schema):
    as_of = fields.String(required=True)
    position = fields.Integer(allow_none=True)
    objectives = fields.List(fields.Dict(), required=True)
    organisations = fields.List(fields.Dict(), required=True)
    unlinked = fields.Dict(required=True)
    uncovered = fields.List(fields.String(), required=True)
    total = fields.Integer(
        metadata={
            "description": "with `limit`: organisations with a membership (any state) on every page together; each "
            "page's `organisations` lists those active or suspended"
        }
    )
    next_after = fields.String(
        allow_none=True,
        metadata={"description": "with `limit`: pass as `after` for the next page; null: this is the last"},
    )


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
    hash = fields.String(required=True, metadata={"description": "the event's chain hash, hex, to cite it"})


class EventsView(Schema):
    events = fields.List(fields.Nested(EventView), required=True)
    next_after = fields.Integer(
        allow_none=True, metadata={"description": "order=oldest: pass as `after` for the next page"}
    )
    next_before = fields.Integer(
        allow_none=True, metadata={"description": "order=newest: pass as `before` for the next (older) page"}
    )


@bp.get("/coalitions/<coalition_id>/standing")
@authenticated
@documented(query=StandingQuery, response=StandingView)
def read_standing(coalition_id: str) -> ResponseReturnValue:
    """Each member's standing now, or as of a past position, date or date-time; a page of members at a time
    (`limit`, `after`), in the order of their organisation ids."""
    args = query_args(StandingQuery())
    with services().engine.connect() as connection:
        moment = member_moment(connection, coalition_id, args.get("as_of"), reader(connection))
        snap, page = page_of_standing(connection, coalition_id, moment, args.get("after"), args["limit"])
        members = page.items
    people = names_of(services().engine, {r["user_id"] for m in members for r in m["roles"]})
    for member in members:
        for role in member["roles"]:
            role["name"] = people.get(role["user_id"])
    return jsonify(
        StandingView().dump({**_moment(snap), "total": page.total, "next_after": page.next_after, "members": members})
    )


@bp.get("/coalitions/<coalition_id>/responsibilities")
@authenticated
@documented(query=ResponsibilitiesQuery, response=ResponsibilitiesView)
def read_responsibilities(coalition_id: str) -> ResponseReturnValue:
    """Objectives by organisations: who committed what, who does which task by when; gaps flagged. With `limit`,
    a page of organisations at a time (`after`), in the order of their organisation ids."""
    args = query_args(ResponsibilitiesQuery())
    with services().engine.connect() as connection:
        if "limit" not in args:
            snap = snapshot_for_member(connection, coalition_id, args.get("as_of"), reader(connection))
            return jsonify(ResponsibilitiesView().dump({**_moment(snap), **responsibilities(snap)}))
        moment = member_moment(connection, coalition_id, args.get("as_of"), reader(connection))
        snap, shown = page_of_responsibilities(connection, coalition_id, moment, args.get("after"), args["limit"])
    return jsonify(ResponsibilitiesView().dump({**_moment(snap), **shown}))


@bp.get("/coalitions/<coalition_id>/events")
@bp.get("/coalitions/<coalition_id>/events.csv", defaults={"as_csv": True})
@authenticated
@documented(query=EventsQuery, response=EventsView)
def read_events(coalition_id: str, as_csv: bool = False) -> ResponseReturnValue:
    """The coalition's history (facilitators); CSV with `Accept: text/csv`, `?format=csv` or `/events.csv`."""
    args = query_args(EventsQuery())
    filters = parse_filters(args)
    as_csv = (
        as_csv
        or args.get("format") == "csv"
        or (
            request.accept_mimetypes.best_match(["application/json", "text/csv"]) == "text/csv" and "format" not in args
        )
    )
    with services().engine.connect() as connection:
        who = reader(connection)  # whether they facilitate: their organisations' rows, not the whole coalition's
        snap = readers_snapshot(connection, coalition_id, who, resolve(connection, None, today()))
        if snap.agreement is None:
            raise NotFound("no such coalition: %(coalition)s", coalition=coalition_id)
        if not facilitates(snap, who):
            raise NotAllowed("only facilitators may read the audit history")
        limit = None if as_csv else args["limit"]
        newest = args["order"] == "newest"
        entries = history(
            connection,
            services().store.registry,
            coalition_id,
            filters,
            limit,
            args.get("after", 0),
            before=args.get("before"),
            newest_first=newest,
        )
        rows = event_rows(connection, coalition_id, entries)
        if not as_csv:
            cited = hashes(connection, [row["position"] for row in rows])
            rows = [{**row, "hash": cited.get(row["position"], "")} for row in rows]
    if as_csv:
        return csv_response(rows, CSV_COLUMNS, f"coalition-{coalition_id}-history.csv")
    full = limit is not None and len(rows) == limit
    last = rows[-1]["position"] if full else None
    return jsonify(
        EventsView().dump(
            {"events": rows, "next_after": None if newest else last, "next_before": last if newest else None}
        )
    )
