"""The audit pages for facilitators: the filtered history, as-of views, CSV export, a member's commitment history."""

from __future__ import annotations

from typing import Any

from flask import abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext
from marshmallow import ValidationError as Invalid
from sqlalchemy.engine import Connection
from wtforms import SelectField, StringField

from coalition.accounts import names_of
from coalition.domain.coalition import Actor
from coalition.infra.extensions import services
from coalition.infra.formats import reader_zone
from coalition.reads import audit
from coalition.reads.access import readers_snapshot
from coalition.reads.coalitions import member_count, member_states
from coalition.reads.paging import Page
from coalition.reads.reports import AuditLog, Filters, event_rows, facilitates
from coalition.reads.standing import BadMoment, Moment, Snapshot, page_of_standing, resolve
from coalition.web.forms import LISTED
from coalition.web.pages import actor, audit_members
from coalition.web.pages import audit_common as common
from coalition.web.pages.audit_common import bp
from coalition.web.pages.audit_forms import AsOfForm, FilterForm, MemberPickForm, Who, label, who_filter
from coalition.web.reading import parse_filters, today
from coalition.web.request import csv_response, dated_filename
from coalition.web.typed import login_required

__all__ = ["audit_members", "bp"]  # the member history's routes are on the same blueprint


def _facilitated(connection: Connection, coalition_id: str) -> tuple[Snapshot, Actor]:
    """The coalition now, narrowed to its reader's organisations (`readers_snapshot`), and its reader: 404 if
    unknown, 403 unless the signed-in person facilitates it."""
    reader = actor(connection)
    snap = readers_snapshot(connection, coalition_id, reader, Moment(None, today()))
    if snap.agreement is None:
        abort(404)
    if not facilitates(snap, reader):
        abort(403)
    return snap, reader


def _by_whom(form: FilterForm) -> tuple[tuple[str, StringField, SelectField], ...]:
    """Each filter by who: its key in `_filter_form`'s answer, the name typed, the id (the menu's)."""
    return (("organisation", form.organisation, form.organisation_id), ("person", form.person, form.actor))


def _choice_links(coalition_id: str, form: FilterForm, who: dict[str, Who]) -> dict[str, list[tuple[str, str]]]:
    """For each filter by who whose typed name fits several: (name, link) of each it offers. A link keeps the other
    filters, and the other filter's name as typed when it chose no one yet."""
    kept: dict[str, Any] = form.query()
    for key, typed, _menu in _by_whom(form):
        if who[key].unresolved:
            kept[typed.name] = who[key].unresolved
    links = {}
    for key, typed, menu in _by_whom(form):
        base = {name: value for name, value in kept.items() if name not in (typed.name, menu.name)}
        links[key] = [
            (shown, url_for(".audit_history", coalition_id=coalition_id, **{**base, menu.name: choice}))
            for choice, shown in who[key].choices
        ]
    return links


