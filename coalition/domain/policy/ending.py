"""A coalition's end: once closed (`CoalitionClosed`), every changing command on it is refused.

`check_open` is the one place that says so: `coalition.domain.coalition.decide` and
`coalition.domain.statement.decide` call it before anything else, so a command added later to
either aggregate is refused on an ended coalition without saying anything more. Reads, exports and
verification do not decide, and keep working.
"""

from __future__ import annotations

from datetime import date
from typing import Protocol

from coalition.domain.base import N_, RuleBroken

#: Days before the agreement's `ends_on` from which the facilitators are reminded to renew or close: each reminder
#: is due from its day until the next one takes over (the last, until the day before the end), so one missed on
#: its day goes out late, once.
REMINDER_DAYS = (60, 14)
#: Work still open: it keeps a coalition from closing (`coalition.domain.ending.close`, with evaluation rounds not
#: closed), and a member from leaving without a disposition.
OPEN_TASK = ("open", "accepted")
OPEN_COMMITMENT = ("pledged",)


class EndedLike(Protocol):
    @property
    def closed_on(self) -> date | None: ...


#: The refusal's message id (marked with N_ for extraction: the class takes the day, not the message).
ENDED = N_("the coalition has ended on %(date)s")


class CoalitionEnded(RuleBroken):
    """A changing command on a coalition that has ended (409, like every conflict)."""

    def __init__(self, closed_on: date) -> None:
        super().__init__(ENDED, date=closed_on.isoformat())
        self.closed_on = closed_on


def ended_refusal(coalition: EndedLike) -> CoalitionEnded | None:
    """The refusal every changing command meets once the coalition has ended, or None while it runs."""
    return CoalitionEnded(coalition.closed_on) if coalition.closed_on is not None else None


def check_open(coalition: EndedLike) -> None:
    """Refuse any change to a coalition that has ended."""
    refusal = ended_refusal(coalition)
    if refusal is not None:
        raise refusal


def is_ended(coalition: EndedLike) -> bool:
    """True once the coalition has been closed."""
    return coalition.closed_on is not None


def reminder_due(ends_on: date | None, closed_on: date | None, today: date) -> int | None:
    """The reminder due today, named by its day (60 or 14 days before `ends_on`), if any: the 60-day one from 60
    days left until 15, the 14-day one from 14 until 1; none before, on or after the end day, or once closed."""
    if ends_on is None or closed_on is not None:
        return None
    left = (ends_on - today).days
    return next((stage for stage in sorted(REMINDER_DAYS) if 0 < left <= stage), None)
