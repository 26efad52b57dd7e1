"""The statement PDF as a download and the size limit on uploaded PDFs, shared by the pages and the API."""

from __future__ import annotations

from flask import Response, current_app
from flask.typing import ResponseReturnValue

from coalition.domain.base import DomainError
from coalition.infra.extensions import services
from coalition.pdf import export
from coalition.web.errors import status_of, unavailable_page

MAX_UPLOAD = 20_000_000  # bytes: a statement PDF with 5,000 signatories is far smaller


def pdf_response(statement_id: str, language: str | None) -> Response:
    """The statement's sealed PDF as a download (from the cache when nothing changed)."""
    sealer, cache = export.for_app(current_app)
    exported = export.export(
        services().engine, sealer, cache, statement_id, language, export.verify_url(current_app.config)
    )
    response = Response(exported.pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
    response.headers["X-Cache"] = "hit" if exported.cached else "miss"
    return response


def pdf_page(statement_id: str, language: str | None) -> ResponseReturnValue:
    """`pdf_response` for the pages: a refusal for now (503) is a page in the reader's language saying so."""
    try:
        return pdf_response(statement_id, language)
    except DomainError as refused:
        if status_of(refused)[0] != 503:
            raise
        return unavailable_page(refused)
