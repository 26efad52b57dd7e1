"""Request and response bodies of the organisation and coalition API; the OpenAPI document is made from them."""

from __future__ import annotations

from typing import Any

from email_validator import EmailNotValidError, validate_email
from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema

from coalition.domain import text as limits
from coalition.domain import zones
from coalition.domain.coalition import MEMBER_STATES, ROLES
from coalition.domain.organisation import COUNTRIES, SECTORS
from coalition.domain.work import KINDS
from coalition.web.api.checked import EMAIL, ID, NAME, TEXT, Checked, Day, Trimmed, number, one_line

__all__ = ["EMAIL", "ID", "NAME", "TEXT", "Checked", "Day", "Trimmed", "one_line"]


def deliverable_address(value: str) -> None:
    """An e-mail address as email-validator reads it (syntax only, no DNS lookup)."""
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError as error:
        raise ValidationError(f"not a valid e-mail address: {error}") from None


def known_zone(value: str) -> None:
    """A time zone name we take (`coalition.domain.zones`), else the form to use (no enum of 600 names)."""
    if not zones.is_zone(value):
        raise ValidationError(zones.UNKNOWN)


def zone_field(description: str) -> fields.String:
    """An IANA time zone name ("Europe/Bucharest"), refused with the form to use when unknown."""
    return fields.String(validate=known_zone, metadata={"description": description})


def _text(**options: Any) -> fields.String:
    return fields.String(validate=TEXT, **options)


# -- requests -------------------------------------------------------------------------------------


class OrganisationRequest(Trimmed):
    name = fields.String(required=True, validate=[NAME, one_line])
    country = fields.String(
        required=True,
        validate=validate.OneOf(sorted(COUNTRIES), error="use an ISO 3166-1 alpha-2 country code, such as RO or FI"),
    )
    sector = fields.String(required=True, validate=validate.OneOf(SECTORS))
    mission = _text(required=True)
    website = fields.URL(validate=validate.Length(max=limits.ADDRESS))
    registration_number = fields.String(
        validate=[validate.Length(min=1, max=100), one_line],
        metadata={"description": "the national registration number; one organisation per number and country"},
    )

    @pre_load
    def upper_country(self, data: Any, **_: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("country"), str):
            return {**data, "country": data["country"].strip().upper()}
        return data


class EmailRequest(Trimmed):
    email = fields.Email(
        required=True,
        validate=[EMAIL, deliverable_address],
        metadata={"description": "without an account yet: they are invited by e-mail (202)"},
    )


class MandateRequest(EmailRequest):
    title = fields.String(required=True, validate=[NAME, one_line])
    valid_from = Day()
    valid_until = Day()


class ObjectiveRequest(Trimmed):
    id = fields.String(validate=ID, metadata={"description": "keep (and edit) this objective; leave out for a new one"})
    text = _text(required=True)
    measure = fields.String(validate=validate.Length(max=limits.MEASURE))
    target_date = Day()
    # indicators (progress lane)
    unit = fields.String(validate=[validate.Length(min=1, max=limits.UNIT), one_line])
    baseline = number(metadata={"description": "the indicator's value when the agreement starts"})
    target = number(metadata={"description": "the value to reach by target_date; must differ from baseline"})

    @validates_schema
    def target_away_from_baseline(self, data: dict[str, Any], **_: Any) -> None:
        baseline, target = data.get("baseline"), data.get("target")
        if (baseline is None) != (target is None):
            missing = "baseline" if baseline is None else "target"
            raise ValidationError("give both a baseline and a target, or neither", missing)
        if baseline is not None and baseline == target:
            raise ValidationError("target must differ from baseline", "target")


class AgreementRequest(Trimmed):
    name = fields.String(required=True, validate=[NAME, one_line])
    purpose = _text(required=True)
    objectives = fields.List(
        fields.Nested(ObjectiveRequest),
        required=True,
        validate=[
            validate.Length(min=1, error="name at least one common objective"),
            validate.Length(max=limits.MAX_OBJECTIVES, error="name at most {max} common objectives"),
        ],
    )
    starts_on = Day(required=True)
    ends_on = Day()
    cooperation_mechanism = _text(required=True)
    benefit_sharing = _text(required=True)
    members_may_draft = fields.Boolean(
        metadata={"description": "members' users may draft statements too, not only facilitators (default false)"}
    )
    time_zone = zone_field(
        "the coalition's IANA time zone, in which its statement PDFs and reports show times beside UTC (default UTC)"
    )


class CoalitionRequest(AgreementRequest):
    organisation_id = fields.String(required=True, validate=ID)

    @validates_schema
    def no_objective_ids(self, data: dict[str, Any], **_: Any) -> None:
        if any("id" in objective for objective in data.get("objectives", [])):
            raise ValidationError("a new coalition's objectives have no ids yet", "objectives")


