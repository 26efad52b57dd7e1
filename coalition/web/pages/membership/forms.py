"""The membership pages' forms: the agreement, choosing an organisation, reasons, assigning a role."""

from __future__ import annotations

import math
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional

from coalition.domain import text as limits
from coalition.domain import zones
from coalition.domain.policy.objectives import LARGEST
from coalition.web.forms import PageForm
from coalition.web.lines import OneLine
from coalition.web.numbers import LocalFloatField
from coalition.web.time_zones import zone_field
from coalition.web.typed import FlaskForm, SelectChoice, add_error

MAX_OBJECTIVES = limits.MAX_OBJECTIVES
# `invalid_value_message` came in WTForms 3.3; types-WTForms describes 3.2 (hence the `type: ignore`s).
A_DAY = _l("Enter a date as year-month-day, such as 2026-03-31.")
A_NUMBER = _l("Enter a number, such as 40 or 12.5.")
TEXT = Length(max=limits.TEXT)
ROLE_LABELS = {"facilitator": _l("facilitator"), "liaison": _l("liaison"), "endorser": _l("endorser")}


# -- forms ----------------------------------------------------------------------------------------


class ObjectiveRow(Form):
    objective_id = HiddenField()  # kept when amending: an objective keeps its id (and what serves it)
    text = StringField(_l("Objective"), validators=[TEXT])
    measure = StringField(_l("How we measure it (optional)"), validators=[Length(max=limits.MEASURE)])
    target_date = DateField(_l("Target date (optional)"), validators=[Optional()], invalid_value_message=A_DAY)  # type: ignore[call-arg]
    # The indicator (progress lane): what it is counted in, where it starts, where it aims.
    unit = StringField(_l("Unit (optional)"), validators=[Optional(), Length(max=limits.UNIT), OneLine()])
    baseline = LocalFloatField(_l("Baseline (optional)"), validators=[Optional()], invalid_value_message=A_NUMBER)  # type: ignore[call-arg]
    target = LocalFloatField(_l("Target (optional)"), validators=[Optional()], invalid_value_message=A_NUMBER)  # type: ignore[call-arg]
    remove = SubmitField(_l("Remove"))

    def blank(self) -> bool:
        """True when nothing was written in the row (such rows are ignored)."""
        typed = [((f.raw_data or [""])[0] or "").strip() for f in (self.target_date, self.baseline, self.target)]
        return not (
            (self.text.data or "").strip()
            or (self.measure.data or "").strip()
            or (self.unit.data or "").strip()
            or any(typed)
            or self.target_date.data
        )

    def indicator_valid(self) -> bool:
        """Baseline and target are finite numbers, and the target differs from the baseline (`indicator_refusal`)."""
        valid = True
        for number in (self.baseline, self.target):
            if number.data is not None and (not math.isfinite(number.data) or abs(number.data) > LARGEST):
                add_error(number, str(A_NUMBER))
                valid = False
        if valid and (self.baseline.data is None) != (self.target.data is None):
            missing = self.baseline if self.baseline.data is None else self.target
            add_error(missing, _("Give both a baseline and a target, or neither."))
            valid = False
        if valid and self.baseline.data is not None and self.baseline.data == self.target.data:
            add_error(self.target, _("The target must differ from the baseline."))
            valid = False
        return valid


class AgreementForm(PageForm):
    name = StringField(_l("Name of the coalition"), validators=[DataRequired(), Length(max=limits.NAME), OneLine()])
    purpose = TextAreaField(_l("Purpose"), validators=[DataRequired(), TEXT])
    starts_on = DateField(_l("Starts on"), validators=[InputRequired()], invalid_value_message=A_DAY)  # type: ignore[call-arg]
    ends_on = DateField(_l("Ends on (optional)"), validators=[Optional()], invalid_value_message=A_DAY)  # type: ignore[call-arg]
    cooperation_mechanism = TextAreaField(_l("How the members cooperate"), validators=[DataRequired(), TEXT])
    benefit_sharing = TextAreaField(_l("How the benefits are shared"), validators=[DataRequired(), TEXT])
    members_may_draft = BooleanField(
        _l("The people of every member may draft joint statements, not only the facilitators")
    )
    time_zone = zone_field(_l("The coalition's time zone"), default=zones.DEFAULT)
    objectives = FieldList(FormField(ObjectiveRow), min_entries=1, max_entries=MAX_OBJECTIVES)
    add_objective = SubmitField(_l("Add another objective"))

    def filled(self) -> list[ObjectiveRow]:
        """The objective rows with something written in them."""
        return [row.form for row in self.objectives if not row.form.blank()]

    def validate(self, extra_validators: Any = None) -> bool:
        """The fields, and at least one objective, each with its text."""
        valid = super().validate(extra_validators)
        for row in self.filled():
            if not (row.text.data or "").strip():
                add_error(row.text, _("Describe this objective, or empty the whole row."))
                valid = False
            valid = row.indicator_valid() and valid
        if not self.filled():
            add_error(self.objectives[0].form.text, _("Name at least one common objective."))
            valid = False
        return valid

    def agreement(self, keep_ids: bool) -> dict[str, Any]:
        """The agreement as the handlers take it; `keep_ids`: objectives keep the ids they came with."""
        objectives = [
            {
                "text": (row.text.data or "").strip(),
                "measure": (row.measure.data or "").strip() or None,
                "target_date": row.target_date.data,
                "unit": (row.unit.data or "").strip() or None,
                "baseline": row.baseline.data,
                "target": row.target.data,
                **({"id": row.objective_id.data} if keep_ids and row.objective_id.data else {}),
            }
            for row in self.filled()
        ]
        return {
            "name": self.name.data,
            "purpose": (self.purpose.data or "").strip(),
            "starts_on": self.starts_on.data,
            "ends_on": self.ends_on.data,
            "cooperation_mechanism": (self.cooperation_mechanism.data or "").strip(),
            "benefit_sharing": (self.benefit_sharing.data or "").strip(),
            "members_may_draft": bool(self.members_may_draft.data),
            "time_zone": self.time_zone.data,
            "objectives": objectives,
        }


