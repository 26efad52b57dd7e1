"""Time zones: which names are taken, and a wall-clock time in a zone as the instant (UTC) the log records.

The log records instants in UTC only; a zone is a way of reading them (a person's, a coalition's). A zone
is an IANA name ("Europe/Bucharest"), one both the system's tz database (`zoneinfo`) and the one Flask-Babel
formats with (`pytz`) know, so that what is taken can always be shown.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, available_timezones

import pytz

from coalition.domain.base import N_

#: The zone of whoever has none yet (a new browser, an older coalition, a command).
DEFAULT = "UTC"
#: What an unknown zone is told; names the form to use (a message id: `N_` marks it for translation).
UNKNOWN = N_("use a time zone name from the IANA database, such as Europe/Bucharest or UTC")


@functools.cache
def zones() -> tuple[str, ...]:
    """Every zone name taken, sorted ("Factory" and "localtime" are files of the database, not zones)."""
    return tuple(sorted(((available_timezones() & pytz.all_timezones_set) - {"Factory", "localtime"}) | {DEFAULT}))


def is_zone(name: object) -> bool:
    """Whether `name` is a zone name we take."""
    return isinstance(name, str) and name in _taken()


@functools.cache
def _taken() -> frozenset[str]:
    return frozenset(zones())


#: Names of UTC itself under other spellings (a browser on a server's clock may report "Etc/UTC").
UTC_ALIASES = frozenset({"Etc/UTC", "Etc/UCT", "Etc/Universal", "Etc/Zulu", "UCT", "Universal", "Zulu"})


def canonical(name: str) -> str:
    """The name shown for a zone: UTC for its aliases, any other name as it is."""
    return DEFAULT if name in UTC_ALIASES else name


def zone_or_default(name: object) -> str:
    """`name` if it is a zone we take, else UTC (a stored value the tz database no longer knows reads as UTC)."""
    return name if isinstance(name, str) and is_zone(name) else DEFAULT


def local_to_utc(wall: datetime, zone: str) -> datetime:
    """The instant (aware, UTC) at which the clocks of `zone` show `wall` (naive; an aware one is kept as it is).

    At a change of the clocks the wall time is read with fold=0 (PEP 495): a time that happens twice (the
    clocks go back) is its first occurrence, still on the summer offset; a time that never happens (the
    clocks skip it going forward) is read on the offset before the change, so it lands as much later as the
    clocks jumped (02:30 where 02:00 became 03:00 is 03:30 on the new offset)."""
    if wall.tzinfo is not None:
        return wall.astimezone(UTC)
    return wall.replace(tzinfo=ZoneInfo(zone_or_default(zone)), fold=0).astimezone(UTC)


def utc_to_local(moment: datetime, zone: str) -> datetime:
    """The instant `moment` (naive: UTC) on the clocks of `zone`."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    zone = zone_or_default(zone)
    return aware.astimezone(UTC if zone == DEFAULT else ZoneInfo(zone))
