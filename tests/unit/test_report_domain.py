"""Publishing the partnership report: only facilitators, at a position the coalition existed at, with its hash."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from coalition.domain import reports
from coalition.domain.base import Change, NotAllowed, NotFound, RuleBroken
from coalition.domain.coalition_state import evolve
from coalition.domain.policy.ending import CoalitionEnded
from coalition.reads.partnership import content_hash
from tests.unit.test_coalition_domain import ANA, BEN, CY, two_members

HASH = "a" * 64
DAY = date(2025, 3, 1)


def test_a_facilitator_publishes_the_report_at_a_position() -> None:
    changes = reports.publish(two_members(), ANA, "r1", 12, HASH, DAY, "ro", 3)

    assert changes == [
        Change(
            "ReportPublished",
            {
                "coalition_id": "c1",
                "report_id": "r1",
                "position": 12,
                "chain_hash": HASH,
                "day": "2025-03-01",
                "language": "ro",
                "published_by": "u-ana",
            },
        )
    ]
    assert "language" not in reports.publish(two_members(), ANA, "r1", 12, HASH, DAY, None, 3)[0].payload


def test_publishing_leaves_the_coalition_as_it_was() -> None:
    state = two_members()
    change = reports.publish(state, ANA, "r1", 12, HASH, DAY, None, 3)[0]

    assert evolve(state, change) == state


@pytest.mark.parametrize("actor", [BEN, CY])
def test_only_facilitators_publish(actor: object) -> None:
    with pytest.raises(NotAllowed, match="only facilitators"):
        reports.publish(two_members(), actor, "r1", 12, HASH, DAY, None, 3)  # type: ignore[arg-type]


def test_no_report_of_a_coalition_before_it_existed_or_without_the_logs_hash() -> None:
    with pytest.raises(RuleBroken, match="did not exist yet"):
        reports.publish(two_members(), ANA, "r1", 2, HASH, DAY, None, 3)
    with pytest.raises(RuleBroken, match="chain hash"):
        reports.publish(two_members(), ANA, "r1", 12, "not a hash", DAY, None, 3)
    with pytest.raises(NotFound):
        reports.publish(None, ANA, "r1", 12, HASH, DAY, None, 3)


def test_once_ended_only_the_final_report_is_published() -> None:
    ended = replace(two_members(), closed_on=date(2025, 6, 30), final_position=40)

    assert reports.publish(ended, ANA, "r1", 40, HASH, DAY, None, 3)[0].payload["position"] == 40
    for position in (12, 41):
        with pytest.raises(CoalitionEnded, match="the coalition has ended on 2025-06-30"):
            reports.publish(ended, ANA, "r1", position, HASH, DAY, None, 3)


def test_the_content_hash_is_of_the_canonical_json_whatever_the_key_order() -> None:
    assert content_hash({"a": 1, "b": ["ș"]}) == content_hash({"b": ["ș"], "a": 1})
    assert content_hash({"a": 1}) != content_hash({"a": 2})
