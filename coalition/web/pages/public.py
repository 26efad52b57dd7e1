"""Public pages (no login): the index and Atom feed of published statements, a published statement, and the page
where anyone checks a statement PDF."""

from __future__ import annotations

import hashlib
from typing import Any

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _

from coalition.domain.statement import LANGUAGES
from coalition.infra.extensions import services
from coalition.pdf import export, sandbox
from coalition.reads import published as listing
from coalition.reads import statements as read
from coalition.reads.statements import describe, in_language
from coalition.reads.text import render_markdown
from coalition.web import atom, sharing
from coalition.web.downloads import MAX_UPLOAD, pdf_page
from coalition.web.errors import translated, translated_reason
from coalition.web.reading import now

bp = Blueprint("public", __name__)


def _published(statement_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The published statement as described for readers and when and by whom it was published, or 404 (drafts
    and open or closed ones are not public)."""
    moment = now()
    with services().engine.connect() as connection:
        found = read.view(connection, statement_id)
        publication = listing.publication(connection, statement_id) if found else None
        if found is None or publication is None or found.statement["state"] != "published":
            abort(404)
        return describe(connection, found, moment, None), publication


def _reader_language(languages: list[str]) -> str | None:
    """The language a reader gets: `?lang=`, else the pages' language where the statement has it, else the
    browser's best match."""
    ui = str(get_locale())
    return request.args.get("lang") or (ui if ui in languages else request.accept_languages.best_match(languages))


def _page_number() -> int | None:
    """The index's `page` parameter (1 if absent); None if it is not a whole number from 1."""
    text = request.args.get("page", "1")
    return int(text) if text.isascii() and text.isdigit() and 0 < len(text) <= 6 and int(text) >= 1 else None


@bp.get("/public/statements")
def statements_index() -> ResponseReturnValue:
    """The published statements, newest first, 20 a page: title, coalition, date and how many organisations signed."""
    number = _page_number()
    if number is None:
        message = _("The page number must be a whole number from 1.")
        return render_template("errors/other.html", error=None, status=400, message=message), 400
    with services().engine.connect() as connection:
        found = listing.page(connection, number)
    if number > found.pages:
        abort(404)
    ui = str(get_locale())
    items = []
    for item in found.items:
        language = ui if ui in item["texts"] else item["language"]
        items.append({**item, "shown_language": language, "shown_title": item["texts"][language]["title"]})
    return render_template(
        "public/index.html",
        items=items,
        page=found,
        canonical=sharing.absolute(url_for("public.statements_index", page=number if number > 1 else None)),
        feed_url=sharing.absolute(url_for("public.statements_feed")),
    )


@bp.get("/public/statements.atom")
def statements_feed() -> ResponseReturnValue:
    """The newest published statements (`FEED_SIZE` of them) as an Atom 1.0 feed, newest first, each linking to
    its public page."""
    with services().engine.connect() as connection:
        items = listing.newest(connection, listing.FEED_SIZE)
    entries = [
        atom.Entry(
            statement_id=item["id"],
            title=item["title"],
            language=item["language"],
            url=sharing.public_url(item["id"]),
            author=item["coalition"] or sharing.SITE_NAME,
            published=item["published_at"],
            summary=sharing.excerpt(item["body"], 400),
        )
        for item in items
    ]
    document = atom.feed(
        site=sharing.absolute("/"),
        title=_("Published joint statements · %(site)s", site=sharing.SITE_NAME),
        language=str(get_locale()),
        self_url=sharing.absolute(url_for("public.statements_feed")),
        page_url=sharing.absolute(url_for("public.statements_index")),
        updated=items[0]["published_at"] if items else now().strftime("%Y-%m-%dT%H:%M:%SZ"),
        entries=entries,
    )
    response = Response(document, content_type=f"{atom.MEDIA_TYPE}; charset=utf-8")
    # Feed readers ask often: an unchanged feed is a 304 to a reader that sends back its ETag.
    response.set_etag(hashlib.sha256(document).hexdigest())
    response.cache_control.public = True
    response.cache_control.max_age = 300
    response.vary.add("Accept-Language")  # the feed's own title follows the reader's language
    return response.make_conditional(request)


@bp.get("/public/statements/<statement_id>")
def statement_page(statement_id: str) -> ResponseReturnValue:
    """A published statement: its text in the reader's language where there is one, the coalition that published
    it and when, its signatories (and how many per country), its PDFs, and how to share it."""
    statement, publication = _published(statement_id)
    languages = [statement["language"], *(t["language"] for t in statement["translations"])]
    language, title, body = in_language(statement, _reader_language(languages))
    signed = sorted(
        (s for s in statement["signatures"] if s["counts"]),
        key=lambda s: (s["organisation"] or "").casefold(),
    )
    coalition = publication["coalition"]
    organisations = statement["summary"]["organisations"]
    lead = ngettext(
        "A joint statement of %(coalition)s, signed by %(num)d organisation.",
        "A joint statement of %(coalition)s, signed by %(num)d organisations.",
        organisations,
        coalition=coalition or sharing.SITE_NAME,
    )
    return render_template(
        "public/statement.html",
        statement=statement,
        language=language,
        title=title,
        body=render_markdown(body),
        languages=languages,
        signed=signed,
        countries=listing.by_country(statement["signatures"]),
        endorsements=[e for e in statement["endorsements"] if e["status"] == "endorsed"],
        coalition=coalition,
        published_at=publication["published_at"],
        canonical=sharing.public_url(statement_id),
        alternates={code: sharing.public_url(statement_id, lang=code) for code in languages},
        description=f"{lead} {sharing.excerpt(body, max(80, sharing.DESCRIPTION - len(lead)))}",
        og_locale=sharing.og_locale(language),
        og_alternates=[sharing.og_locale(code) for code in languages if code != language],
        share=sharing.share(statement_id, title, coalition, publication["published_at"], organisations),
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
