"""Friendly error pages for the browser (the API answers its errors in its JSON shape)."""

from __future__ import annotations

from flask import Flask, render_template
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError


def page_error(error: HTTPException) -> ResponseReturnValue:
    """A page in the site's layout saying what went wrong and what to do; never a stack trace."""
    status = error.code or 500
    template = f"errors/{status}.html" if status in (403, 404) else "errors/other.html"
    return render_template(template, error=error, status=status), status


def unexpected_page() -> ResponseReturnValue:
    """The page for a fault on our side."""
    return page_error(InternalServerError())


def init_app(app: Flask) -> None:
    """A form posted without a valid CSRF token gets a page that says how to recover."""

    @app.errorhandler(CSRFError)
    def stale_form(error: CSRFError) -> ResponseReturnValue:
        return render_template("errors/csrf.html", status=400), 400