def _filter_form(
    connection: Connection, coalition_id: str
) -> tuple[FilterForm, Filters | None, dict[str, Who], dict[str, str]]:
    """The filter form with its choices, the filters it names (None when the form is invalid), its filters by
    who, and the coalition's organisations when few enough to list (else none)."""
    form = FilterForm(formdata=request.args)
    # Menus only where they stay short: the organisations, counted; the people who acted, read (with their names)
    # only in a coalition of few organisations, where the menu would list them anyway; in a larger one both are typed
    few = member_count(connection, coalition_id) <= LISTED
    acted = audit.actors(connection, coalition_id) if few else None
    few_people = acted is not None and len(acted) <= LISTED
    who = {
        "organisation": who_filter(
            form.organisation_id,
            form.organisation,
            few,
            lambda ids: audit.organisations(connection, coalition_id, ids=ids),
            _("Any organisation"),
            _("The link names an organisation that is not in this coalition. Type its name instead."),
            lambda name: _(
                "No organisation here has “%(name)s” in its name. Check the spelling, or type less.", name=name
            ),
            lambda name, n: ngettext(
                "“%(name)s” fits %(num)d organisation: choose it, or type more of the name.",
                "“%(name)s” fits %(num)d organisations: choose one, or type more of the name.",
                n,
                name=name,
            ),
        ),
        "person": who_filter(
            form.actor,
            form.person,
            few_people,
            lambda ids: acted if ids is None and acted is not None else audit.actors(connection, coalition_id, ids=ids),
            _("Anyone"),
            _("The link names a person who has not acted in this coalition. Type their name instead."),
            lambda name: _(
                "No one who acted here has “%(name)s” in their name. Check the spelling, or type less.", name=name
            ),
            lambda name, n: ngettext(
                "“%(name)s” fits %(num)d person: choose them, or type more of the name.",
                "“%(name)s” fits %(num)d people: choose one, or type more of the name.",
                n,
                name=name,
            ),
        ),
    }
    form.type.choices = [("", _("Any kind of event"))] + sorted(
        ((t, label(t)) for t in AuditLog.types), key=lambda c: c[1].lower()
    )
    valid = form.validate()
    for key, typed, menu in _by_whom(form):
        if who[key].listed:  # a name typed into the address of a page with menus: its refusals stand by the menu
            menu.errors = [*menu.errors, *typed.errors, *who[key].errors]
        else:
            typed.errors = [*typed.errors, *who[key].errors]
    listed = who["organisation"].names if who["organisation"].listed else {}
    if not valid or who["organisation"].errors or who["person"].errors:
        return form, None, who, listed
    form.as_of.errors = common.future(form.as_of.data, today())
    if form.as_of.errors:
        return form, None, who, listed
    args = form.query()
    if form.as_of.data and (form.until.data is None or form.as_of.data < form.until.data):
        args["until"] = form.as_of.data.isoformat()  # the history as it stood at the end of that day
    try:
        return form, parse_filters(args, reader_zone()), who, listed  # days as the reader's clock counts them
    except Invalid as error:  # a day the store cannot bound (the year 9999)
        for name, messages in error.messages_dict.items():
            form[name].errors = [*form[name].errors, *messages]
        return form, None, who, listed


@bp.get("/coalitions/<coalition_id>/audit")
@login_required
def audit_history(coalition_id: str) -> ResponseReturnValue:
    """The coalition's history, newest first, filtered by organisation, person, kind of event and dates, in pages
    of PER_PAGE events (keyset paging on the log position: `before` and `after`)."""
    with services().engine.connect() as connection:
        snap, _reader = _facilitated(connection, coalition_id)
        form, filters, who, listed = _filter_form(connection, coalition_id)
        rows: list[dict[str, Any]] = []
        matching = 0
        links: dict[str, str | None] = {"newest": None, "newer": None, "older": None, "oldest": None}
        query: dict[str, Any] = form.query() if filters is not None else {}
        members: set[str] = set()
        if filters is not None:
            page = audit.page(
                connection,
                services().store.registry,
                coalition_id,
                filters,
                common.PER_PAGE,
                before=form.before.data,
                after=form.after.data,
            )
            matching = page.matching
            cursor = form.before.data is not None or form.after.data is not None
            links = common.pages(".audit_history", page.newer, page.older, cursor, coalition_id=coalition_id, **query)
            rows = [
                {**row, "when": common.when(row["recorded_at"]), "label": label(row["type"])}
                for row in common.with_hashes(connection, event_rows(connection, coalition_id, page.entries))
            ]
            shown = {row["organisation_id"] for row in rows if row.get("organisation_id")}
            members = set(member_states(connection, coalition_id, organisations=shown)) if shown else set()
    as_of_day = form.as_of.data if filters is not None else None
    picker = MemberPickForm(formdata=None, as_of=as_of_day)
    picker.organisation_id.choices = [("", _("Choose an organisation")), *listed.items()]
    chosen = None  # the organisation the history is filtered by: its commitment history is a link away
    if filters is not None and form.organisation_id.data:
        chosen = (form.organisation_id.data, who["organisation"].names.get(form.organisation_id.data))
    csv = url_for(".audit_csv", coalition_id=coalition_id, **query) if filters is not None else None
    return render_template(
        "audit/history.html",
        coalition_id=coalition_id,
        agreement=snap.agreement,
        form=form,
        by_whom=who,
        choice_links=_choice_links(coalition_id, form, who),
        chosen=chosen,
        rows=rows,
        matching=matching,
        member_ids=members,
        picker=picker if listed else None,
        as_of_day=as_of_day,
        pages=links,
        newest=url_for(".audit_history", coalition_id=coalition_id, **query),
        csv=csv,
        csv_excel=url_for(".audit_csv", coalition_id=coalition_id, **query, excel=1) if csv else None,
    ), 200 if filters is not None else 400


