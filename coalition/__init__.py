"""Coalition: an event-sourced platform on which NGOs run coalitions together."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask

from coalition import config as settings
from coalition.paths import TEMPLATES


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """The application factory: defaults, then COALITION_* environment variables, then `config`."""
    app = Flask(__name__, instance_relative_config=True, template_folder=str(TEMPLATES))
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(settings.defaults(app.instance_path))
    app.config.from_prefixed_env("COALITION")
    if config is not None:
        app.config.from_mapping(config)
    settings.check(app.config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = settings.secret_key(app.instance_path)

    from coalition import cli
    from coalition.domain import coalition, departure, organisation, statement, work  # noqa: F401  (register event types)
    from coalition.domain.event_types import registry
    from coalition.infra.extensions import EventSourcing, SessionsSecureOverHttps, csrf, login_manager, migrate
    from coalition.web import api, hardening, i18n, pages
    from coalition.web.api import errors
    from coalition.web.pages import account as own_account_pages
    from coalition.web.pages import accounts as account_pages
    from coalition.web.pages import audit as audit_pages
    from coalition.web.pages import coalitions as coalition_pages
    from coalition.web.pages import drafting as drafting_pages
    from coalition.web.pages import errors as page_errors
    from coalition.web.pages import evaluations as evaluation_pages
    from coalition.web.pages import home, public
    from coalition.web.pages import invitations as invitation_pages
    from coalition.web.pages import membership as membership_pages
    from coalition.web.pages import notifications as notification_pages
    from coalition.web.pages import organisations as organisation_pages
    from coalition.web.pages import privacy as privacy_pages
    from coalition.web.pages import reports as report_pages
    from coalition.web.pages import resets as reset_pages
    from coalition.web.pages import sessions as session_pages
    from coalition.web.pages import statements as statement_pages
    from coalition.web.pages import tokens as token_pages
    from coalition.web.pages import webhooks as webhook_pages
    from coalition.web.pages import work as work_pages

    EventSourcing(registry).init_app(app)
    migrate.init_app(app)
    cli.init_app(app)
    app.session_interface = SessionsSecureOverHttps()
    csrf.init_app(app)
    csrf.exempt(api.bp)  # the API authenticates every call with a bearer token, never a cookie
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    i18n.init_app(app)
    app.register_blueprint(home.bp)
    app.register_blueprint(public.bp)
    app.register_blueprint(account_pages.bp)
    app.register_blueprint(statement_pages.bp)
    app.register_blueprint(coalition_pages.bp)
    for area in (
        organisation_pages,
        membership_pages,
        work_pages,
        drafting_pages,
        audit_pages,
        token_pages,
        session_pages,
        webhook_pages,
        reset_pages,
        own_account_pages,
        notification_pages,
        invitation_pages,
        privacy_pages,
        report_pages,
        evaluation_pages,
    ):
        app.register_blueprint(area.bp)
    app.register_blueprint(api.bp)
    errors.init_app(app)
    page_errors.init_app(app)
    pages.init_app(app)
    hardening.init_app(app)
    from coalition.notify.messages import escape_markdown

    app.jinja_env.filters["md"] = escape_markdown
    if app.config["NOTIFY_IN_PROCESS"]:
        from coalition.notify.worker import serving, start_in_background

        if serving():  # the development server or a WSGI server; never `flask db upgrade`, `flask demo load`...
            app.extensions["coalition.notify"] = start_in_background(app)
    return app