class FoundForm(AgreementForm):
    organisation_id = SelectField(_l("Founding organisation"), validators=[InputRequired()])


class ChooseOrganisation(PageForm):
    organisation_id = SelectField(_l("Organisation"), validators=[InputRequired()])


class NameOrganisation(PageForm):
    """The organisation to invite where too many are outside the coalition for a menu (`coalition.web.forms.LISTED`):
    its name typed, or the id of one of those a name fits, each offered with a button of its own."""

    organisation = StringField(
        _l("Name of the organisation"),
        [DataRequired(_l("Type the name of the organisation to invite.")), Length(max=200)],
        filters=[lambda text: text.strip() if text else text],
    )
    organisation_id = HiddenField()


class ReasonForm(PageForm):
    reason = TextAreaField(_l("Reason (optional)"), validators=[Optional(), TEXT])


class DispositionRow(Form):
    """One open commitment or task of a leaving member, and what becomes of it (`coalition.domain.ending`)."""

    item = HiddenField()
    action = SelectField(_l("What becomes of it"), validate_choice=False)  # the domain names a wrong one
    to = SelectField(_l("Hand it over to"), validate_choice=False)
    # where the coalition has too many active members for a menu (`coalition.web.member_choice`)
    to_name = StringField(_l("Hand it over to"), validators=[Optional(), Length(max=limits.NAME)])
    reason = TextAreaField(_l("Why"), validators=[TEXT])


class LeaveForm(ReasonForm):
    """Leaving, with a disposition for each open commitment and task of the organisation."""

    dispositions = FieldList(FormField(DispositionRow), max_entries=500)


def disposed(form: FlaskForm) -> list[dict[str, Any]] | None:
    """The dispositions a leave form sends, as the handler takes them (None for any other form)."""
    if not isinstance(form, LeaveForm):
        return None
    return [
        {
            "item": row.form.item.data or "",
            "action": row.form.action.data or "",
            "reason": (row.form.reason.data or "").strip(),
            "to": row.form.to.data or None,
        }
        for row in form.dispositions
    ]


class RequiredReasonForm(PageForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), TEXT])


class AssignForm(PageForm):
    email = EmailField(
        _l("E-mail address of the person"), validators=[DataRequired(), Email(), Length(max=limits.EMAIL)]
    )
    # the domain decides whom a role may be given for (an active member), and says why not
    organisation_id = SelectField(_l("On behalf of"), validators=[InputRequired()], validate_choice=False)
    # where the coalition has too many active members for a menu (`coalition.web.member_choice`)
    organisation_name = StringField(_l("On behalf of"), [Optional(), Length(max=200)])
    role = SelectField(
        _l("Role"), choices=[SelectChoice(k, v) for k, v in ROLE_LABELS.items()], validators=[InputRequired()]
    )


class InviteByEmail(PageForm):
    """Invite an organisation that is not on the platform, by its contact's e-mail address."""

    email = EmailField(
        _l("E-mail address of its contact"), validators=[DataRequired(), Email(), Length(max=limits.EMAIL)]
    )
    organisation_name = StringField(
        _l("The organisation's name (optional)"), validators=[Optional(), Length(max=limits.NAME), OneLine()]
    )
    message = TextAreaField(_l("A message for them (optional)"), validators=[Optional(), Length(max=limits.MESSAGE)])
