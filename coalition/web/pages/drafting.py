"""The statement editor: draft, preview, revise, translate, open for signature and amend.

Each page shows its forms only to the people the domain lets use them (`coalition.reads.powers`);
the handler's refusal stays the authority.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import login_required
from flask_wtf import FlaskForm
from sqlalchemy.engine import Connection

from coalition.domain import statement as st
from coalition.handlers import statements as handle
from coalition.infra.extensions import services
from coalition.reads import statements as read
from coalition.reads.powers import Powers, powers
from coalition.reads.text import render_markdown
from coalition.web.i18n import language_choices, language_name
from coalition.web.pages import context, perform, require_member
from coalition.web.pages.drafting_forms import DraftForm, OpenForm, ReviseForm, TextForm, TranslationForm, amend_form
from projections.standing import Moment, Snapshot, snapshot

bp = Blueprint("drafting", __name__)
STATEMENTS = "/coalitions/<coalition_id>/statements"
STATEMENT = f"{STATEMENTS}/<statement_id>"


# -- reading --------------------------------------------------------------------------------------


def load(connection: Connection, coalition_id: str, statement_id: str) -> tuple[read.StatementView, Powers]:
    """The statement (404 if not of this coalition) and what the reader may do (403 unless a member's person)."""
    found = read.view(connection, statement_id)
    if found is None or found.statement["coalition_id"] != coalition_id:
        abort(404)
    reader = require_member(connection, coalition_id)
    snap = snapshot(connection, coalition_id, Moment(None, services().store.clock().date()))
    return found, powers(snap, reader, found.statement)


def _state(found: read.StatementView) -> str:
    return read.phase(found.statement, services().store.clock())


def _editor(coalition_id: str, statement_id: str) -> str:
    return url_for("drafting.edit", coalition_id=coalition_id, statement_id=statement_id)


def _statement(coalition_id: str, statement_id: str) -> str:
    return url_for("statements.show", coalition_id=coalition_id, statement_id=statement_id)


def _preview(form: FlaskForm) -> dict[str, Any]:
    """The posted (valid) text rendered as it will read; nothing is saved."""
    return {"title": form.title.data, "body": render_markdown(str(form.body.data))}


# -- a new statement ------------------------------------------------------------------------------


def _drafting(coalition_id: str) -> tuple[Snapshot, Powers]:
    """The coalition (404 if unknown) and what the reader may draft (403 unless a member's person)."""
    with services().engine.connect() as connection:
        snap = snapshot(connection, coalition_id, Moment(None, services().store.clock().date()))
        if snap.agreement is None:
            abort(404)
        return snap, powers(snap, require_member(connection, coalition_id))


def _new_page(
    coalition_id: str, form: DraftForm | None = None, preview: dict | None = None, status: int = 200
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
        return _new_page(coalition_id, form, preview=_preview(form))
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
        then=lambda created: _editor(coalition_id, created["id"]),
        again=lambda status: _new_page(coalition_id, form, status=status),
    )


# -- the editor -----------------------------------------------------------------------------------


def _edit_page(
    coalition_id: str,
    statement_id: str,
    form: TextForm | None = None,
    opening: OpenForm | None = None,
    preview: dict | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    with services().engine.connect() as connection:
        found, able = load(connection, coalition_id, statement_id)
    s = found.statement
    form = form or ReviseForm(title=s["title"], body=s["body"], language=s["language"])
    form.language.choices = language_choices({t["language"] for t in found.translations} - {s["language"]})
    missing = language_choices({s["language"], *(t["language"] for t in found.translations)})
    return render_template(
        "drafting/edit.html",
        statement=s,
        state=_state(found),
        form=form,
        opening=opening or OpenForm(),
        now_utc=services().store.clock().astimezone(UTC).strftime("%Y-%m-%d %H:%M"),
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
        return _edit_page(coalition_id, statement_id, form, preview=_preview(form))
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
        then=_editor(coalition_id, statement_id),
        again=lambda status: _edit_page(coalition_id, statement_id, form, status=status),
    )


@bp.post(f"{STATEMENT}/open")
@login_required
def open_statement(coalition_id: str, statement_id: str) -> ResponseReturnValue:
    """Freeze the text under its version hash and open it for signature (facilitators)."""
    opening = OpenForm()
    if not opening.validate_on_submit():
        return _edit_page(coalition_id, statement_id, opening=opening, status=400)
    deadline = opening.deadline.data.replace(tzinfo=UTC) if opening.deadline.data else None
    ctx = context()
    return perform(
        lambda: handle.open_for_signature(
            ctx, coalition_id, statement_id, deadline=deadline, threshold=opening.threshold.data
        ),
        done=_("The statement is open for signature."),
        then=_statement(coalition_id, statement_id),
        again=lambda status: _edit_page(coalition_id, statement_id, opening=opening, status=status),
    )


# -- translations ---------------------------------------------------------------------------------


def _translation_page(
    coalition_id: str,
    statement_id: str,
    language: str,
    form: TranslationForm | None = None,
    preview: dict | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    with services().engine.connect() as connection:
        found, able = load(connection, coalition_id, statement_id)
    s = found.statement
    if language == s["language"]:  # the statement's own text is edited in the editor
        return redirect(_editor(coalition_id, statement_id))
    held = next((t for t in found.translations if t["language"] == language), None)
    form = form or TranslationForm(
        language=language, title=held["title"] if held else "", body=held["body"] if held else ""
    )
    form.language.choices = language_choices({s["language"]})
    return render_template(
        "drafting/translation.html",
        statement=s,
        state=_state(found),
        form=form,
        powers=able,
        preview=preview,
        coalition_id=coalition_id,
        language=language,
        held=held,
        language_name=language_name,
        original=render_markdown(s["body"]),
    ), status


@bp.get(f"{STATEMENT}/translations")
@login_required
def add_translation(coalition_id: str, statement_id: str) -> ResponseReturnValue:
    """The translation form for the language chosen on the editor page."""
    language = str(request.args.get("language", "")).strip().lower()
    if language not in st.LANGUAGES:
        flash(_("Choose the language of the translation."), "error")
        return redirect(_editor(coalition_id, statement_id) + "#translations-heading")
    return redirect(
        url_for("drafting.translation", coalition_id=coalition_id, statement_id=statement_id, language=language)
    )


@bp.route(f"{STATEMENT}/translations/<language>", methods=["GET", "POST"])
@login_required
def translation(coalition_id: str, statement_id: str, language: str) -> ResponseReturnValue:
    """Add or edit the draft's translation into `language`, with a preview."""
    if language not in st.LANGUAGES:
        abort(404)
    if request.method == "GET":
        return _translation_page(coalition_id, statement_id, language)
    form = TranslationForm()
    form.language.choices = language_choices()
    if not form.validate_on_submit():
        return _translation_page(coalition_id, statement_id, language, form, status=400)
    if form.preview.data:
        return _translation_page(coalition_id, statement_id, language, form, preview=_preview(form))
    ctx, chosen = context(), str(form.language.data)
    return perform(
        lambda: handle.translate(
            ctx, coalition_id, statement_id, chosen, title=str(form.title.data), body=str(form.body.data)
        ),
        done=_("The %(language)s translation was saved.", language=language_name(chosen)),
        then=_editor(coalition_id, statement_id),
        again=lambda status: _translation_page(coalition_id, statement_id, language, form, status=status),
    )


# -- amending an open statement -------------------------------------------------------------------


def _amend_page(
    coalition_id: str, statement_id: str, form: FlaskForm | None = None, preview: list | None = None, status: int = 200
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
        state=_state(found),
        form=form,
        powers=able,
        preview=preview,
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
        return _amend_page(coalition_id, statement_id, form, preview=shown)
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
        then=_statement(coalition_id, statement_id),
        again=lambda status: _amend_page(coalition_id, statement_id, form, status=status),
    )
