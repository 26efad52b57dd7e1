"""Organisations over the API: create, read, administrators and signing mandates."""

from __future__ import annotations

from typing import Any

from flask import g, jsonify
from flask.typing import ResponseReturnValue

from coalition.domain import organisation as org
from coalition.domain.base import NotFound
from coalition.handlers import Context
from coalition.handlers import organisations as handle
from coalition.infra.extensions import services
from coalition.reads import organisations
from coalition.reads.access import acts_for
from coalition.reads.streams import seen_version
from coalition.web.api.auth import authenticated
from coalition.web.api.blueprint import bp
from coalition.web.api.edge import command, documented, json_body
from coalition.web.api.invitation_schemas import InvitationAnswer
from coalition.web.api.schemas import Answer, EmailRequest, MandateRequest, OrganisationRequest, OrganisationView
from coalition.web.i18n import request_locale
from coalition.web.reading import today


@bp.post("/organisations")
@command(201)
@documented(request=OrganisationRequest, response=Answer, status=201)
def create_organisation(context: Context) -> dict[str, Any]:
    """Create an organisation; you become its first administrator."""
    return handle.create_organisation(context, **json_body(OrganisationRequest()))


@bp.get("/organisations/<organisation_id>")
@authenticated
@documented(response=OrganisationView)
def read_organisation(organisation_id: str) -> ResponseReturnValue:
    """An organisation's profile; its administrators and mandates are shown to its own people."""
    with services().engine.connect() as connection:
        version = seen_version(connection, org.stream(organisation_id))
        row = organisations.profile(connection, organisation_id)
        if row is None:
            raise NotFound("no such organisation: %(organisation)s", organisation=organisation_id)
        own = organisation_id in acts_for(connection, g.user.user_id, today())
        people = organisations.people(connection, organisation_id) if own else []
        coalitions = organisations.coalitions_of(connection, organisation_id)
    body: dict[str, Any] = {
        "id": row["organisation_id"],
        "version": version,
        **{k: row[k] for k in ("name", "country", "sector", "mission", "website", "registration_number", "created_at")},
        "verified_in": organisations.verified_in(services().engine, coalitions),
    }
    if own:
        body |= organisations.people_view(services().engine, people, today())
    response = jsonify(OrganisationView().dump(body))
    response.set_etag(str(version))
    return response


@bp.post("/organisations/<organisation_id>/administrators")
@command(201, invites=True)
@documented(request=EmailRequest, response=Answer, status=201, also={202: InvitationAnswer})
def add_administrator(context: Context, organisation_id: str) -> dict[str, Any]:
    """Make a registered user another administrator, or invite an address without an account (administrators only).

    An address without an account gets an invitation by e-mail (202): its link, valid 14 days, once.
    """
    body = json_body(EmailRequest())
    return handle.add_administrator(context, organisation_id, **body, locale=request_locale())


@bp.delete("/organisations/<organisation_id>/administrators/<user_id>")
@command(200)
@documented(response=Answer)
def remove_administrator(context: Context, organisation_id: str, user_id: str) -> dict[str, Any]:
    """Stop a person administering the organisation (administrators only; 409 for its last administrator)."""
    return handle.remove_administrator(context, organisation_id, user_id)


@bp.post("/organisations/<organisation_id>/mandates")
@command(201, invites=True)
@documented(request=MandateRequest, response=Answer, status=201, also={202: InvitationAnswer})
def grant_mandate(context: Context, organisation_id: str) -> dict[str, Any]:
    """Let a user act and sign for the organisation, or invite an address without an account (administrators only).

    An address without an account gets an invitation by e-mail (202); the mandate starts when it is accepted.
    """
    body = json_body(MandateRequest())
    return handle.grant_mandate(context, organisation_id, **body, locale=request_locale())


@bp.delete("/organisations/<organisation_id>/mandates/<mandate_id>")
@command(200)
@documented(response=Answer)
def revoke_mandate(context: Context, organisation_id: str, mandate_id: str) -> dict[str, Any]:
    """Revoke a signing mandate from today (administrators only)."""
    return handle.revoke_mandate(context, organisation_id, mandate_id)
