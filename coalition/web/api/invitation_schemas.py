"""Request and response bodies of invitations (people and organisations invited by e-mail)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from coalition.domain import text
from coalition.web.api.schemas import EMAIL, NAME, Trimmed, deliverable_address, one_line


class OrganisationInvitationRequest(Trimmed):
    email = fields.Email(required=True, validate=[EMAIL, deliverable_address])
    organisation_name = fields.String(validate=[NAME, one_line])
    message = fields.String(validate=validate.Length(max=text.MESSAGE))


class InvitationSent(Schema):
    id = fields.String(required=True)
    email = fields.String(required=True)
    expires_at = fields.String(required=True, metadata={"description": "the link works once, until then"})


class InvitationAnswer(Schema):
    """A command that invited someone by e-mail (202): the invitation, pending until its link is used."""

    invitation = fields.Nested(InvitationSent, required=True)


class InvitationView(InvitationSent):
    kind = fields.String(required=True, validate=validate.OneOf(("administrator", "mandate", "organisation")))
    organisation_id = fields.String(allow_none=True)
    coalition_id = fields.String(allow_none=True)
    created_at = fields.String(required=True)
    title = fields.String()
    valid_from = fields.String()
    valid_until = fields.String()
    name = fields.String()
    message = fields.String()


class InvitationList(Schema):
    invitations = fields.List(fields.Nested(InvitationView), required=True)
