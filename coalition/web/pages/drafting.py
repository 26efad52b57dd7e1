"""The statement editor: draft, preview, revise, translate, open for signature and amend.

Each page shows its forms only to the people the domain lets use them (`coalition.reads.powers`);
the handler's refusal stays the authority.
"""

from __future__ import annotations

from typing import Any

from flask import abort, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _

from coalition.domain import zones
from coalition.handlers import statements as handle
from coalition.infra.extensions import services
from coalition.infra.formats import reader_zone
from coalition.reads.access import readers_snapshot
from coalition.reads.powers import Powers, powers
from coalition.reads.standing import Moment, Snapshot
from coalition.reads.text import render_markdown
from coalition.reads.word_diff import compare
from coalition.web.i18n import language_choices, language_name
from coalition.web.pages import actor, context, drafting_translations, marks, perform, require_member
from coalition.web.pages.drafting_common import (
    STATEMENT,
    STATEMENTS,
    bp,
    editor_url,
    load,
    preview_of,
    state_of,
    statement_url,
)
from coalition.web.pages.drafting_forms import DraftForm, OpenForm, ReviseForm, TextForm, amend_form
from coalition.web.reading import now, today
from coalition.web.typed import login_required

# -- a new statement ------------------------------------------------------------------------------


def _drafting(coalition_id: str) -> tuple[Snapshot, Powers]:
    """The coalition (404 if unknown) and what the reader may draft (403 unless a member's person)."""
    with services().engine.connect() as connection:
        reader = actor(connection)
        snap = readers_snapshot(connection, coalition_id, reader, Moment(None, today()))  # the reader's rows only
        if snap.agreement is None:
            abort(404)
        return snap, powers(snap, require_member(connection, coalition_id))


def _new_page(
    coalition_id: str, form: DraftForm | None = None, preview: dict[str, Any] | None = None, status: int = 200
) -> ResponseReturnValue:
    snap, able = _drafting(coalition_id)
    form = form or DraftForm(language=str(get_locale() or "en"))
    form.language.choices = language_choices()
    if "organisation_id" in form:
        form.organisation_id.choices = [(o, snap.names.get(o, {}).get("name", o)) for o in able.drafts_for]
    return render_template(
        "drafting/new.html",
        form=form,
        powers=able,
        preview=preview,
        coalition_id=coalition_id,
        agreement=snap.agreement,
    ), status


@bp.route(f"{STATEMENTS}/new", methods=["GET", "POST"])
@login_required
def new(coalition_id: str) -> ResponseReturnValue:
    """Draft a statement (facilitators; members' people too when the agreement allows it)."""
    if request.method == "GET":
        return _new_page(coalition_id)
    form = DraftForm()
    able = _drafting(coalition_id)[1]
    form.language.choices = language_choices()
    form.organisation_id.choices = [(o, o) for o in able.drafts_for]
    if able.facilitator or not able.drafts_for:
        del form.organisation_id  # a facilitator drafts for the coalition; others are refused by the domain
    if not form.validate_on_submit():
        return _new_page(coalition_id, form, status=400)
    if form.preview.data:
        return _new_page(coalition_id, form, preview=preview_of(form))
    ctx = context()
    organisation = form.organisation_id.data if "organisation_id" in form else None
    return perform(
        lambda: handle.draft(
            ctx,
            coalition_id,
            title=str(form.title.data),
            body=str(form.body.data),
            language=str(form.language.data),
            organisation_id=organisation,
        ),
        done=_("The draft was saved. Preview, translate or open it from here."),
        then=lambda created: editor_url(coalition_id, created["id"]),
        again=lambda status: _new_page(coalition_id, form, status=status),
    )


# -- the editor -----------------------------------------------------------------------------------


