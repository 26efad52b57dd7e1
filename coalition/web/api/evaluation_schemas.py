"""The evaluation rounds' request and response bodies."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate

from coalition.domain import text as limits
from coalition.domain.policy.evaluations import MAX_QUESTIONS
from coalition.web.api.checked import ID, NAME, Checked, Day, Trimmed, one_line

QUESTION = validate.Length(min=1, max=limits.MESSAGE)


def shows_something(value: str) -> None:
    """A question (inside a list, where `Checked` does not look) must show some text."""
    problem = limits.visible_problem(value) or ("is empty" if limits.is_blank(value) else None)
    if problem is not None:
        raise ValidationError(problem)


class OpenEvaluationRequest(Trimmed):
    title = fields.String(required=True, validate=[NAME, one_line])
    questions = fields.List(
        fields.String(validate=[QUESTION, shows_something]),
        validate=validate.Length(min=1, max=MAX_QUESTIONS),
        metadata={"description": "the questions, in order (each answered 1-5 and in words); left out: the default set"},
    )
    closes_on = Day(required=True, metadata={"description": "the last day responses are taken (today or later)"})


class AnswerRequest(Trimmed):
    question_id = fields.String(required=True, validate=ID)
    rating = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=5))
    comment = fields.String(validate=validate.Length(max=limits.TEXT))


class RespondRequest(Checked):
    organisation_id = fields.String(required=True, validate=ID)
    answers = fields.List(
        fields.Nested(AnswerRequest),
        required=True,
        validate=validate.Length(min=1, max=MAX_QUESTIONS),
        metadata={"description": "one answer per question of the round"},
    )


class CloseEvaluationRequest(Trimmed):
    summary = fields.String(required=True, validate=validate.Length(min=1, max=limits.TEXT))
    lessons = fields.String(validate=validate.Length(max=limits.TEXT))


class EvaluationSummaryView(Schema):
    evaluation_id = fields.String(required=True)
    title = fields.String(required=True)
    closes_on = fields.String(required=True)
    opened_by = fields.String(required=True)
    closed = fields.Boolean(required=True)
    past_closing = fields.Boolean(required=True, metadata={"description": "the closing date has passed"})
    questions = fields.Integer(required=True, metadata={"description": "how many questions"})
    responses = fields.Integer(required=True, metadata={"description": "how many organisations answered"})
    members = fields.Integer(required=True, metadata={"description": "how many active members there are"})
    awaiting = fields.List(
        fields.Dict(), required=True, metadata={"description": "the organisations you may still answer for"}
    )
    summary = fields.String(allow_none=True)
    lessons = fields.String(allow_none=True)


class EvaluationListView(Schema):
    rounds = fields.List(fields.Nested(EvaluationSummaryView), required=True)
    may_open = fields.Boolean(required=True)
    open = fields.String(allow_none=True, metadata={"description": "the round open now, if any"})


class EvaluationView(EvaluationSummaryView):
    question_list = fields.List(fields.Dict(), required=True, metadata={"description": "{question_id, text}"})
    results = fields.List(
        fields.Dict(),
        allow_none=True,
        metadata={
            "description": "per question: average, counts per rating, answers with their organisation; "
            "null until the round is closed, except for facilitators"
        },
    )
    own = fields.List(fields.Dict(), required=True, metadata={"description": "your organisations' responses"})
    respondents = fields.List(fields.Dict(), allow_none=True)
    may_close = fields.Boolean(required=True)
