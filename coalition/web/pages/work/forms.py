"""The forms of the commitment and task pages: shape and wording only; the domain decides the rest."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import DateField, EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, ValidationError

from coalition.domain import text
from coalition.web.forms import PageForm
from coalition.web.lines import OneLine
from coalition.web.numbers import LocalDecimalField
from coalition.web.typed import SelectChoice

KIND_LABELS = {
    "funding": _l("Funding"),
    "staff-time": _l("Staff time"),
    "in-kind": _l("In kind"),
    "expertise": _l("Expertise"),
    "event-hosting": _l("Event hosting"),
    "outreach": _l("Outreach"),
}
# `invalid_value_message` came in WTForms 3.3; types-WTForms describes 3.2 (hence the `type: ignore`s).
DATE_FORMAT = _l("Write the date as year-month-day, for example 2027-03-31.")


def options(pairs: Any) -> list[SelectChoice]:
    return [SelectChoice(value, str(label)) for value, label in pairs]


def day_of(field: DateField) -> date:
    """The date a validated date field holds (its `InputRequired` lets no form through without one)."""
    assert field.data is not None, "validate the form first"
    return field.data


def _date(label: Any, id: str) -> DateField:
    return DateField(label, id=id, validators=[InputRequired(_l("Give a date."))], invalid_value_message=DATE_FORMAT)  # type: ignore[call-arg]


def _reason(label: Any, id: str, required: bool = True) -> TextAreaField:
    needed = [DataRequired(_l("Say why, in a few words."))] if required else [Optional()]
    return TextAreaField(label, id=id, validators=[*needed, Length(max=text.TEXT)])


def _choice(label: Any, id: str, required: bool = True) -> SelectField:
    # The domain decides which organisations, objectives and commitments may be named (and says why not).
    return SelectField(
        label,
        id=id,
        validate_choice=False,
        validators=[DataRequired() if required else Optional(), Length(max=text.ID)],
    )


def _email(label: Any, id: str) -> EmailField:
    return EmailField(label, id=id, validators=[Optional(), Email(), Length(max=text.EMAIL)])


class PledgeForm(PageForm):
    organisation_id = _choice(_l("For which organisation"), "pledge-organisation")
    objective = _choice(_l("Towards which common objective"), "pledge-objective", required=False)
    kind = SelectField(_l("Kind of contribution"), id="pledge-kind", choices=lambda: options(KIND_LABELS.items()))
    description = TextAreaField(
        _l("What will you contribute?"), id="pledge-description", validators=[DataRequired(), Length(max=text.TEXT)]
    )
    quantity = LocalDecimalField(  # type: ignore[call-overload]
        _l("How much (optional)"),
        id="pledge-quantity",
        validators=[Optional()],
        invalid_value_message=_l("Give a number, such as 2 or 1500."),
    )
    unit = StringField(_l("Unit (optional)"), id="pledge-unit", validators=[Optional(), Length(max=text.UNIT)])
    due_on = _date(_l("Due date"), "pledge-due")

    def validate_quantity(self, field: LocalDecimalField) -> None:
        if field.data is not None and (not field.data.is_finite() or not 0 < field.data <= 10**12):
            raise ValidationError(_l("Give a number above zero, or leave it empty."))


class TaskForm(PageForm):
    title = StringField(_l("Task"), id="task-title", validators=[DataRequired(), Length(max=text.NAME), OneLine()])
    description = TextAreaField(
        _l("What is to be done"), id="task-description", validators=[DataRequired(), Length(max=text.TEXT)]
    )
    organisation_id = _choice(_l("Which organisation does it"), "task-organisation")
    # where the coalition has too many active members for a menu (`coalition.web.member_choice`)
    organisation_name = StringField(
        _l("Which organisation does it"), id="task-organisation-name", validators=[Optional(), Length(max=text.NAME)]
    )
    assignee_email = _email(_l("Person responsible there (e-mail, optional)"), "task-assignee")
    due_on = _date(_l("Due date"), "task-due")
    objective = _choice(_l("Common objective (optional)"), "task-objective", required=False)
    commitment_id = _choice(_l("Serves the commitment (optional)"), "task-commitment", required=False)


class FulfilForm(PageForm):
    note = TextAreaField(
        _l("What was delivered, and where is the evidence?"),
        id="fulfil-note",
        validators=[DataRequired(_l("Describe the evidence of delivery.")), Length(max=text.TEXT)],
    )


class WithdrawForm(PageForm):
    reason = _reason(_l("Why is the commitment withdrawn?"), "withdraw-reason")


class RescheduleForm(PageForm):
    due_on = _date(_l("New due date"), "reschedule-due")
    reason = _reason(_l("Why does it move?"), "reschedule-reason")


class AcceptForm(PageForm):
    pass


class CompleteForm(PageForm):
    note = _reason(_l("A note on what was done (optional)"), "complete-note", required=False)


class ReassignForm(PageForm):
    organisation_id = _choice(_l("Give the task to"), "reassign-organisation")
    # where the coalition has too many active members for a menu (`coalition.web.member_choice`)
    organisation_name = StringField(
        _l("Give the task to"), id="reassign-organisation-name", validators=[Optional(), Length(max=text.NAME)]
    )
    assignee_email = _email(_l("Person responsible there (e-mail, optional)"), "reassign-assignee")
    reason = _reason(_l("Why (optional)"), "reassign-reason", required=False)


class DropForm(PageForm):
    reason = _reason(_l("Why is the task dropped?"), "drop-reason")