def _edit_page(
    coalition_id: str,
    statement_id: str,
    form: ReviseForm | None = None,
    opening: OpenForm | None = None,
    preview: dict[str, Any] | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    with services().engine.connect() as connection:
        found, able = load(connection, coalition_id, statement_id)
    s = found.statement
    form = form or ReviseForm(title=s["title"], body=s["body"], language=s["language"])
    form.language.choices = language_choices({t["language"] for t in found.translations} - {s["language"]})
    opening = opening or OpenForm()
    zone = reader_zone()
    opening.deadline.label.text = _("Signing closes at (%(zone)s)", zone=zone)  # entered on the reader's clock
    missing = language_choices({s["language"], *(t["language"] for t in found.translations)})
    return render_template(
        "drafting/edit.html",
        statement=s,
        state=state_of(found),
        form=form,
        opening=opening,
        zone=zone,
        now_here=zones.utc_to_local(now(), zone).strftime("%Y-%m-%d %H:%M"),
        powers=able,
        preview=preview,
        coalition_id=coalition_id,
        language_name=language_name,
        missing=missing,
        translations=found.translations,
    ), status


@bp.route(f"{STATEMENT}/edit", methods=["GET", "POST"])
@login_required
def edit(coalition_id: str, statement_id: str) -> ResponseReturnValue:
    """The draft's editor: revise the text (with a preview), translations, and opening it for signature."""
    if request.method == "GET":
        return _edit_page(coalition_id, statement_id)
    form = ReviseForm()
    form.language.choices = language_choices()
    if not form.validate_on_submit():
        return _edit_page(coalition_id, statement_id, form, status=400)
    if form.preview.data:
        return _edit_page(coalition_id, statement_id, form, preview=preview_of(form))
    ctx = context()
    return perform(
        lambda: handle.revise(
            ctx,
            coalition_id,
            statement_id,
            title=str(form.title.data),
            body=str(form.body.data),
            language=str(form.language.data),
        ),
        done=_("The draft was saved."),
        then=editor_url(coalition_id, statement_id),
        again=lambda status: _edit_page(coalition_id, statement_id, form, status=status),
    )


@bp.post(f"{STATEMENT}/open")
@login_required
def open_statement(coalition_id: str, statement_id: str) -> ResponseReturnValue:
    """Freeze the text under its version hash and open it for signature (facilitators)."""
    opening = OpenForm()
    if not opening.validate_on_submit():
        return _edit_page(coalition_id, statement_id, opening=opening, status=400)
    # Entered on the reader's clock, recorded in UTC (a time the clocks skip or repeat: `zones.local_to_utc`).
    deadline = zones.local_to_utc(opening.deadline.data, reader_zone()) if opening.deadline.data else None
    ctx = context()
    return perform(
        lambda: handle.open_for_signature(
            ctx, coalition_id, statement_id, deadline=deadline, threshold=opening.threshold.data
        ),
        done=_("The statement is open for signature."),
        then=statement_url(coalition_id, statement_id),
        again=lambda status: _edit_page(coalition_id, statement_id, opening=opening, status=status),
    )


# -- amending an open statement -------------------------------------------------------------------


def _amend_page(
    coalition_id: str,
    statement_id: str,
    form: TextForm | None = None,
    preview: list[dict[str, Any]] | None = None,
    status: int = 200,
    changes: dict[str, Any] | None = None,
) -> ResponseReturnValue:
    with services().engine.connect() as connection:
        found, able = load(connection, coalition_id, statement_id)
    s = found.statement
    codes = [t["language"] for t in found.translations]
    if form is None:
        prefilled = {f"{key}_{t['language']}": t[key] for t in found.translations for key in ("title", "body")}
        form = amend_form(codes, title=s["title"], body=s["body"], **prefilled)
    return render_template(
        "drafting/amend.html",
        statement=s,
        state=state_of(found),
        form=form,
        powers=able,
        preview=preview,
        changes=changes,
        coalition_id=coalition_id,
        codes=codes,
        language_name=language_name,
    ), status


@bp.route(f"{STATEMENT}/amend", methods=["GET", "POST"])
@login_required
def amend(coalition_id: str, statement_id: str) -> ResponseReturnValue:
    """A new version of an open statement (facilitators); earlier signatures then need re-confirmation."""
    if request.method == "GET":
        return _amend_page(coalition_id, statement_id)
    with services().engine.connect() as connection:
        found, _able = load(connection, coalition_id, statement_id)
    codes = [t["language"] for t in found.translations]
    form = amend_form(codes)
    if not form.validate_on_submit():
        return _amend_page(coalition_id, statement_id, form, status=400)
    texts = {code: {"title": str(form[f"title_{code}"].data), "body": str(form[f"body_{code}"].data)} for code in codes}
    if form.preview.data:
        shown = [
            {
                "language": found.statement["language"],
                "title": form.title.data,
                "body": render_markdown(str(form.body.data)),
            },
            *({"language": c, "title": t["title"], "body": render_markdown(t["body"])} for c, t in texts.items()),
        ]
        # What the amendment would change, word by word, against the text signed now.
        own = {found.statement["language"]: {"title": str(form.title.data), "body": str(form.body.data)}}
        changes = {"before": found.statement["version"], "languages": compare(found.texts(), {**own, **texts}, marks())}
        return _amend_page(coalition_id, statement_id, form, preview=shown, changes=changes)
    ctx = context()
    return perform(
        lambda: handle.amend(
            ctx,
            coalition_id,
            statement_id,
            title=str(form.title.data),
            body=str(form.body.data),
            translations=texts or None,
        ),
        done=_("The statement was amended. Organisations that signed must now confirm the new version."),
        then=statement_url(coalition_id, statement_id),
        again=lambda status: _amend_page(coalition_id, statement_id, form, status=status),
    )


__all__ = ["bp", "drafting_translations"]  # importing this module registers the translation pages too
