"""The drafting pages' translations: add or edit a draft's translation into another language, with a preview."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from coalition.domain import statement as st
from coalition.handlers import statements as handle
from coalition.infra.extensions import services
from coalition.reads.text import render_markdown
from coalition.web.i18n import language_choices, language_name
from coalition.web.pages import context, perform
from coalition.web.pages.drafting_common import STATEMENT, bp, editor_url, load, preview_of, state_of
from coalition.web.pages.drafting_forms import TranslationForm
from coalition.web.typed import login_required


def _translation_page(
    coalition_id: str,
    statement_id: str,
    language: str,
    form: TranslationForm | None = None,
    preview: dict[str, Any] | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    with services().engine.connect() as connection:
        found, able = load(connection, coalition_id, statement_id)
    s = found.statement
    if language == s["language"]:  # the statement's own text is edited in the editor
        return redirect(editor_url(coalition_id, statement_id))
    held = next((t for t in found.translations if t["language"] == language), None)
    form = form or TranslationForm(
        language=language, title=held["title"] if held else "", body=held["body"] if held else ""
    )
    form.language.choices = language_choices({s["language"]})
    return render_template(
        "drafting/translation.html",
        statement=s,
        state=state_of(found),
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
        return redirect(editor_url(coalition_id, statement_id) + "#translations-heading")
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
        return _translation_page(coalition_id, statement_id, language, form, preview=preview_of(form))
    ctx, chosen = context(), str(form.language.data)
    return perform(
        lambda: handle.translate(
            ctx, coalition_id, statement_id, chosen, title=str(form.title.data), body=str(form.body.data)
        ),
        done=_("The %(language)s translation was saved.", language=language_name(chosen)),
        then=editor_url(coalition_id, statement_id),
        again=lambda status: _translation_page(coalition_id, statement_id, language, form, status=status),
    )
