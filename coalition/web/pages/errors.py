"""Friendly error pages for the browser (the API answers its errors in its JSON shape)."""

from __future__ import annotations

from flask import Flask, render_template
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError

from coalition.web.errors import page_error, unexpected_page

__all__ = ["init_app", "page_error", "unexpected_page"]


def init_app(app: Flask) -> None:
    """A form posted without a valid CSRF token gets a page that says how to recover."""

    @app.errorhandler(CSRFError)
    def stale_form(error: CSRFError) -> ResponseReturnValue:
        return render_template("errors/csrf.html", status=400), 400
