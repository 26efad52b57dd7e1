"""Progress on the agreement's common objectives: an indicator's sanity, the points that count, and the one status rule.

Inputs are the domain's dataclasses or anything with the same attributes (`ObjectiveLike`, `PointLike`),
so a projection row turned into a `ProgressPoint` asks alike. No clock: `today` is passed in.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Protocol, TypeVar

from coalition.domain.base import DomainError, Invalid

if TYPE_CHECKING:
    from coalition.domain.coalition_state import ProgressPoint

#: How far below the straight line (as a share of the whole way from baseline to target) still counts as on track.
TOLERANCE = 0.10
#: The statuses `progress_of` gives, in the order a reader worries about them.
STATUSES = ("overdue", "behind", "on-track", "reached", "unmeasured")
#: The largest number an indicator takes (beyond it is a typing mistake); the API and forms ask the same.
LARGEST = 1e12


class ObjectiveLike(Protocol):
    """An objective's indicator: its baseline, its target and the day it should be reached."""

    @property
    def baseline(self) -> float | None: ...
    @property
    def target(self) -> float | None: ...
    @property
    def target_date(self) -> date | None: ...


class PointLike(Protocol):
    """A recorded progress point."""

    @property
    def progress_id(self) -> str: ...
    @property
    def as_of(self) -> date: ...
    @property
    def value(self) -> float: ...
    @property
    def supersedes(self) -> str | None: ...


Point = TypeVar("Point", bound=PointLike)


@dataclass(frozen=True, slots=True)
class ObjectiveProgress:
    """Where an objective stands: its latest point, the share of the way reached and its status."""

    latest: ProgressPoint | None
    share: float | None
    status: str


def number_refusal(value: float | None, field: str) -> DomainError | None:
    """Why `value` is no number for an indicator (`field` names it): NaN, infinite or beyond +-LARGEST."""
    if value is None:
        return None
    if not math.isfinite(value) or abs(value) > LARGEST:
        return Invalid(
            "%(field)s must be a finite number between -%(largest)s and %(largest)s",
            field=field,
            largest=f"{LARGEST:.0e}",
        )
    return None


def indicator_refusal(objective: ObjectiveLike) -> DomainError | None:
    """Why an objective's baseline and target make no indicator: not numbers, one without the other, or a target
    equal to the baseline."""
    for field, value in (("baseline", objective.baseline), ("target", objective.target)):
        refusal = number_refusal(value, field)
        if refusal is not None:
            return refusal
    if (objective.baseline is None) != (objective.target is None):
        missing = "baseline" if objective.baseline is None else "target"
        return Invalid(
            "%(field)s is missing: give an objective both a baseline and a target, or neither", field=missing
        )
    if objective.baseline is not None and objective.baseline == objective.target:
        return Invalid("target must differ from baseline (both are %(value)s)", value=f"{objective.baseline:g}")
    return None


def current_points(points: Iterable[Point]) -> tuple[Point, ...]:
    """The points that count: superseded ones removed, sorted by `as_of` (log order among points of the same day)."""
    listed = list(points)
    superseded = {p.supersedes for p in listed if p.supersedes}
    return tuple(sorted((p for p in listed if p.progress_id not in superseded), key=lambda p: p.as_of))


def expected_share(starts_on: date, target_date: date, day: date) -> float:
    """The share of the way the straight line from (starts_on, baseline) to (target_date, target) is at on `day`."""
    if target_date <= starts_on:
        return 1.0
    return min(1.0, max(0.0, (day - starts_on).days / (target_date - starts_on).days))


def share_of(objective: ObjectiveLike, value: float) -> float | None:
    """How much of the way from baseline to target `value` is (0 at or behind the baseline), or None unmeasured."""
    if objective.baseline is None or objective.target is None or objective.target == objective.baseline:
        return None
    return max(0.0, (value - objective.baseline) / (objective.target - objective.baseline))


def progress_of(
    objective: ObjectiveLike, points: Iterable[ProgressPoint], agreement_starts_on: date, today: date
) -> ObjectiveProgress:
    """Where an objective stands on `today`: the one rule every page, API answer and report shows.

    The latest point is the current point (`current_points`) with the latest `as_of`. Its share is how much
    of the way from baseline to target it has come: (value - baseline) / (target - baseline), so a target
    below its baseline (reduce emissions from 100 to 60) counts the same way as one above; a value on the
    wrong side of the baseline is 0. The status:

    - "unmeasured": the objective has no baseline or no target, or nothing is recorded yet (and it is not overdue);
    - "reached": the latest value has come the whole way (share >= 1), whenever that was;
    - "overdue": the target date has passed (today is after it) and the target is not reached;
    - "behind": the share is more than TOLERANCE (10 points of the way) below the straight line from
      (the agreement's start, baseline) to (target date, target) on the latest point's date;
    - "on-track": otherwise, including an objective with no target date (nothing to fall behind).
    """
    current = current_points(points)
    latest = current[-1] if current else None
    measured = objective.baseline is not None and objective.target is not None
    share = share_of(objective, latest.value) if latest is not None else None
    late = objective.target_date is not None and today > objective.target_date
    if not measured:
        return ObjectiveProgress(latest, None, "unmeasured")
    if share is not None and share >= 1.0:
        return ObjectiveProgress(latest, share, "reached")
    if late:
        return ObjectiveProgress(latest, share, "overdue")
    if latest is None or share is None:
        return ObjectiveProgress(latest, share, "unmeasured")
    if objective.target_date is None:
        return ObjectiveProgress(latest, share, "on-track")
    expected = expected_share(agreement_starts_on, objective.target_date, latest.as_of)
    return ObjectiveProgress(latest, share, "behind" if share < expected - TOLERANCE else "on-track")
