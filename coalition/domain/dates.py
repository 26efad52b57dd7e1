"""The dates and moments the app takes: years 1900 to 2200, a moment's offset applied safely.

A date outside that range is a typing mistake (`9999-12-31`), and a moment such as
`9999-12-31T23:59:59-14:00` does not even fit in a date-time once moved to UTC. The API's schemas,
the pages' forms and the rules ask here, so both edges take the same dates.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

FIRST_YEAR = 1900
LAST_YEAR = 2200
RANGE_MESSAGE = "must be between 1900-01-01 and 2200-12-31"
#: The last moment taken; what a moment recorded past it (before these limits) is read as.
LATEST_MOMENT = datetime(LAST_YEAR, 12, 31, 23, 59, 59, tzinfo=UTC)
EARLIEST_MOMENT = datetime(FIRST_YEAR, 1, 1, tzinfo=UTC)


def day_in_range(day: date) -> bool:
    """True when `day` falls in the years the app takes."""
    return FIRST_YEAR <= day.year <= LAST_YEAR


def moment_in_range(moment: datetime) -> bool:
    """True when `moment` (aware; naive is read as UTC) falls in the years the app takes, in UTC and as written."""
    try:
        utc = moment.astimezone(UTC) if moment.tzinfo is not None else moment
    except (OverflowError, ValueError):
        return False
    return day_in_range(moment.date()) and day_in_range(utc.date())


def readable_moment(moment: datetime) -> datetime:
    """A recorded moment as the pages can show it: one recorded out of range (before these limits were
    kept, such as `9999-12-31T23:59:59-14:00`, which overflows in UTC) is read as the nearest end of the range."""
    if moment_in_range(moment):
        return moment
    return LATEST_MOMENT if moment.year >= LAST_YEAR else EARLIEST_MOMENT
