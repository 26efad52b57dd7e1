"""What the API reads of a coalition: its agreement, members and roles, whole or a page of members at a time."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from coalition.web.api.schemas import AgreementView, OptionalPage, Person


class CoalitionQuery(OptionalPage):
    limit = fields.Integer(
        validate=validate.Range(min=1, max=1000),
        metadata={
            "description": "members per page, ordered by organisation_id, with the roles of those members only; "
            "without it, every member and role at once (a coalition of thousands: use pages)"
        },
    )


class MemberView(Schema):
    organisation_id = fields.String(required=True)
    name = fields.String(allow_none=True)
    country = fields.String(allow_none=True)
    state = fields.String(required=True)
    since = fields.String(required=True)
    verified = fields.Boolean(required=True, metadata={"description": "a facilitator's verified mark stands on it"})
    verified_by = fields.String(allow_none=True, metadata={"description": "the facilitator's user id"})
    verified_at = fields.String(allow_none=True)


class RoleView(Person):
    role_id = fields.String(required=True)
    role = fields.String(required=True)
    organisation_id = fields.String(required=True)
    since = fields.String(required=True)


class CoalitionView(Schema):
    id = fields.String(required=True)
    version = fields.Integer(required=True)
    founded_at = fields.String(required=True)
    founding_organisation_id = fields.String(required=True)
    agreement = fields.Nested(AgreementView, required=True)
    members = fields.List(
        fields.Nested(MemberView),
        required=True,
        metadata={"description": "every member, or with `limit` a page of them (`members_next_after`)"},
    )
    member_counts = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        required=True,
        metadata={
            "description": "how many members are in each state (requested, active, suspended, ...); a state no "
            "member is in is left out"
        },
    )
    members_total = fields.Integer(required=True, metadata={"description": "members on every page together"})
    members_next_after = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "with `limit`: pass as `after` for the next page; null: the last"},
    )
    roles = fields.List(
        fields.Nested(RoleView),
        required=True,
        metadata={"description": "every role, or with `limit` the roles of the page's members"},
    )
    # -- ending (lane ending) --
    state = fields.String(required=True, validate=validate.OneOf(("running", "ended")))
    ended_on = fields.Date(allow_none=True, metadata={"description": "the day the coalition closed, or null"})
    ended_reason = fields.String(allow_none=True)
    final_position = fields.Integer(
        allow_none=True, metadata={"description": "the log's head when it closed: where the final report stands"}
    )
