"""Public pages: a published statement (no login) and the page where anyone checks a statement PDF."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _

from coalition.domain.statement import LANGUAGES
from coalition.infra.extensions import services
from coalition.pdf import export, sandbox
from coalition.reads import statements as read
from coalition.reads.statements import describe, in_language
from coalition.reads.text import render_markdown
from coalition.web.downloads import MAX_UPLOAD, pdf_page
from coalition.web.errors import translated, translated_reason
from coalition.web.reading import now

bp = Blueprint("public", __name__)


def _published(statement_id: str) -> dict[str, Any]:
    """The published statement as described for readers, or 404 (drafts and open ones are not public)."""
    moment = now()
    with services().engine.connect() as connection:
        found = read.view(connection, statement_id)
        if found is None or found.statement["state"] != "published":
            abort(404)
        return describe(connection, found, moment, None)


@bp.get("/public/statements/<statement_id>")
def statement_page(statement_id: str) -> ResponseReturnValue:
    """A published statement: its text in the reader's language where there is one, and its signatories."""
    statement = _published(statement_id)
    languages = [statement["language"], *(t["language"] for t in statement["translations"])]
    ui = str(get_locale())
    wanted = request.args.get("lang") or (ui if ui in languages else request.accept_languages.best_match(languages))
    language, title, body = in_language(statement, wanted)
    signed = sorted(
        (s for s in statement["signatures"] if s["counts"]),
        key=lambda s: (s["organisation"] or "").casefold(),
    )
    return render_template(
        "public/statement.html",
        statement=statement,
        language=language,
        title=title,
        body=render_markdown(body),
        languages=languages,
        signed=signed,
        endorsements=[e for e in statement["endorsements"] if e["status"] == "endorsed"],
    )


@bp.get("/public/statements/<statement_id>.pdf")
def statement_pdf(statement_id: str) -> ResponseReturnValue:
    """The sealed PDF of a published statement, in `lang` (default: its own language)."""
    _published(statement_id)
    language = request.args.get("lang") or None
    if language is not None and language not in LANGUAGES:
        abort(404)
    return pdf_page(statement_id, language)


@bp.route("/verify", methods=["GET", "POST"])
def verify_page() -> ResponseReturnValue:
    """Anyone uploads a statement PDF and sees whether it is genuine and current."""
    result, error = None, None
    if request.method == "POST":
        upload = request.files.get("file")
        data = b""
        if upload is not None:
            try:
                data = upload.read(MAX_UPLOAD + 1)
            finally:
                upload.close()
        if not data:
            error = _("Choose a PDF file to check.")
        elif len(data) > MAX_UPLOAD:
            error = _(
                "That file is larger than %(size)d MB: a statement PDF is much smaller.", size=MAX_UPLOAD // 1_000_000
            )
        else:
            sealer = export.for_app(current_app)[0]
            try:
                result = export.verify(services().engine, sealer, data, services().store.clock())
            except sandbox.CheckerBusy as busy:
                page = render_template("public/verify.html", result=None, reasons=[], error=translated(busy))
                return page, 503, {"Retry-After": str(busy.retry_after)}
    reasons = [translated_reason(reason) for reason in result["reasons"]] if result else []
    return render_template("public/verify.html", result=result, reasons=reasons, error=error), 400 if error else 200