class AgreementPatch(AgreementRequest):
    """Only the fields sent change; `objectives`, when sent, is the whole new list."""

    @validates_schema
    def something(self, data: dict[str, Any], **_: Any) -> None:
        if not data:
            raise ValidationError("send at least one field of the agreement to amend")


class MemberRequest(Trimmed):
    organisation_id = fields.String(required=True, validate=ID)


class ReasonRequest(Trimmed):
    reason = _text(required=True)


class OptionalReasonRequest(Trimmed):
    reason = _text()


class RoleRequest(EmailRequest):
    organisation_id = fields.String(required=True, validate=ID)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))


class CommitmentRequest(Trimmed):
    organisation_id = fields.String(required=True, validate=ID)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    description = _text(required=True)
    quantity = fields.Float(validate=validate.Range(min=0, min_inclusive=False, max=1e12), allow_nan=False)
    unit = fields.String(validate=validate.Length(min=1, max=limits.UNIT))
    objective = fields.String(validate=ID)
    due_on = Day(required=True)


class FulfilRequest(Trimmed):
    note = _text(required=True, metadata={"description": "the evidence of delivery"})


class RescheduleRequest(ReasonRequest):
    due_on = Day(required=True)


class TaskRequest(Trimmed):
    title = fields.String(required=True, validate=[NAME, one_line])
    description = _text(required=True)
    organisation_id = fields.String(required=True, validate=ID)
    assignee_email = fields.Email(validate=EMAIL)
    due_on = Day(required=True)
    objective = fields.String(validate=ID)
    commitment_id = fields.String(validate=ID)


class EmptyRequest(Checked):
    """A body with nothing in it (`{}`, or none at all)."""


class CompleteRequest(Trimmed):
    note = _text()


class ReassignRequest(Trimmed):
    organisation_id = fields.String(required=True, validate=ID)
    assignee_email = fields.Email(validate=EMAIL)
    reason = _text()


class AsOfQuery(Schema):
    as_of = fields.String(metadata={"description": "a log position, an ISO date or an ISO date-time"})


class OptionalPage(Schema):
    """A list that comes whole without `limit` (as it always did) and a page of organisations at a time with it:
    `after` the last organisation_id already seen. Each query declares its own `limit`."""

    after = fields.String(validate=ID, metadata={"description": "with `limit`: the last organisation_id already seen"})

    @validates_schema
    def _after_pages(self, data: dict[str, Any], **_: Any) -> None:
        if "after" in data and "limit" not in data:
            raise ValidationError({"after": ["a page follows another only with `limit`: send `limit` too"]})


# -- responses ------------------------------------------------------------------------------------


class Answer(Schema):
    """What a command answers: the id of what it created or changed, and the aggregate's new version."""

    id = fields.String(required=True)
    version = fields.Integer()
    user_id = fields.String()
    state = fields.String(validate=validate.OneOf(MEMBER_STATES))
    verified = fields.Boolean(metadata={"description": "whether the member is now marked verified"})


class Person(Schema):
    user_id = fields.String(required=True)
    name = fields.String(allow_none=True)


class MandateView(Person):
    id = fields.String(required=True)
    title = fields.String(required=True)
    valid_from = fields.Date(required=True)
    valid_until = fields.Date(allow_none=True)
    revoked_on = fields.Date(allow_none=True)
    valid_today = fields.Boolean(required=True)


class VerifiedIn(Schema):
    coalition_id = fields.String(required=True)
    coalition = fields.String(required=True)
    verified_by = fields.String(required=True, metadata={"description": "the facilitator's name"})
    verified_at = fields.String(required=True)


class OrganisationView(Schema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    country = fields.String(required=True)
    sector = fields.String(required=True)
    mission = fields.String(required=True)
    website = fields.String(allow_none=True)
    registration_number = fields.String(allow_none=True)
    created_at = fields.String(required=True)
    version = fields.Integer(required=True)
    verified_in = fields.List(
        fields.Nested(VerifiedIn), metadata={"description": "the coalitions whose facilitators verified it"}
    )
    administrators = fields.List(fields.Nested(Person), metadata={"description": "shown to its own people only"})
    mandates = fields.List(fields.Nested(MandateView), metadata={"description": "shown to its own people only"})


class ObjectiveView(Schema):
    objective_id = fields.String(required=True)
    text = fields.String(required=True)
    measure = fields.String()
    target_date = fields.String()
    unit = fields.String()
    baseline = fields.Float()
    target = fields.Float()


class AgreementView(Schema):
    name = fields.String(required=True)
    purpose = fields.String(required=True)
    objectives = fields.List(fields.Nested(ObjectiveView), required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(allow_none=True)
    cooperation_mechanism = fields.String(required=True)
    benefit_sharing = fields.String(required=True)
    members_may_draft = fields.Boolean(required=True)
    time_zone = fields.Function(
        lambda agreement: agreement.get("time_zone") or zones.DEFAULT,
        metadata={"description": "the coalition's IANA time zone (UTC where none was stated)"},
    )
