"""What a signed-in person may list: their coalitions, organisations found by name and country.

Both are paged by keyset: ordered by name (then id), `limit` items a page, and `next_after` (the id of the
page's last item, or null on the last page) passed back as `after` for the next one.
"""

from __future__ import annotations

from typing import Any

from flask import g, jsonify
from flask.typing import ResponseReturnValue
from marshmallow import Schema, ValidationError, fields, pre_load, validate

from coalition.domain import text
from coalition.domain.coalition import MEMBER_STATES, ROLES
from coalition.domain.organisation import COUNTRIES, SECTORS
from coalition.infra.extensions import services
from coalition.reads import listings
from coalition.reads.access import acts_for
from coalition.web.api.auth import authenticated
from coalition.web.api.blueprint import bp
from coalition.web.api.edge import documented, query_args
from coalition.web.api.schemas import ID
from coalition.web.reading import today

#: How many items a page holds unless `limit` says otherwise, and at most.
PAGE, MAX_PAGE = 50, 500
UNKNOWN_CURSOR = "not an id from this list's `next_after`: start again without `after`"


def _after() -> fields.String:
    return fields.String(
        validate=ID,
        metadata={"description": "the `next_after` of the previous page (the id of its last item)"},
    )


def _limit() -> fields.Integer:
    return fields.Integer(
        load_default=PAGE,
        validate=validate.Range(min=1, max=MAX_PAGE),
        metadata={"description": f"how many items a page holds (default {PAGE})"},
    )


class CoalitionsQuery(Schema):
    after = _after()
    limit = _limit()


class OrganisationsQuery(Schema):
    q = fields.String(
        validate=validate.Length(max=text.NAME),
        metadata={"description": "a part of the name; case, accents, spacing and look-alike characters do not matter"},
    )
    country = fields.String(
        validate=validate.OneOf(sorted(COUNTRIES), error="use an ISO 3166-1 alpha-2 country code, such as RO or FI"),
        metadata={"description": "an ISO 3166-1 alpha-2 code"},
    )
    after = _after()
    limit = _limit()

    @pre_load
    def upper_country(self, data: Any, **_: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("country"), str):
            return {**data, "country": data["country"].strip().upper()}
        return data


class MembershipOfYours(Schema):
    organisation_id = fields.String(required=True)
    organisation = fields.String(allow_none=True, metadata={"description": "the organisation's name"})
    state = fields.String(required=True, validate=validate.OneOf(MEMBER_STATES))
    since = fields.String(required=True)


class RoleOfYours(Schema):
    role_id = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    organisation_id = fields.String(required=True, metadata={"description": "the organisation you hold it for"})
    since = fields.String(required=True)


class CoalitionListItem(Schema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    state = fields.String(required=True, validate=validate.OneOf(("running", "ended")))
    ended_on = fields.Date(allow_none=True)
    memberships = fields.List(
        fields.Nested(MembershipOfYours),
        required=True,
        metadata={"description": "the membership of each organisation you act for"},
    )
    roles = fields.List(fields.Nested(RoleOfYours), required=True, metadata={"description": "your roles in it"})


class CoalitionList(Schema):
    coalitions = fields.List(fields.Nested(CoalitionListItem), required=True)
    next_after = fields.String(allow_none=True, metadata={"description": "pass as `after` for the next page"})


class OrganisationListItem(Schema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    country = fields.String(required=True)
    sector = fields.String(required=True, validate=validate.OneOf(SECTORS))
    website = fields.String(allow_none=True)


class OrganisationList(Schema):
    organisations = fields.List(fields.Nested(OrganisationListItem), required=True)
    next_after = fields.String(allow_none=True, metadata={"description": "pass as `after` for the next page"})


def _paged(read: Any) -> listings.Page:
    try:
        page: listings.Page = read()
    except listings.CursorUnknown:
        raise ValidationError({"after": [UNKNOWN_CURSOR]}) from None
    return page


@bp.get("/coalitions")
@authenticated
@documented(query=CoalitionsQuery, response=CoalitionList, errors=(400, 401, 422))
def list_coalitions() -> ResponseReturnValue:
    """Your coalitions, by name: those the organisations you act for are (or were) members of, and those where
    you hold a role; each with its state, your organisations' memberships and your roles."""
    args = query_args(CoalitionsQuery())
    with services().engine.connect() as connection:
        mine = acts_for(connection, g.user.user_id, today())
        page = _paged(
            lambda: listings.coalitions_of_person(connection, g.user.user_id, mine, args.get("after"), args["limit"])
        )
    return jsonify(CoalitionList().dump({"coalitions": page.items, "next_after": page.next_after}))


@bp.get("/organisations")
@authenticated
@documented(query=OrganisationsQuery, response=OrganisationList, errors=(400, 401, 422))
def list_organisations() -> ResponseReturnValue:
    """Find organisations by a part of their name (`q`) and by `country`, by name: what anyone signed in may see
    of them (their administrators and mandates are in the organisation's own read, for its own people)."""
    args = query_args(OrganisationsQuery())
    with services().engine.connect() as connection:
        page = _paged(
            lambda: listings.search_organisations(
                connection, args.get("q"), args.get("country"), args.get("after"), args["limit"]
            )
        )
    return jsonify(OrganisationList().dump({"organisations": page.items, "next_after": page.next_after}))
