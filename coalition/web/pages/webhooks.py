"""The webhooks page of a coalition (facilitators): its endpoints with their recent deliveries, add and remove."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectMultipleField, URLField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from coalition.domain.base import DomainError
from coalition.infra.extensions import services
from coalition.reads.coalitions import name as coalition_name
from coalition.web.errors import status_of, translated
from coalition.web.forms import PageForm
from coalition.web.pages import perform
from coalition.web.pages.audit_forms import label
from coalition.web.reading import now, today
from coalition.web.typed import login_required
from coalition.webhooks import subscriptions
from coalition.webhooks.guard import MAX_URL

bp = Blueprint("webhooks", __name__)
RECENT = 10  # deliveries shown per webhook


class ButtonForm(PageForm):
    """A button-only form (remove): the CSRF token is its only field."""


class WebhookForm(PageForm):
    """A new endpoint: its URL and the kinds of events to send it."""

    url = URLField(_l("The endpoint's URL (https://...)"), validators=[DataRequired(), Length(max=MAX_URL)])
    events = SelectMultipleField(
        _l("The events to send it"),
        validators=[DataRequired(_l("Choose at least one kind of event."))],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )


def _form(read: bool = True) -> WebhookForm:
    """The form with its choices, filled from the request (or empty, when `read` is False)."""
    form = WebhookForm() if read else WebhookForm(formdata=None)
    form.events.choices = sorted(
        ((t, label(t)) for t in subscriptions.deliverable_types()), key=lambda choice: str(choice[1]).lower()
    )
    return form


def _page(
    coalition_id: str, status: int = 200, form: WebhookForm | None = None, created: dict[str, Any] | None = None
) -> ResponseReturnValue:
    """The page for a facilitator of the coalition (404 if unknown, 403 for anyone else)."""
    with services().engine.connect() as connection:
        try:
            subscriptions.require_facilitator(connection, coalition_id, current_user.user_id, today())
        except DomainError as refused:
            abort(status_of(refused)[0])
        name = coalition_name(connection, coalition_id)
        hooks = [
            {**hook, "deliveries": subscriptions.deliveries(connection, hook["id"], RECENT)}
            for hook in subscriptions.of_coalition(connection, coalition_id)
        ]
    response = render_template(
        "webhooks/index.html",
        coalition_id=coalition_id,
        name=name,
        hooks=hooks,
        form=form or _form(read=False),
        button=ButtonForm(),
        created=created,
        label=label,
    )
    # The new secret must not linger in a cache or the browser's history.
    return response, status, {"Cache-Control": "no-store"}


@bp.get("/coalitions/<coalition_id>/webhooks")
@login_required
def index(coalition_id: str) -> ResponseReturnValue:
    """The coalition's webhooks and the form to add one."""
    return _page(coalition_id)


@bp.post("/coalitions/<coalition_id>/webhooks")
@login_required
def create(coalition_id: str) -> ResponseReturnValue:
    """Register an endpoint and show its signing secret in this answer only."""
    form = _form()
    if not form.validate_on_submit():
        return _page(coalition_id, 400, form)
    try:
        created = subscriptions.register(
            services(),
            coalition_id,
            current_user.user_id,
            str(form.url.data),
            list(form.events.data or []),
            now(),
            allow_private=services().allow_private_webhooks,
        )
    except DomainError as refused:
        if refused.kind != "invalid":
            abort(status_of(refused)[0])
        form.url.errors = [translated(refused)]
        return _page(coalition_id, status_of(refused)[0], form)
    flash(_("The webhook was added: copy its signing secret now, it will not be shown again."))
    return _page(coalition_id, 201, created=created)


@bp.post("/coalitions/<coalition_id>/webhooks/<webhook_id>/remove")
@login_required
def remove(coalition_id: str, webhook_id: str) -> ResponseReturnValue:
    """Remove an endpoint: nothing more is sent to it."""
    if not ButtonForm().validate_on_submit():
        return _page(coalition_id, 400)
    return perform(
        lambda: subscriptions.remove(services(), coalition_id, current_user.user_id, webhook_id, today()),
        done=_("The webhook was removed: nothing more will be sent to it."),
        then=url_for("webhooks.index", coalition_id=coalition_id),
        again=lambda status: _page(coalition_id, status),
    )