@bp.get("/coalitions/<coalition_id>/audit.csv")
@login_required
def audit_csv(coalition_id: str) -> ResponseReturnValue:
    """The filtered history as CSV, newest first as on the page, with each event's hash; named after the
    coalition and the day; `?excel=1` starts it with a UTF-8 signature for Excel."""
    with services().engine.connect() as connection:
        snap, _reader = _facilitated(connection, coalition_id)
        _form, filters, _who, _listed = _filter_form(connection, coalition_id)
        if filters is None:
            return audit_history(coalition_id)
        entries = audit.entries(connection, services().store.registry, coalition_id, filters)[::-1]
        rows = common.with_hashes(connection, event_rows(connection, coalition_id, entries))
    assert snap.agreement is not None
    names = dated_filename(snap.agreement["name"], "audit", today())
    return csv_response(rows, common.AUDIT_CSV_COLUMNS, *names, excel=common.excel())


@bp.get("/coalitions/<coalition_id>/audit/member")
@login_required
def member_pick(coalition_id: str) -> ResponseReturnValue:
    """The history page's organisation picker: on to the chosen member's commitment history."""
    form = MemberPickForm(formdata=request.args)
    with services().engine.connect() as connection:
        _facilitated(connection, coalition_id)
        chosen = {form.organisation_id.data} if form.organisation_id.data else set()
        form.organisation_id.choices = list(audit.organisations(connection, coalition_id, ids=chosen).items())
    if not form.validate():
        message = " ".join(str(e) for f in form for e in f.errors)
        return render_template("errors/other.html", error=None, status=400, message=message), 400
    as_of_day = form.as_of.data.isoformat() if form.as_of.data else None
    return redirect(
        url_for(
            ".member_history", coalition_id=coalition_id, organisation_id=form.organisation_id.data, as_of=as_of_day
        )
    )


#: Members a page of the as-of page shows, each with its standing and its table of work then.
PAGE_SIZE = 25


@bp.get("/coalitions/<coalition_id>/audit/as-of")
@login_required
def as_of(coalition_id: str) -> ResponseReturnValue:
    """Member standing and who was responsible for what, as they were at the end of a chosen day: a page of
    members at a time (`page_of_standing`: chosen in SQL, by name, after the organisation `?after=`)."""
    current_day = today()
    form = AsOfForm(formdata=request.args)
    then: Snapshot | None = None
    page: Page[dict[str, Any]] | None = None
    with services().engine.connect() as connection:
        snap, _reader = _facilitated(connection, coalition_id)
        valid = form.validate()
        if valid and form.date.data:
            try:
                moment = resolve(connection, form.date.data.isoformat(), current_day)
            except BadMoment:  # the only way a valid date is refused: it has not happened yet
                form.date.errors = [
                    _(
                        "%(day)s is in the future: the history ends today, %(today)s.",
                        day=form.date.data.isoformat(),
                        today=current_day.isoformat(),
                    )
                ]
                valid = False
            else:
                after = request.args.get("after") or None
                then, page = page_of_standing(connection, coalition_id, moment, after, PAGE_SIZE, by_name=True)
        founded = common.when(snap.agreement["founded_at"]) if snap.agreement else None
    members = page.items if page is not None and then is not None and then.agreement else []
    people = names_of(services().engine, {r["user_id"] for m in members for r in m["roles"]})
    day = form.date.data.isoformat() if valid and form.date.data else None
    work = audit.work_by_organisation(services().engine, then) if then and then.agreement else []
    return render_template(
        "audit/as_of.html",
        coalition_id=coalition_id,
        agreement=snap.agreement,
        form=form,
        then=then,
        founded=founded,
        members=members,
        total=page.total if page is not None else 0,
        next_url=url_for(".as_of", coalition_id=coalition_id, date=day, after=page.next_after)
        if page is not None and page.next_after
        else None,
        first_url=url_for(".as_of", coalition_id=coalition_id, date=day) if request.args.get("after") else None,
        people=people,
        # those of the page with a commitment or task then, each with a table; the others named on one line
        work=[o for o in work if o["commitments"] or o["tasks"]],
        idle=[o["name"] for o in work if not (o["commitments"] or o["tasks"])],
    ), 200 if valid else 400
