"""The audit pages' forms and labels: the history's filters (by who: a menu, or a name to type), the day to look
back to, event types named."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.validators import Length, NumberRange, Optional, ValidationError

from coalition.reads.audit import named, same_name
from coalition.web.forms import OFFERED, PageForm

FILTERS = ("organisation_id", "actor", "type", "since", "until", "as_of")

#: Each event type of the audit log as a facilitator would name it.
LABELS = {
    "CoalitionFounded": _l("Coalition founded"),
    "AgreementAmended": _l("Agreement amended"),
    "CoalitionClosed": _l("Coalition closed"),
    "MembershipRequested": _l("Membership requested"),
    "MemberInvited": _l("Member invited"),
    "MembershipApproved": _l("Membership approved"),
    "MembershipDeclined": _l("Membership declined"),
    "InvitationAccepted": _l("Invitation accepted"),
    "InvitationIssued": _l("Invitation sent by e-mail"),
    "InvitationRevoked": _l("Invitation by e-mail cancelled"),
    "InvitationRedeemed": _l("Invitation by e-mail accepted"),
    "MemberSuspended": _l("Member suspended"),
    "MemberReinstated": _l("Member reinstated"),
    "MemberLeft": _l("Member left"),
    "MemberVerified": _l("Member marked verified"),
    "MemberVerificationWithdrawn": _l("Member's verified mark withdrawn"),
    "RoleAssigned": _l("Role assigned"),
    "RoleRemoved": _l("Role removed"),
    "CommitmentPledged": _l("Commitment pledged"),
    "CommitmentFulfilled": _l("Commitment fulfilled"),
    "CommitmentWithdrawn": _l("Commitment withdrawn"),
    "CommitmentRescheduled": _l("Commitment rescheduled"),
    "TaskCreated": _l("Task created"),
    "TaskAccepted": _l("Task accepted"),
    "TaskCompleted": _l("Task completed"),
    "TaskReassigned": _l("Task reassigned"),
    "TaskDropped": _l("Task dropped"),
    "ObjectiveProgressRecorded": _l("Progress recorded"),
    "StatementDrafted": _l("Statement drafted"),
    "DraftRevised": _l("Draft revised"),
    "TranslationSet": _l("Translation set"),
    "StatementOpened": _l("Statement opened for signature"),
    "StatementAmended": _l("Statement amended"),
    "StatementSigned": _l("Statement signed"),
    "SignatureConfirmed": _l("Signature confirmed"),
    "SignatureWithdrawn": _l("Signature withdrawn"),
    "StatementEndorsed": _l("Statement endorsed"),
    "StatementClosed": _l("Statement closed"),
    "StatementPublished": _l("Statement published"),
    "ReportPublished": _l("Partnership report published"),
    "EvaluationOpened": _l("Evaluation round opened"),
    "EvaluationResponded": _l("Evaluation round answered"),
    "EvaluationClosed": _l("Evaluation round closed"),
}


def label(event_type: str) -> str:
    """The readable name of an event type."""
    return str(LABELS.get(event_type, event_type))


class DayField(DateField):
    """A date input whose error says how to write the date."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_("Write the date as year-month-day, for example 2027-03-31.")) from None


def _values(field: SelectField) -> set[Any]:
    """The values a filter offers (the history page sets its choices as (value, label) pairs)."""
    assert isinstance(field.choices, list), "set the choices first"
    return {value for value, *_label in field.choices}


def _trimmed(text: str | None) -> str | None:
    return text.strip() if text else text


class FilterForm(PageForm):
    """The history's filters, read from the query string (a GET form: nothing to forge)."""

    class Meta:
        csrf = False

    checks_dates = False  # read by `coalition.web.reading`'s rule, as the API's `since` and `until` are

    organisation_id = SelectField(_l("Organisation"), validate_choice=False)
    actor = SelectField(_l("Person who acted"), validate_choice=False)
    # in a coalition too large for menus (`coalition.web.pages.audit.LISTED`): the names typed instead
    organisation = StringField(_l("Organisation"), [Optional(), Length(max=200)], filters=[_trimmed])
    person = StringField(_l("Person who acted"), [Optional(), Length(max=200)], filters=[_trimmed])
    type = SelectField(_l("What happened"), validate_choice=False)
    since = DayField(_l("From"), validators=[Optional()])
    until = DayField(_l("To"), validators=[Optional()])
    as_of = DayField(_l("As of the end of"), validators=[Optional()])
    before = IntegerField(validators=[Optional(), NumberRange(min=1, max=2**62)])
    after = IntegerField(validators=[Optional(), NumberRange(min=0, max=2**62)])

    def validate_after(self, field: IntegerField) -> None:
        if field.data is not None and self.before.data is not None:
            raise ValidationError(_("A page is either before or after a place in the log, not both."))

    def validate_organisation_id(self, field: SelectField) -> None:
        if field.data and field.data not in _values(field):
            raise ValidationError(_("Choose an organisation from the list."))

    def validate_actor(self, field: SelectField) -> None:
        if field.data and field.data not in _values(field):
            raise ValidationError(_("Choose a person from the list."))

    def validate_type(self, field: SelectField) -> None:
        if field.data and field.data not in _values(field):
            raise ValidationError(_("Choose a kind of event from the list."))

    def validate_until(self, field: DayField) -> None:
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(_("The end date must be on or after the start date."))

    def query(self) -> dict[str, str]:
        """The valid filters set, as query arguments (also those of the API's history)."""
        values = {name: self[name].data for name in FILTERS if self[name].data}
        return {
            name: value.isoformat() if hasattr(value, "isoformat") else str(value) for name, value in values.items()
        }


