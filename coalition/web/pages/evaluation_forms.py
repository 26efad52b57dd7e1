"""The evaluation rounds' forms: opening a round (default questions prefilled), answering it, closing it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import DateField, FieldList, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from coalition.domain import text
from coalition.domain.coalition_state import Question
from coalition.domain.policy.evaluations import DEFAULT_QUESTIONS, MAX_QUESTIONS, RATINGS
from coalition.web.forms import PageForm
from coalition.web.lines import OneLine
from coalition.web.typed import SelectChoice

#: Empty question boxes offered beside the default questions, for the facilitator's own.
SPARE = 2
#: The days a round stays open unless the facilitator says otherwise.
OPEN_DAYS = 14
RATING_WORDS = {
    1: _l("1 – not at all"),
    2: _l("2"),
    3: _l("3 – partly"),
    4: _l("4"),
    5: _l("5 – fully"),
}


class OpenForm(PageForm):
    title = StringField(_l("Title"), id="open-title", validators=[DataRequired(), Length(max=text.NAME), OneLine()])
    questions = FieldList(
        TextAreaField(_l("Question"), validators=[Optional(), Length(max=text.MESSAGE)]),
        min_entries=len(DEFAULT_QUESTIONS) + SPARE,
        max_entries=MAX_QUESTIONS,
    )
    closes_on = DateField(  # type: ignore[call-arg]
        _l("Last day for responses"),
        id="open-closes",
        validators=[InputRequired(_l("Give a date."))],
        invalid_value_message=_l("Write the date as year-month-day, for example 2027-03-31."),
    )

    def validate_questions(self, field: FieldList[Any]) -> None:
        if not self.asked():
            raise ValidationError(_("Ask at least one question."))  # a str: the template tells it from entry errors

    def asked(self) -> list[str]:
        """The questions filled in, in order (empty boxes left out)."""
        return [str(entry.data).strip() for entry in self.questions.entries if entry.data and str(entry.data).strip()]


def open_form_prefilled(today: date) -> OpenForm:
    """The open form as a facilitator first sees it: the default questions in their language, two weeks to answer."""
    form = OpenForm(
        formdata=None,
        data={
            "title": _("Partnership evaluation"),
            "questions": [_(q) for q in DEFAULT_QUESTIONS],
            "closes_on": today + timedelta(days=OPEN_DAYS),
        },
    )
    while len(form.questions.entries) < len(DEFAULT_QUESTIONS) + SPARE:
        form.questions.append_entry()
    return form


class RespondBase(PageForm):
    organisation_id = SelectField(
        _l("Answering for"), id="respond-organisation", validate_choice=False, validators=[DataRequired()]
    )


def respond_form(questions: Iterable[Question], **kwargs: Any) -> RespondBase:
    """The answer form of one round: a 1-5 radio group (`rating_<id>`) and a comment (`comment_<id>`) per question."""

    class RespondForm(RespondBase):
        pass

    for question in questions:
        setattr(
            RespondForm,
            f"rating_{question.question_id}",
            RadioField(
                question.text,
                id=f"rating-{question.question_id}",
                choices=[SelectChoice(str(r), str(RATING_WORDS[r])) for r in RATINGS],
                validators=[InputRequired(_l("Choose a rating from 1 to 5."))],
            ),
        )
        setattr(
            RespondForm,
            f"comment_{question.question_id}",
            TextAreaField(
                _l("In words (optional)"),
                id=f"comment-{question.question_id}",
                validators=[Optional(), Length(max=text.TEXT)],
            ),
        )
    return RespondForm(**kwargs)


def answers_of(form: RespondBase, questions: Iterable[Question]) -> list[dict[str, Any]]:
    """The validated form's answers, as the handler takes them."""
    return [
        {
            "question_id": q.question_id,
            "rating": int(form[f"rating_{q.question_id}"].data),
            "comment": (form[f"comment_{q.question_id}"].data or "").strip(),
        }
        for q in questions
    ]


class CloseForm(PageForm):
    summary = TextAreaField(
        _l("Summary of the round"), id="close-summary", validators=[DataRequired(), Length(max=text.TEXT)]
    )
    lessons = TextAreaField(
        _l("Lessons learned (optional)"), id="close-lessons", validators=[Optional(), Length(max=text.TEXT)]
    )
