"""The coalition aggregate's events (membership, roles, the agreement, commitments and tasks): one schema per type."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from coalition.domain.event_types import registry

ROLES = ("facilitator", "liaison", "endorser")
KINDS = ("funding", "staff-time", "in-kind", "expertise", "event-hosting", "outreach")


class ObjectiveFields(Schema):
    objective_id = fields.String(required=True)
    text = fields.String(required=True, validate=validate.Length(min=1))
    measure = fields.String()
    target_date = fields.Date()
    # indicators (progress lane)
    unit = fields.String()
    baseline = fields.Float(allow_nan=False)
    target = fields.Float(allow_nan=False)


class AgreementFields(Schema):
    coalition_id = fields.String(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    purpose = fields.String(required=True)
    objectives = fields.List(fields.Nested(ObjectiveFields), required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date()
    cooperation_mechanism = fields.String(required=True)
    benefit_sharing = fields.String(required=True)
    members_may_draft = fields.Boolean()  # members' users may draft statements, not only facilitators
    # The coalition's IANA time zone (docs/log-format.md); absent from events before it was asked: UTC.
    time_zone = fields.String()


@registry.register("CoalitionFounded")
class CoalitionFounded(AgreementFields):
    organisation_id = fields.String(required=True)
    founded_by = fields.String(required=True)


@registry.register("AgreementAmended")
class AgreementAmended(AgreementFields):
    pass


class MembershipFields(Schema):
    coalition_id = fields.String(required=True)
    organisation_id = fields.String(required=True)


class ReasonedMembershipFields(MembershipFields):
    reason = fields.String(required=True, validate=validate.Length(min=1))


for _name in ("MembershipRequested", "MemberInvited", "MembershipApproved", "InvitationAccepted"):
    registry.register(_name)(type(_name, (MembershipFields,), {}))
for _name in ("MembershipDeclined", "MemberSuspended", "MemberReinstated"):
    registry.register(_name)(type(_name, (ReasonedMembershipFields,), {}))


@registry.register("MemberVerified")
class MemberVerified(MembershipFields):
    verified_by = fields.String(required=True)  # the facilitator's user id (the event's time is when)


@registry.register("MemberVerificationWithdrawn")
class MemberVerificationWithdrawn(MembershipFields):
    withdrawn_by = fields.String(required=True)


@registry.register("MemberLeft")
class MemberLeft(MembershipFields):
    reason = fields.String()


@registry.register("RoleAssigned")
class RoleAssigned(Schema):
    coalition_id = fields.String(required=True)
    role_id = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    user_id = fields.String(required=True)
    organisation_id = fields.String(required=True)


@registry.register("RoleRemoved")
class RoleRemoved(Schema):
    coalition_id = fields.String(required=True)
    role_id = fields.String(required=True)
    reason = fields.String()


class CommitmentFields(Schema):
    coalition_id = fields.String(required=True)
    commitment_id = fields.String(required=True)


class TaskFields(Schema):
    coalition_id = fields.String(required=True)
    task_id = fields.String(required=True)


def _reason() -> fields.String:
    return fields.String(required=True, validate=validate.Length(min=1))


@registry.register("CommitmentPledged")
class CommitmentPledged(CommitmentFields):
    organisation_id = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    description = fields.String(required=True, validate=validate.Length(min=1))
    quantity = fields.Float(validate=validate.Range(min=0, min_inclusive=False))
    unit = fields.String()
    objective_id = fields.String()
    due_on = fields.Date(required=True)


@registry.register("CommitmentFulfilled")
class CommitmentFulfilled(CommitmentFields):
    note = fields.String(required=True, validate=validate.Length(min=1))
    fulfilled_on = fields.Date(required=True)


@registry.register("CommitmentWithdrawn")
class CommitmentWithdrawn(CommitmentFields):
    reason = _reason()


@registry.register("CommitmentRescheduled")
class CommitmentRescheduled(CommitmentFields):
    due_on = fields.Date(required=True)
    reason = _reason()


@registry.register("TaskCreated")
class TaskCreated(TaskFields):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    description = fields.String(required=True)
    organisation_id = fields.String(required=True)
    assignee_user_id = fields.String()
    due_on = fields.Date(required=True)
    objective_id = fields.String()
    commitment_id = fields.String()


@registry.register("TaskAccepted")
class TaskAccepted(TaskFields):
    pass


@registry.register("TaskCompleted")
class TaskCompleted(TaskFields):
    note = fields.String()
    completed_on = fields.Date(required=True)


@registry.register("TaskReassigned")
class TaskReassigned(TaskFields):
    organisation_id = fields.String(required=True)
    assignee_user_id = fields.String()
    reason = fields.String()


@registry.register("TaskDropped")
class TaskDropped(TaskFields):
    reason = _reason()


# -- evaluation rounds (lane evaluations) ---------------------------------------------------------


class QuestionFields(Schema):
    question_id = fields.String(required=True)
    text = fields.String(required=True, validate=validate.Length(min=1))


class AnswerFields(Schema):
    question_id = fields.String(required=True)
    rating = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=5))
    comment = fields.String(required=True)  # may be empty: the rating alone answers


class EvaluationFields(Schema):
    coalition_id = fields.String(required=True)
    evaluation_id = fields.String(required=True)


@registry.register("EvaluationOpened")
class EvaluationOpened(EvaluationFields):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    questions = fields.List(fields.Nested(QuestionFields), required=True, validate=validate.Length(min=1))
    closes_on = fields.Date(required=True)
    opened_by = fields.String(required=True)


@registry.register("EvaluationResponded")
class EvaluationResponded(EvaluationFields):
    organisation_id = fields.String(required=True)
    responded_by = fields.String(required=True)
    answers = fields.List(fields.Nested(AnswerFields), required=True, validate=validate.Length(min=1))


@registry.register("EvaluationClosed")
class EvaluationClosed(EvaluationFields):
    summary = fields.String(required=True, validate=validate.Length(min=1))
    lessons = fields.String()
    closed_by = fields.String(required=True)


# -- ending (lane ending) ---------------------------------------------------------------------------


@registry.register("CoalitionClosed")
class CoalitionClosed(Schema):
    """A facilitator closed the coalition; the final report stands at `final_position` (the log's head then)."""

    coalition_id = fields.String(required=True)
    reason = _reason()
    closed_by = fields.String(required=True)
    closed_on = fields.Date(required=True)
    final_position = fields.Integer(required=True, validate=validate.Range(min=0))
    final_chain_hash = fields.String(required=True)


# -- progress on objectives (progress lane) --------------------------------------------------------


@registry.register("ObjectiveProgressRecorded")
class ObjectiveProgressRecorded(Schema):
    """A value an objective's indicator reached on `as_of`; `supersedes` names the point it corrects."""

    coalition_id = fields.String(required=True)
    progress_id = fields.String(required=True)
    objective_id = fields.String(required=True)
    value = fields.Float(required=True, allow_nan=False)
    as_of = fields.Date(required=True)
    recorded_by = fields.String(required=True)  # the user's id (the event's time is when)
    note = fields.String()
    organisation_id = fields.String()  # the member organisation whose work the value counts, if one
    supersedes = fields.String()