class MemberHistoryForm(PageForm):
    """A member's history: the day to look back to and the page (read from the query string)."""

    class Meta:
        csrf = False

    checks_dates = False

    as_of = DayField(_l("As of the end of"), validators=[Optional()])
    before = IntegerField(validators=[Optional(), NumberRange(min=1, max=2**62)])
    after = IntegerField(validators=[Optional(), NumberRange(min=0, max=2**62)])

    def validate_after(self, field: IntegerField) -> None:
        if field.data is not None and self.before.data is not None:
            raise ValidationError(_("A page is either before or after a place in the log, not both."))


class MemberPickForm(PageForm):
    """The organisation whose commitment history to open, and the day to look back to."""

    class Meta:
        csrf = False

    organisation_id = SelectField(_l("Organisation"), validate_choice=False)
    as_of = DayField(validators=[Optional()])

    def validate_organisation_id(self, field: SelectField) -> None:
        if not field.data or field.data not in _values(field):
            raise ValidationError(_("Choose an organisation from the list."))


class AsOfForm(PageForm):
    """The day to look back to."""

    class Meta:
        csrf = False

    checks_dates = False  # read by `coalition.web.reading`'s rule, as the API's `since` and `until` are

    date = DayField(_l("As of the end of"), validators=[Optional()])


@dataclass
class Who:
    """A filter by who (organisation, person): a menu of them all, or in a large coalition a name to type."""

    listed: bool
    names: dict[str, str] = field(default_factory=dict)  # id: name of those it offers (listed) or the one chosen
    choices: list[tuple[str, str]] = field(default_factory=list)  # (id, name): those a typed name fits
    more: int = 0  # how many more it fits than `choices` holds
    errors: list[str] = field(default_factory=list)  # added once the form is validated (which resets errors)
    unresolved: str | None = None  # a typed name that chose no one (kept by the links that choose the other filter)


def who_filter(
    menu: SelectField,
    typed: StringField,
    few: bool,
    find: Callable[[set[str] | None], dict[str, str]],
    anyone: str,
    unknown: str,
    nobody: Callable[[str], str],
    several: Callable[[str, int], str],
) -> Who:
    """Set up one filter by who. When the candidates are `few`, they make its menu; else the name typed picks the
    one it fits, or leaves those it fits to choose from. Either way a name typed (`?organisation=`) is read, and an
    id (the menu's value, a link's, or the one chosen before, sent back beside its name) names the one directly
    while the name typed beside it is still its name. `find(ids)` reads the candidates (id: name) of `ids` (None:
    every one). The messages: `unknown` for an id that is not a candidate, `nobody` and `several` for a name that
    fits no one, or several."""
    listed = dict(sorted(find(None).items(), key=lambda c: c[1].casefold())) if few else {}
    who = Who(few, listed)
    text = typed.data if typed.data and len(typed.data) <= 200 else None  # a longer one is refused by its field
    if menu.data:
        known = listed if few else find({menu.data})
        chosen = known.get(menu.data)
        if chosen is None and not few:  # (in a menu, the menu's own check refuses it: "choose from the list")
            menu.data = None
            if not text:  # a name typed instead decides below
                who.errors.append(unknown)
        elif chosen is not None and (text is None or same_name(text, chosen)):
            text = None  # the id decides: the name beside it is its own (one of several with that name, say)
            typed.data = chosen
            who.names = known if few else {menu.data: chosen}
    if text:  # a name typed: the one it fits, or those it fits to choose from
        every = listed or find(None)
        fitting = named(text, every)
        menu.data = fitting[0] if len(fitting) == 1 else None
        if menu.data:
            typed.data = every[menu.data]
            who.names = listed or {menu.data: typed.data}
        elif not fitting:
            who.errors.append(nobody(text))
            who.unresolved = text
        else:
            who.errors.append(several(text, len(fitting)))
            who.choices = [(key, every[key]) for key in fitting[:OFFERED]]
            who.more = len(fitting) - len(who.choices)
            who.unresolved = text
    menu.choices = [("", anyone), *(listed or who.names).items()]
    return who
